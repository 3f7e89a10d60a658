//! Which Rust type of `okta-mgmt` each schema name of the corpus or the spec decodes into
//! ([`ObjectTarget`]), and the typed-variant checks of decoded policies and rules.
//!
//! Shared by the replay ([`crate::replay`]) and the schema validation ([`crate::schema_check`]),
//! which both import it (neither imports the other's internals for it).
//!
//! Fragment types are wrapped in [`Lossless`] so that explicit `null`s and empty lists the
//! example shows survive the round trip (`Policy`, `PolicyRule`, `Device` and `PolicyMapping`
//! are lossless already).

use okta_mgmt::OktaError;
use okta_mgmt::types::{self, Lossless, Policy, PolicyRule};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::typed_object::TypedObject;

/// A schema name of the corpus or the spec, and the Rust type its examples decode into.
#[derive(Clone, Copy, Debug)]
pub struct ObjectTarget {
    /// The name (a corpus `schema:` value or a spec component schema).
    pub name: &'static str,
    /// The spec component schema it stands for.
    pub spec_schema: &'static str,
    /// Whether an example is an array of `spec_schema` items.
    pub array: bool,
    /// The Rust type an example (or each item) decodes into.
    pub rust_type: &'static str,
    /// Why `name` is not the spec's name, when it is an alias.
    pub alias_note: Option<&'static str>,
    roundtrip: fn(&Value) -> Result<Value, String>,
    rust_schema: fn() -> Result<Value, String>,
    typed_check: fn(&Value, &mut Vec<String>),
}

impl ObjectTarget {
    /// JSON Schema (draft 7, with `definitions`) that schemars derives for the Rust type of one
    /// item.
    pub fn rust_schema(&self) -> Result<Value, String> {
        (self.rust_schema)()
    }

    /// Decodes `value` into the Rust type and encodes it again.
    pub fn roundtrip(&self, value: &Value) -> Result<Value, String> {
        (self.roundtrip)(value)
    }

    /// Typed-variant problems of a decoded policy or rule (nothing for other types).
    pub fn typed_check(&self, value: &Value) -> Vec<String> {
        let mut out = Vec::new();
        (self.typed_check)(value, &mut out);
        out
    }
}

fn rt<T: DeserializeOwned + Serialize>(v: &Value) -> Result<Value, String> {
    let decoded: T = T::deserialize(v).map_err(|e| e.to_string())?;
    serde_json::to_value(&decoded).map_err(|e| e.to_string())
}

fn sc<T: JsonSchema>() -> Result<Value, String> {
    serde_json::to_value(schemars::schema_for!(T)).map_err(|e| e.to_string())
}

fn no_check(_: &Value, _: &mut Vec<String>) {}

fn policy_check(v: &Value, out: &mut Vec<String>) {
    check_policy(&Policy::from_json(v.clone()), v, "", out);
}

fn rule_check(v: &Value, out: &mut Vec<String>) {
    check_rule(&PolicyRule::from_json(v.clone()), v, "", out);
}

macro_rules! target {
    ($name:literal => $spec:literal, $ty:ty) => {
        target!(@ $name, $spec, false, $ty, $ty, None, no_check)
    };
    ($name:literal => $spec:literal, $ty:ty, alias $note:literal) => {
        target!(@ $name, $spec, false, $ty, $ty, Some($note), no_check)
    };
    (@ $name:expr, $spec:expr, $array:expr, $item:ty, $whole:ty, $note:expr, $check:expr) => {
        ObjectTarget {
            name: $name,
            spec_schema: $spec,
            array: $array,
            rust_type: stringify!($whole),
            alias_note: $note,
            roundtrip: rt::<$whole>,
            rust_schema: sc::<$item>,
            typed_check: $check,
        }
    };
}

/// Every name a standalone example or an operation body may use.
static TARGETS: &[ObjectTarget] = &[
    target!(@ "Policy", "Policy", false, Policy, Policy, None, policy_check),
    target!(@ "PolicyRule", "PolicyRule", false, PolicyRule, PolicyRule, None, rule_check),
    target!("PolicyMapping" => "PolicyMapping", types::PolicyMapping),
    target!("PolicyMappingRequest" => "PolicyMappingRequest", Lossless<types::PolicyMappingRequest>),
    target!("Device" => "Device", types::Device),
    target!("DeviceProfile" => "DeviceProfile", Lossless<types::DeviceProfile>),
    target!("DeviceDisplayName" => "DeviceDisplayName", Lossless<types::DeviceDisplayName>),
    target!("DeviceEmbedded" => "DeviceEmbedded", Lossless<types::DeviceEmbedded>),
    target!("Links" => "Links", Lossless<types::Links>),
    target!("DeviceLinks" => "Links", Lossless<types::Links>,
        alias "the corpus says DeviceLinks; the spec's schema for `_links` is Links"),
    target!("Error" => "Error", Lossless<OktaError>),
    target!("DeviceUser" => "DeviceUser", types::DeviceUser),
    target!("UserDevice" => "UserDevice", types::UserDevice),
    target!("SimulatePolicyBody" => "SimulatePolicyBody", types::SimulatePolicyBody),
    target!("SimulatePolicyEvaluation" => "SimulatePolicyEvaluation", types::SimulatePolicyEvaluation),
    target!("OktaError" => "Error", Lossless<OktaError>, alias "the spec calls it Error"),
    target!("VerificationMethod" => "VerificationMethod", Lossless<types::VerificationMethod>),
    target!("AuthenticatorConstraints" => "AuthenticatorConstraints", Lossless<types::AuthenticatorConstraints>),
    target!("PolicyConditions" => "PolicyConditions", Lossless<types::PolicyConditions>),
    target!("PolicyRuleConditions" => "PolicyRuleConditions", Lossless<types::PolicyRuleConditions>),
    target!("PolicyPeopleCondition" => "PolicyPeopleCondition", Lossless<types::PolicyPeopleCondition>),
    target!("PlatformCondition" => "PlatformCondition", Lossless<types::PlatformCondition>),
    target!("DeviceCondition" => "DeviceCondition", Lossless<types::DeviceCondition>),
    target!("PasswordPolicySettings" => "PasswordPolicySettings", Lossless<types::PasswordPolicySettings>),
    target!("PasswordPolicyPasswordSettings" => "PasswordPolicyPasswordSettings", Lossless<types::PasswordPolicyPasswordSettings>),
    target!("PasswordPolicyRuleActions" => "PasswordPolicyRuleActions", Lossless<types::PasswordPolicyRuleActions>),
    target!("OktaSignOnPolicyRuleActions" => "OktaSignOnPolicyRuleActions", Lossless<types::OktaSignOnPolicyRuleActions>),
    target!("OktaSignOnPolicyRuleSignonActions" => "OktaSignOnPolicyRuleSignonActions", Lossless<types::OktaSignOnPolicyRuleSignonActions>),
    target!("MfaEnrollPolicySettings" => "MfaEnrollPolicySettings", Lossless<types::MfaEnrollPolicySettings>),
    target!("MultifactorEnrollmentPolicySettings" => "MfaEnrollPolicySettings", Lossless<types::MfaEnrollPolicySettings>,
        alias "the corpus says MultifactorEnrollmentPolicySettings; the spec's schema is MfaEnrollPolicySettings"),
    target!("MfaEnrollPolicyRuleActions" => "MfaEnrollPolicyRuleActions", Lossless<types::MfaEnrollPolicyRuleActions>),
    target!("PolicyRuleActions" => "MfaEnrollPolicyRuleActions", Lossless<types::MfaEnrollPolicyRuleActions>,
        alias "the corpus says PolicyRuleActions (no such spec schema); its only use is the MFA enrollment rule actions example, MfaEnrollPolicyRuleActions"),
    target!("AccessPolicyRuleActions" => "AccessPolicyRuleActions", Lossless<types::AccessPolicyRuleActions>),
    target!("DeviceSignalCollectionPolicyRuleActions" => "DeviceSignalCollectionPolicyRuleActions", Lossless<types::DeviceSignalCollectionPolicyRuleActions>),
    target!("BetaRuleRequirement" => "BetaRuleRequirement", Lossless<types::BetaRuleRequirement>),
    target!("ProfileEnrollmentRuleRequirement" => "BetaRuleRequirement", Lossless<types::BetaRuleRequirement>,
        alias "the corpus says ProfileEnrollmentRuleRequirement; the spec's schema for a beta rule's `requirement` is BetaRuleRequirement"),
    target!("BetaRuleCondition" => "BetaRuleCondition", Lossless<types::BetaRuleCondition>),
    target!(@ "RuleConditionList", "BetaRuleCondition", true,
        Lossless<types::BetaRuleCondition>, Vec<Lossless<types::BetaRuleCondition>>,
        Some("the corpus says RuleConditionList; the spec has BetaPolicyRule.conditions: array of BetaRuleCondition"),
        no_check),
];

/// The target of a corpus or spec schema name; `None` when the name maps to no Rust type.
pub fn object_target(name: &str) -> Option<&'static ObjectTarget> {
    TARGETS.iter().find(|t| t.name == name)
}

/// Every known target (for the coverage report).
pub fn object_targets() -> &'static [ObjectTarget] {
    TARGETS
}

/// Decodes `value` into `schema`'s Rust type and returns the re-encoded JSON.
pub fn roundtrip_object(schema: &str, value: &Value) -> Result<Value, String> {
    object_target(schema)
        .ok_or_else(|| format!("schema {schema} maps to no Rust type"))?
        .roundtrip(value)
}

/// An object of a known `type` is typed, of the matching variant, and reports that type; one
/// of an unknown `type` stays untyped.
fn check_typed<T: TypedObject>(object: &T, json: &Value, ptr: &str, failures: &mut Vec<String>) {
    let at = if ptr.is_empty() { "/" } else { ptr };
    let (noun, enum_) = (T::NOUN, T::ENUM);
    let Some(t) = json.get("type").and_then(Value::as_str) else {
        failures.push(format!("{at}: the {noun} has no string `type`"));
        return;
    };
    let actual = object.variant();
    match T::expected_variant(t) {
        Some(expected) if !object.is_typed() || actual != expected => failures.push(format!(
            "{at}: a {t} {noun} must decode as {enum_}::{expected}, got {enum_}::{actual} ({})",
            object.decode_error().unwrap_or_default()
        )),
        Some(_) if object.type_text() != t => failures.push(format!(
            "{at}: type_() is {} but the JSON says {t}",
            object.type_text()
        )),
        Some(_) => {}
        None if object.is_typed() => failures.push(format!(
            "{at}: unknown {noun} type {t} decoded as {enum_}::{actual} instead of {enum_}::Other"
        )),
        None => {}
    }
}

/// A policy of a known `type` is typed, of the matching variant, and reports that type; its
/// embedded rules are checked too.
pub(crate) fn check_policy(p: &Policy, json: &Value, ptr: &str, failures: &mut Vec<String>) {
    check_typed(p, json, ptr, failures);
    if let Some(rules) = json.pointer("/_embedded/rules").and_then(Value::as_array) {
        for (i, r) in rules.iter().enumerate() {
            let rule = PolicyRule::from_json(r.clone());
            check_rule(&rule, r, &format!("{ptr}/_embedded/rules/{i}"), failures);
        }
    }
}

/// A rule of a known `type` is typed, of the matching variant, and reports that type.
pub(crate) fn check_rule(r: &PolicyRule, json: &Value, ptr: &str, failures: &mut Vec<String>) {
    check_typed(r, json, ptr, failures);
}
