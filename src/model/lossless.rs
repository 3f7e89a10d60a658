//! [`Lossless`]: a typed value that remembers the JSON it was decoded from.

use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A typed value that re-encodes as it was read, apart from the fields you changed.
///
/// Okta updates are PUT-replace, so a read-modify-write must send back everything it read. The
/// generated structs keep what serde would drop: unknown fields in `extra`, and the declared
/// fields that arrived as `null`, `[]` or `{}` in `kept_empty` (see
/// [`KeptEmpty`](crate::model::KeptEmpty)), at every depth. Fields you changed take their new
/// value, an empty field you left alone is written back as it came, and a field you cleared is
/// left out. `Lossless` marks the values the client hands out whole (a device, a policy, a rule);
/// access the typed fields through `Deref`/`DerefMut`.
///
/// Decoding reads the typed value straight from the input: no copy of the JSON is kept, so a
/// large listing costs what its typed values cost.
#[derive(Clone, Debug)]
pub struct Lossless<T> {
    value: T,
}

impl<T> Lossless<T> {
    /// Wraps a value (decoded, or built in code).
    pub fn new(value: T) -> Self {
        Self { value }
    }

    /// The typed value.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T: serde::de::DeserializeOwned> Lossless<T> {
    /// Decodes a JSON value.
    pub fn from_json(json: Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(json).map(Self::new)
    }
}

impl<T: Serialize> Lossless<T> {
    /// Encodes to JSON (the same as serializing).
    pub fn to_json(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(&self.value)
    }
}

impl<T> From<T> for Lossless<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T> Deref for Lossless<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for Lossless<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

/// Equality of the typed values.
impl<T: PartialEq> PartialEq for Lossless<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Serialize> Serialize for Lossless<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lossless<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self::new)
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Lossless<T> {
    fn schema_name() -> String {
        T::schema_name()
    }
    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        T::json_schema(generator)
    }
    fn is_referenceable() -> bool {
        T::is_referenceable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{DeviceFields, PasswordPolicy};
    use serde_json::json;

    #[test]
    fn keeps_nulls_and_empty_lists_it_read_at_every_depth() {
        let doc = json!({
            "id": "guo1", "resourceAlternateId": null, "providers": [],
            "profile": {"displayName": "d", "platform": "WINDOWS", "registered": true,
                        "sid": null, "imei": null}
        });
        let t: Lossless<DeviceFields> = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(serde_json::to_value(&t).unwrap(), doc);
        let from_text: Lossless<DeviceFields> = serde_json::from_str(&doc.to_string()).unwrap();
        assert_eq!(from_text.to_json().unwrap(), doc);
    }

    #[test]
    fn changed_fields_win_and_cleared_fields_go() {
        let doc =
            json!({"id": "guo1", "resourceId": "r", "resourceAlternateId": null, "providers": []});
        let mut t: Lossless<DeviceFields> = serde_json::from_value(doc).unwrap();
        t.id = Some("guo2".into());
        t.resource_id = None;
        t.resource_alternate_id = Some("alt".into());
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            json!({"id": "guo2", "resourceAlternateId": "alt", "providers": []})
        );
    }

    #[test]
    fn a_decoded_value_equals_the_same_value_built_in_code() {
        let read: Lossless<DeviceFields> =
            serde_json::from_value(json!({"id": "guo1", "resourceAlternateId": null})).unwrap();
        let built = Lossless::new(DeviceFields {
            id: Some("guo1".into()),
            ..Default::default()
        });
        assert_eq!(read, built);
        assert_eq!(built.to_json().unwrap(), json!({"id": "guo1"}));
    }

    #[test]
    fn a_policy_keeps_its_null_conditions() {
        let doc = json!({"type": "PASSWORD", "name": "p", "conditions": null, "settings": {}});
        let p: Lossless<PasswordPolicy> = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(p.to_json().unwrap(), doc);
    }
}
