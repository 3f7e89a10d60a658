//! What recorded real orgs do where the documents are silent or say otherwise (issue 15,
//! point 3): one step per recorded behaviour. The simulator follows the recordings; server-filled
//! values are the published spec's `default:`s.

use futures::future::BoxFuture;
use okta_mgmt::types::LifecycleStatus;
use serde_json::{Value, json};

use super::kit::{PolicyHandle, create_policy, default_policy, get_raw, policy_path};
use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq, expect_error};
use crate::live::Resource;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "recorded-policy-behaviours",
            group: "policies",
            description: "recorded real-org behaviours: PUT ignores status, no _embedded on API \
                          ACCESS_POLICYs, _links.mappings on OKTA_SIGN_ON/MFA_ENROLL, server \
                          defaults (default PASSWORD policy, ACCESS_POLICY rules), default \
                          POST_AUTH_SESSION and SESSION_VIOLATION_DETECTION policies, priority \
                          0 kept, empty platform not echoed, SSPR requirement and null os \
                          expression accepted",
            writes: true,
            sim_only: false,
            run: policy_behaviours,
        },
        Scenario {
            name: "recorded-device-behaviours",
            group: "devices",
            description: "recorded real-org behaviours of the device list: Link rel=self and \
                          rel=next, an unknown cursor is 400 E0000031",
            writes: false,
            sim_only: false,
            run: device_behaviours,
        },
    ]
}

const EVERYONE: &str = "00g1everyone0000g7";

/// `value` at JSON pointer `pointer`, or a mismatch naming `what`.
fn at<'a>(value: &'a Value, pointer: &str, what: &str) -> Result<&'a Value, StepFailure> {
    value
        .pointer(pointer)
        .ok_or_else(|| StepFailure::mismatch(what, format!("a value at {pointer}"), "none"))
}

/// `POST {path}` through the raw client: the server's JSON, untouched by the typed model.
async fn post_raw(ctx: &Ctx, path: &str, body: &Value) -> Result<Value, StepFailure> {
    Ok(ctx
        .client()
        .raw()
        .post(path)
        .json(body)
        .send_json::<Value>()
        .await?)
}

/// Creates a rule through the raw client and tracks it; returns the server's JSON.
async fn create_rule_raw(
    ctx: &Ctx,
    policy: &PolicyHandle,
    body: &Value,
) -> Result<Value, StepFailure> {
    let created = post_raw(ctx, &policy.rules_path(), body).await?;
    let id = created["id"]
        .as_str()
        .ok_or_else(|| StepFailure::mismatch("created rule", "an id", "none"))?;
    ctx.track(Resource::Rule {
        policy_id: policy.id.clone(),
        id: id.to_owned(),
    });
    Ok(created)
}

/// The default (system) policy of `policy_type` as the server sends it on `GET` by id.
async fn default_policy_raw(ctx: &Ctx, policy_type: &str) -> Result<Value, StepFailure> {
    let policy = default_policy(ctx, policy_type)
        .await?
        .ok_or_else(|| StepFailure::mismatch("default policy", policy_type, "none"))?;
    get_raw(ctx, &policy_path(policy["id"].as_str().unwrap_or(""))).await
}

fn access_rule(name: &str, conditions: Value) -> Value {
    json!({
        "type": "ACCESS_POLICY",
        "name": name,
        "priority": 0,
        "conditions": conditions,
        "actions": { "appSignOn": { "access": "ALLOW", "verificationMethod": {
            "factorMode": "1FA", "type": "ASSURANCE", "reauthenticateIn": "PT2H",
            "constraints": [ { "knowledge": { "types": ["password"] } } ]
        } } }
    })
}

/// One step per recorded behaviour of the policies API; see the scenario's description.
fn policy_behaviours(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let password = put_ignores_status(ctx).await?;
        sspr_requirement_kept(ctx, &password).await?;
        let access = access_policy_without_embedded(ctx).await?;
        access_rule_behaviours(ctx, &access).await?;
        default_policy_behaviours(ctx).await
    })
}

/// PUT ignores `status`: an INACTIVE PASSWORD policy stays INACTIVE.
async fn put_ignores_status(ctx: &Ctx) -> Result<PolicyHandle, StepFailure> {
    let pw_name = ctx.name("recorded-password");
    let pw_body = json!({
        "type": "PASSWORD", "status": "INACTIVE", "name": pw_name,
        "description": "okta-contract: recorded behaviours; deleted at the end of the run",
        "conditions": { "people": { "groups": { "include": [EVERYONE] } },
                        "authProvider": { "provider": "OKTA" } }
    });
    let password = ctx
        .step("create an INACTIVE PASSWORD policy", async {
            Ok(create_policy(ctx, &pw_body, Some(false)).await?.0)
        })
        .await?;
    let mut put_body = pw_body.clone();
    put_body["status"] = json!("ACTIVE");
    ctx.step(
        "PUT /policies/{id} with status ACTIVE → 200, status ignored (still INACTIVE)",
        async {
            let replaced = ctx
                .client()
                .raw()
                .put(password.path())
                .json(&put_body)
                .send_json::<Value>()
                .await?;
            ensure_eq(
                "status in the answer",
                Some("INACTIVE"),
                replaced["status"].as_str(),
            )?;
            password.expect_status(ctx, LifecycleStatus::Inactive).await
        },
    )
    .await?;
    Ok(password)
}

/// A PASSWORD rule with actions.selfServicePasswordReset.requirement is accepted.
async fn sspr_requirement_kept(ctx: &Ctx, password: &PolicyHandle) -> Result<(), StepFailure> {
    let sspr = json!({
        "type": "PASSWORD",
        "name": ctx.name("recorded-sspr"),
        "conditions": { "people": { "users": { "exclude": [] } },
                        "network": { "connection": "ANYWHERE" } },
        "actions": {
            "passwordChange": { "access": "ALLOW" },
            "selfServicePasswordReset": { "access": "ALLOW", "requirement": {
                "primary": { "methods": ["email"] }, "stepUp": { "required": false }
            } },
            "selfServiceUnlock": { "access": "DENY" }
        }
    });
    ctx.step(
        "PASSWORD rule with selfServicePasswordReset.requirement → 200, requirement kept",
        async {
            let created = create_rule_raw(ctx, password, &sspr).await?;
            ensure_eq(
                "requirement",
                Some(&sspr["actions"]["selfServicePasswordReset"]["requirement"]),
                created.pointer("/actions/selfServicePasswordReset/requirement"),
            )
        },
    )
    .await
}

/// An ACCESS_POLICY created through the API has no `_embedded`; only the account management
/// policy has one.
async fn access_policy_without_embedded(ctx: &Ctx) -> Result<PolicyHandle, StepFailure> {
    let ap_body = json!({
        "type": "ACCESS_POLICY", "status": "INACTIVE", "name": ctx.name("recorded-access"),
        "description": "okta-contract: recorded behaviours; deleted at the end of the run",
        "system": false, "conditions": null
    });
    let access = ctx
        .step("create an ACCESS_POLICY → no _embedded", async {
            let policy = create_policy(ctx, &ap_body, Some(false)).await?.0;
            let raw = policy.get_raw(ctx).await?;
            ensure_eq("_embedded", None, raw.get("_embedded"))?;
            Ok(policy)
        })
        .await?;
    ctx.step(
        "only the account management policy has _embedded.resourceType (a string)",
        async {
            let all = ctx
                .client()
                .raw()
                .get("/api/v1/policies")
                .query("type", "ACCESS_POLICY")
                .send_json::<Vec<Value>>()
                .await?;
            let embedded: Vec<&Value> = all
                .iter()
                .filter(|p| p.get("_embedded").is_some())
                .collect();
            ensure_eq("policies with _embedded", 1, embedded.len())?;
            let first = embedded.first().copied().unwrap_or(&Value::Null);
            ensure_eq(
                "_embedded.resourceType",
                Some("END_USER_ACCOUNT_MANAGEMENT"),
                first
                    .pointer("/_embedded/resourceType")
                    .and_then(Value::as_str),
            )
        },
    )
    .await?;
    Ok(access)
}

/// ACCESS_POLICY rules: AUTH_METHOD_CHAIN without the ASSURANCE-only fields, priority 0 kept,
/// os.expression null accepted, server defaults, an empty platform not echoed.
async fn access_rule_behaviours(ctx: &Ctx, access: &PolicyHandle) -> Result<(), StepFailure> {
    let chain_body = json!({
        "name": ctx.name("recorded-chain-rule"),
        "type": "ACCESS_POLICY",
        "actions": { "appSignOn": { "access": "ALLOW", "verificationMethod": {
            "type": "AUTH_METHOD_CHAIN", "factorMode": "2FA", "inactivityPeriod": "PT1H",
            "chains": [{ "authenticationMethods": [{ "key": "okta_password", "method": "password" }],
                         "reauthenticateIn": "PT43800H" }]
        } } }
    });
    ctx.step(
        "AUTH_METHOD_CHAIN rule → 200 without verificationMethod.factorMode and inactivityPeriod",
        async {
            let created = create_rule_raw(ctx, access, &chain_body).await?;
            let method = at(&created, "/actions/appSignOn/verificationMethod", "rule")?;
            ensure(
                method.get("factorMode").is_none() && method.get("inactivityPeriod").is_none(),
                "verificationMethod",
                "no factorMode and no inactivityPeriod",
                method.to_string(),
            )?;
            ensure_eq(
                "chains kept",
                Some(1),
                method["chains"].as_array().map(Vec::len),
            )
        },
    )
    .await?;

    let conditions = json!({ "platform": { "include": [
        { "type": "DESKTOP", "os": { "type": "MACOS", "expression": null } }
    ] } });
    let rule_body = access_rule(&ctx.name("recorded-rule"), conditions);
    ctx.step(
        "ACCESS_POLICY rule with priority 0 and os.expression null → 200, priority 0, \
         server defaults filled",
        async {
            let created = create_rule_raw(ctx, access, &rule_body).await?;
            ensure_server_defaults(ctx, &created)?;
            let id = created["id"].as_str().unwrap_or_default();
            let again = access.rule(id).get_raw(ctx).await?;
            ensure_eq("priority on GET", Some(0), again["priority"].as_i64())
        },
    )
    .await?;
    let empty_platform = access_rule(
        &ctx.name("recorded-empty-platform"),
        json!({ "platform": {} }),
    );
    ctx.step(
        "rule with conditions.platform {} → the empty platform is not echoed",
        async {
            let created = create_rule_raw(ctx, access, &empty_platform).await?;
            ensure_eq(
                "conditions.platform",
                None,
                created.pointer("/conditions/platform"),
            )
        },
    )
    .await
}

/// A created ACCESS_POLICY rule keeps priority 0 and `os.expression: null` and carries the
/// server-filled defaults.
fn ensure_server_defaults(ctx: &Ctx, created: &Value) -> Result<(), StepFailure> {
    ensure_eq("priority", Some(0), created["priority"].as_i64())?;
    ensure_eq(
        "os.expression",
        Some(&Value::Null),
        created.pointer("/conditions/platform/include/0/os/expression"),
    )?;
    ensure_eq(
        "conditions.people.users.exclude",
        &json!([]),
        at(created, "/conditions/people/users/exclude", "rule")?,
    )?;
    ensure(
        at(created, "/conditions/userType", "rule")?.is_object(),
        "conditions.userType",
        "an object",
        created["conditions"]["userType"].to_string(),
    )?;
    ensure(
        at(created, "/actions/appSignOn/keepMeSignedIn", "rule")?.is_object(),
        "actions.appSignOn.keepMeSignedIn",
        "an object",
        created["actions"]["appSignOn"]["keepMeSignedIn"].to_string(),
    )?;
    if ctx.is_sim() {
        ensure_eq(
            "keepMeSignedIn.postAuthPromptFrequency (spec default)",
            Some("P30D"),
            created
                .pointer("/actions/appSignOn/keepMeSignedIn/postAuthPromptFrequency")
                .and_then(Value::as_str),
        )?;
    }
    Ok(())
}

/// Default policies: mappings links, server-filled defaults, and the default policies a new
/// org holds.
async fn default_policy_behaviours(ctx: &Ctx) -> Result<(), StepFailure> {
    for policy_type in ["OKTA_SIGN_ON", "MFA_ENROLL"] {
        ctx.step(
            format!("the default {policy_type} policy has _links.mappings"),
            async {
                let raw = default_policy_raw(ctx, policy_type).await?;
                at(&raw, "/_links/mappings/href", "policy").map(drop)
            },
        )
        .await?;
    }
    ctx.step(
        "the default PASSWORD policy carries the server-filled settings",
        async {
            let raw = default_policy_raw(ctx, "PASSWORD").await?;
            for pointer in [
                "/settings/recovery/factors",
                "/settings/password/complexity/dictionary/common/exclude",
                "/settings/password/complexity/excludeAttributes",
                "/settings/password/lockout/userLockoutNotificationChannels",
                "/settings/password/breachedProtection",
            ] {
                at(&raw, pointer, "default PASSWORD policy")?;
            }
            Ok(())
        },
    )
    .await?;
    for policy_type in ["POST_AUTH_SESSION", "SESSION_VIOLATION_DETECTION"] {
        let name = format!("a new org holds a default {policy_type} policy with a default rule");
        if !ctx.is_sim() {
            ctx.skip_step(
                name,
                "only a new org is known to hold it (Identity Threat Protection orgs)",
            );
            continue;
        }
        ctx.step(name, default_policy_with_default_rule(ctx, policy_type))
            .await?;
    }
    Ok(())
}

/// The org's default `policy_type` policy (raw listing) has exactly one rule, a system rule of
/// the same type.
async fn default_policy_with_default_rule(ctx: &Ctx, policy_type: &str) -> Result<(), StepFailure> {
    let all = ctx
        .client()
        .raw()
        .get("/api/v1/policies")
        .query("type", policy_type)
        .send_json::<Vec<Value>>()
        .await?;
    let policy = all
        .iter()
        .find(|p| p["system"] == json!(true))
        .ok_or_else(|| StepFailure::mismatch("default policy", policy_type, "none"))?;
    let id = policy["id"].as_str().unwrap_or_default();
    let rules = get_raw(ctx, &PolicyHandle::existing(id).rules_path()).await?;
    let rules = rules.as_array().cloned().unwrap_or_default();
    ensure_eq("rules", 1, rules.len())?;
    let rule = rules.first().cloned().unwrap_or(Value::Null);
    ensure_eq("rule system", Some(true), rule["system"].as_bool())?;
    ensure_eq("rule type", Some(policy_type), rule["type"].as_str())
}

fn device_behaviours(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let client = ctx.client();
        ctx.step(
            "GET /devices?limit=2 → Link rel=\"self\" and rel=\"next\"",
            async {
                let response = client
                    .raw()
                    .get("/api/v1/devices")
                    .query("limit", "2")
                    .send()
                    .await?;
                let rels: Vec<String> = response
                    .headers
                    .get_all("link")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .filter_map(|v| v.split("rel=").nth(1))
                    .map(|r| r.trim_matches('"').to_owned())
                    .collect();
                ensure_eq(
                    "Link relations",
                    vec!["self".to_owned(), "next".to_owned()],
                    rels,
                )
            },
        )
        .await?;
        ctx.step(
            "GET /devices?after=<unknown cursor> → 400 E0000031",
            async {
                expect_error(
                    client
                        .raw()
                        .get("/api/v1/devices")
                        .query("after", "guoNOTACURSOR000000")
                        .send()
                        .await,
                    400,
                    "E0000031",
                )
                .map(drop)
            },
        )
        .await
    })
}
