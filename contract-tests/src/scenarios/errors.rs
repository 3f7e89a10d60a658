//! Error bodies and refusals: 401 with a wrong token, 400 for invalid requests, 404 for unknown
//! ids (docs 002, 003, 004; the Okta error object), and the default-policy protections.

use futures::future::BoxFuture;
use okta_mgmt::Client;
use okta_mgmt::error::Error;
use okta_mgmt::types::{LifecycleStatus, Policy, PolicyRule, PolicyType};
use serde_json::{Value, json};

use super::kit::{
    PolicyHandle, RuleHandle, UNKNOWN_ID, create_policy, ensure_error_body, expect_invalid,
    expect_not_found, expect_refusal, inactive_policy_body, list_policies, page_size, to_json,
    try_create_policy,
};
use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq, expect_error};
use crate::live::Resource;

/// The deliberately wrong API token of the 401 step (not a secret: its curl command shows it).
const WRONG_TOKEN: &str = "okta-contract-wrong-token";

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "error-bodies",
            group: "errors",
            description: "401 E0000011 with a wrong token, 400 E0000001 for listPolicies without \
                          type (raw; the typed builder refuses it), 404 E0000007 typed errors, \
                          400 for an invalid search; full Okta error bodies",
            writes: false,
            sim_only: false,
            run: error_bodies,
        },
        Scenario {
            name: "error-invalid-writes",
            group: "errors",
            description: "writes that must fail: non-object body, unknown policy type, rule type \
                          not fitting its policy, changes to unknown policies and rules (404)",
            writes: true,
            sim_only: false,
            run: invalid_writes,
        },
        Scenario {
            name: "default-policy-protections",
            group: "errors",
            description: "default policies cannot be deleted or deactivated, default rules are \
                          immutable (400 E0000001); an unchanged PUT of a default rule is accepted",
            writes: true,
            sim_only: true,
            run: default_protections,
        },
    ]
}

/// Proves the Okta error object end to end against the target: a client with a wrong API token
/// gets 401 E0000011 with a complete body (code, summary, link, id, causes) and a request id;
/// `GET /api/v1/policies` without `type` is 400 E0000001 (sent raw, because the typed builder
/// refuses the missing required parameter before sending, which is checked too); unknown
/// policy, rule, mapping and device ids are 404 E0000007 as typed `Error::Api` values; a search
/// expression that does not parse and an unknown policy type are 400.
fn error_bodies(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        wrong_token(ctx).await?;
        listing_refusals(ctx).await?;
        unknown_ids(ctx).await?;
        ctx.step(
            "a search expression that does not parse → 400 (E0000031 on the simulator)",
            async {
                let result = ctx.client().list_devices().search("status eq").call().await;
                expect_refusal(ctx, result, 400, "E0000031")
            },
        )
        .await
    })
}

/// A client with a wrong API token gets 401 E0000011 with a complete error body.
async fn wrong_token(ctx: &Ctx) -> Result<(), StepFailure> {
    ctx.step(
        "a wrong API token → 401 E0000011 with a complete error body",
        async {
            let wrong = Client::builder()
                .org_url(ctx.base_url())
                .api_token(WRONG_TOKEN)
                .build()
                .map_err(|e| StepFailure::new(format!("cannot build a client: {e}")))?;
            let wrong = ctx.observe(&wrong, Some(format!("SSWS {WRONG_TOKEN}")));
            let result = wrong.list_devices().limit(page_size(1)).call().await;
            let e = expect_error(result, 401, "E0000011")?;
            ensure_error_body(&e, "E0000011")?;
            ensure(
                e.request_id().is_some(),
                "X-Okta-Request-Id",
                "present",
                "absent",
            )
        },
    )
    .await
}

/// listPolicies without a type (refused by the typed builder, 400 E0000001 raw) and with an
/// unknown type.
async fn listing_refusals(ctx: &Ctx) -> Result<(), StepFailure> {
    let client = ctx.client();
    ctx.step(
        "the typed listPolicies builder refuses a missing type before sending",
        async {
            match client.list_policies().call().await {
                Err(Error::InvalidRequest { .. }) => Ok(()),
                Err(other) => Err(StepFailure::mismatch(
                    "error",
                    "InvalidRequest (nothing sent)",
                    super::describe_error(&other),
                )),
                Ok(_) => Err(StepFailure::mismatch(
                    "result",
                    "InvalidRequest (nothing sent)",
                    "a response",
                )),
            }
        },
    )
    .await?;

    ctx.step(
        "GET /api/v1/policies without type (raw) → 400 E0000001",
        async {
            let result = client.raw().get("/api/v1/policies").send().await;
            let e = expect_error(result, 400, "E0000001")?;
            ensure_error_body(&e, "E0000001")
        },
    )
    .await?;

    ctx.step("list policies of an unknown type → 400 E0000001", async {
        let result = client
            .list_policies()
            .type_(PolicyType::from("OKTA_CONTRACT_NO_SUCH_TYPE"))
            .call()
            .await;
        expect_refusal(ctx, result, 400, "E0000001")
    })
    .await
}

/// Unknown policy, device, rule and mapping ids are 404 E0000007.
async fn unknown_ids(ctx: &Ctx) -> Result<(), StepFailure> {
    let client = ctx.client();
    let unknown = PolicyHandle::existing(UNKNOWN_ID);
    ctx.step("get an unknown policy → typed 404 E0000007", async {
        let e = expect_error(unknown.get(ctx).await, 404, "E0000007")?;
        ensure(
            matches!(e, Error::Api(_)),
            "error kind",
            "Error::Api",
            format!("{e:?}"),
        )?;
        ensure_error_body(&e, "E0000007")
    })
    .await?;

    ctx.step(
        "get an unknown device → typed 404 E0000007 (doc 002)",
        async {
            let e = expect_error(
                client.get_device().device_id(UNKNOWN_ID).call().await,
                404,
                "E0000007",
            )?;
            ensure_error_body(&e, "E0000007")?;
            if ctx.is_sim() {
                let summary = e
                    .okta_error()
                    .and_then(|o| o.error_summary.clone())
                    .unwrap_or_default();
                ensure_eq(
                    "errorSummary",
                    format!("Not found: Resource not found: {UNKNOWN_ID} (GenericUDObject)"),
                    summary,
                )?;
            }
            Ok(())
        },
    )
    .await?;

    let existing = existing_access_policy(
        ctx,
        "find an existing ACCESS_POLICY (for unknown rule and mapping ids)",
    )
    .await?;
    let step = "get an unknown rule and an unknown mapping → 404 E0000007";
    if let Some(policy) = existing {
        ctx.step(step, async {
            expect_not_found(policy.rule(UNKNOWN_ID).get(ctx).await)?;
            expect_not_found(policy.mapping(UNKNOWN_ID).get(ctx).await)
        })
        .await?;
    } else {
        ctx.skip_step(step, NO_ACCESS_POLICY);
    }
    ctx.step(
        "rules and mappings of an unknown policy → 404 E0000007",
        async {
            expect_not_found(
                client
                    .list_policy_rules()
                    .policy_id(UNKNOWN_ID)
                    .call()
                    .await,
            )?;
            expect_not_found(
                client
                    .list_policy_mappings()
                    .policy_id(UNKNOWN_ID)
                    .call()
                    .await,
            )
        },
    )
    .await
}

/// Why the steps on an unknown rule id do not run.
const NO_ACCESS_POLICY: &str = "the org has no ACCESS_POLICY policy";

/// A step named `step` finding some ACCESS_POLICY of the org (to hang unknown ids on).
async fn existing_access_policy(
    ctx: &Ctx,
    step: &str,
) -> Result<Option<PolicyHandle>, StepFailure> {
    ctx.step(step, async {
        Ok(list_policies(ctx, "ACCESS_POLICY")
            .await?
            .iter()
            .find_map(|p| p.id().map(PolicyHandle::existing)))
    })
    .await
}

/// Proves that invalid writes fail without creating anything: a body that is not a JSON object
/// is 400 (E0000003 on the simulator); a policy of an unknown type, sent through
/// `Policy::Other`, is 400 E0000001; a rule whose type does not fit its policy is 400 E0000001;
/// replacing, activating and deleting an unknown policy, and replacing, activating and
/// deleting an unknown rule, are 404 E0000007.
fn invalid_writes(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        malformed_policies(ctx).await?;
        misfit_rule(ctx).await?;
        unknown_policy_writes(ctx).await?;
        unknown_rule_writes(ctx).await
    })
}

/// A policy body that is not a JSON object, and a policy of an unknown type, are refused.
async fn malformed_policies(ctx: &Ctx) -> Result<(), StepFailure> {
    ctx.step(
        "POST a policy body that is not a JSON object → 400",
        async {
            let result = ctx
                .client()
                .raw()
                .post("/api/v1/policies")
                .json("not an object")
                .send_json::<Value>()
                .await;
            if let Ok(created) = &result {
                track_policy(ctx, created);
            }
            expect_refusal(ctx, result, 400, "E0000003")
        },
    )
    .await?;

    let unknown_type = inactive_policy_body(
        &ctx.name("errors-unknown-type"),
        "OKTA_CONTRACT_NO_SUCH_TYPE",
    );
    ctx.step(
        "create a policy of an unknown type (Policy::Other) → 400 E0000001",
        async {
            let policy = Policy::from_json(unknown_type.clone());
            ensure(
                matches!(policy, Policy::Other(_)),
                "decoded variant",
                "Policy::Other",
                format!("{policy:?}"),
            )?;
            ensure_eq("re-encoded body", &unknown_type, &policy.to_json()?)?;
            expect_invalid(try_create_policy(ctx, policy, Some(false)).await)
        },
    )
    .await
}

/// A PASSWORD rule in an ACCESS_POLICY is refused; the policy is deleted again.
async fn misfit_rule(ctx: &Ctx) -> Result<(), StepFailure> {
    let policy_body = inactive_policy_body(&ctx.name("errors-access"), "ACCESS_POLICY");
    let policy = ctx
        .step(
            "create an ACCESS_POLICY (inactive) to add a misfit rule to",
            async { Ok(create_policy(ctx, &policy_body, Some(false)).await?.0) },
        )
        .await?;
    let misfit = json!({
        "name": ctx.name("errors-password-rule"),
        "type": "PASSWORD",
        "conditions": { "people": { "users": { "exclude": [] } } },
        "actions": { "passwordChange": { "access": "ALLOW" } }
    });
    ctx.step(
        "a PASSWORD rule in an ACCESS_POLICY → 400 E0000001",
        async {
            let rule = PolicyRule::from_json(misfit.clone());
            expect_invalid(policy.try_create_rule(ctx, rule, Some(false)).await)
        },
    )
    .await?;
    ctx.step(
        "delete the ACCESS_POLICY",
        policy.deactivate_and_delete(ctx),
    )
    .await
}

/// PUT, activate and DELETE of an unknown policy are 404 E0000007.
async fn unknown_policy_writes(ctx: &Ctx) -> Result<(), StepFailure> {
    let replacement = inactive_policy_body(&ctx.name("errors-replacement"), "ACCESS_POLICY");
    let unknown = PolicyHandle::existing(UNKNOWN_ID);
    ctx.step(
        "PUT, activate and DELETE an unknown policy → 404 E0000007",
        async {
            let body = Policy::from_json(replacement.clone());
            expect_not_found(unknown.replace(ctx, body).await)?;
            expect_not_found(unknown.activate(ctx).await)?;
            expect_not_found(unknown.send_delete(ctx).await)
        },
    )
    .await
}

/// PUT, activate and DELETE of an unknown rule (and DELETE of an unknown mapping) of an
/// existing policy are 404 E0000007.
async fn unknown_rule_writes(ctx: &Ctx) -> Result<(), StepFailure> {
    let existing = existing_access_policy(
        ctx,
        "find an existing ACCESS_POLICY (for an unknown rule id)",
    )
    .await?;
    let step = "PUT, activate and DELETE an unknown rule → 404 E0000007";
    let Some(existing) = existing else {
        ctx.skip_step(step, NO_ACCESS_POLICY);
        return Ok(());
    };
    let body = json!({ "name": ctx.name("errors-rule"), "type": "ACCESS_POLICY" });
    let rule = existing.rule(UNKNOWN_ID);
    ctx.step(step, async {
        expect_not_found(rule.replace(ctx, PolicyRule::from_json(body.clone())).await)?;
        expect_not_found(rule.activate(ctx).await)?;
        expect_not_found(rule.send_delete(ctx).await)?;
        expect_not_found(existing.mapping(UNKNOWN_ID).send_delete(ctx).await)
    })
    .await
}

/// Tracks a policy that a refused request created after all, so cleanup removes it.
fn track_policy(ctx: &Ctx, created: &Value) {
    if let Some(id) = created.get("id").and_then(Value::as_str) {
        ctx.track(Resource::Policy {
            id: id.to_owned(),
            name: created
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        });
    }
}

/// Proves the default-policy protections of docs 003/004 on the simulator: the default
/// PASSWORD policy cannot be deleted or deactivated (400 E0000001) and stays ACTIVE; activating
/// it is a no-op; its default rule cannot be changed, deactivated or deleted (400 E0000001,
/// "Default Rule is immutable"), while a PUT that sends it back unchanged is accepted; a PUT of
/// the default policy with `status: INACTIVE` is accepted and ignores the status (recorded real
/// orgs: a PUT never changes `status`).
fn default_protections(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let (handle, policy) = ctx
            .step(
                "find the default PASSWORD policy (system: true, last)",
                async {
                    let all = list_policies(ctx, "PASSWORD").await?;
                    let last = all
                        .last()
                        .ok_or_else(|| StepFailure::mismatch("listing", "policies", "none"))?;
                    let json = to_json(last)?;
                    ensure_eq("system", Some(true), json["system"].as_bool())?;
                    let id = last
                        .id()
                        .ok_or_else(|| StepFailure::mismatch("policy", "an id", "none"))?;
                    Ok((PolicyHandle::existing(id), last.clone()))
                },
            )
            .await?;
        default_policy_protections(ctx, &handle, &policy).await?;
        let (rule, default_rule) = default_rule_protections(ctx, &handle).await?;
        ctx.step("the default policy and rule are unchanged", async {
            let now_rule = rule.get(ctx).await?;
            ensure_eq("rule name", default_rule.name(), now_rule.name())?;
            ensure_eq(
                "rule status",
                Some(LifecycleStatus::Active),
                now_rule.status(),
            )?;
            let now = handle.get(ctx).await?;
            ensure_eq("policy name", policy.name(), now.name())?;
            ensure_eq("policy status", Some(LifecycleStatus::Active), now.status())
        })
        .await
    })
}

/// The default policy refuses DELETE and deactivation, accepts activation, and a PUT with
/// `status: INACTIVE` leaves it ACTIVE.
async fn default_policy_protections(
    ctx: &Ctx,
    handle: &PolicyHandle,
    policy: &Policy,
) -> Result<(), StepFailure> {
    ctx.step("DELETE the default policy → 400 E0000001", async {
        expect_invalid(handle.send_delete(ctx).await)
    })
    .await?;
    ctx.step(
        "deactivate the default policy → 400 E0000001, still ACTIVE",
        async {
            expect_invalid(handle.deactivate(ctx).await)?;
            handle.expect_status(ctx, LifecycleStatus::Active).await
        },
    )
    .await?;
    ctx.step(
        "activate the default policy → accepted (already active)",
        async { Ok(handle.activate(ctx).await?) },
    )
    .await?;
    let mut inactive = to_json(policy)?;
    inactive["status"] = json!("INACTIVE");
    ctx.step(
        "PUT the default policy with status INACTIVE → 200, status ignored (still ACTIVE)",
        async {
            let replaced = handle
                .replace(ctx, Policy::from_json(inactive.clone()))
                .await?;
            ensure_eq("status", Some(LifecycleStatus::Active), replaced.status())
        },
    )
    .await
}

/// The default rule (the last one) accepts an unchanged PUT and refuses a rename,
/// deactivation and DELETE; returns it as read.
async fn default_rule_protections(
    ctx: &Ctx,
    policy: &PolicyHandle,
) -> Result<(RuleHandle, PolicyRule), StepFailure> {
    let default_rule = ctx
        .step(
            "list its rules: the last one is the default rule (system: true)",
            async {
                let rules = ctx
                    .client()
                    .list_policy_rules()
                    .policy_id(&policy.id)
                    .call()
                    .await?;
                let last = rules.last().cloned().ok_or_else(|| {
                    StepFailure::mismatch("default policy rules", "a default rule", "none")
                })?;
                ensure_eq("system", Some(true), to_json(&last)?["system"].as_bool())?;
                Ok(last)
            },
        )
        .await?;
    let rule = policy.rule(
        default_rule
            .id()
            .ok_or_else(|| StepFailure::mismatch("default rule", "an id", "none"))?,
    );
    let unchanged = to_json(&default_rule)?;
    ctx.step("PUT the default rule back unchanged → accepted", async {
        let put = rule.replace(ctx, default_rule.clone()).await?;
        ensure_eq("name", default_rule.name(), put.name())
    })
    .await?;
    let mut changed = unchanged.clone();
    changed["name"] = json!(ctx.name("renamed-default-rule"));
    ctx.step("PUT the default rule renamed → 400 E0000001", async {
        expect_invalid(
            rule.replace(ctx, PolicyRule::from_json(changed.clone()))
                .await,
        )
    })
    .await?;
    ctx.step(
        "deactivate and DELETE the default rule → 400 E0000001",
        async {
            expect_invalid(rule.deactivate(ctx).await)?;
            expect_invalid(rule.send_delete(ctx).await)
        },
    )
    .await?;
    Ok((rule, default_rule))
}
