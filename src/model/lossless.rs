//! [`Lossless`]: a typed value that remembers the JSON it was decoded from.

use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A typed value plus the JSON it was decoded from.
///
/// Okta updates are PUT-replace, so a read-modify-write must send back everything it read.
/// Generated structs keep unknown fields (`extra`), but serde drops explicit `null`s and empty
/// lists of optional fields when re-encoding. `Lossless` re-encodes the typed value laid over the
/// original JSON: fields you changed take their new value, fields the typed value left out are
/// written back when they were `null`, `[]` or `{}`, and everything else comes from the typed value.
/// Access the typed fields through `Deref`/`DerefMut`.
///
/// Decoding keeps the original as its JSON text (a copy of the bytes, no tree) and builds the
/// tree only when it is needed (re-encoding, [`Lossless::original`]), so reading a large list
/// costs little more than decoding the typed values. Decode it with `serde_json` (from bytes,
/// text or a `Value`).
#[derive(Clone, Debug)]
pub struct Lossless<T> {
    value: T,
    original: Option<Original>,
}

/// The JSON a value was decoded from.
#[derive(Clone, Debug)]
enum Original {
    /// As text, parsed into a tree on first use.
    Text(Box<RawValue>, OnceLock<Value>),
    /// Already a tree.
    Tree(Value),
}

impl Original {
    fn tree(&self) -> &Value {
        match self {
            Original::Tree(value) => value,
            Original::Text(raw, parsed) => {
                parsed.get_or_init(|| serde_json::from_str(raw.get()).unwrap_or(Value::Null))
            }
        }
    }
}

impl<T> Lossless<T> {
    /// A value decoded from `raw` by the caller.
    pub(crate) fn with_raw(value: T, raw: Box<RawValue>) -> Self {
        Self {
            value,
            original: Some(Original::Text(raw, OnceLock::new())),
        }
    }

    /// Wraps a value built in code (nothing to preserve).
    pub fn new(value: T) -> Self {
        Self {
            value,
            original: None,
        }
    }

    /// The typed value, dropping the original JSON.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The JSON this value was decoded from, if it was decoded.
    pub fn original(&self) -> Option<&Value> {
        self.original.as_ref().map(Original::tree)
    }
}

impl<T: DeserializeOwned> Lossless<T> {
    /// Decodes a JSON value, keeping it for re-encoding.
    pub fn from_json(json: Value) -> Result<Self, serde_json::Error> {
        let value = T::deserialize(&json)?;
        Ok(Self {
            value,
            original: Some(Original::Tree(json)),
        })
    }
}

impl<T: DeserializeOwned> Lossless<T> {
    /// Decodes from JSON text, keeping the text as the original.
    pub(crate) fn from_raw(raw: Box<RawValue>) -> Result<Self, serde_json::Error> {
        let value = serde_json::from_str::<T>(raw.get())?;
        Ok(Self::with_raw(value, raw))
    }
}

impl<T: Serialize> Lossless<T> {
    /// Encodes to JSON (the same as serializing).
    pub fn to_json(&self) -> Result<Value, serde_json::Error> {
        let typed = serde_json::to_value(&self.value)?;
        Ok(match &self.original {
            Some(original) => overlay(original.tree(), typed),
            None => typed,
        })
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

/// Equality of the typed values (the remembered JSON is not compared).
impl<T: PartialEq> PartialEq for Lossless<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Serialize> Serialize for Lossless<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json()
            .map_err(S::Error::custom)?
            .serialize(serializer)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lossless<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        Self::from_raw(raw).map_err(D::Error::custom)
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

/// Lays `typed` over `original`: see [`Lossless`].
pub(crate) fn overlay(original: &Value, typed: Value) -> Value {
    match (original, typed) {
        (Value::Object(orig), Value::Object(mut typed)) => {
            let mut out = Map::with_capacity(orig.len().max(typed.len()));
            for (key, orig_value) in orig {
                match typed.remove(key) {
                    Some(new_value) => {
                        out.insert(key.clone(), overlay(orig_value, new_value));
                    }
                    None if is_empty_like(orig_value) => {
                        out.insert(key.clone(), orig_value.clone());
                    }
                    None => {}
                }
            }
            out.extend(typed);
            Value::Object(out)
        }
        (Value::Array(orig), Value::Array(typed)) if orig.len() == typed.len() => {
            Value::Array(orig.iter().zip(typed).map(|(o, t)| overlay(o, t)).collect())
        }
        (_, typed) => typed,
    }
}

/// Values serde skips when re-encoding an optional field.
fn is_empty_like(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Thing {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tags: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }

    #[test]
    fn keeps_nulls_and_empty_lists_it_read() {
        let doc = json!({"name": "a", "tags": [], "note": null});
        let t: Lossless<Thing> = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(serde_json::to_value(&t).unwrap(), doc);
    }

    #[test]
    fn changed_fields_win_and_cleared_fields_go() {
        let doc = json!({"name": "a", "tags": ["x"], "note": "n"});
        let mut t: Lossless<Thing> = serde_json::from_value(doc).unwrap();
        t.name = Some("b".into());
        t.note = None;
        t.tags.push("y".into());
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            json!({"name": "b", "tags": ["x", "y"]})
        );
    }

    #[test]
    fn a_field_the_type_drops_is_not_resurrected() {
        // `extra` is not a field of Thing and Thing keeps no extras: overlay must not hide that.
        let doc = json!({"name": "a", "extra": 1});
        let t: Lossless<Thing> = serde_json::from_value(doc).unwrap();
        assert_eq!(serde_json::to_value(&t).unwrap(), json!({"name": "a"}));
    }

    #[test]
    fn built_in_code_encodes_plainly() {
        let t = Lossless::new(Thing {
            name: Some("a".into()),
            tags: vec![],
            note: None,
        });
        assert_eq!(serde_json::to_value(&t).unwrap(), json!({"name": "a"}));
    }
}
