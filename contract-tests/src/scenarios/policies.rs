//! Policy scenarios: CRUD and lifecycle.

use futures::TryStreamExt as _;
use futures::future::BoxFuture;
use okta_mgmt::types::{LifecycleStatus, Policy, PolicyType};
use serde_json::json;

use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq, expect_error};
use crate::live::Resource;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "policy-crud-access-policy",
        group: "policies",
        description: "create (inactive), get, list, replace, activate, deactivate and delete an \
                      ACCESS_POLICY; a deleted policy is 404 E0000007; a nameless one is 400 E0000001",
        writes: true,
        sim_only: false,
        run: access_policy_crud,
    }]
}

/// Reads a policy and checks its status.
async fn expect_status(ctx: &Ctx, id: &str, status: LifecycleStatus) -> Result<(), StepFailure> {
    let policy = ctx.client().get_policy().policy_id(id).call().await?;
    ensure_eq("status", Some(status), policy.status())
}

fn access_policy_crud(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let client = ctx.client();
        let name = ctx.name("access-crud");
        let body = json!({
            "name": name,
            "type": "ACCESS_POLICY",
            "status": "INACTIVE",
            "description": "created by okta-contract; deleted at the end of the run",
        });

        let id = ctx
            .step("create ACCESS_POLICY with activate=false", async {
                let request: Policy = serde_json::from_value(body.clone())?;
                let created = client
                    .create_policy()
                    .activate(false)
                    .body(request)
                    .call()
                    .await?;
                let id = created
                    .id()
                    .ok_or_else(|| StepFailure::mismatch("response", "a policy id", "no id"))?
                    .to_owned();
                ctx.track(Resource::Policy {
                    id: id.clone(),
                    name: name.clone(),
                });
                ensure(
                    matches!(created, Policy::Access(_)),
                    "decoded variant",
                    "Policy::Access",
                    format!("{:?} (type {})", variant(&created), created.type_()),
                )?;
                ensure_eq("name", Some(name.as_str()), created.name())?;
                ensure_eq("status", Some(LifecycleStatus::Inactive), created.status())?;
                Ok(id)
            })
            .await?;

        let read = ctx
            .step("get the policy", async {
                let p = client.get_policy().policy_id(&id).call().await?;
                ensure_eq("id", Some(id.as_str()), p.id())?;
                ensure_eq("name", Some(name.as_str()), p.name())?;
                ensure_eq("type", PolicyType::AccessPolicy, p.type_())?;
                Ok(p)
            })
            .await?;

        ctx.step("list ACCESS_POLICY policies includes it", async {
            let all: Vec<Policy> = client
                .list_policies()
                .type_(PolicyType::AccessPolicy)
                .items()
                .try_collect()
                .await?;
            ensure(
                all.iter().any(|p| p.id() == Some(id.as_str())),
                "listing",
                format!("a policy with id {id}"),
                format!("{} policies without it", all.len()),
            )
        })
        .await?;

        // Read-modify-write: PUT replaces the whole policy, so send back what was read.
        let renamed = format!("{name}-renamed");
        let mut changed = read.clone();
        if let Policy::Access(p) = &mut changed {
            p.name = renamed.clone();
            p.description = Some("replaced by okta-contract".to_owned());
        }
        ctx.step("replace the policy (rename)", async {
            let p = client
                .replace_policy()
                .policy_id(&id)
                .body(changed.clone())
                .call()
                .await?;
            ensure_eq("name", Some(renamed.as_str()), p.name())?;
            let again = client.get_policy().policy_id(&id).call().await?;
            ensure_eq("name after get", Some(renamed.as_str()), again.name())
        })
        .await?;

        ctx.step("activate → ACTIVE", async {
            client.activate_policy().policy_id(&id).call().await?;
            expect_status(ctx, &id, LifecycleStatus::Active).await
        })
        .await?;

        ctx.step("deactivate → INACTIVE", async {
            client.deactivate_policy().policy_id(&id).call().await?;
            expect_status(ctx, &id, LifecycleStatus::Inactive).await
        })
        .await?;

        ctx.step("delete the policy", async {
            client.delete_policy().policy_id(&id).call().await?;
            ctx.forget(&Resource::Policy {
                id: id.clone(),
                name: renamed.clone(),
            });
            Ok(())
        })
        .await?;

        ctx.step("get the deleted policy → 404 E0000007", async {
            expect_error(
                client.get_policy().policy_id(&id).call().await,
                404,
                "E0000007",
            )
            .map(drop)
        })
        .await?;

        let nameless = json!({"type": "ACCESS_POLICY", "status": "INACTIVE"});
        ctx.step("create without a name → 400 E0000001", async {
            let request: Policy = serde_json::from_value(nameless.clone())?;
            let result = client
                .create_policy()
                .activate(false)
                .body(request)
                .call()
                .await;
            if let Ok(created) = &result {
                // Accepted after all: make sure cleanup removes it.
                if let Some(id) = created.id() {
                    ctx.track(Resource::Policy {
                        id: id.to_owned(),
                        name: created.name().unwrap_or_default().to_owned(),
                    });
                }
            }
            expect_error(result, 400, "E0000001").map(drop)
        })
        .await
    })
}

fn variant(p: &Policy) -> &'static str {
    match p {
        Policy::Access(_) => "Access",
        Policy::Password(_) => "Password",
        Policy::DeviceSignalCollection(_) => "DeviceSignalCollection",
        Policy::Other(_) => "Other",
        _ => "another typed variant",
    }
}
