//! Scenarios for the operations and policy types of issue 8: every policy type decodes into its
//! typed variant, the policies Okta creates itself, the users of a device and the devices of a
//! user, cloning a policy, the policy simulation, the apps of a policy (deprecated
//! listPolicyApps) and the listPolicies `q`, `sortBy` and `resourceId` parameters.

use std::collections::HashSet;

use futures::TryStreamExt as _;
use futures::future::BoxFuture;
use okta_mgmt::types::{Policy, PolicyRule, PolicyType, SimulatePolicyBody};
// The spec's twelve policy types and the ones Okta creates in every org, in the spec's order.
use okta_sim::{OKTA_CREATED_TYPES, SPEC_POLICY_TYPES};
use serde_json::{Value, json};

use super::kit::{
    PolicyHandle, UNKNOWN_ID, create_policy, default_policy, ensure_kept, expect_invalid,
    expect_not_found, expect_refusal, get_raw, list_policies, rename_typed, require_id, str_at,
    strs_at, to_json, user_ids, variant_of,
};
use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq};

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "every-policy-type",
            group: "policies",
            description: "list each of the 12 policy types: every policy and rule decodes into \
                          its typed variant (never Other)",
            writes: false,
            sim_only: false,
            run: every_policy_type,
        },
        Scenario {
            name: "okta-created-policy-types",
            group: "policies",
            description: "the policy types Okta creates: a new org holds one of each, creating \
                          one is 400 E0000001, a read-modify-write replace round-trips every \
                          field, rules can be added where the type takes them",
            writes: true,
            sim_only: true,
            run: okta_created,
        },
        Scenario {
            name: "device-users",
            group: "devices",
            description: "listDeviceUsers and listUserDevices agree with listDevices?expand=user; \
                          unknown device 404 E0000007, unknown user an empty list",
            writes: false,
            sim_only: false,
            run: device_users,
        },
        Scenario {
            name: "clone-policy",
            group: "policies",
            description: "clonePolicy copies a policy and its rules under new ids and a derived \
                          name; default policies and unknown ids are refused",
            writes: true,
            sim_only: false,
            run: clone_policy,
        },
        Scenario {
            name: "policy-simulation",
            group: "policies",
            description: "createPolicySimulation: one evaluation per policy type, group \
                          conditions decide the matching policy, expand=EVALUATED,UNDEFINED, \
                          invalid body 400, unknown app 404",
            writes: true,
            sim_only: true,
            run: policy_simulation,
        },
        Scenario {
            name: "policy-apps",
            group: "policies",
            description: "listPolicyApps (deprecated) answers the apps of the default \
                          authentication policy; listPolicies q, sortBy=name and resourceId",
            writes: false,
            sim_only: false,
            run: policy_apps,
        },
    ]
}

fn every_policy_type(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        for policy_type in SPEC_POLICY_TYPES {
            ctx.step(
                format!("{policy_type}: every policy and rule is typed"),
                async {
                    let policies = list_policies(ctx, policy_type).await?;
                    for policy in &policies {
                        let variant = variant_of(policy);
                        ensure(
                            policy.is_typed() && !variant.starts_with("Other"),
                            "decoded policy variant",
                            "a typed variant",
                            format!("Policy::{variant}"),
                        )?;
                        let id = require_id(policy.id(), "policy")?;
                        let rules: Vec<PolicyRule> = ctx
                            .client()
                            .list_policy_rules()
                            .policy_id(&id)
                            .items()
                            .try_collect()
                            .await?;
                        for rule in &rules {
                            let variant = variant_of(rule);
                            ensure(
                                rule.is_typed() && !variant.starts_with("Other"),
                                &format!("decoded rule variant in policy {id}"),
                                "a typed variant",
                                format!("PolicyRule::{variant}"),
                            )?;
                        }
                    }
                    Ok(())
                },
            )
            .await?;
        }
        Ok(())
    })
}

/// The org's one (system) policy of `policy_type`, as JSON.
async fn system_policy(ctx: &Ctx, policy_type: &str) -> Result<Value, StepFailure> {
    default_policy(ctx, policy_type).await?.ok_or_else(|| {
        StepFailure::mismatch(
            &format!("{policy_type} policies"),
            "a system policy",
            "none",
        )
    })
}

fn okta_created(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let client = ctx.client();
        for policy_type in OKTA_CREATED_TYPES {
            ctx.step(
                format!("a new org holds one {policy_type} policy with a default rule"),
                async {
                    let all = list_policies(ctx, policy_type).await?;
                    ensure_eq("policies", 1, all.len())?;
                    let raw = system_policy(ctx, policy_type).await?;
                    let id = str_at(&raw, "/id").unwrap_or_default();
                    let rules = get_raw(ctx, &PolicyHandle::existing(id).rules_path()).await?;
                    let rules = rules.as_array().cloned().unwrap_or_default();
                    ensure_eq("rules", 1, rules.len())?;
                    ensure_eq(
                        "rule system",
                        Some(true),
                        rules.first().and_then(|r| r["system"].as_bool()),
                    )
                },
            )
            .await?;
            let body =
                json!({ "type": policy_type, "name": ctx.name(&policy_type.to_lowercase()) });
            ctx.step(
                format!("creating a {policy_type} policy → 400 E0000001"),
                async {
                    let result = client
                        .create_policy()
                        .body(Policy::from_json(body.clone()))
                        .call()
                        .await;
                    expect_invalid(result)
                },
            )
            .await?;
        }
        for policy_type in OKTA_CREATED_TYPES {
            let raw = system_policy(ctx, policy_type).await?;
            let policy = PolicyHandle::existing(str_at(&raw, "/id").unwrap_or_default());
            let original = str_at(&raw, "/name").unwrap_or_default().to_owned();
            let renamed = ctx.name(&format!("{}-renamed", policy_type.to_lowercase()));
            ctx.step(
                format!("{policy_type}: a read-modify-write replace round-trips every field"),
                async {
                    let mut typed = policy.get(ctx).await?;
                    let read = to_json(&typed)?;
                    rename_typed(&mut typed, &renamed)?;
                    let sent = to_json(&typed)?;
                    ensure_kept(&read, &sent, &["name"])?;
                    let answered = policy.replace(ctx, typed.clone()).await?;
                    ensure_eq("name", Some(renamed.as_str()), answered.name())?;
                    let after = policy.get_raw(ctx).await?;
                    ensure_kept(&read, &after, &["name", "lastUpdated"])?;
                    // Back to the original name.
                    typed.set_name(&original);
                    policy.replace(ctx, typed).await?;
                    Ok(())
                },
            )
            .await?;
            let takes_rules = matches!(
                policy_type,
                "IDP_DISCOVERY" | "ENTITY_RISK" | "POST_AUTH_SESSION"
            );
            let rule = created_type_rule(policy_type, &ctx.name("rule"));
            if takes_rules {
                ctx.step(
                    format!("{policy_type}: a rule can be added and deleted"),
                    async {
                        let (added, created) = policy.create_rule(ctx, &rule, None).await?;
                        let variant = variant_of(&created);
                        ensure(
                            !variant.starts_with("Other"),
                            "decoded rule variant",
                            "a typed variant",
                            &variant,
                        )?;
                        added.delete(ctx).await
                    },
                )
                .await?;
            } else if matches!(policy_type, "CLIENT_UPDATE" | "IDENTITY_CLAIM_SOURCING") {
                ctx.step(
                    format!("{policy_type}: adding a rule → 400 E0000001"),
                    async {
                        let result = client
                            .create_policy_rule()
                            .policy_id(&policy.id)
                            .body(PolicyRule::from_json(rule.clone()))
                            .call()
                            .await;
                        expect_invalid(result)
                    },
                )
                .await?;
            }
        }
        Ok(())
    })
}

/// A rule for a policy type Okta creates, shaped like the published spec's examples.
fn created_type_rule(policy_type: &str, name: &str) -> Value {
    let actions = match policy_type {
        // The published spec's IdentityProviderType has no OKTA (the value the default rule
        // routes with), so a created rule names an identity provider of a declared type.
        "IDP_DISCOVERY" => json!({ "idp": {
            "providers": [ { "type": "SAML2", "id": "0oaOktaContractIdp0g7", "name": "Example IdP" } ],
            "idpSelectionType": "SPECIFIC"
        } }),
        "ENTITY_RISK" => {
            json!({ "entityRisk": { "actions": [ { "action": "TERMINATE_ALL_SESSIONS" } ] } })
        }
        "POST_AUTH_SESSION" => {
            json!({ "postAuthSession": { "failureActions": [ { "action": "TERMINATE_SESSION" } ] } })
        }
        "CLIENT_UPDATE" => json!({ "updateControls": { "actions": [
            { "action": "OKTA_VERIFY_UPDATE", "value": "HOTFIX_ONLY" }
        ] } }),
        "IDENTITY_CLAIM_SOURCING" => json!({ "claimSourcing": {
            "redirectType": "IDP_DISCOVERY", "refresh": { "redirectType": "NONE" }
        } }),
        _ => json!({}),
    };
    json!({ "type": policy_type, "name": name, "status": "ACTIVE", "actions": actions })
}

/// Proves the users of a device and the devices of a user agree with `expand=user`: the first
/// device with users names the same users through listDeviceUsers, and each of them lists the
/// device (and each listed device names the user back); unknown ids are 404 or an empty list.
fn device_users(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let client = ctx.client();
        let listed = ctx
            .step("list devices with expand=user", async {
                let devices = client
                    .list_devices()
                    .expand("user")
                    .limit(20u32)
                    .call()
                    .await?;
                to_json(&devices)
            })
            .await?;
        let devices = listed.as_array().cloned().unwrap_or_default();
        let Some(device) = devices
            .iter()
            .find(|d| !user_ids(&d["_embedded"]["users"]).is_empty())
        else {
            ctx.skip_step(
                "the users of a device",
                "none of the first 20 devices has a user",
            );
            return Ok(());
        };
        let device_id = str_at(device, "/id").unwrap_or_default().to_owned();
        let embedded = user_ids(&device["_embedded"]["users"]);
        users_of_device(ctx, &device_id, &embedded).await?;
        let user_id = embedded.first().cloned().unwrap_or_default();
        devices_of_user(ctx, &device_id, &user_id).await?;
        ctx.step(
            "listDeviceUsers of an unknown device → 404 E0000007",
            async {
                let result = client
                    .list_device_users()
                    .device_id(UNKNOWN_ID)
                    .call()
                    .await;
                expect_not_found(result)
            },
        )
        .await?;
        ctx.step(
            "listUserDevices of an unknown user → an empty list",
            async {
                let linked = client
                    .list_user_devices()
                    .user_id(UNKNOWN_ID)
                    .call()
                    .await?;
                ensure_eq("devices", 0, linked.len())
            },
        )
        .await
    })
}

/// listDeviceUsers of `device_id` names the `embedded` users, each with its link fields.
async fn users_of_device(
    ctx: &Ctx,
    device_id: &str,
    embedded: &[String],
) -> Result<(), StepFailure> {
    ctx.step(
        "listDeviceUsers names the users expand=user embeds",
        async {
            let users = ctx
                .client()
                .list_device_users()
                .device_id(device_id)
                .call()
                .await?;
            let users = to_json(&users)?;
            ensure_eq("user ids", embedded.to_vec(), user_ids(&users))?;
            for user in users.as_array().into_iter().flatten() {
                ensure(
                    user.get("managementStatus").is_some() && user.get("created").is_some(),
                    "device user",
                    "managementStatus and created",
                    user,
                )?;
            }
            Ok(())
        },
    )
    .await
}

/// listUserDevices of `user_id` lists `device_id`; each entry has a unique `deviceUserId` and
/// its device names the user back.
async fn devices_of_user(ctx: &Ctx, device_id: &str, user_id: &str) -> Result<(), StepFailure> {
    let client = ctx.client();
    ctx.step(
        "listUserDevices lists the device, each entry with created, device and deviceUserId",
        async {
            let linked = client.list_user_devices().user_id(user_id).call().await?;
            let linked = to_json(&linked)?;
            let entries = linked.as_array().cloned().unwrap_or_default();
            let ids: Vec<&str> = entries
                .iter()
                .filter_map(|e| str_at(e, "/device/id"))
                .collect();
            ensure(
                ids.contains(&device_id),
                "devices of the user",
                format!("a list holding {device_id}"),
                format!("{ids:?}"),
            )?;
            let mut link_ids = HashSet::new();
            for entry in &entries {
                let link = str_at(entry, "/deviceUserId").unwrap_or_default();
                ensure(
                    !link.is_empty() && entry.get("created").is_some(),
                    "user device",
                    "created and deviceUserId",
                    entry,
                )?;
                ensure(
                    link_ids.insert(link.to_owned()),
                    "deviceUserId",
                    "unique",
                    link,
                )?;
                // Each listed device names the user back.
                let other = str_at(entry, "/device/id").unwrap_or_default();
                let users = client.list_device_users().device_id(other).call().await?;
                ensure(
                    user_ids(&to_json(&users)?).iter().any(|u| u == user_id),
                    &format!("users of device {other}"),
                    format!("a list holding {user_id}"),
                    "a list without it",
                )?;
            }
            Ok(())
        },
    )
    .await
}

fn clone_policy(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let client = ctx.client();
        let name = ctx.name("clone-source");
        let body = json!({
            "type": "PASSWORD",
            "name": name,
            "description": "okta-contract: clone source; deleted at the end of the run",
            "conditions": { "people": { "groups": { "include": ["00g1everyone0000g7"] } } },
        });
        let (source, _) = ctx
            .step(
                "create the policy to clone",
                create_policy(ctx, &body, Some(false)),
            )
            .await?;
        let rule = json!({
            "type": "PASSWORD",
            "name": ctx.name("clone-rule"),
            "conditions": { "people": { "users": { "exclude": [] } }, "network": { "connection": "ANYWHERE" } },
            "actions": { "passwordChange": { "access": "ALLOW" } },
        });
        ctx.step("add a rule to it", source.create_rule(ctx, &rule, None))
            .await?;
        let clone = ctx
            .step(
                "clone it: a new id, the same type and a derived name",
                async {
                    let cloned = client.clone_policy().policy_id(&source.id).call().await?;
                    let id = require_id(cloned.id(), "clone")?;
                    let clone_name = cloned.name().unwrap_or_default().to_owned();
                    ctx.track(crate::live::Resource::Policy {
                        id: id.clone(),
                        name: clone_name.clone(),
                    });
                    ensure(id != source.id, "clone id", "a new id", &id)?;
                    ensure_eq("type", "Password", cloned.variant_name())?;
                    if ctx.is_sim() {
                        ensure_eq("name", format!("{name} (copy)"), clone_name)?;
                    } else {
                        ensure(
                            clone_name.contains(&name),
                            "name",
                            format!("a name containing {name}"),
                            &clone_name,
                        )?;
                    }
                    Ok(PolicyHandle::existing(id))
                },
            )
            .await?;
        ctx.step("the clone has copies of the rules under new ids", async {
            let original = get_raw(ctx, &source.rules_path()).await?;
            let copy = get_raw(ctx, &clone.rules_path()).await?;
            let names = |v: &Value| -> Vec<String> { strs_at(v, "/name") };
            let ids = |v: &Value| -> HashSet<String> { strs_at(v, "/id") };
            ensure_eq("rule names", names(&original), names(&copy))?;
            ensure(
                ids(&original).is_disjoint(&ids(&copy)),
                "rule ids",
                "new ids",
                "ids shared with the source",
            )
        })
        .await?;
        if ctx.is_sim() {
            for (step, policy_type) in [
                ("cloning a default policy → 400 E0000001", "PASSWORD"),
                (
                    "cloning the IDP_DISCOVERY policy → 400 E0000001",
                    "IDP_DISCOVERY",
                ),
            ] {
                ctx.step(step, async {
                    let raw = system_policy(ctx, policy_type).await?;
                    let id = str_at(&raw, "/id").unwrap_or_default();
                    expect_invalid(client.clone_policy().policy_id(id).call().await)
                })
                .await?;
            }
        } else {
            ctx.skip_step(
                "cloning default and Okta-created policies is refused",
                "on a real org a successful clone would create a policy outside the run's prefix",
            );
        }
        ctx.step("cloning an unknown policy → 404 E0000007", async {
            let result = client.clone_policy().policy_id(UNKNOWN_ID).call().await;
            expect_refusal(ctx, result, 404, "E0000007")
        })
        .await?;
        ctx.step("delete the clone and the source", async {
            clone.deactivate_and_delete(ctx).await?;
            source.deactivate_and_delete(ctx).await
        })
        .await
    })
}

/// The ids of the apps the default ACCESS_POLICY is mapped to, with that policy's id.
async fn default_access_apps(ctx: &Ctx) -> Result<(String, Vec<Value>), StepFailure> {
    let raw = system_policy(ctx, "ACCESS_POLICY").await?;
    let id = str_at(&raw, "/id").unwrap_or_default().to_owned();
    #[allow(deprecated)]
    let apps = ctx
        .client()
        .list_policy_apps()
        .policy_id(&id)
        .call()
        .await?;
    let apps = to_json(&apps)?.as_array().cloned().unwrap_or_default();
    Ok((id, apps))
}

/// The matched policy id of each evaluation, by policy type.
fn matched(evaluations: &Value) -> Vec<(String, Option<String>)> {
    evaluations
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                str_at(e, "/policyType/0").unwrap_or_default().to_owned(),
                str_at(e, "/result/policies/0/id").map(str::to_owned),
            )
        })
        .collect()
}

/// The simulated user of [`simulate`].
const SIMULATED_USER: &str = "00uOktaContractSim0g4";
/// The group whose members get the scenario's global session policy.
const SIMULATED_GROUP: &str = "00gOktaContractSim0g7";

/// `POST /api/v1/policies/simulate[?expand=…]` for the simulated user in `groups` signing in
/// to `app`; the answer as JSON.
async fn simulate(
    ctx: &Ctx,
    app: &str,
    groups: &[&str],
    expand: Option<&str>,
) -> Result<Value, StepFailure> {
    let body = json!([{
        "appInstance": app,
        "policyContext": { "user": { "id": SIMULATED_USER }, "groups": { "ids": groups } }
    }]);
    let body: Vec<SimulatePolicyBody> = serde_json::from_value(body)?;
    let mut call = ctx.client().create_policy_simulation().body(body);
    if let Some(expand) = expand {
        call = call.expand(expand);
    }
    let answer = call.call().await?;
    to_json(&answer)
}

/// The first evaluation of a simulation answer (`null` when there is none).
fn first_evaluation(answer: &Value) -> Value {
    answer
        .as_array()
        .and_then(|a| a.first())
        .cloned()
        .unwrap_or_default()
}

/// Proves createPolicySimulation on the simulator: one MATCH evaluation per policy type with the
/// default policies; a global session policy for one group is matched for a member of the group
/// only (`expand=EVALUATED,UNDEFINED` lists it as NOT_MATCH for anyone else); a body that is
/// not a list is 400 E0000001, an unknown app 404 E0000007.
fn policy_simulation(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let (_, apps) = ctx
            .step(
                "find an app (listPolicyApps of the default authentication policy)",
                default_access_apps(ctx),
            )
            .await?;
        let app = apps
            .first()
            .and_then(|a| str_at(a, "/id"))
            .unwrap_or_default()
            .to_owned();
        let defaults = default_evaluations(ctx, &app).await?;
        let policy = group_policy(ctx).await?;
        group_decides(ctx, &app, &policy, &defaults).await?;
        invalid_simulations(ctx, &app).await?;
        ctx.step("delete the policy", policy.deactivate_and_delete(ctx))
            .await
    })
}

/// Without group policies, one MATCH evaluation per policy type: the default policies apply.
async fn default_evaluations(
    ctx: &Ctx,
    app: &str,
) -> Result<Vec<(String, Option<String>)>, StepFailure> {
    ctx.step(
        "simulate: one MATCH evaluation per policy type, the default policies apply",
        async {
            let answer = simulate(ctx, app, &[], None).await?;
            let got = matched(&answer);
            let types: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
            ensure_eq(
                "policy types",
                vec![
                    "OKTA_SIGN_ON",
                    "MFA_ENROLL",
                    "ACCESS_POLICY",
                    "PROFILE_ENROLLMENT",
                ],
                types,
            )?;
            for evaluation in answer.as_array().into_iter().flatten() {
                ensure_eq("status", Some("MATCH"), str_at(evaluation, "/status"))?;
                ensure_eq(
                    "rule status",
                    Some("MATCH"),
                    str_at(evaluation, "/result/policies/0/rules/0/status"),
                )?;
                ensure(
                    evaluation.get("evaluated").is_none(),
                    "evaluated",
                    "absent without expand",
                    evaluation,
                )?;
            }
            Ok(got)
        },
    )
    .await
}

/// A global session policy for [`SIMULATED_GROUP`], with a rule.
async fn group_policy(ctx: &Ctx) -> Result<PolicyHandle, StepFailure> {
    let name = ctx.name("simulated-sign-on");
    let body = json!({
        "type": "OKTA_SIGN_ON",
        "name": name,
        "conditions": { "people": { "groups": { "include": [SIMULATED_GROUP] } } },
    });
    let (policy, _) = ctx
        .step(
            "create a global session policy for one group",
            create_policy(ctx, &body, None),
        )
        .await?;
    let rule = json!({
        "type": "SIGN_ON",
        "name": ctx.name("simulated-rule"),
        "conditions": { "network": { "connection": "ANYWHERE" } },
        "actions": { "signon": { "access": "ALLOW", "requireFactor": false } },
    });
    ctx.step("add a rule to it", policy.create_rule(ctx, &rule, None))
        .await?;
    Ok(policy)
}

/// A member of the group gets `policy`; anyone else the `defaults`, with `policy` evaluated as
/// NOT_MATCH.
async fn group_decides(
    ctx: &Ctx,
    app: &str,
    policy: &PolicyHandle,
    defaults: &[(String, Option<String>)],
) -> Result<(), StepFailure> {
    ctx.step("a member of the group gets the new policy", async {
        let answer = simulate(ctx, app, &[SIMULATED_GROUP], None).await?;
        let sign_on = matched(&answer)
            .into_iter()
            .find(|(t, _)| t == "OKTA_SIGN_ON")
            .and_then(|(_, id)| id);
        ensure_eq(
            "matched OKTA_SIGN_ON policy",
            Some(policy.id.clone()),
            sign_on,
        )?;
        let first = first_evaluation(&answer);
        ensure_eq(
            "policy condition",
            json!([{ "type": "people.groups.include", "status": "MATCH" }]),
            first["result"]["policies"][0]["conditions"].clone(),
        )
    })
    .await?;
    ctx.step(
        "anyone else gets the default policy; expand=EVALUATED,UNDEFINED lists the new one as NOT_MATCH",
        async {
            let answer = simulate(ctx, app, &[], Some("EVALUATED,UNDEFINED")).await?;
            ensure_eq("matched policies", defaults.to_vec(), matched(&answer))?;
            let first = first_evaluation(&answer);
            ensure_eq(
                "evaluated policy",
                Some(policy.id.as_str()),
                str_at(&first, "/evaluated/policies/0/id"),
            )?;
            ensure_eq(
                "evaluated status",
                Some("NOT_MATCH"),
                str_at(&first, "/evaluated/policies/0/status"),
            )?;
            // The typed model leaves an empty `policies` list out when it serializes.
            ensure(
                first.get("undefined").is_some_and(Value::is_object),
                "undefined",
                "present",
                &first,
            )
        },
    )
    .await
}

/// A body that is not a list is 400 E0000001, an unknown app 404 E0000007.
async fn invalid_simulations(ctx: &Ctx, app: &str) -> Result<(), StepFailure> {
    let client = ctx.client();
    let invalid = json!({ "appInstance": app });
    ctx.step("a body that is not a list → 400 E0000001", async {
        let result = client
            .raw()
            .post("/api/v1/policies/simulate")
            .json(&invalid)
            .send_json::<Value>()
            .await;
        expect_invalid(result)
    })
    .await?;
    ctx.step("an unknown app → 404 E0000007", async {
        let body: Vec<SimulatePolicyBody> =
            serde_json::from_value(json!([{ "appInstance": UNKNOWN_ID }]))?;
        let result = client.create_policy_simulation().body(body).call().await;
        expect_not_found(result)
    })
    .await
}

fn policy_apps(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let client = ctx.client();
        let (policy_id, apps) = ctx
            .step(
                "listPolicyApps of the default authentication policy",
                async {
                    let (id, apps) = default_access_apps(ctx).await?;
                    if ctx.is_sim() {
                        ensure(!apps.is_empty(), "apps", "at least one app", "none")?;
                    }
                    for app in &apps {
                        for field in ["/id", "/label", "/signOnMode", "/status"] {
                            ensure(
                                str_at(app, field).is_some(),
                                &format!("app {field}"),
                                "present",
                                app,
                            )?;
                        }
                    }
                    Ok((id, apps))
                },
            )
            .await?;
        if let Some(app_id) = apps.first().and_then(|a| str_at(a, "/id")) {
            ctx.step(
                "listPolicies resourceId=<app> answers the app's policy",
                async {
                    let policies = client
                        .list_policies()
                        .type_(PolicyType::from("ACCESS_POLICY"))
                        .resource_id(app_id)
                        .call()
                        .await?;
                    let ids: Vec<&str> = policies.iter().filter_map(Policy::id).collect();
                    ensure_eq("policies", vec![policy_id.as_str()], ids)
                },
            )
            .await?;
        }
        ctx.step(
            "listPolicyApps of a PASSWORD policy → an empty list",
            async {
                let raw = system_policy(ctx, "PASSWORD").await?;
                let id = str_at(&raw, "/id").unwrap_or_default();
                #[allow(deprecated)]
                let apps = client.list_policy_apps().policy_id(id).call().await?;
                ensure_eq("apps", 0, apps.len())
            },
        )
        .await?;
        ctx.step(
            "listPolicyApps of an unknown policy → 404 E0000007",
            async {
                #[allow(deprecated)]
                let result = client.list_policy_apps().policy_id(UNKNOWN_ID).call().await;
                expect_refusal(ctx, result, 404, "E0000007")
            },
        )
        .await?;
        let all = list_policies(ctx, "ACCESS_POLICY").await?;
        let names: Vec<String> = all
            .iter()
            .filter_map(|p| p.name().map(str::to_owned))
            .collect();
        let access_policies = || {
            client
                .list_policies()
                .type_(PolicyType::from("ACCESS_POLICY"))
        };
        ctx.step("listPolicies q= matches names case-insensitively", async {
            let found = access_policies().q("DEFAULT").call().await?;
            let want: Vec<&String> = names
                .iter()
                .filter(|n| n.to_lowercase().contains("default"))
                .collect();
            let got: Vec<String> = found
                .iter()
                .filter_map(|p| p.name().map(str::to_owned))
                .collect();
            ensure_eq("names", want.len(), got.len())?;
            ensure(
                got.iter().all(|n| n.to_lowercase().contains("default")),
                "names",
                "names containing 'default'",
                format!("{got:?}"),
            )
        })
        .await?;
        ctx.step("listPolicies sortBy=name lists by name", async {
            let sorted = access_policies().sort_by("name").call().await?;
            let got: Vec<String> = sorted
                .iter()
                .filter_map(|p| p.name().map(str::to_lowercase))
                .collect();
            let mut want = got.clone();
            want.sort();
            ensure_eq("order", want, got)?;
            ensure_eq("count", names.len(), sorted.len())
        })
        .await
    })
}
