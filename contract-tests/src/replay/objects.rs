//! Standalone object examples: which Rust type a schema name decodes into, and the
//! decode → re-encode check.
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

use super::call::{check_policy, check_rule};
use super::{CaseOutcome, Documented, json_diff};
use crate::corpus::Case;

/// A schema name of the corpus or the spec, and the Rust type its examples decode into.
#[derive(Clone, Copy)]
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

impl std::fmt::Debug for ObjectTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectTarget")
            .field("name", &self.name)
            .field("spec_schema", &self.spec_schema)
            .field("array", &self.array)
            .field("rust_type", &self.rust_type)
            .finish()
    }
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

/// Decode → re-encode check of a standalone example.
pub(super) fn replay_object(case: &Case, doc: &Documented, outcome: &mut CaseOutcome) {
    let Some(name) = case.schema.as_deref() else {
        outcome.failures.push("the case names no schema".into());
        return;
    };
    let Some(target) = object_target(name) else {
        outcome.failures.push(format!(
            "schema {name} maps to no Rust type (it is not a spec schema and has no alias)"
        ));
        return;
    };
    if let Some(note) = target.alias_note {
        outcome.notes.push(format!("schema name: {note}"));
    }
    let pointer = case.schema_pointer.as_deref().unwrap_or("");
    let Some(fragment) = doc.example.as_ref().and_then(|e| e.pointer(pointer)) else {
        outcome.failures.push(format!(
            "the example has nothing at schema_pointer {pointer:?}"
        ));
        return;
    };
    match target.roundtrip(fragment) {
        Ok(actual) => {
            let diff = json_diff(fragment, &actual, 12);
            if !diff.is_empty() {
                outcome.failures.push(format!(
                    "re-encoding the decoded {} does not give back the example: {}",
                    target.rust_type,
                    diff.join("; ")
                ));
            }
        }
        Err(e) => outcome.failures.push(format!(
            "the example does not decode into {}: {e}",
            target.rust_type
        )),
    }
    outcome.failures.extend(target.typed_check(fragment));
}

/// Decode → re-encode check of a documented response without a request: the body decodes
/// into the Rust type of the operation's declared response for the status (each item of an
/// array body), with the typed-variant check, and re-encodes to the documented JSON.
pub(super) fn replay_response(case: &Case, doc: &Documented, outcome: &mut CaseOutcome) {
    let (Some(op_id), Some(resp)) = (case.operation.as_deref(), case.response.as_ref()) else {
        outcome
            .failures
            .push("a response-only case needs an operation and a response".into());
        return;
    };
    outcome.notes.push(format!(
        "no documented request: the {} response was decoded into the operation's typed response without a call",
        resp.status
    ));
    let spec = match crate::schema_check::spec() {
        Ok(s) => s,
        Err(e) => {
            outcome.failures.push(e.to_string());
            return;
        }
    };
    let Some(op) = spec.operation(op_id) else {
        outcome
            .failures
            .push(format!("operation {op_id} is not in the spec"));
        return;
    };
    let Some(declared) = op.response(resp.status) else {
        // validate_case reports the undeclared status.
        return;
    };
    let (Some(node), Some(body)) = (declared.body.as_ref(), doc.response_body.as_ref()) else {
        if doc.response_body.is_some() {
            outcome.failures.push(format!(
                "a response body is documented but {op_id} declares none for {}",
                resp.status
            ));
        }
        return;
    };
    let Some((target, array)) = crate::schema_check::body_target(node) else {
        outcome.failures.push(format!(
            "the {} response of {op_id} maps to no Rust type",
            resp.status
        ));
        return;
    };
    let items: Vec<(String, &Value)> = if array && !target.array {
        match body.as_array() {
            Some(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("/{i}"), v))
                .collect(),
            None => {
                outcome.failures.push(format!(
                    "the {} response of {op_id} is a list; the example is not",
                    resp.status
                ));
                return;
            }
        }
    } else {
        vec![(String::new(), body)]
    };
    for (ptr, item) in items {
        match target.roundtrip(item) {
            Ok(actual) => {
                let diff = json_diff(item, &actual, 12);
                if !diff.is_empty() {
                    outcome.failures.push(format!(
                        "re-encoding the decoded {} does not give back the documented body{ptr}: {}",
                        target.rust_type,
                        diff.join("; ")
                    ));
                }
            }
            Err(e) => outcome.failures.push(format!(
                "the documented body{ptr} does not decode into {}: {e}",
                target.rust_type
            )),
        }
        outcome.failures.extend(
            target
                .typed_check(item)
                .into_iter()
                .map(|f| format!("body{ptr}: {f}")),
        );
    }
}
