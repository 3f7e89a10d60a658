//! One view of the two polymorphic unions, [`Policy`] and [`PolicyRule`], for the corpus's
//! typed-variant check ([`crate::targets`]) and the scenarios' variant and rename steps.
//!
//! The variant names are spelled out here rather than taken from `variant_name()`: the checks
//! test the crate's decoding, so they do not ask the crate what it decoded to.

use okta_mgmt::types::{Policy, PolicyRule, UnknownObject};

/// A policy or a rule: its variant, its undecoded object when untyped, its `type` and name.
pub(crate) trait TypedObject {
    /// The Rust enum in messages: `Policy` or `PolicyRule`.
    const ENUM: &'static str;
    /// The object in messages: `policy` or `rule`.
    const NOUN: &'static str;
    /// The variant a value of this wire `type` must decode into; `None` for a type the crate
    /// does not know.
    fn expected_variant(type_: &str) -> Option<&'static str>;
    /// The variant this value decoded into (`Other` when untyped).
    fn variant(&self) -> &'static str;
    /// The undecoded object of the `Other` variant.
    fn unknown(&self) -> Option<&UnknownObject>;
    /// The `type` it reports.
    fn type_text(&self) -> String;
    /// Its `name`.
    fn name_of(&self) -> Option<&str>;
    /// Sets its `name`.
    fn rename_to(&mut self, name: &str);

    /// Whether it decoded into a typed variant.
    fn is_typed(&self) -> bool {
        self.unknown().is_none()
    }

    /// Why an untyped value did not decode, if it says.
    fn decode_error(&self) -> Option<&str> {
        self.unknown().and_then(|o| o.decode_error.as_deref())
    }

    /// The typed variant, or `Other` with its type and the reason it is untyped.
    fn described_variant(&self) -> String {
        let Some(o) = self.unknown() else {
            return self.variant().to_owned();
        };
        format!(
            "Other (type {:?}{})",
            o.type_name().unwrap_or_default(),
            o.decode_error
                .as_ref()
                .map(|e| format!(", decode error: {e}"))
                .unwrap_or_default()
        )
    }
}

/// Implements [`TypedObject`] for the two unions.
macro_rules! typed_object {
    ($($enum:ident: $noun:literal, $expected:path, $variant:path);*) => {$(
        impl TypedObject for $enum {
            const ENUM: &'static str = stringify!($enum);
            const NOUN: &'static str = $noun;
            fn expected_variant(type_: &str) -> Option<&'static str> {
                $expected(type_)
            }
            fn variant(&self) -> &'static str {
                $variant(self)
            }
            fn unknown(&self) -> Option<&UnknownObject> {
                $enum::unknown(self)
            }
            fn type_text(&self) -> String {
                self.type_().as_str().to_owned()
            }
            fn name_of(&self) -> Option<&str> {
                self.name()
            }
            fn rename_to(&mut self, name: &str) {
                self.set_name(name);
            }
        }
    )*};
}

typed_object!(
    Policy: "policy", expected_policy_variant, policy_variant;
    PolicyRule: "rule", expected_rule_variant, rule_variant
);

/// Variant name of a policy.
fn policy_variant(p: &Policy) -> &'static str {
    match p {
        Policy::OktaSignOn(_) => "OktaSignOn",
        Policy::Password(_) => "Password",
        Policy::MfaEnroll(_) => "MfaEnroll",
        Policy::Access(_) => "Access",
        Policy::ProfileEnrollment(_) => "ProfileEnrollment",
        Policy::DeviceSignalCollection(_) => "DeviceSignalCollection",
        Policy::BetaSignOn(_) => "BetaSignOn",
        Policy::BetaProfileEnrollment(_) => "BetaProfileEnrollment",
        Policy::IdpDiscovery(_) => "IdpDiscovery",
        Policy::PostAuthSession(_) => "PostAuthSession",
        Policy::EntityRisk(_) => "EntityRisk",
        Policy::SessionViolationDetection(_) => "SessionViolationDetection",
        Policy::ClientUpdate(_) => "ClientUpdate",
        Policy::IdentityClaimSourcing(_) => "IdentityClaimSourcing",
        Policy::Other(_) => "Other",
        _ => "<new variant>",
    }
}

/// The variant a policy of this `type` must decode into.
fn expected_policy_variant(type_: &str) -> Option<&'static str> {
    Some(match type_ {
        "OKTA_SIGN_ON" => "OktaSignOn",
        "PASSWORD" => "Password",
        "MFA_ENROLL" => "MfaEnroll",
        "ACCESS_POLICY" => "Access",
        "PROFILE_ENROLLMENT" => "ProfileEnrollment",
        "DEVICE_SIGNAL_COLLECTION" => "DeviceSignalCollection",
        "Okta:SignOn" => "BetaSignOn",
        "Okta:ProfileEnrollment" => "BetaProfileEnrollment",
        "IDP_DISCOVERY" => "IdpDiscovery",
        "POST_AUTH_SESSION" => "PostAuthSession",
        "ENTITY_RISK" => "EntityRisk",
        "SESSION_VIOLATION_DETECTION" => "SessionViolationDetection",
        "CLIENT_UPDATE" => "ClientUpdate",
        "IDENTITY_CLAIM_SOURCING" => "IdentityClaimSourcing",
        _ => return None,
    })
}

/// Variant name of a rule.
fn rule_variant(r: &PolicyRule) -> &'static str {
    match r {
        PolicyRule::SignOn(_) => "SignOn",
        PolicyRule::Password(_) => "Password",
        PolicyRule::MfaEnroll(_) => "MfaEnroll",
        PolicyRule::Access(_) => "Access",
        PolicyRule::ProfileEnrollment(_) => "ProfileEnrollment",
        PolicyRule::DeviceSignalCollection(_) => "DeviceSignalCollection",
        PolicyRule::Beta(_) => "Beta",
        PolicyRule::IdpDiscovery(_) => "IdpDiscovery",
        PolicyRule::PostAuthSession(_) => "PostAuthSession",
        PolicyRule::EntityRisk(_) => "EntityRisk",
        PolicyRule::SessionViolationDetection(_) => "SessionViolationDetection",
        PolicyRule::ClientUpdate(_) => "ClientUpdate",
        PolicyRule::IdentityClaimSourcing(_) => "IdentityClaimSourcing",
        PolicyRule::Other(_) => "Other",
        _ => "<new variant>",
    }
}

/// The variant a rule of this `type` must decode into.
fn expected_rule_variant(type_: &str) -> Option<&'static str> {
    Some(match type_ {
        "SIGN_ON" | "OKTA_SIGN_ON" => "SignOn",
        "PASSWORD" => "Password",
        "MFA_ENROLL" => "MfaEnroll",
        "ACCESS_POLICY" => "Access",
        "PROFILE_ENROLLMENT" => "ProfileEnrollment",
        "DEVICE_SIGNAL_COLLECTION" => "DeviceSignalCollection",
        "Okta:SignOn" | "Okta:ProfileEnrollment" => "Beta",
        "IDP_DISCOVERY" => "IdpDiscovery",
        "POST_AUTH_SESSION" => "PostAuthSession",
        "ENTITY_RISK" => "EntityRisk",
        "SESSION_VIOLATION_DETECTION" => "SessionViolationDetection",
        "CLIENT_UPDATE" => "ClientUpdate",
        "IDENTITY_CLAIM_SOURCING" => "IdentityClaimSourcing",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn typed_objects_name_their_variant_and_untyped_ones_say_why() {
        let mut p = Policy::from_json(json!({"type": "PASSWORD", "name": "p"}));
        assert_eq!((p.variant(), p.is_typed()), ("Password", true));
        assert_eq!(Policy::expected_variant("PASSWORD"), Some("Password"));
        p.rename_to("q");
        assert_eq!(p.name_of(), Some("q"));
        let other = Policy::from_json(json!({"type": "FUTURE", "name": "f"}));
        assert_eq!((other.variant(), other.is_typed()), ("Other", false));
        assert_eq!(other.described_variant(), "Other (type \"FUTURE\")");
        assert_eq!(Policy::expected_variant("FUTURE"), None);
        let broken = PolicyRule::from_json(json!({"type": "PASSWORD", "conditions": 7}));
        assert!(broken.decode_error().is_some());
        assert!(
            broken.described_variant().contains("decode error"),
            "{}",
            broken.described_variant()
        );
        assert_eq!(
            PolicyRule::expected_variant("Okta:ProfileEnrollment"),
            Some("Beta")
        );
    }
}
