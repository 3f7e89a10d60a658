//! Forward compatibility: types dispatch on `type`, unknown types / enum values / fields decode and
//! re-encode unchanged, and a read-modify-write keeps everything it did not change.

use okta_mgmt::types::{
    Device, DeviceStatus, LifecycleStatus, Policy, PolicyRule, PolicyRuleType, PolicyType,
};
use pretty_assertions::assert_eq;
use rstest::rstest;
use serde_json::{Value, json};

fn roundtrip<T: serde::Serialize + serde::de::DeserializeOwned>(doc: &Value) -> (T, Value) {
    let typed: T = serde_json::from_value(doc.clone()).expect("decodes");
    let back = serde_json::to_value(&typed).expect("encodes");
    (typed, back)
}

#[test]
fn password_policy_decodes_as_password_not_the_first_variant_that_fits() {
    // This body also fits the OKTA_SIGN_ON shape; an untagged enum would pick that.
    let doc =
        json!({"type": "PASSWORD", "name": "Default Policy", "status": "ACTIVE", "priority": 1});
    let (p, back): (Policy, _) = roundtrip(&doc);
    assert!(matches!(p, Policy::Password(_)), "{p:?}");
    assert_eq!(p.type_(), PolicyType::Password);
    assert_eq!(back, doc);
}

/// `debug` (a decoded object's `Debug`) names `variant`.
fn assert_variant(debug: &str, wire: &str, variant: &str) {
    assert!(
        debug.starts_with(&format!("{variant}(")),
        "{wire} decoded as {debug}"
    );
}

/// Each type on the wire, the `Policy` variant it decodes to (none: not a policy type) and the
/// `PolicyRule` variant.
#[rstest]
#[case("SIGN_ON", None, "SignOn")]
#[case("OKTA_SIGN_ON", Some("OktaSignOn"), "SignOn")]
#[case("PASSWORD", Some("Password"), "Password")]
#[case("MFA_ENROLL", Some("MfaEnroll"), "MfaEnroll")]
#[case("ACCESS_POLICY", Some("Access"), "Access")]
#[case("PROFILE_ENROLLMENT", Some("ProfileEnrollment"), "ProfileEnrollment")]
#[case(
    "DEVICE_SIGNAL_COLLECTION",
    Some("DeviceSignalCollection"),
    "DeviceSignalCollection"
)]
#[case("Okta:SignOn", Some("BetaSignOn"), "Beta")]
#[case("Okta:ProfileEnrollment", Some("BetaProfileEnrollment"), "Beta")]
#[case("IDP_DISCOVERY", Some("IdpDiscovery"), "IdpDiscovery")]
#[case("POST_AUTH_SESSION", Some("PostAuthSession"), "PostAuthSession")]
#[case("ENTITY_RISK", Some("EntityRisk"), "EntityRisk")]
#[case(
    "SESSION_VIOLATION_DETECTION",
    Some("SessionViolationDetection"),
    "SessionViolationDetection"
)]
#[case("CLIENT_UPDATE", Some("ClientUpdate"), "ClientUpdate")]
#[case(
    "IDENTITY_CLAIM_SOURCING",
    Some("IdentityClaimSourcing"),
    "IdentityClaimSourcing"
)]
fn every_type_dispatches_to_its_variant(
    #[case] wire: &str,
    #[case] policy_variant: Option<&str>,
    #[case] rule_variant: &str,
) {
    if let Some(variant) = policy_variant {
        let doc = json!({"type": wire, "name": "p"});
        let (p, back): (Policy, _) = roundtrip(&doc);
        assert_variant(&format!("{p:?}"), wire, variant);
        assert!(p.is_typed());
        assert_eq!(p.type_().as_str(), wire);
        assert_eq!(back, doc);
    }
    let doc = json!({"type": wire, "name": "r"});
    let (r, back): (PolicyRule, _) = roundtrip(&doc);
    assert_variant(&format!("{r:?}"), wire, rule_variant);
    assert_eq!(back, doc);
}

#[test]
fn unknown_policy_type_is_kept_raw_and_reencoded_unchanged() {
    let doc = json!({
        "type": "CONTINUOUS_ACCESS_2030",
        "id": "rst1",
        "name": "future",
        "settings": {"quantum": {"level": 9}},
        "conditions": null
    });
    let (p, back): (Policy, _) = roundtrip(&doc);
    let Policy::Other(o) = &p else {
        panic!("expected Other, got {p:?}")
    };
    assert_eq!(o.decode_error, None);
    assert_eq!(
        p.type_(),
        PolicyType::Other("CONTINUOUS_ACCESS_2030".into())
    );
    assert_eq!(p.id(), Some("rst1"));
    assert_eq!(back, doc);
}

#[test]
fn known_type_whose_body_does_not_fit_is_kept_raw_with_the_reason() {
    // `name` is required by the model and `priority` must be a number.
    let doc = json!({"type": "PASSWORD", "priority": "1"});
    let (p, back): (Policy, _) = roundtrip(&doc);
    let Policy::Other(o) = &p else {
        panic!("expected Other, got {p:?}")
    };
    assert!(o.decode_error.as_deref().is_some_and(|e| !e.is_empty()));
    assert_eq!(back, doc);
}

#[test]
fn unknown_enum_values_decode_and_reencode() {
    let doc = json!({"type": "PASSWORD", "name": "p", "status": "PENDING_REVIEW"});
    let (p, back): (Policy, _) = roundtrip(&doc);
    assert_eq!(
        p.status(),
        Some(LifecycleStatus::Other("PENDING_REVIEW".into()))
    );
    assert_eq!(back, doc);

    let s: DeviceStatus = serde_json::from_value(json!("QUARANTINED")).unwrap();
    assert!(!s.is_known());
    assert_eq!(serde_json::to_value(&s).unwrap(), json!("QUARANTINED"));
    let t: PolicyRuleType = "SIGN_ON".parse().unwrap();
    assert_eq!(t, PolicyRuleType::SignOn);
}

#[test]
fn unknown_fields_survive_at_every_depth() {
    let doc = json!({
        "type": "PASSWORD",
        "name": "p",
        "brandNewTopLevel": {"a": 1},
        "settings": {
            "password": {
                "complexity": {"minLength": 8, "excludeFirstName": true},
                "breachedProtection": {"expireAfterDays": null}
            },
            "recovery": {"factors": {"okta_email": {"status": "ACTIVE", "futureKnob": [1, 2]}}}
        },
        "conditions": {"people": {"groups": {"include": ["00g1"]}}, "riskScore": {"level": "ANY"}}
    });
    let (_, back): (Policy, _) = roundtrip(&doc);
    assert_eq!(back, doc);
}

const DEVICE: &str = r#"{
   "id":"guo8jx5vVoxfvJeLb0w4",
   "status":"ACTIVE",
   "created":"2020-11-03T21:47:01.000Z",
   "lastUpdated":"2020-11-03T23:46:27.000Z",
   "profile":{
      "displayName":"DESKTOP-EHAD3IE",
      "platform":"WINDOWS",
      "serialNumber":"56 4d 4f 95 74 c5 d3 e7-fc 3a 57 9c c2 f8 5d ce",
      "imei": null,
      "sid":"S-1-5-21-3992267483-1860856704-2413701314-500",
      "registered":true,
      "secureHardwarePresent":false,
      "diskEncryptionType": "ALL_INTERNAL_VOLUMES"
   },
   "resourceId":"guo8jx5vVoxfvJeLb0w4",
   "resourceDisplayName":{"value":"DESKTOP-EHAD3IE","sensitive":false},
   "resourceType":"UDDevice",
   "resourceAlternateId":null,
   "_links":{"self":{"href":"https://example.okta.com/api/v1/devices/guo8jx5vVoxfvJeLb0w4","hints":{"allow":["GET","PATCH","PUT"]}}}
}"#;

#[test]
fn device_with_nulls_roundtrips_and_read_modify_write_keeps_the_rest() {
    let doc: Value = serde_json::from_str(DEVICE).unwrap();
    let (mut device, back): (Device, _) = roundtrip(&doc);
    assert_eq!(back, doc);
    assert_eq!(device.status, Some(DeviceStatus::Active));
    assert_eq!(
        device.created.as_ref().map(|t| t.as_str()),
        Some("2020-11-03T21:47:01.000Z")
    );

    // Change one field: everything else, nulls included, is written back.
    device.profile.as_mut().unwrap().secure_hardware_present = Some(true);
    let mut expected = doc.clone();
    expected["profile"]["secureHardwarePresent"] = json!(true);
    assert_eq!(serde_json::to_value(&device).unwrap(), expected);
}

#[test]
fn three_rule_shapes_decode_into_their_typed_models() {
    let classic = json!({
        "type": "PASSWORD", "id": "0pr1", "name": "Legacy Rule", "priority": 1, "system": false,
        "conditions": {"people": {"users": {"exclude": []}}, "network": {"connection": "ANYWHERE"}},
        "actions": {"passwordChange": {"access": "ALLOW"}, "selfServiceUnlock": {"access": "DENY"}}
    });
    let (r, back): (PolicyRule, _) = roundtrip(&classic);
    let PolicyRule::Password(p) = &r else {
        panic!("{r:?}")
    };
    let actions = p.actions.as_ref().unwrap();
    assert_eq!(
        actions
            .self_service_unlock
            .as_ref()
            .unwrap()
            .access
            .as_ref()
            .unwrap()
            .as_str(),
        "DENY"
    );
    assert_eq!(back, classic);

    let beta = json!({
        "type": "Okta:SignOn", "name": "Example", "priority": 0,
        "conditions": [{"key": "Okta:User", "op": "IN_LIST", "value": ["00u1"]}],
        "action": "ALLOW",
        "requirement": {"verificationMethod": {"type": "ASSURANCE", "factorMode": "1FA",
            "constraints": [{"knowledge": {"types": ["password"]}}], "reauthenticateIn": "PT1M"}}
    });
    let (r, back): (PolicyRule, _) = roundtrip(&beta);
    let PolicyRule::Beta(b) = &r else {
        panic!("{r:?}")
    };
    assert_eq!(b.conditions[0].key, "Okta:User");
    assert_eq!(back, beta);

    let ie = json!({
        "type": "DEVICE_SIGNAL_COLLECTION", "name": "Device signal collection rule",
        "actions": {"deviceSignalCollection": {"deviceContextProviders": [{"key": "OKTA_VERIFY", "userIdentification": "IGNORE"}]}},
        "conditions": {"platform": {"include": [{"type": "MOBILE", "os": {"type": "IOS"}}]}}
    });
    let (r, back): (PolicyRule, _) = roundtrip(&ie);
    let PolicyRule::DeviceSignalCollection(d) = &r else {
        panic!("{r:?}")
    };
    let providers = &d
        .actions
        .as_ref()
        .unwrap()
        .device_signal_collection
        .as_ref()
        .unwrap()
        .device_context_providers;
    assert_eq!(providers[0].key.as_str(), "OKTA_VERIFY");
    assert_eq!(back, ie);
}

#[test]
fn policy_built_in_code_converts_and_encodes() {
    let dsc: okta_mgmt::types::DeviceSignalCollectionPolicy =
        okta_mgmt::types::DeviceSignalCollectionPolicy::builder()
            .name("dsc")
            .type_(PolicyType::DeviceSignalCollection)
            .status(Some(LifecycleStatus::Inactive))
            .extra(serde_json::Map::new())
            .try_into()
            .unwrap();
    let p = Policy::from(dsc);
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({"name": "dsc", "type": "DEVICE_SIGNAL_COLLECTION", "status": "INACTIVE"})
    );
}

#[test]
fn json_schema_of_policy_pins_each_variant_to_its_type() {
    let schema = serde_json::to_value(schemars::schema_for!(Policy)).unwrap();
    let one_of = schema["oneOf"].as_array().expect("oneOf");
    assert_eq!(one_of.len(), Policy::KNOWN_TYPES.len() + 1);
    let text = schema.to_string();
    assert!(text.contains("DEVICE_SIGNAL_COLLECTION"));
}

/// Every known `type` value has a typed variant: build.rs refuses a spec where one has none, and
/// this checks the generated result from the other side.
#[test]
fn every_known_type_value_decodes_typed() {
    for wire in PolicyType::KNOWN {
        let p: Policy =
            serde_json::from_value(json!({"type": wire, "name": "p"})).expect("decodes");
        assert!(
            p.is_typed(),
            "policy type {wire} decoded as {}",
            p.variant_name()
        );
    }
    let untyped_rules: Vec<String> = PolicyRuleType::KNOWN
        .iter()
        .filter_map(|wire| {
            let r: PolicyRule =
                serde_json::from_value(json!({"type": wire, "name": "r"})).expect("decodes");
            (!r.is_typed()).then(|| format!("rule type {wire} decoded as {}", r.variant_name()))
        })
        .collect();
    assert!(untyped_rules.is_empty(), "{untyped_rules:?}");
}

#[test]
fn generated_structs_are_constructible_without_traps() {
    use okta_mgmt::types::{PasswordComplexity, PasswordPolicyPasswordSettings};
    // A builder needs no `.extra(...)` call.
    let built: PasswordComplexity = PasswordComplexity::builder()
        .min_length(14)
        .try_into()
        .expect("a builder with only min_length builds");
    assert_eq!(built.min_length, Some(14));
    // All-optional structs have Default, so new optional fields break no struct literal.
    let settings = PasswordPolicyPasswordSettings {
        complexity: Some(PasswordComplexity {
            min_length: Some(14),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&settings).expect("encodes"),
        json!({"complexity": {"minLength": 14}})
    );
}

#[test]
fn new_published_fields_decode_typed_and_reencode_unchanged() {
    let doc = json!({
        "type": "ACCESS_POLICY", "name": "r",
        "conditions": {
            "userType": {"include": [], "exclude": []},
            "riskScore": {"level": "HIGH"},
            "device": {"assurance": {"include": ["dae1"]}},
            "platform": {"include": [{"type": "DESKTOP", "os": {"type": "LINUX", "expression": null}}]}
        },
        "actions": {"appSignOn": {
            "access": "ALLOW",
            "keepMeSignedIn": {"postAuth": "ALLOWED", "postAuthPromptFrequency": "P30D"},
            "verificationMethod": {"type": "AUTH_METHOD_CHAIN", "chains": [
                {"authenticationMethods": [{"key": "okta_verify", "method": "push", "phishingResistant": "REQUIRED"}],
                 "reauthenticateIn": "PT43800H"}
            ]}
        }}
    });
    let (rule, back): (PolicyRule, _) = roundtrip(&doc);
    let PolicyRule::Access(r) = &rule else {
        panic!("decoded as {}", rule.variant_name())
    };
    let sign_on = r
        .actions
        .as_ref()
        .and_then(|a| a.app_sign_on.as_ref())
        .expect("appSignOn");
    let kmsi = sign_on.keep_me_signed_in.as_ref().expect("keepMeSignedIn");
    assert_eq!(kmsi.post_auth.as_ref().map(|v| v.as_str()), Some("ALLOWED"));
    let chains = &sign_on
        .verification_method
        .as_ref()
        .expect("verificationMethod")
        .chains;
    assert_eq!(chains[0].authentication_methods[0].key, "okta_verify");
    let conditions = r.conditions.as_ref().expect("conditions");
    let level = conditions
        .risk_score
        .as_ref()
        .and_then(|c| c.level.as_ref());
    assert!(level.is_some_and(|l| l.is_known()), "{level:?}");
    assert_eq!(back, doc);
}

/// The decode path reads from bytes and keeps each object's text (not a tree): a page decoded
/// from bytes, edited and re-encoded keeps unknown fields, nulls, empty lists and the order and
/// spelling of everything it did not touch.
#[test]
fn a_page_decoded_from_bytes_reencodes_unknown_fields_unchanged() {
    let page = br#"[
      {"id":"guo1","status":"ACTIVE","futureTop":{"a":[1,2,{"b":null}]},"resourceAlternateId":null,
       "profile":{"displayName":"D1","platform":"MACOS","registered":true,"futureProfile":"x","imei":null},
       "_links":{"self":{"href":"https://x/api/v1/devices/guo1"}},"_embedded":{}},
      {"id":"guo2","status":"NEW_STATUS","providers":[],"profile":{"displayName":"D2","platform":"NEW_OS","registered":false}}
    ]"#;
    let mut devices: Vec<okta_mgmt::types::Device> = serde_json::from_slice(page).unwrap();
    let original: Value = serde_json::from_slice(page).unwrap();
    assert_eq!(serde_json::to_value(&devices).unwrap(), original);
    devices[0].profile.as_mut().unwrap().registered = false;
    let edited = serde_json::to_value(&devices[0]).unwrap();
    let mut expected = original[0].clone();
    expected["profile"]["registered"] = Value::Bool(false);
    assert_eq!(edited, expected);
    let policies: Vec<Policy> = serde_json::from_slice(
        br#"[{"type":"PASSWORD","name":"p","settings":{"password":{"complexity":{"minLength":8,"newRule":1}}},"x":[]},
            {"type":"FUTURE","name":"f","deep":{"k":null}}]"#,
    )
    .unwrap();
    assert!(policies[0].is_typed() && !policies[1].is_typed());
    assert_eq!(
        serde_json::to_value(&policies).unwrap(),
        serde_json::json!([
            {"type":"PASSWORD","name":"p","settings":{"password":{"complexity":{"minLength":8,"newRule":1}}},"x":[]},
            {"type":"FUTURE","name":"f","deep":{"k":null}}
        ])
    );
}

/// The generated structs that keep unknown fields decode through a streaming visitor (no
/// intermediate tree); it must agree with serde's semantics and lose nothing.
mod streaming_decoder {
    use okta_mgmt::types::{DeviceProfile, Links};
    use pretty_assertions::assert_eq;
    use serde_json::{Value, json};

    const PROFILE: &str = r#"{"displayName":"D1","platform":"MACOS","registered":true,
        "futureKnob":{"deep":[1,{"x":null}]},"imei":null,"sid":"S-1","later":"a","later":"b"}"#;

    #[test]
    fn unknown_fields_are_kept_and_reencoded_unchanged() {
        let profile: DeviceProfile = serde_json::from_str(PROFILE).unwrap();
        assert_eq!(
            profile.extra["futureKnob"],
            json!({"deep": [1, {"x": null}]})
        );
        assert_eq!(profile.extra["later"], json!("b"), "a later duplicate wins");
        assert_eq!(
            serde_json::to_value(&profile).unwrap(),
            json!({"displayName":"D1","platform":"MACOS","registered":true,
                   "futureKnob":{"deep":[1,{"x":null}]},"imei":null,"sid":"S-1","later":"b"}),
            "the struct alone (no Lossless) writes back the `null` it read"
        );
    }

    #[test]
    fn bytes_text_and_tree_decode_to_the_same_value() {
        let from_text: DeviceProfile = serde_json::from_str(PROFILE).unwrap();
        let from_bytes: DeviceProfile = serde_json::from_slice(PROFILE.as_bytes()).unwrap();
        let from_reader: DeviceProfile = serde_json::from_reader(PROFILE.as_bytes()).unwrap();
        let tree: Value = serde_json::from_str(PROFILE).unwrap();
        let from_tree: DeviceProfile = serde_json::from_value(tree.clone()).unwrap();
        let from_tree_ref = <DeviceProfile as serde::Deserialize>::deserialize(&tree).unwrap();
        for other in [from_bytes, from_reader, from_tree, from_tree_ref] {
            assert_eq!(other, from_text);
        }
    }

    #[test]
    fn an_escaped_key_still_names_its_known_field() {
        let profile: DeviceProfile = serde_json::from_str(
            r#"{"display\u004eame":"D1","platform":"MACOS","registered":true}"#,
        )
        .unwrap();
        assert_eq!(profile.display_name.as_str(), "D1");
        assert!(profile.extra.is_empty());
    }

    #[rstest::rstest]
    #[case::a_missing_required_field(
        r#"{"platform":"MACOS","registered":true}"#,
        "missing field `displayName`"
    )]
    #[case::a_repeated_known_field(
        r#"{"displayName":"a","displayName":"b","platform":"MACOS","registered":true}"#,
        "duplicate field `displayName`"
    )]
    #[case::not_an_object("[1, 2]", "struct DeviceProfile")]
    #[case::a_constrained_string_out_of_bounds(
        r#"{"displayName":"","platform":"MACOS","registered":true}"#,
        "shorter than 1 characters"
    )]
    fn a_bad_body_is_an_error_that_names_the_cause(#[case] body: &str, #[case] cause: &str) {
        let err = serde_json::from_str::<DeviceProfile>(body).unwrap_err();
        assert!(err.to_string().contains(cause), "{err}");
    }

    #[test]
    fn constrained_strings_check_every_way_in() {
        use okta_mgmt::types::DeviceProfileDisplayName as Name;
        let long = "x".repeat(256);
        assert!(Name::try_from(long.clone()).is_err());
        assert!(long.parse::<Name>().is_err());
        assert!(serde_json::from_value::<Name>(json!(long)).is_err());
        let ok = Name::try_from("D1".to_string()).unwrap();
        assert_eq!(ok.as_str(), "D1");
        assert_eq!(serde_json::from_str::<Name>(r#""D1""#).unwrap(), ok);
        assert_eq!("D1".parse::<Name>().unwrap(), ok);
    }

    /// Length limits count characters, not bytes: the byte-length shortcut in front of the
    /// count must decide as the count does at every limit.
    #[rstest::rstest]
    #[case::at_most_255_of_one_byte("x", 255, true)]
    #[case::not_256_of_one_byte("x", 256, false)]
    #[case::at_most_255_of_two_bytes("é", 255, true)]
    #[case::not_256_of_two_bytes("é", 256, false)]
    #[case::at_most_255_of_four_bytes("🦀", 255, true)]
    #[case::not_256_of_four_bytes("🦀", 256, false)]
    #[case::at_least_1_of_four_bytes("🦀", 1, true)]
    #[case::not_0("x", 0, false)]
    fn length_limits_count_characters(#[case] unit: &str, #[case] n: usize, #[case] ok: bool) {
        use okta_mgmt::types::DeviceProfileDisplayName as Name;
        let text = unit.repeat(n);
        assert_eq!(Name::try_from(text.clone()).is_ok(), ok, "{n} × {unit}");
        assert_eq!(serde_json::from_value::<Name>(json!(text)).is_ok(), ok);
    }

    /// Between 15 and 17 characters (`DeviceProfileImei`): a minimum above 1 with multi-byte
    /// characters, whose byte length passes where the character count does not.
    #[rstest::rstest]
    #[case::fourteen_of_four_bytes(14, false)]
    #[case::fifteen_of_four_bytes(15, true)]
    #[case::seventeen_of_four_bytes(17, true)]
    #[case::eighteen_of_four_bytes(18, false)]
    fn a_minimum_length_counts_characters(#[case] n: usize, #[case] ok: bool) {
        use okta_mgmt::types::DeviceProfileImei as Imei;
        assert_eq!(Imei::try_from("🦀".repeat(n)).is_ok(), ok, "{n}");
    }

    /// `DeviceFields` and `Links` have only optional fields, so they are decoded in place (the
    /// struct starts empty and each field, nested structs included, is decoded where it stays).
    const DEVICE: &str = r#"{"id":"guo1","resourceAlternateId":null,"providers":[],
        "_links":{"self":{"href":"https://x/d","hints":{"allow":["GET"]},"new":1},
                  "users":null,"future":{"href":"https://x/f"}},
        "profile":{"displayName":"D","platform":"IOS","registered":false,"sid":null},
        "_embedded":null,"later":{"k":[]}}"#;

    #[test]
    fn in_place_decoding_keeps_everything_at_every_depth() {
        use okta_mgmt::types::DeviceFields;
        let device: DeviceFields = serde_json::from_str(DEVICE).unwrap();
        let links = device.links.as_ref().unwrap();
        assert_eq!(links.self_.as_ref().unwrap().extra["new"], json!(1));
        assert!(links.users.is_none());
        assert_eq!(links.extra["future"].href.as_deref(), Some("https://x/f"));
        let tree: Value = serde_json::from_str(DEVICE).unwrap();
        assert_eq!(serde_json::to_value(&device).unwrap(), tree);
        let from_bytes: DeviceFields = serde_json::from_slice(DEVICE.as_bytes()).unwrap();
        let from_reader: DeviceFields = serde_json::from_reader(DEVICE.as_bytes()).unwrap();
        let from_tree: DeviceFields = serde_json::from_value(tree.clone()).unwrap();
        for other in [&from_bytes, &from_reader, &from_tree] {
            assert_eq!(other, &device);
            assert_eq!(serde_json::to_value(other).unwrap(), tree);
        }
    }

    #[rstest::rstest]
    #[case::a_repeated_known_field(r#"{"id":"a","id":"b"}"#, "duplicate field `id`")]
    #[case::a_repeated_nested_struct(r#"{"_links":{},"_links":{}}"#, "duplicate field `_links`")]
    #[case::a_nested_struct_of_the_wrong_type(r#"{"_links":5}"#, "expected struct Links")]
    #[case::a_wrong_type_deep_inside(r#"{"_links":{"self":{"href":5}}}"#, "expected a string")]
    #[case::not_an_object("[1, 2]", "struct DeviceFields")]
    fn a_bad_body_decoded_in_place_is_an_error_that_names_the_cause(
        #[case] body: &str,
        #[case] cause: &str,
    ) {
        let err = serde_json::from_str::<okta_mgmt::types::DeviceFields>(body).unwrap_err();
        assert!(err.to_string().contains(cause), "{err}");
    }

    /// Link objects are boxed by build.rs (`_links` holds ten of them, 1,736 bytes inline), so
    /// a decoded object is cheap to move; the builders still take and give a plain `HrefObject`.
    #[test]
    fn link_objects_are_boxed_and_builders_still_take_them_unboxed() {
        use okta_mgmt::types::{DeviceFields, HrefObject, builder};
        assert!(size_of::<Links>() <= 256, "{}", size_of::<Links>());
        assert!(
            size_of::<DeviceFields>() <= 1088,
            "{}",
            size_of::<DeviceFields>()
        );
        let device: DeviceFields = serde_json::from_str(DEVICE).unwrap();
        let links = device.links.clone().unwrap();
        let own: HrefObject = links.self_.as_deref().cloned().unwrap();
        assert_eq!(own.href.as_deref(), Some("https://x/d"));
        let built: Links = Links::builder()
            .self_(Some(own.clone()))
            .users(None)
            .try_into()
            .unwrap();
        assert_eq!(built.self_.as_deref(), Some(&own));
        let back: builder::Links = built.clone().into();
        let again: Links = back.try_into().unwrap();
        assert_eq!(again, built);
        let literal = Links {
            self_: Some(Box::new(own)),
            ..Default::default()
        };
        assert_eq!(literal.self_, built.self_);
    }

    #[test]
    fn typed_extra_maps_decode_their_values() {
        let links: Links = serde_json::from_str(
            r#"{"self":{"href":"https://x/a"},"future":{"href":"https://x/b"}}"#,
        )
        .unwrap();
        assert_eq!(links.extra["future"].href.as_deref(), Some("https://x/b"));
        assert!(serde_json::from_str::<Links>(r#"{"future":{"href":5}}"#).is_err());
    }
}

/// Every `type` `Policy` decodes to a typed variant; `PolicyRule` knows these and `SIGN_ON`.
const POLICY_WIRES: &[&str] = &[
    "OKTA_SIGN_ON",
    "PASSWORD",
    "MFA_ENROLL",
    "ACCESS_POLICY",
    "PROFILE_ENROLLMENT",
    "DEVICE_SIGNAL_COLLECTION",
    "Okta:SignOn",
    "Okta:ProfileEnrollment",
    "IDP_DISCOVERY",
    "POST_AUTH_SESSION",
    "ENTITY_RISK",
    "SESSION_VIOLATION_DETECTION",
    "CLIENT_UPDATE",
    "IDENTITY_CLAIM_SOURCING",
];

/// The unions pick the variant by the first `type` and trust a typed decode that succeeds: that
/// holds only if every variant's decoder refuses a second `type`, whatever follows the first
/// (the same type, another one, an escaped key that reads `type`, a non-string).
#[rstest]
#[case::the_same_type_again(r#""type":"{wire}""#)]
#[case::another_type(r#""type":"FUTURE_TYPE""#)]
#[case::an_escaped_key(r#""t\u0079pe":"{wire}""#)]
#[case::a_number(r#""type":5"#)]
fn a_repeated_type_is_refused_by_every_variant(#[case] second: &str) {
    let rules = POLICY_WIRES.iter().chain(&["SIGN_ON"]);
    let cases = POLICY_WIRES.iter().map(|w| ("Policy", w));
    for (union, wire) in cases.chain(rules.map(|w| ("PolicyRule", w))) {
        let single = format!(r#"{{"type":"{wire}","name":"n","system":false}}"#);
        let second = second.replace("{wire}", wire);
        let repeated = format!(r#"{{"type":"{wire}","name":"n",{second},"system":false}}"#);
        let (typed, refused) = match union {
            "Policy" => (
                serde_json::from_str::<Policy>(&single).map(|p| p.is_typed()),
                serde_json::from_str::<Policy>(&repeated).is_err(),
            ),
            _ => (
                serde_json::from_str::<PolicyRule>(&single).map(|r| r.is_typed()),
                serde_json::from_str::<PolicyRule>(&repeated).is_err(),
            ),
        };
        assert!(matches!(typed, Ok(true)), "{union} {single}: {typed:?}");
        assert!(refused, "{union} {repeated} decoded");
    }
}
