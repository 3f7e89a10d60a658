//! The account management policy guide (doc 001, "Configure an Okta account management policy").

use futures::future::BoxFuture;
use okta_mgmt::types::{LifecycleStatus, Policy};
use serde_json::{Value, json};

use super::kit::{
    PolicyHandle, RuleHandle, ensure_allow, ensure_kept, ensure_same, ensure_variant,
    expect_invalid, list_policies, rename_typed, to_json,
};
use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq};

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
        let Some(policy) = find_policy(ctx).await? else {
            ctx.skip_step(
                "manage the account management policy's rules",
                "this org has no account management policy (an Identity Engine feature)",
            );
            return Ok(());
        };
        let before = ctx
            .step("get it by id: Policy::Access, read-only _links", async {
                let got = policy.get(ctx).await?;
                ensure_variant(&got, "Access")?;
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
        let rule = add_and_replace_rule(ctx, &policy).await?;
        refusals(ctx, &policy, &before).await?;
        ctx.step(
            "delete the rule → 404 afterwards",
            rule.delete_and_expect_gone(ctx),
        )
        .await?;
        ctx.step(
            "the policy is unchanged (name, status, lastUpdated)",
            async {
                let after = policy.get_raw(ctx).await?;
                ensure_same(
                    &before,
                    &after,
                    &["name", "status", "lastUpdated", "system", "type"],
                )
            },
        )
        .await
    })
}

/// The account management policy among the ACCESS_POLICY policies (required on the simulator).
async fn find_policy(ctx: &Ctx) -> Result<Option<PolicyHandle>, StepFailure> {
    let found = ctx
        .step(
            "find the account management policy among the ACCESS_POLICY policies",
            async {
                let all = list_policies(ctx, "ACCESS_POLICY").await?;
                let found = all
                    .into_iter()
                    .find(|p| p.embedded_resource_type().as_deref() == Some(ACCOUNT_MANAGEMENT));
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
        return Ok(None);
    };
    let id = policy
        .id()
        .ok_or_else(|| StepFailure::mismatch("policy", "an id", "none"))?;
    Ok(Some(PolicyHandle::existing(id)))
}

/// Lists the policy's rules, adds one (INACTIVE), finds it listed and replaces it by
/// read-modify-write.
async fn add_and_replace_rule(ctx: &Ctx, policy: &PolicyHandle) -> Result<RuleHandle, StepFailure> {
    let existing = ctx
        .step("list its rules", async {
            let rules = policy.rules(ctx).await?;
            ensure(
                !rules.is_empty(),
                "rules",
                "at least the catch-all rule",
                "none",
            )?;
            for rule in &rules {
                ensure_variant(rule, "Access")?;
            }
            Ok(rules.len())
        })
        .await?;

    let name = ctx.name("account-management-rule");
    let body = rule_body(&name);
    let rule = ctx
        .step("add a rule (activate=false)", async {
            let (handle, rule) = policy.create_rule(ctx, &body, Some(false)).await?;
            ensure_variant(&rule, "Access")?;
            ensure_eq("name", Some(name.as_str()), rule.name())?;
            ensure_eq("status", Some(LifecycleStatus::Inactive), rule.status())?;
            Ok(handle)
        })
        .await?;

    ctx.step("the rule is listed with the others", async {
        let rules = policy.rules(ctx).await?;
        ensure_eq("number of rules", existing + 1, rules.len())?;
        ensure(
            rules.iter().any(|r| r.id() == Some(rule.id.as_str())),
            "rules listing",
            format!("rule {}", rule.id),
            "absent",
        )
    })
    .await?;

    let renamed = format!("{name}-renamed");
    ctx.step("replace the rule by read-modify-write (rename)", async {
        let raw = rule.get_raw(ctx).await?;
        let mut typed = rule.get(ctx).await?;
        rename_typed(&mut typed, &renamed)?;
        ensure_kept(&raw, &to_json(&typed)?, &["name"])?;
        let replaced = rule.replace(ctx, typed).await?;
        ensure_variant(&replaced, "Access")?;
        ensure_eq("name", Some(renamed.as_str()), replaced.name())?;
        rule.expect_status(ctx, LifecycleStatus::Inactive).await
    })
    .await?;
    Ok(rule)
}

/// PUT / DELETE / deactivate / mapping of the account management policy: 400 E0000001 on the
/// simulator; skipped on a live org.
async fn refusals(ctx: &Ctx, policy: &PolicyHandle, before: &Value) -> Result<(), StepFailure> {
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
        expect_invalid(policy.replace(ctx, Policy::from_json(before.clone())).await)
    })
    .await?;
    ctx.step(delete, async {
        expect_invalid(policy.send_delete(ctx).await)
    })
    .await?;
    ctx.step(deactivate, async {
        expect_invalid(policy.deactivate(ctx).await)?;
        policy.expect_status(ctx, LifecycleStatus::Active).await
    })
    .await?;
    let mapping = json!({ "resourceId": "0oa10510BvfrKTfzD0g4", "resourceType": "APP" });
    ctx.step(map, async {
        expect_invalid(policy.map(ctx, &mapping).await)
    })
    .await
}
