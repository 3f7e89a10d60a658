//! Helpers shared by the guide, policy-type, mapping, device and error scenarios: paths, typed
//! variant names, create-and-track calls, raw reads, `_links` hints, read-modify-write checks and
//! error assertions that are exact on the simulator and status-only where only the simulator
//! fixes the error code.

use std::num::NonZeroU32;

use futures::TryStreamExt as _;
use okta_mgmt::error::Error;
use okta_mgmt::types::{LifecycleStatus, Policy, PolicyRule, PolicyType, UnknownObject};
use serde::Serialize;
use serde_json::Value;

use super::{Ctx, StepFailure, ensure, ensure_eq, expect_error};
use crate::live::Resource;

/// `/api/v1/policies/{id}`.
pub(super) fn policy_path(id: &str) -> String {
    format!("/api/v1/policies/{id}")
}

/// `/api/v1/policies/{policy_id}/rules/{rule_id}`.
pub(super) fn rule_path(policy_id: &str, rule_id: &str) -> String {
    format!("/api/v1/policies/{policy_id}/rules/{rule_id}")
}

/// `/api/v1/policies/{policy_id}/mappings/{mapping_id}`.
pub(super) fn mapping_path(policy_id: &str, mapping_id: &str) -> String {
    format!("/api/v1/policies/{policy_id}/mappings/{mapping_id}")
}

/// `/api/v1/devices/{id}`.
pub(super) fn device_path(id: &str) -> String {
    format!("/api/v1/devices/{id}")
}

/// An id no Okta org issues (ids are 20 alphanumerics), for 404 checks.
pub(super) const UNKNOWN_ID: &str = "okta-contract-no-such-id";

/// A page size for the generated `limit` builders (a non-zero integer whatever width the spec
/// gives it; 0 becomes 1).
pub(super) fn page_size(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// JSON of any serializable value.
pub(super) fn to_json<T: Serialize>(value: &T) -> Result<Value, StepFailure> {
    Ok(serde_json::to_value(value)?)
}

/// The string at `pointer`, if any.
pub(super) fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// Asserts that `pointer` in `value` holds `expected`.
pub(super) fn ensure_at(value: &Value, pointer: &str, expected: &Value) -> Result<(), StepFailure> {
    let actual = value.pointer(pointer).unwrap_or(&Value::Null);
    ensure(
        actual == expected,
        &format!("value at {pointer}"),
        expected,
        actual,
    )
}

/// The typed variant of a policy, or `Other` with its type and the reason it is untyped.
pub(super) fn policy_variant(policy: &Policy) -> String {
    match policy {
        Policy::Other(o) => untyped_variant(o),
        typed => typed.variant_name().to_owned(),
    }
}

/// The typed variant of a rule, or `Other` with its type and the reason it is untyped.
pub(super) fn rule_variant(rule: &PolicyRule) -> String {
    match rule {
        PolicyRule::Other(o) => untyped_variant(o),
        typed => typed.variant_name().to_owned(),
    }
}

fn untyped_variant(o: &UnknownObject) -> String {
    format!(
        "Other (type {:?}{})",
        o.type_name().unwrap_or_default(),
        o.decode_error
            .as_ref()
            .map(|e| format!(", decode error: {e}"))
            .unwrap_or_default()
    )
}

/// Asserts the decoded variant of a policy (`Policy::<expected>`).
pub(super) fn ensure_policy_variant(policy: &Policy, expected: &str) -> Result<(), StepFailure> {
    let actual = policy_variant(policy);
    ensure(
        actual == expected,
        "decoded variant",
        format!("Policy::{expected}"),
        format!("Policy::{actual}"),
    )
}

/// Asserts the decoded variant of a rule (`PolicyRule::<expected>`).
pub(super) fn ensure_rule_variant(rule: &PolicyRule, expected: &str) -> Result<(), StepFailure> {
    let actual = rule_variant(rule);
    ensure(
        actual == expected,
        "decoded variant",
        format!("PolicyRule::{expected}"),
        format!("PolicyRule::{actual}"),
    )
}

/// Renames a typed policy in place (the read-modify-write of a PUT).
pub(super) fn rename_policy(policy: &mut Policy, name: &str) -> Result<(), StepFailure> {
    if !policy.is_typed() {
        return Err(StepFailure::mismatch(
            "policy to rename",
            "a typed policy",
            format!("Policy::{}", policy_variant(policy)),
        ));
    }
    policy.set_name(name);
    Ok(())
}

/// Renames a typed rule in place (the read-modify-write of a PUT).
pub(super) fn rename_rule(rule: &mut PolicyRule, name: &str) -> Result<(), StepFailure> {
    if !rule.is_typed() {
        return Err(StepFailure::mismatch(
            "rule to rename",
            "a typed rule",
            format!("PolicyRule::{}", rule_variant(rule)),
        ));
    }
    rule.set_name(name);
    Ok(())
}

/// The `id` of a created object, or a failure naming what lacked it.
pub(super) fn require_id(id: Option<&str>, what: &str) -> Result<String, StepFailure> {
    id.map(str::to_owned)
        .ok_or_else(|| StepFailure::mismatch(what, "an id", "no id"))
}

/// `POST /api/v1/policies[?activate=…]` with `body`; the policy is tracked for cleanup as soon
/// as the call returns.
pub(super) async fn create_policy(
    ctx: &Ctx,
    body: &Value,
    activate: Option<bool>,
) -> Result<(String, Policy), StepFailure> {
    let request = Policy::from_json(body.clone());
    let mut call = ctx.client().create_policy().body(request);
    if let Some(activate) = activate {
        call = call.activate(activate);
    }
    let created = call.call().await?;
    let id = require_id(created.id(), "created policy")?;
    ctx.track(Resource::Policy {
        id: id.clone(),
        name: created.name().unwrap_or_default().to_owned(),
    });
    Ok((id, created))
}

/// `POST /api/v1/policies/{policyId}/rules[?activate=…]`; the rule is tracked at once.
pub(super) async fn create_rule(
    ctx: &Ctx,
    policy_id: &str,
    body: &Value,
    activate: Option<bool>,
) -> Result<(String, PolicyRule), StepFailure> {
    let request = PolicyRule::from_json(body.clone());
    let mut call = ctx
        .client()
        .create_policy_rule()
        .policy_id(policy_id)
        .body(request);
    if let Some(activate) = activate {
        call = call.activate(activate);
    }
    let created = call.call().await?;
    let id = require_id(created.id(), "created rule")?;
    ctx.track(Resource::Rule {
        policy_id: policy_id.to_owned(),
        id: id.clone(),
    });
    Ok((id, created))
}

/// Deletes a policy the scenario created (deactivating it first when active) and tells the
/// tracker.
pub(super) async fn delete_own_policy(ctx: &Ctx, id: &str) -> Result<(), StepFailure> {
    let client = ctx.client();
    let current = client.get_policy().policy_id(id).call().await?;
    let name = current.name().unwrap_or_default().to_owned();
    ensure(
        name.starts_with(&ctx.prefix()),
        "policy name",
        format!("a name starting with {}", ctx.prefix()),
        &name,
    )?;
    if current.status() == Some(LifecycleStatus::Active) {
        client.deactivate_policy().policy_id(id).call().await?;
    }
    client.delete_policy().policy_id(id).call().await?;
    ctx.forget(&Resource::Policy {
        id: id.to_owned(),
        name,
    });
    Ok(())
}

/// Deletes a rule the scenario created and tells the tracker.
pub(super) async fn delete_own_rule(
    ctx: &Ctx,
    policy_id: &str,
    rule_id: &str,
) -> Result<(), StepFailure> {
    ctx.client()
        .delete_policy_rule()
        .policy_id(policy_id)
        .rule_id(rule_id)
        .call()
        .await?;
    ctx.forget(&Resource::Rule {
        policy_id: policy_id.to_owned(),
        id: rule_id.to_owned(),
    });
    Ok(())
}

/// `GET path` through the raw escape hatch: the server's JSON, untouched by the typed model.
pub(super) async fn get_raw(ctx: &Ctx, path: &str) -> Result<Value, StepFailure> {
    Ok(ctx.client().raw().get(path).send_json::<Value>().await?)
}

/// The policy's current status.
pub(super) async fn policy_status(
    ctx: &Ctx,
    id: &str,
) -> Result<Option<LifecycleStatus>, StepFailure> {
    let policy = ctx.client().get_policy().policy_id(id).call().await?;
    Ok(policy.status())
}

/// The rule's current status.
pub(super) async fn rule_status(
    ctx: &Ctx,
    policy_id: &str,
    rule_id: &str,
) -> Result<Option<LifecycleStatus>, StepFailure> {
    let rule = ctx
        .client()
        .get_policy_rule()
        .policy_id(policy_id)
        .rule_id(rule_id)
        .call()
        .await?;
    Ok(rule.status())
}

/// Every policy of `policy_type`, following pagination.
pub(super) async fn list_policies(
    ctx: &Ctx,
    policy_type: &str,
) -> Result<Vec<Policy>, StepFailure> {
    Ok(ctx
        .client()
        .list_policies()
        .type_(PolicyType::from(policy_type))
        .items()
        .try_collect()
        .await?)
}

/// `_links.<rel>.hints.allow` of an object, sorted.
pub(super) fn allow(value: &Value, rel: &str) -> Option<Vec<String>> {
    let list = value
        .pointer(&format!("/_links/{rel}/hints/allow"))?
        .as_array()?;
    let mut methods: Vec<String> = list
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    methods.sort();
    Some(methods)
}

/// Asserts `_links.<rel>.hints.allow` lists exactly `expected` (in any order).
pub(super) fn ensure_allow(value: &Value, rel: &str, expected: &[&str]) -> Result<(), StepFailure> {
    let mut want: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    want.sort();
    let got = allow(value, rel);
    ensure(
        got.as_ref() == Some(&want),
        &format!("_links.{rel}.hints.allow"),
        format!("{want:?}"),
        got.map_or_else(|| "no such link".to_owned(), |g| format!("{g:?}")),
    )
}

/// Asserts that `_links.<rel>` is absent.
pub(super) fn ensure_no_link(value: &Value, rel: &str) -> Result<(), StepFailure> {
    let link = value.pointer(&format!("/_links/{rel}"));
    ensure(
        link.is_none(),
        &format!("_links.{rel}"),
        "no such link",
        link.map(Value::to_string).unwrap_or_default(),
    )
}

/// Asserts that a PUT body built by read-modify-write (`sent`) carries everything the server
/// returned (`read`), unchanged except under the top-level keys in `changed`: nothing the client
/// does not model is dropped, no `null` or empty list is lost.
pub(super) fn ensure_kept(read: &Value, sent: &Value, changed: &[&str]) -> Result<(), StepFailure> {
    let (Some(read), Some(sent)) = (read.as_object(), sent.as_object()) else {
        return Err(StepFailure::mismatch(
            "read-modify-write body",
            "JSON objects",
            "something else",
        ));
    };
    for (key, value) in read {
        if changed.contains(&key.as_str()) {
            continue;
        }
        compare_kept(&format!("/{key}"), value, sent.get(key))?;
    }
    Ok(())
}

fn compare_kept(path: &str, read: &Value, sent: Option<&Value>) -> Result<(), StepFailure> {
    let Some(sent) = sent else {
        return Err(StepFailure::mismatch(
            &format!("PUT body at {path} (dropped by the client)"),
            read,
            "absent",
        ));
    };
    match (read, sent) {
        (Value::Object(r), Value::Object(s)) => {
            for (key, value) in r {
                compare_kept(&format!("{path}/{key}"), value, s.get(key))?;
            }
            Ok(())
        }
        _ => ensure(read == sent, &format!("PUT body at {path}"), read, sent),
    }
}

/// Like [`expect_error`], but the Okta error code is only required on the simulator: on a real
/// org only the status is checked, for refusals whose code no source document fixes.
pub(super) fn expect_refusal<T, E: Into<Error>>(
    ctx: &Ctx,
    result: Result<T, E>,
    status: u16,
    sim_code: &str,
) -> Result<(), StepFailure> {
    if ctx.is_sim() {
        return expect_error(result, status, sim_code).map(drop);
    }
    match result {
        Ok(_) => Err(StepFailure::mismatch(
            "success",
            format!("HTTP {status}"),
            "a 2xx response",
        )),
        Err(e) => {
            let e: Error = e.into();
            let got = e.status().map(|s| s.as_u16());
            if got == Some(status) {
                Ok(())
            } else {
                let mut f = StepFailure::mismatch("error", format!("HTTP {status}"), describe(&e));
                f.request_id = e.request_id().map(str::to_owned);
                Err(f)
            }
        }
    }
}

fn describe(e: &Error) -> String {
    super::describe_error(e)
}

/// Asserts that an Okta error body is complete: code, summary, link, id and a causes list.
pub(super) fn ensure_error_body(e: &Error, code: &str) -> Result<(), StepFailure> {
    let okta = e
        .okta_error()
        .ok_or_else(|| StepFailure::mismatch("error", "an Okta error body", describe(e)))?;
    ensure_eq("errorCode", Some(code), okta.error_code.as_deref())?;
    ensure(
        okta.error_summary.as_deref().is_some_and(|s| !s.is_empty()),
        "errorSummary",
        "a non-empty summary",
        format!("{:?}", okta.error_summary),
    )?;
    ensure(okta.error_link.is_some(), "errorLink", "present", "absent")?;
    ensure(
        okta.error_id.as_deref().is_some_and(|s| !s.is_empty()),
        "errorId",
        "a non-empty id",
        format!("{:?}", okta.error_id),
    )?;
    ensure(
        okta.error_causes.is_some(),
        "errorCauses",
        "a list (possibly empty)",
        "absent",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ensure_kept_finds_dropped_and_changed_fields() {
        let read = json!({"name": "a", "x": {"y": null, "z": [1]}, "n": null});
        assert!(
            ensure_kept(
                &read,
                &json!({"name": "b", "x": {"y": null, "z": [1]}, "n": null}),
                &["name"]
            )
            .is_ok()
        );
        let dropped = ensure_kept(
            &read,
            &json!({"name": "a", "x": {"z": [1]}, "n": null}),
            &[],
        )
        .unwrap_err();
        assert!(dropped.message.contains("/x/y"), "{dropped:?}");
        let changed = ensure_kept(
            &read,
            &json!({"name": "b", "x": {"y": null, "z": [2]}, "n": null}),
            &["name"],
        )
        .unwrap_err();
        assert!(changed.message.contains("/x/z"), "{changed:?}");
        assert!(ensure_kept(&read, &json!({"name": "b"}), &["name"]).is_err());
    }

    #[test]
    fn allow_hints_compare_as_sets() {
        let v = json!({"_links": {"self": {"hints": {"allow": ["PUT", "GET"]}}}});
        assert!(ensure_allow(&v, "self", &["GET", "PUT"]).is_ok());
        assert!(ensure_allow(&v, "self", &["GET"]).is_err());
        assert!(ensure_allow(&v, "rules", &["GET"]).is_err());
        assert!(ensure_no_link(&v, "rules").is_ok());
        assert!(ensure_no_link(&v, "self").is_err());
    }

    #[test]
    fn variants_are_named_and_renamed() {
        let mut p = Policy::from_json(json!({"type": "PASSWORD", "name": "p"}));
        assert!(ensure_policy_variant(&p, "Password").is_ok());
        rename_policy(&mut p, "q").unwrap();
        assert_eq!(p.name(), Some("q"));
        let other = Policy::from_json(json!({"type": "FUTURE", "name": "f"}));
        assert!(policy_variant(&other).starts_with("Other (type \"FUTURE\""));
        let mut r = PolicyRule::from_json(json!({"type": "SIGN_ON", "name": "r"}));
        assert!(ensure_rule_variant(&r, "SignOn").is_ok());
        rename_rule(&mut r, "s").unwrap();
        assert_eq!(r.name(), Some("s"));
    }
}
