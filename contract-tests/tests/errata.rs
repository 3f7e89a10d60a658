//! Every erratum is proven: the documented text (with the block's other errata applied) fails
//! the erratum's check, and the corrected text passes it, so no erratum can hide a real failure.
//! The documented text comes from the case files (`blocks[].raw`), so these tests need no
//! documents.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use okta_contract::corpus::{self, BlockRef, Case, Errata, Erratum, Target};
use okta_contract::extract::{
    parse_curl, parse_json_block, parse_prose_status, parse_status_line, split_response,
};
use okta_contract::schema_check::{CaseValidation, validate_case};
use rstest::rstest;
use serde_json::Value;

/// Policy, rule and mapping lifecycle statuses.
const LIFECYCLE_STATUS: &[&str] = &["ACTIVE", "INACTIVE"];
/// Device statuses.
const DEVICE_STATUS: &[&str] = &[
    "CREATED",
    "ACTIVE",
    "SUSPENDED",
    "DEACTIVATED",
    "UNSUSPENDED",
];
/// What a policy can be mapped to when the mapped resource is another policy.
const POLICY_TO_POLICY_MAPPING_RESOURCE_TYPE: &[&str] = &["ACCESS_POLICY"];
/// Rule types of the real API.
const POLICY_RULE_TYPE: &[&str] = &[
    "ACCESS_POLICY",
    "DEVICE_SIGNAL_COLLECTION",
    "ENTITY_RISK",
    "IDP_DISCOVERY",
    "MFA_ENROLL",
    "PASSWORD",
    "POST_AUTH_SESSION",
    "PROFILE_ENROLLMENT",
    "SESSION_VIOLATION_DETECTION",
    "SIGN_ON",
];
/// Authenticator types and methods (003 "Verification Method Object" table).
const AUTHENTICATOR_TYPES: &[&str] = &[
    "SECURITY_KEY",
    "PHONE",
    "EMAIL",
    "PASSWORD",
    "SECURITY_QUESTION",
];
const AUTHENTICATOR_METHODS: &[&str] = &[
    "PASSWORD",
    "SECURITY_QUESTION",
    "SMS",
    "VOICE",
    "EMAIL",
    "FIDO2",
];
/// Words of the headings checked for typos.
const VOCABULARY: &[&str] = &[
    "map",
    "the",
    "device",
    "signal",
    "collection",
    "policy",
    "request",
    "example",
    "password",
    "actions",
    "priority",
    "and",
    "defaults",
];
/// Success status of each operation on the real API.
const REAL_STATUS: &[(&str, u16)] = &[
    ("listPolicies", 200),
    ("createPolicy", 200),
    ("getPolicy", 200),
    ("replacePolicy", 200),
    ("deletePolicy", 204),
    ("activatePolicy", 204),
    ("deactivatePolicy", 204),
    ("listPolicyRules", 200),
    ("createPolicyRule", 200),
    ("getPolicyRule", 200),
    ("replacePolicyRule", 200),
    ("deletePolicyRule", 204),
    ("activatePolicyRule", 204),
    ("deactivatePolicyRule", 204),
    ("listPolicyMappings", 200),
    ("mapResourceToPolicy", 200),
    ("getPolicyMapping", 200),
    ("deletePolicyResourceMapping", 204),
    ("listDevices", 200),
    ("getDevice", 200),
    ("deleteDevice", 204),
    ("activateDevice", 204),
    ("deactivateDevice", 204),
    ("suspendDevice", 204),
    ("unsuspendDevice", 204),
];

static ERRATA: LazyLock<Errata> = LazyLock::new(|| {
    corpus::load_errata(&corpus::default_errata_path()).expect("errata.yaml loads")
});
static CORPUS: LazyLock<Vec<Case>> =
    LazyLock::new(|| corpus::load_corpus(&corpus::default_cases_dir()).expect("corpus loads"));

fn table(name: &str) -> &'static [&'static str] {
    match name {
        "lifecycle_status" => LIFECYCLE_STATUS,
        "device_status" => DEVICE_STATUS,
        "policy_to_policy_mapping_resource_type" => POLICY_TO_POLICY_MAPPING_RESOURCE_TYPE,
        "policy_rule_type" => POLICY_RULE_TYPE,
        other => panic!("unknown table {other}"),
    }
}

fn s<'a>(check: &'a Value, key: &str) -> &'a str {
    check[key]
        .as_str()
        .unwrap_or_else(|| panic!("check needs {key}: {check}"))
}

/// The block text with the patches of the block's errata applied (all of them, or all but `skip`).
fn patched(raw: &str, e: &Erratum, skip_self: bool) -> String {
    let mut text = raw.to_string();
    let mut list: Vec<&Erratum> = ERRATA
        .errata
        .iter()
        .filter(|x| x.target == Target::Block && x.doc == e.doc && x.lines == e.lines)
        .filter(|x| !(skip_self && x.id == e.id))
        .collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    for x in list {
        for p in x.patches() {
            assert_eq!(
                text.matches(p.says.as_str()).count(),
                1,
                "{}: {:?} must occur once",
                x.id,
                p.says
            );
            text = text.replacen(p.says.as_str(), &p.uses, 1);
        }
    }
    text
}

/// JSON value carried by a block's text.
fn json_of(kind: &str, text: &str) -> Result<Value, String> {
    match kind {
        "http" | "plain-response" | "plain-http" => {
            let r = split_response(text).map_err(|e| e.to_string())?;
            let body = r.body.ok_or("no body")?;
            parse_json_block(&body)
                .map(|b| b.value)
                .map_err(|e| e.to_string())
        }
        "bash" | "sh" | "curl" | "plain-curl" => {
            let c = parse_curl(text).map_err(|e| e.to_string())?;
            serde_json::from_str(&c.data.ok_or("no -d body")?).map_err(|e| e.to_string())
        }
        _ => parse_json_block(text)
            .map(|b| b.value)
            .map_err(|e| e.to_string()),
    }
}

fn at<'a>(v: &'a Value, pointer: &str) -> Result<&'a Value, String> {
    v.pointer(pointer)
        .ok_or_else(|| format!("nothing at {pointer}"))
}

/// Statuses stated by a status line or a prose description.
fn statuses(text: &str) -> Result<Vec<u16>, String> {
    if text.trim_start().starts_with("HTTP/") {
        let first = text.lines().next().unwrap_or("");
        Ok(vec![
            parse_status_line(first).map_err(|e| e.to_string())?.code,
        ])
    } else {
        Ok(parse_prose_status(text)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|p| p.code)
            .collect())
    }
}

const VALUE_CHECKS: &[&str] = &[
    "required",
    "type",
    "enum",
    "href",
    "no_placeholders",
    "array",
    "object",
    "equal",
    "link_target",
    "authenticator_constraints",
    "no_format_placeholder",
];

/// Ok when the block text passes the check, Err(why) when it fails.
fn block_check(check: &Value, kind: &str, text: &str) -> Result<(), String> {
    match s(check, "kind") {
        "json" => parse_json_block(text)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        "curl" => parse_curl(text).map(|_| ()).map_err(|e| e.to_string()),
        "curl_json" => json_of("curl", text).map(|_| ()),
        "status_line" => parse_status_line(text.lines().next().unwrap_or(""))
            .map(|_| ())
            .map_err(|e| e.to_string()),
        "status" => {
            let op = s(check, "operation");
            let want = REAL_STATUS
                .iter()
                .find(|(o, _)| *o == op)
                .map(|(_, c)| *c)
                .expect("known operation");
            let got = statuses(text)?;
            if got.iter().all(|c| *c == want) {
                Ok(())
            } else {
                Err(format!("{op} answers {want}, text says {got:?}"))
            }
        }
        "list_schema" => {
            let entries = parse_prose_status(text).map_err(|e| e.to_string())?;
            match entries
                .iter()
                .find(|e| !e.schema.as_deref().is_some_and(|s| s.ends_with("[]")))
            {
                None => Ok(()),
                Some(e) => Err(format!("{} names {:?}, not an array", e.code, e.schema)),
            }
        }
        "auth_header" => {
            let c = parse_curl(text).map_err(|e| e.to_string())?;
            let h = c
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("authorization"))
                .ok_or("no Authorization")?;
            let mut parts = h.value.splitn(2, ' ');
            match (parts.next(), parts.next()) {
                (Some("SSWS" | "Bearer"), Some(token)) if !token.trim().is_empty() => Ok(()),
                _ => Err(format!(
                    "Authorization {:?} has no SSWS/Bearer scheme",
                    h.value
                )),
            }
        }
        _ => value_check(check, &json_of(kind, text)?),
    }
}

fn value_check(check: &Value, v: &Value) -> Result<(), String> {
    match s(check, "kind") {
        "required" => at(v, s(check, "pointer")).map(|_| ()),
        "type" => {
            let x = at(v, s(check, "pointer"))?;
            let ok = match s(check, "expect") {
                "integer" => x.is_i64() || x.is_u64(),
                "boolean" => x.is_boolean(),
                other => panic!("unknown type {other}"),
            };
            if ok {
                Ok(())
            } else {
                Err(format!("{x} is not {}", s(check, "expect")))
            }
        }
        "enum" => {
            let x = at(v, s(check, "pointer"))?.as_str().ok_or("not a string")?;
            if table(s(check, "table")).contains(&x) {
                Ok(())
            } else {
                Err(format!("{x:?} is not a known value"))
            }
        }
        "href" => {
            let x = at(v, s(check, "pointer"))?.as_str().ok_or("not a string")?;
            let rest = x.strip_prefix("https://").ok_or("not https")?;
            let host = rest.split('/').next().unwrap_or("");
            let placeholder = host.starts_with('{') && host.ends_with('}');
            let name = host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':');
            if placeholder || name {
                Ok(())
            } else {
                Err(format!("host {host:?} is malformed"))
            }
        }
        "no_placeholders" => {
            fn walk(v: &Value, out: &mut Vec<String>) {
                match v {
                    Value::Object(o) => {
                        for (k, x) in o {
                            if k.starts_with("property")
                                && k[8..].chars().all(|c| c.is_ascii_digit())
                                && k.len() > 8
                            {
                                out.push(k.clone());
                            }
                            if x == "string" {
                                out.push(format!("{k}: \"string\""));
                            }
                            walk(x, out);
                        }
                    }
                    Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                    _ => {}
                }
            }
            let mut found = Vec::new();
            walk(v, &mut found);
            if found.is_empty() {
                Ok(())
            } else {
                Err(format!("placeholders {found:?}"))
            }
        }
        "array" => {
            if v.is_array() {
                Ok(())
            } else {
                Err("an object where a list is expected".into())
            }
        }
        "object" => {
            if v.is_object() {
                Ok(())
            } else {
                Err("a list where one object is expected".into())
            }
        }
        "equal" => {
            let (a, b) = (at(v, s(check, "a"))?, at(v, s(check, "b"))?);
            if a == b {
                Ok(())
            } else {
                Err(format!("{a} != {b}"))
            }
        }
        "link_target" => {
            let x = at(v, s(check, "pointer"))?.as_str().ok_or("not a string")?;
            if x.ends_with(s(check, "ends_with")) {
                Ok(())
            } else {
                Err(format!("{x} links elsewhere"))
            }
        }
        "authenticator_constraints" => {
            let c = at(v, s(check, "pointer"))?;
            for (key, allowed) in [
                ("types", AUTHENTICATOR_TYPES),
                ("methods", AUTHENTICATOR_METHODS),
            ] {
                for x in c.get(key).and_then(Value::as_array).into_iter().flatten() {
                    let x = x.as_str().unwrap_or("").to_ascii_uppercase();
                    if !allowed.contains(&x.as_str()) {
                        return Err(format!("{x} is not an authenticator {key} value"));
                    }
                }
            }
            Ok(())
        }
        "no_format_placeholder" => {
            let x = at(v, s(check, "pointer"))?.as_str().ok_or("not a string")?;
            let placeholder = x.match_indices('{').any(|(i, _)| {
                let rest = &x[i + 1..];
                let digits = rest.chars().take_while(char::is_ascii_digit).count();
                digits > 0 && rest[digits..].starts_with('}')
            });
            if placeholder {
                Err(format!("{x:?} holds a {{n}} template placeholder"))
            } else {
                Ok(())
            }
        }
        other => panic!("unknown check kind {other}"),
    }
}

fn case(id: &str) -> &'static Case {
    CORPUS
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

fn side<'a>(c: &'a Case, side: &str) -> &'a Value {
    match side {
        "request" => c.request.as_ref().and_then(|r| r.body.as_ref()),
        "response" => c.response.as_ref().and_then(|r| r.body.as_ref()),
        "example" => c.example.as_ref(),
        other => panic!("unknown side {other}"),
    }
    .unwrap_or_else(|| panic!("{} has no {side} body", c.id))
}

fn claim_holds(body: &Value, claim: &Value) -> bool {
    let pointer = s(claim, "pointer");
    match (body.pointer(pointer), claim.get("value")) {
        (Some(v), Some(want)) => v == want,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

fn claim_named_in(text: &str, claim: &Value) {
    let last = s(claim, "pointer").rsplit('/').next().unwrap_or("");
    assert!(text.contains(last), "{text:?} does not mention {last}");
    if let Some(v) = claim.get("value").and_then(Value::as_str) {
        assert!(text.contains(v), "{text:?} does not mention {v}");
    }
}

fn params_claim_holds(c: &Case, claim: &Value) -> bool {
    let r = c.request.as_ref().expect("request");
    let list = |k: &str| -> BTreeSet<String> {
        claim
            .get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect()
    };
    let path: BTreeSet<String> = r.path_params.keys().cloned().collect();
    path == list("path") && list("query").iter().all(|q| r.query.contains_key(q))
}

fn prove_block(e: &Erratum) {
    let (c, block): (&Case, &BlockRef) = CORPUS
        .iter()
        .filter(|c| c.doc == e.doc)
        .find_map(|c| {
            c.blocks
                .iter()
                .find(|b| b.lines == e.lines && b.raw.is_some())
                .map(|b| (c, b))
        })
        .unwrap_or_else(|| {
            panic!(
                "{}: no case keeps the raw text of {} lines {}",
                e.id, e.doc, e.lines
            )
        });
    let raw = block.raw.as_deref().unwrap_or_default();
    let documented = patched(raw, e, true);
    let corrected = patched(raw, e, false);
    for p in e.patches() {
        assert!(
            documented.contains(p.says.as_str()),
            "{}: documented text lacks {:?}",
            e.id,
            p.says
        );
    }
    let kind = s(&e.check, "kind");
    if VALUE_CHECKS.contains(&kind) {
        json_of(&block.kind, &documented)
            .unwrap_or_else(|err| panic!("{}: documented value must parse: {err}", e.id));
    }
    let failure = block_check(&e.check, &block.kind, &documented)
        .err()
        .unwrap_or_else(|| {
            panic!(
                "{}: the documented text passes {kind}; the erratum hides nothing",
                e.id
            )
        });
    println!("{}: documented text fails {kind}: {failure}", e.id);
    if kind == "json" {
        // The parse error sits where the erratum says.
        let err = parse_json_block(&documented).expect_err("fails");
        let offset = if documented.trim_start().starts_with('"') {
            1
        } else {
            0
        };
        let line = err.line().saturating_sub(offset);
        let start = documented[..documented.find(e.says.as_str()).expect("says")]
            .lines()
            .count()
            .max(1);
        let end = start + e.says.lines().count();
        assert!(
            (start..=end + 1).contains(&line),
            "{}: error at line {line}, erratum at {start}..{end}",
            e.id
        );
    }
    block_check(&e.check, &block.kind, &corrected)
        .unwrap_or_else(|err| panic!("{}: corrected text still fails {kind}: {err}", e.id));
    // The case uses the corrected text.
    for c in CORPUS
        .iter()
        .filter(|c| c.doc == e.doc && c.blocks.iter().any(|b| b.lines == e.lines))
    {
        assert_records(c, e);
        if let Ok(v) = json_of(&block.kind, &corrected) {
            let used = match block.role.as_str() {
                "request" => c.request.as_ref().and_then(|r| r.body.as_ref()),
                "response" => c.response.as_ref().and_then(|r| r.body.as_ref()),
                _ => c.example.as_ref(),
            };
            assert_eq!(
                used,
                Some(&v),
                "{}: {} does not use the corrected body",
                e.id,
                c.id
            );
        }
        if block.kind == "prose-status" || block.kind == "http" {
            let codes = statuses(&corrected).expect("corrected statuses");
            assert_eq!(
                c.response.as_ref().map(|r| vec![r.status]),
                Some(codes),
                "{}: {} status",
                e.id,
                c.id
            );
        }
    }
    let _ = c;
}

/// `c` records erratum `e`.
fn assert_records(c: &Case, e: &Erratum) {
    assert!(
        c.errata.contains(&e.id),
        "{} does not record {}",
        c.id,
        e.id
    );
}

/// The documented check (`raw`) fails on `c`, the corrected one (`fixed`) holds, and `c`
/// records `e`; `what` completes "the documented …" and "the corrected …".
fn raw_fails_fixed_holds(e: &Erratum, c: &Case, what: [&str; 2], holds: impl Fn(&Value) -> bool) {
    let check = &e.check;
    assert!(
        !holds(&check["raw"]),
        "{}: the documented {} {}",
        e.id,
        what[0],
        c.id
    );
    assert!(
        holds(&check["fixed"]),
        "{}: the corrected {} {}",
        e.id,
        what[1],
        c.id
    );
    assert_records(c, e);
}

fn prove_text(e: &Erratum) {
    let check = &e.check;
    match s(check, "kind") {
        "prose_claim" => {
            let c = case(s(check, "case"));
            let body = side(c, s(check, "side"));
            claim_named_in(&e.says, &check["raw"]);
            claim_named_in(&e.uses, &check["fixed"]);
            raw_fails_fixed_holds(e, c, ["claim holds on", "claim fails on"], |v| {
                claim_holds(body, v)
            });
        }
        "prose_body" => {
            let c = case(s(check, "case"));
            assert!(e.says.contains("N/A") && !e.uses.contains("N/A"));
            let body = c.response.as_ref().and_then(|r| r.body.as_ref());
            assert!(
                body.is_some_and(Value::is_object),
                "{}: documented 'no body' would hold",
                e.id
            );
            assert_records(c, e);
        }
        "vocabulary" => {
            let (raw, fixed) = (s(check, "raw_word"), s(check, "fixed_word"));
            assert!(e.says.contains(raw) && e.uses.contains(fixed) && !e.uses.contains(raw));
            assert!(
                !VOCABULARY.contains(&raw.to_ascii_lowercase().as_str()),
                "{raw} is a word"
            );
            assert!(
                VOCABULARY.contains(&fixed.to_ascii_lowercase().as_str()),
                "{fixed} is not a word"
            );
        }
        "enum_text" => {
            let t = table(s(check, "table"));
            let (raw, fixed) = (s(check, "raw_value"), s(check, "fixed_value"));
            assert!(e.says.contains(raw) && e.uses.contains(fixed));
            assert!(!t.contains(&raw), "{raw} is a known value");
            assert!(t.contains(&fixed), "{fixed} is not a known value");
        }
        "request_params" => {
            let c = case(s(check, "case"));
            raw_fails_fixed_holds(e, c, ["parameters match", "parameters miss"], |v| {
                params_claim_holds(c, v)
            });
        }
        other => panic!(
            "{}: check {other} does not fit a {:?} erratum",
            e.id, e.target
        ),
    }
}

/// The example errata addressed to the published example `reference` (besides `skip`), in the
/// order the extractor applies them.
fn example_errata<'a>(reference: &str, skip: &str) -> Vec<&'a Erratum> {
    let mut list: Vec<&Erratum> = ERRATA
        .errata
        .iter()
        .filter(|x| x.target == Target::Example && x.id != skip)
        .filter(|x| x.section == reference || x.affects.iter().any(|a| a == reference))
        .collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    list
}

/// Drift (what the strict spec rejects and the tolerant one accepts: unknown enum values,
/// unexpected nulls, undeclared fields…) in the `role` body (`request`, `response`), at or under
/// one of `pointers`.
fn drift_under(v: &CaseValidation, role: &str, pointers: &[String]) -> Vec<String> {
    v.drift
        .iter()
        .filter(|d| d.part.starts_with(role))
        .filter(|d| {
            pointers.iter().any(|p| {
                d.pointer == *p
                    || p.is_empty()
                    || d.pointer
                        .strip_prefix(p.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
        })
        .map(ToString::to_string)
        .collect()
}

/// `raw` with the patches of `errata` applied.
fn patch_example(raw: &Value, errata: &[&Erratum]) -> Value {
    let mut v = raw.clone();
    for x in errata {
        for p in x.patches() {
            okta_contract::extract::upstream::patch_value(
                &mut v,
                p.pointer.as_deref().unwrap_or(""),
                &p.says,
                &p.uses,
            )
            .unwrap_or_else(|m| panic!("{}: {m}", x.id));
        }
    }
    v
}

/// A published-spec example erratum: every case recording it keeps the example as published
/// (`source.examples[].raw`), which shows what the erratum says at each patched pointer, and
/// the case's body shows what it uses instead. The check proves the defect: the example as
/// published with the example's other errata applied fails it, the case body passes it.
fn prove_example(e: &Erratum) {
    let recording: Vec<&Case> = CORPUS.iter().filter(|c| c.errata.contains(&e.id)).collect();
    assert!(!recording.is_empty(), "{}: no case records it", e.id);
    let mut addresses: BTreeSet<&str> = e.affects.iter().map(String::as_str).collect();
    addresses.insert(e.section.as_str());
    let mut seen = BTreeSet::new();
    for c in recording {
        let Some(corpus::CaseSource::Upstream { examples, .. }) = &c.source else {
            panic!("{}: {} is not a published-spec case", e.id, c.id);
        };
        let patched: Vec<_> = examples
            .iter()
            .filter(|x| x.raw.is_some())
            .filter(|x| {
                x.reference
                    .as_deref()
                    .is_some_and(|r| addresses.contains(r))
            })
            .collect();
        assert!(
            !patched.is_empty(),
            "{}: {} keeps no raw example of {addresses:?}",
            e.id,
            c.id
        );
        for x in patched {
            let reference = x.reference.as_deref().unwrap_or("");
            seen.insert(reference);
            let raw = x.raw.as_ref().expect("raw");
            let body = side(
                c,
                if x.role == "request" {
                    "request"
                } else {
                    "response"
                },
            );
            for p in e.patches() {
                let pointer = p.pointer.as_deref().unwrap_or("");
                assert_holds(raw, pointer, &p.says, &format!("{}: {} raw", e.id, c.id));
                assert_holds(body, pointer, &p.uses, &format!("{}: {} body", e.id, c.id));
            }
            // The published example with the example's other errata: it still fails the check.
            let without = patch_example(raw, &example_errata(reference, &e.id));
            let check = &e.check;
            match s(check, "kind") {
                "schema" => {
                    let mut broken = c.clone();
                    let slot = match x.role.as_str() {
                        "request" => broken.request.as_mut().and_then(|r| r.body.as_mut()),
                        _ => broken.response.as_mut().and_then(|r| r.body.as_mut()),
                    }
                    .expect("body");
                    *slot = without;
                    let role = if x.role == "request" {
                        "request"
                    } else {
                        "response"
                    };
                    let pointers: Vec<String> = e
                        .patches()
                        .iter()
                        .map(|p| p.pointer.clone().unwrap_or_default())
                        .collect();
                    let documented = validate_case(&broken);
                    assert!(
                        !documented.failures.is_empty()
                            || !drift_under(&documented, role, &pointers).is_empty(),
                        "{}: {} validates, without drift, without the erratum",
                        e.id,
                        c.id
                    );
                    let corrected = validate_case(c);
                    assert!(
                        corrected.failures.is_empty(),
                        "{}: {}: {:?}",
                        e.id,
                        c.id,
                        corrected.failures
                    );
                    // A patch of the whole example cannot single out the drift it removes.
                    let targeted: Vec<String> =
                        pointers.into_iter().filter(|p| !p.is_empty()).collect();
                    let drift = drift_under(&corrected, role, &targeted);
                    assert!(drift.is_empty(), "{}: {}: {drift:?}", e.id, c.id);
                }
                _ => {
                    assert!(
                        value_check(check, &without).is_err(),
                        "{}: {} passes the check without the erratum",
                        e.id,
                        c.id
                    );
                    if let Err(why) = value_check(check, body) {
                        panic!("{}: {} fails the check: {why}", e.id, c.id);
                    }
                }
            }
        }
    }
    for a in &addresses {
        assert!(seen.contains(a), "{}: no case keeps the example {a}", e.id);
    }
}

#[rstest]
#[case::e001("E001")]
#[case::e002("E002")]
#[case::e003("E003")]
#[case::e004("E004")]
#[case::e005("E005")]
#[case::e006("E006")]
#[case::e007("E007")]
#[case::e008("E008")]
#[case::e009("E009")]
#[case::e010("E010")]
#[case::e011("E011")]
#[case::e012("E012")]
#[case::e013("E013")]
#[case::e014("E014")]
#[case::e015("E015")]
#[case::e016("E016")]
#[case::e017("E017")]
#[case::e018("E018")]
#[case::e019("E019")]
#[case::e020("E020")]
#[case::e021("E021")]
#[case::e022("E022")]
#[case::e023("E023")]
#[case::e024("E024")]
#[case::e025("E025")]
#[case::e026("E026")]
#[case::e027("E027")]
#[case::e028("E028")]
#[case::e029("E029")]
#[case::e030("E030")]
#[case::e031("E031")]
#[case::e032("E032")]
#[case::e033("E033")]
#[case::e034("E034")]
#[case::e035("E035")]
#[case::e036("E036")]
#[case::e037("E037")]
#[case::e038("E038")]
#[case::e039("E039")]
#[case::e040("E040")]
#[case::e041("E041")]
#[case::e042("E042")]
#[case::e043("E043")]
#[case::e044("E044")]
#[case::e045("E045")]
#[case::e046("E046")]
#[case::e047("E047")]
#[case::e048("E048")]
#[case::e049("E049")]
#[case::e050("E050")]
#[case::e051("E051")]
#[case::e052("E052")]
#[case::e053("E053")]
#[case::e054("E054")]
#[case::e055("E055")]
#[case::e056("E056")]
#[case::e057("E057")]
#[case::e058("E058")]
#[case::e059("E059")]
#[case::e060("E060")]
#[case::e061("E061")]
#[case::e062("E062")]
#[case::e063("E063")]
fn erratum_is_proven(#[case] id: &str) {
    let e = ERRATA
        .get(id)
        .unwrap_or_else(|| panic!("{id} is not in errata.yaml"));
    assert!(!e.why.trim().is_empty(), "{id} says why");
    match e.target {
        Target::Block => prove_block(e),
        Target::Prose | Target::Heading => prove_text(e),
        Target::Example => prove_example(e),
    }
}

const TESTED: &[&str] = &[
    "E001", "E002", "E003", "E004", "E005", "E006", "E007", "E008", "E009", "E010", "E011", "E012",
    "E013", "E014", "E015", "E016", "E017", "E018", "E019", "E020", "E021", "E022", "E023", "E024",
    "E025", "E026", "E027", "E028", "E029", "E030", "E031", "E032", "E033", "E034", "E035", "E036",
    "E037", "E038", "E039", "E040", "E041", "E042", "E043", "E044", "E045", "E046", "E047", "E048",
    "E049", "E050", "E051", "E052", "E053", "E054", "E055", "E056", "E057", "E058", "E059", "E060",
    "E061", "E062", "E063",
];

#[test]
fn every_erratum_has_a_test_case() {
    let listed: Vec<&str> = ERRATA.errata.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(listed, TESTED, "add a #[case] per erratum");
}

#[test]
fn every_recorded_erratum_exists() {
    for c in CORPUS.iter() {
        for id in &c.errata {
            assert!(
                ERRATA.get(id).is_some(),
                "{} records unknown erratum {id}",
                c.id
            );
        }
    }
}

/// `value` holds the JSON text `expected` at `pointer`, or nothing there when `expected` is
/// blank.
fn assert_holds(value: &Value, pointer: &str, expected: &str, context: &str) {
    if expected.trim().is_empty() {
        assert!(value.pointer(pointer).is_none(), "{context} has it");
    } else {
        let expected: Value = serde_json::from_str(expected).expect("a patch value is JSON");
        assert_eq!(value.pointer(pointer), Some(&expected), "{context}");
    }
}
