//! [`Policy`] and [`PolicyRule`]: unions that dispatch on the `type` field.
//!
//! progenitor ignores `discriminator` and would decode a `oneOf` as an untagged enum, where the
//! first variant that happens to fit wins. These enums read `type` first and decode the matching
//! variant; a type this crate does not know, or a known type whose body does not fit the model, is
//! kept as raw JSON in [`UnknownObject`] and re-encoded unchanged.

use schemars::JsonSchema;
use schemars::r#gen::SchemaGenerator;
use schemars::schema::{InstanceType, Schema, SchemaObject, SubschemaValidation};
use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};

use super::Lossless;
use crate::types;

/// An object whose `type` this crate does not know (or whose body did not fit the typed model).
#[derive(Clone, Debug, PartialEq)]
pub struct UnknownObject {
    /// The object exactly as received; re-encoded unchanged.
    pub json: Value,
    /// Why the typed decode was not used: `None` for an unknown `type`, otherwise the decode error
    /// for a known type whose body did not fit.
    pub decode_error: Option<String>,
}

impl UnknownObject {
    /// The `type` field, if any.
    pub fn type_name(&self) -> Option<&str> {
        self.json.get("type").and_then(Value::as_str)
    }
}

/// Defines a union over typed variants chosen by the `type` string.
macro_rules! polymorphic {
    (
        $(#[$meta:meta])*
        $name:ident, $schema_name:literal, $type_enum:ty {
            $( $(#[$vmeta:meta])* $variant:ident($inner:ty) = [$($wire:literal),+] ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant(Box<Lossless<$inner>>), )+
            /// A type this crate does not know, kept as raw JSON.
            Other(UnknownObject),
        }

        impl $name {
            /// Every `type` value decoded into a typed variant.
            pub const KNOWN_TYPES: &'static [&'static str] = &[$($($wire),+),+];

            /// Decodes from JSON by `type`; never fails for a JSON object.
            pub fn from_json(json: Value) -> Self {
                let type_name = json.get("type").and_then(Value::as_str).map(str::to_owned);
                match type_name.as_deref() {
                    $( $(Some($wire))|+ => match Lossless::<$inner>::from_json(json.clone()) {
                        Ok(v) => Self::$variant(Box::new(v)),
                        Err(e) => Self::Other(UnknownObject { json, decode_error: Some(e.to_string()) }),
                    }, )+
                    _ => Self::Other(UnknownObject { json, decode_error: None }),
                }
            }

            /// Encodes to JSON exactly as it would be sent.
            pub fn to_json(&self) -> Result<Value, serde_json::Error> {
                match self {
                    $( Self::$variant(v) => v.to_json(), )+
                    Self::Other(o) => Ok(o.json.clone()),
                }
            }

            /// The `type` as an open enum.
            pub fn type_(&self) -> $type_enum {
                match self {
                    $( Self::$variant(v) => v.type_.clone(), )+
                    Self::Other(o) => <$type_enum>::from(o.type_name().unwrap_or_default()),
                }
            }

            /// The `id`, once the server has assigned one.
            pub fn id(&self) -> Option<&str> {
                match self {
                    $( Self::$variant(v) => v.id.as_deref(), )+
                    Self::Other(o) => o.json.get("id").and_then(Value::as_str),
                }
            }

            /// The `status` (`ACTIVE`, `INACTIVE`, …).
            pub fn status(&self) -> Option<types::LifecycleStatus> {
                match self {
                    $( Self::$variant(v) => v.status.clone(), )+
                    Self::Other(o) => o.json.get("status").and_then(Value::as_str).map(Into::into),
                }
            }

            /// The `priority`.
            pub fn priority(&self) -> Option<i64> {
                match self {
                    $( Self::$variant(v) => v.priority.map(i64::from), )+
                    Self::Other(o) => o.json.get("priority").and_then(Value::as_i64),
                }
            }

            /// `true` when the value was decoded into a typed variant.
            pub fn is_typed(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        $( impl From<$inner> for $name {
            fn from(v: $inner) -> Self { Self::$variant(Box::new(Lossless::new(v))) }
        } )+

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.to_json().map_err(S::Error::custom)?.serialize(serializer)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let json = Value::deserialize(deserializer)?;
                if !json.is_object() {
                    return Err(D::Error::custom(concat!(stringify!($name), " must be a JSON object")));
                }
                Ok(Self::from_json(json))
            }
        }

        /// `oneOf` the typed variants (each pinned to its `type` values) or an object of another type.
        impl JsonSchema for $name {
            fn schema_name() -> String {
                $schema_name.to_string()
            }
            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                let mut one_of = vec![$( pinned(generator.subschema_for::<$inner>(), &[$($wire),+]), )+];
                let other: Schema = serde_json::from_value(json!({
                    "type": "object",
                    "required": ["type"],
                    "properties": {"type": {"type": "string", "not": {"enum": Self::KNOWN_TYPES}}}
                })).unwrap_or(Schema::Bool(true));
                one_of.push(other);
                SchemaObject {
                    subschemas: Some(Box::new(SubschemaValidation { one_of: Some(one_of), ..Default::default() })),
                    ..Default::default()
                }
                .into()
            }
        }
    };
}

/// `allOf: [schema, {type: {enum: values}, required: [type]}]`.
fn pinned(schema: Schema, values: &[&str]) -> Schema {
    let pin: Schema = serde_json::from_value(json!({
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": values}}
    }))
    .unwrap_or(Schema::Bool(true));
    SchemaObject {
        instance_type: Some(InstanceType::Object.into()),
        subschemas: Some(Box::new(SubschemaValidation {
            all_of: Some(vec![schema, pin]),
            ..Default::default()
        })),
        ..Default::default()
    }
    .into()
}

polymorphic! {
    /// A policy of any type, decoded by its `type`.
    ///
    /// ```
    /// use okta_mgmt::types::Policy;
    /// let p: Policy = serde_json::from_str(r#"{"type":"PASSWORD","name":"p","settings":{}}"#).unwrap();
    /// assert!(matches!(p, Policy::Password(_)));
    /// ```
    Policy, "Policy", types::PolicyType {
        /// `OKTA_SIGN_ON`: global session policy.
        OktaSignOn(types::OktaSignOnPolicy) = ["OKTA_SIGN_ON"],
        /// `PASSWORD`.
        Password(types::PasswordPolicy) = ["PASSWORD"],
        /// `MFA_ENROLL`.
        MfaEnroll(types::MfaEnrollPolicy) = ["MFA_ENROLL"],
        /// `ACCESS_POLICY`: authentication policy (also the account management policy).
        Access(types::AccessPolicy) = ["ACCESS_POLICY"],
        /// `PROFILE_ENROLLMENT`.
        ProfileEnrollment(types::ProfileEnrollmentPolicy) = ["PROFILE_ENROLLMENT"],
        /// `DEVICE_SIGNAL_COLLECTION`.
        DeviceSignalCollection(types::DeviceSignalCollectionPolicy) = ["DEVICE_SIGNAL_COLLECTION"],
        /// `Okta:SignOn` (Identity Engine beta name).
        BetaSignOn(types::BetaSignOnPolicy) = ["Okta:SignOn"],
        /// `Okta:ProfileEnrollment` (Identity Engine beta name).
        BetaProfileEnrollment(types::BetaProfileEnrollmentPolicy) = ["Okta:ProfileEnrollment"],
    }
}

impl Policy {
    /// The `name`.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::OktaSignOn(v) => Some(&v.name),
            Self::Password(v) => Some(&v.name),
            Self::MfaEnroll(v) => Some(&v.name),
            Self::Access(v) => Some(&v.name),
            Self::ProfileEnrollment(v) => Some(&v.name),
            Self::DeviceSignalCollection(v) => Some(&v.name),
            Self::BetaSignOn(v) => Some(&v.name),
            Self::BetaProfileEnrollment(v) => Some(&v.name),
            Self::Other(o) => o.json.get("name").and_then(Value::as_str),
        }
    }

    /// `_embedded.resourceType` (`APP`, `END_USER_ACCOUNT_MANAGEMENT`, …) of an ACCESS_POLICY.
    pub fn embedded_resource_type(&self) -> Option<String> {
        self.to_json()
            .ok()?
            .pointer("/_embedded/resourceType")?
            .as_str()
            .map(str::to_owned)
    }
}

polymorphic! {
    /// A policy rule of any type, decoded by its `type`.
    ///
    /// Rules of `OKTA_SIGN_ON` policies are `SIGN_ON` in the API (doc 004 writes `OKTA_SIGN_ON`;
    /// both decode as [`PolicyRule::SignOn`]). The beta `Okta:*` types use the key/op/value shape.
    PolicyRule, "PolicyRule", types::PolicyRuleType {
        /// `SIGN_ON`: rule of a global session policy.
        SignOn(types::OktaSignOnPolicyRule) = ["SIGN_ON", "OKTA_SIGN_ON"],
        /// `PASSWORD`.
        Password(types::PasswordPolicyRule) = ["PASSWORD"],
        /// `MFA_ENROLL`.
        MfaEnroll(types::MfaEnrollPolicyRule) = ["MFA_ENROLL"],
        /// `ACCESS_POLICY`: authentication policy rule (`actions.appSignOn`).
        Access(types::AccessPolicyRule) = ["ACCESS_POLICY"],
        /// `PROFILE_ENROLLMENT`.
        ProfileEnrollment(types::ProfileEnrollmentPolicyRule) = ["PROFILE_ENROLLMENT"],
        /// `DEVICE_SIGNAL_COLLECTION` (`actions.deviceSignalCollection`, `conditions.platform`).
        DeviceSignalCollection(types::DeviceSignalCollectionPolicyRule) = ["DEVICE_SIGNAL_COLLECTION"],
        /// `Okta:SignOn` / `Okta:ProfileEnrollment`: key/op/value conditions, `action`, `requirement`.
        Beta(types::BetaPolicyRule) = ["Okta:SignOn", "Okta:ProfileEnrollment"],
    }
}

impl PolicyRule {
    /// The `name`.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::SignOn(v) => Some(&v.name),
            Self::Password(v) => Some(&v.name),
            Self::MfaEnroll(v) => Some(&v.name),
            Self::Access(v) => Some(&v.name),
            Self::ProfileEnrollment(v) => Some(&v.name),
            Self::DeviceSignalCollection(v) => Some(&v.name),
            Self::Beta(v) => Some(&v.name),
            Self::Other(o) => o.json.get("name").and_then(Value::as_str),
        }
    }
}
