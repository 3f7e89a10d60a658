//! Error bodies and refusals: 401 with a wrong token, 400 for invalid requests, 404 for unknown
//! ids (docs 002, 003, 004; the Okta error object), and the default-policy protections.

use futures::future::BoxFuture;
use okta_mgmt::Client;
use okta_mgmt::error::Error;
use okta_mgmt::types::{LifecycleStatus, Policy, PolicyRule, PolicyType};
use serde_json::{Value, json};

use super::kit::{
    UNKNOWN_ID, create_policy, delete_own_policy, ensure_error_body, expect_refusal, list_policies,
    page_size, to_json,
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
        let client = ctx.client();
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
        .await?;

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
        .await?;

        ctx.step("get an unknown policy → typed 404 E0000007", async {
            let e = expect_error(
                client.get_policy().policy_id(UNKNOWN_ID).call().await,
                404,
                "E0000007",
            )?;
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

        let existing = ctx
            .step(
                "find an existing ACCESS_POLICY (for unknown rule and mapping ids)",
                async {
                    Ok(list_policies(ctx, "ACCESS_POLICY")
                        .await?
                        .iter()
                        .find_map(|p| p.id().map(str::to_owned)))
                },
            )
            .await?;
        if let Some(policy_id) = existing {
            ctx.step(
                "get an unknown rule and an unknown mapping → 404 E0000007",
                async {
                    expect_error(
                        client
                            .get_policy_rule()
                            .policy_id(&policy_id)
                            .rule_id(UNKNOWN_ID)
                            .call()
                            .await,
                        404,
                        "E0000007",
                    )?;
                    expect_error(
                        client
                            .get_policy_mapping()
                            .policy_id(&policy_id)
                            .mapping_id(UNKNOWN_ID)
                            .call()
                            .await,
                        404,
                        "E0000007",
                    )
                    .map(drop)
                },
            )
            .await?;
        } else {
            ctx.skip_step(
                "get an unknown rule and an unknown mapping → 404 E0000007",
                "the org has no ACCESS_POLICY policy",
            );
        }
        ctx.step(
            "rules and mappings of an unknown policy → 404 E0000007",
            async {
                expect_error(
                    client
                        .list_policy_rules()
                        .policy_id(UNKNOWN_ID)
                        .call()
                        .await,
                    404,
                    "E0000007",
                )?;
                expect_error(
                    client
                        .list_policy_mappings()
                        .policy_id(UNKNOWN_ID)
                        .call()
                        .await,
                    404,
                    "E0000007",
                )
                .map(drop)
            },
        )
        .await?;

        let bad_search = "status eq";
        ctx.step(
            "a search expression that does not parse → 400 (E0000031 on the simulator)",
            async {
                let result = client.list_devices().search(bad_search).call().await;
                expect_refusal(ctx, result, 400, "E0000031")
            },
        )
        .await
    })
}

/// Proves that invalid writes fail without creating anything: a body that is not a JSON object
/// is 400 (E0000003 on the simulator); a policy of an unknown type, sent through
/// `Policy::Other`, is 400 E0000001; a rule whose type does not fit its policy is 400 E0000001;
/// replacing, activating and deleting an unknown policy, and replacing, activating and
/// deleting an unknown rule, are 404 E0000007.
fn invalid_writes(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let client = ctx.client();
        ctx.step(
            "POST a policy body that is not a JSON object → 400",
            async {
                let result = client
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

        let unknown_type = json!({
            "name": ctx.name("errors-unknown-type"),
            "type": "OKTA_CONTRACT_NO_SUCH_TYPE",
            "status": "INACTIVE",
        });
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
                let result = client
                    .create_policy()
                    .activate(false)
                    .body(policy)
                    .call()
                    .await;
                if let Ok(created) = &result {
                    track_policy(ctx, &to_json(created)?);
                }
                expect_error(result, 400, "E0000001").map(drop)
            },
        )
        .await?;

        let policy_body = json!({
            "name": ctx.name("errors-access"),
            "type": "ACCESS_POLICY",
            "status": "INACTIVE",
        });
        let policy_id = ctx
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
                let result = client
                    .create_policy_rule()
                    .policy_id(&policy_id)
                    .activate(false)
                    .body(PolicyRule::from_json(misfit.clone()))
                    .call()
                    .await;
                if let Ok(created) = &result
                    && let Some(id) = created.id()
                {
                    ctx.track(Resource::Rule {
                        policy_id: policy_id.clone(),
                        id: id.to_owned(),
                    });
                }
                expect_error(result, 400, "E0000001").map(drop)
            },
        )
        .await?;
        ctx.step(
            "delete the ACCESS_POLICY",
            delete_own_policy(ctx, &policy_id),
        )
        .await?;

        let replacement = json!({
            "name": ctx.name("errors-replacement"),
            "type": "ACCESS_POLICY",
            "status": "INACTIVE",
        });
        ctx.step(
            "PUT, activate and DELETE an unknown policy → 404 E0000007",
            async {
                expect_error(
                    client
                        .replace_policy()
                        .policy_id(UNKNOWN_ID)
                        .body(Policy::from_json(replacement.clone()))
                        .call()
                        .await,
                    404,
                    "E0000007",
                )?;
                expect_error(
                    client.activate_policy().policy_id(UNKNOWN_ID).call().await,
                    404,
                    "E0000007",
                )?;
                expect_error(
                    client.delete_policy().policy_id(UNKNOWN_ID).call().await,
                    404,
                    "E0000007",
                )
                .map(drop)
            },
        )
        .await?;

        let existing = ctx
            .step(
                "find an existing ACCESS_POLICY (for an unknown rule id)",
                async {
                    Ok(list_policies(ctx, "ACCESS_POLICY")
                        .await?
                        .iter()
                        .find_map(|p| p.id().map(str::to_owned)))
                },
            )
            .await?;
        let Some(existing) = existing else {
            ctx.skip_step(
                "PUT, activate and DELETE an unknown rule → 404 E0000007",
                "the org has no ACCESS_POLICY policy",
            );
            return Ok(());
        };
        let rule = json!({ "name": ctx.name("errors-rule"), "type": "ACCESS_POLICY" });
        ctx.step(
            "PUT, activate and DELETE an unknown rule → 404 E0000007",
            async {
                expect_error(
                    client
                        .replace_policy_rule()
                        .policy_id(&existing)
                        .rule_id(UNKNOWN_ID)
                        .body(PolicyRule::from_json(rule.clone()))
                        .call()
                        .await,
                    404,
                    "E0000007",
                )?;
                expect_error(
                    client
                        .activate_policy_rule()
                        .policy_id(&existing)
                        .rule_id(UNKNOWN_ID)
                        .call()
                        .await,
                    404,
                    "E0000007",
                )?;
                expect_error(
                    client
                        .delete_policy_rule()
                        .policy_id(&existing)
                        .rule_id(UNKNOWN_ID)
                        .call()
                        .await,
                    404,
                    "E0000007",
                )?;
                expect_error(
                    client
                        .delete_policy_resource_mapping()
                        .policy_id(&existing)
                        .mapping_id(UNKNOWN_ID)
                        .call()
                        .await,
                    404,
                    "E0000007",
                )
                .map(drop)
            },
        )
        .await
    })
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
        let client = ctx.client();
        let (policy_id, policy) = ctx
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
                    Ok((id.to_owned(), last.clone()))
                },
            )
            .await?;

        ctx.step("DELETE the default policy → 400 E0000001", async {
            expect_error(
                client.delete_policy().policy_id(&policy_id).call().await,
                400,
                "E0000001",
            )
            .map(drop)
        })
        .await?;
        ctx.step(
            "deactivate the default policy → 400 E0000001, still ACTIVE",
            async {
                expect_error(
                    client
                        .deactivate_policy()
                        .policy_id(&policy_id)
                        .call()
                        .await,
                    400,
                    "E0000001",
                )?;
                let now = client.get_policy().policy_id(&policy_id).call().await?;
                ensure_eq("status", Some(LifecycleStatus::Active), now.status())
            },
        )
        .await?;
        ctx.step(
            "activate the default policy → accepted (already active)",
            async {
                client
                    .activate_policy()
                    .policy_id(&policy_id)
                    .call()
                    .await?;
                Ok(())
            },
        )
        .await?;
        let mut inactive = to_json(&policy)?;
        inactive["status"] = json!("INACTIVE");
        ctx.step(
            "PUT the default policy with status INACTIVE → 200, status ignored (still ACTIVE)",
            async {
                let replaced = client
                    .replace_policy()
                    .policy_id(&policy_id)
                    .body(Policy::from_json(inactive.clone()))
                    .call()
                    .await?;
                ensure_eq("status", Some(LifecycleStatus::Active), replaced.status())
            },
        )
        .await?;

        let default_rule = ctx
            .step(
                "list its rules: the last one is the default rule (system: true)",
                async {
                    let rules = client
                        .list_policy_rules()
                        .policy_id(&policy_id)
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
        let rule_id = default_rule
            .id()
            .ok_or_else(|| StepFailure::mismatch("default rule", "an id", "none"))?
            .to_owned();
        let unchanged = to_json(&default_rule)?;
        ctx.step("PUT the default rule back unchanged → accepted", async {
            let put = client
                .replace_policy_rule()
                .policy_id(&policy_id)
                .rule_id(&rule_id)
                .body(default_rule.clone())
                .call()
                .await?;
            ensure_eq("name", default_rule.name(), put.name())
        })
        .await?;
        let mut changed = unchanged.clone();
        changed["name"] = json!(ctx.name("renamed-default-rule"));
        ctx.step("PUT the default rule renamed → 400 E0000001", async {
            expect_error(
                client
                    .replace_policy_rule()
                    .policy_id(&policy_id)
                    .rule_id(&rule_id)
                    .body(PolicyRule::from_json(changed.clone()))
                    .call()
                    .await,
                400,
                "E0000001",
            )
            .map(drop)
        })
        .await?;
        ctx.step(
            "deactivate and DELETE the default rule → 400 E0000001",
            async {
                expect_error(
                    client
                        .deactivate_policy_rule()
                        .policy_id(&policy_id)
                        .rule_id(&rule_id)
                        .call()
                        .await,
                    400,
                    "E0000001",
                )?;
                expect_error(
                    client
                        .delete_policy_rule()
                        .policy_id(&policy_id)
                        .rule_id(&rule_id)
                        .call()
                        .await,
                    400,
                    "E0000001",
                )
                .map(drop)
            },
        )
        .await?;
        ctx.step("the default policy and rule are unchanged", async {
            let rule = client
                .get_policy_rule()
                .policy_id(&policy_id)
                .rule_id(&rule_id)
                .call()
                .await?;
            ensure_eq("rule name", default_rule.name(), rule.name())?;
            ensure_eq("rule status", Some(LifecycleStatus::Active), rule.status())?;
            let now = client.get_policy().policy_id(&policy_id).call().await?;
            ensure_eq("policy name", policy.name(), now.name())?;
            ensure_eq("policy status", Some(LifecycleStatus::Active), now.status())
        })
        .await
    })
}
