//! The account management policy guide (doc 001, "Configure an Okta account management policy").

use futures::TryStreamExt as _;
use futures::future::BoxFuture;
use okta_mgmt::types::{LifecycleStatus, Policy, PolicyMappingRequest, PolicyRule};
use serde_json::{Value, json};

use super::kit::{
    create_rule, delete_own_rule, ensure_allow, ensure_kept, ensure_policy_variant,
    ensure_rule_variant, get_raw, list_policies, policy_path, rename_rule, rule_path, rule_status,
    to_json,
};
use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq, expect_error};
use crate::live::Resource;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "account-management-guide",
        group: "guides",
        description: "doc 001: find the ACCESS_POLICY whose _embedded.resourceType is \
                      END_USER_ACCOUNT_MANAGEMENT, list its rules, add (inactive), replace and \
                      delete a rule; the policy itself refuses PUT/DELETE/deactivate/mapping",
        writes: true,
        sim_only: false,
        run: account_management,
    }]
}

/// `_embedded.resourceType` of the account management policy (doc 001).
const ACCOUNT_MANAGEMENT: &str = "END_USER_ACCOUNT_MANAGEMENT";

/// A rule in the spirit of the guide's "authenticator enrollment" use case: phishing-resistant
/// possession. It is created INACTIVE so it never applies to anyone on a live org.
fn rule_body(name: &str) -> Value {
    json!({
        "name": name,
        "type": "ACCESS_POLICY",
        "conditions": null,
        "actions": {
            "appSignOn": {
                "access": "ALLOW",
                "verificationMethod": {
                    "factorMode": "1FA",
                    "type": "ASSURANCE",
                    "reauthenticateIn": "PT0S",
                    "constraints": [
                        { "possession": { "required": true, "phishingResistant": "REQUIRED" } }
                    ]
                }
            }
        }
    })
}

/// Why the refusal steps do not run on a real org.
const LIVE_REFUSALS: &str = "live org: the account management policy is never sent a change, \
                             not even one documented to be refused (doc 001 says it is read-only)";

/// Proves doc 001 against the target: the policy is found by `GET /api/v1/policies?type=
/// ACCESS_POLICY` through `Policy::embedded_resource_type()`, decodes as `Policy::Access`, its
/// `_links` allow only GET on itself and GET/POST on its rules; its rules can be listed, and a
/// rule can be added (INACTIVE), read, replaced by read-modify-write and deleted. On the
/// simulator it also proves the policy refuses PUT, DELETE, deactivation and mapping with
/// 400 E0000001 and is unchanged afterwards. On a live org without the feature the scenario
/// skips after the search.
fn account_management(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let client = ctx.client();
        let found = ctx
            .step(
                "find the account management policy among the ACCESS_POLICY policies",
                async {
                    let all = list_policies(ctx, "ACCESS_POLICY").await?;
                    let found = all.into_iter().find(|p| {
                        p.embedded_resource_type().as_deref() == Some(ACCOUNT_MANAGEMENT)
                    });
                    if ctx.is_sim() && found.is_none() {
                        return Err(StepFailure::mismatch(
                            "listing",
                            format!("a policy with _embedded.resourceType {ACCOUNT_MANAGEMENT}"),
                            "none",
                        ));
                    }
                    Ok(found)
                },
            )
            .await?;
        let Some(policy) = found else {
            ctx.skip_step(
                "manage the account management policy's rules",
                "this org has no account management policy (an Identity Engine feature)",
            );
            return Ok(());
        };
        let policy_id = policy
            .id()
            .ok_or_else(|| StepFailure::mismatch("policy", "an id", "none"))?
            .to_owned();
        let path = policy_path(&policy_id);

        let before = ctx
            .step("get it by id: Policy::Access, read-only _links", async {
                let got = client.get_policy().policy_id(&policy_id).call().await?;
                ensure_policy_variant(&got, "Access")?;
                ensure_eq(
                    "_embedded.resourceType",
                    Some(ACCOUNT_MANAGEMENT.to_owned()),
                    got.embedded_resource_type(),
                )?;
                let json = to_json(&got)?;
                ensure_allow(&json, "self", &["GET"])?;
                ensure_allow(&json, "rules", &["GET", "POST"])?;
                Ok(json)
            })
            .await?;

        let existing = ctx
            .step("list its rules", async {
                let rules: Vec<PolicyRule> = client
                    .list_policy_rules()
                    .policy_id(&policy_id)
                    .items()
                    .try_collect()
                    .await?;
                ensure(
                    !rules.is_empty(),
                    "rules",
                    "at least the catch-all rule",
                    "none",
                )?;
                for rule in &rules {
                    ensure_rule_variant(rule, "Access")?;
                }
                Ok(rules.len())
            })
            .await?;

        let name = ctx.name("account-management-rule");
        let body = rule_body(&name);
        let rule_id = ctx
            .step("add a rule (activate=false)", async {
                let (id, rule) = create_rule(ctx, &policy_id, &body, Some(false)).await?;
                ensure_rule_variant(&rule, "Access")?;
                ensure_eq("name", Some(name.as_str()), rule.name())?;
                ensure_eq("status", Some(LifecycleStatus::Inactive), rule.status())?;
                Ok(id)
            })
            .await?;
        let one_rule = rule_path(&policy_id, &rule_id);

        ctx.step("the rule is listed with the others", async {
            let rules: Vec<PolicyRule> = client
                .list_policy_rules()
                .policy_id(&policy_id)
                .items()
                .try_collect()
                .await?;
            ensure_eq("number of rules", existing + 1, rules.len())?;
            ensure(
                rules.iter().any(|r| r.id() == Some(rule_id.as_str())),
                "rules listing",
                format!("rule {rule_id}"),
                "absent",
            )
        })
        .await?;

        let renamed = format!("{name}-renamed");
        ctx.step("replace the rule by read-modify-write (rename)", async {
            let raw = get_raw(ctx, &one_rule).await?;
            let mut rule = client
                .get_policy_rule()
                .policy_id(&policy_id)
                .rule_id(&rule_id)
                .call()
                .await?;
            rename_rule(&mut rule, &renamed)?;
            ensure_kept(&raw, &to_json(&rule)?, &["name"])?;
            let replaced = client
                .replace_policy_rule()
                .policy_id(&policy_id)
                .rule_id(&rule_id)
                .body(rule)
                .call()
                .await?;
            ensure_rule_variant(&replaced, "Access")?;
            ensure_eq("name", Some(renamed.as_str()), replaced.name())?;
            ensure_eq(
                "status",
                Some(LifecycleStatus::Inactive),
                rule_status(ctx, &policy_id, &rule_id).await?,
            )
        })
        .await?;

        refusals(ctx, &policy_id, &before).await?;

        ctx.step("delete the rule → 404 afterwards", async {
            delete_own_rule(ctx, &policy_id, &rule_id).await?;
            expect_error(
                client
                    .get_policy_rule()
                    .policy_id(&policy_id)
                    .rule_id(&rule_id)
                    .call()
                    .await,
                404,
                "E0000007",
            )
            .map(drop)
        })
        .await?;

        ctx.step(
            "the policy is unchanged (name, status, lastUpdated)",
            async {
                let after = get_raw(ctx, &path).await?;
                for key in ["name", "status", "lastUpdated", "system", "type"] {
                    ensure_eq(key, before.get(key), after.get(key))?;
                }
                Ok(())
            },
        )
        .await
    })
}

/// PUT / DELETE / deactivate / mapping of the account management policy: 400 E0000001 on the
/// simulator; skipped on a live org.
async fn refusals(ctx: &Ctx, policy_id: &str, before: &Value) -> Result<(), StepFailure> {
    let client = ctx.client();
    let names = [
        "PUT the policy unchanged → 400 E0000001",
        "DELETE the policy → 400 E0000001",
        "deactivate the policy → 400 E0000001",
        "map the policy to an app → 400 E0000001",
    ];
    if !ctx.is_sim() {
        for name in names {
            ctx.skip_step(name, LIVE_REFUSALS);
        }
        return Ok(());
    }
    let [put, delete, deactivate, map] = names;
    ctx.step(put, async {
        let policy = Policy::from_json(before.clone());
        let result = client
            .replace_policy()
            .policy_id(policy_id)
            .body(policy)
            .call()
            .await;
        expect_error(result, 400, "E0000001").map(drop)
    })
    .await?;
    ctx.step(delete, async {
        let result = client.delete_policy().policy_id(policy_id).call().await;
        expect_error(result, 400, "E0000001").map(drop)
    })
    .await?;
    ctx.step(deactivate, async {
        let result = client.deactivate_policy().policy_id(policy_id).call().await;
        expect_error(result, 400, "E0000001")?;
        let policy = client.get_policy().policy_id(policy_id).call().await?;
        ensure_eq("status", Some(LifecycleStatus::Active), policy.status())
    })
    .await?;
    let mapping = json!({ "resourceId": "0oa10510BvfrKTfzD0g4", "resourceType": "APP" });
    ctx.step(map, async {
        let request: PolicyMappingRequest = serde_json::from_value(mapping.clone())?;
        let result = client
            .map_resource_to_policy()
            .policy_id(policy_id)
            .body(request)
            .call()
            .await;
        if let Ok(created) = &result
            && let Some(id) = created.id.as_deref()
        {
            ctx.track(Resource::Mapping {
                policy_id: policy_id.to_owned(),
                id: id.to_owned(),
            });
        }
        expect_error(result, 400, "E0000001").map(drop)
    })
    .await
}
