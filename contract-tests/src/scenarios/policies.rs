//! Policy scenarios: CRUD and lifecycle.

use futures::TryStreamExt as _;
use futures::future::BoxFuture;
use okta_mgmt::types::{LifecycleStatus, Policy, PolicyType};
use serde_json::json;

use super::kit::{PolicyHandle, expect_invalid, lifecycle_step, try_create_policy};
use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq};

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

fn access_policy_crud(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let name = ctx.name("access-crud");
        let policy = create_inactive(ctx, &name).await?;
        let read = get_and_list(ctx, &policy, &name).await?;
        replace_renamed(ctx, &policy, &name, read).await?;

        let active = LifecycleStatus::Active;
        lifecycle_step(ctx, "activate → ACTIVE", &policy, active).await?;
        let inactive = LifecycleStatus::Inactive;
        lifecycle_step(ctx, "deactivate → INACTIVE", &policy, inactive).await?;
        ctx.step("delete the policy", policy.delete(ctx)).await?;
        ctx.step(
            "get the deleted policy → 404 E0000007",
            policy.expect_gone(ctx),
        )
        .await?;

        let nameless = json!({"type": "ACCESS_POLICY", "status": "INACTIVE"});
        ctx.step("create without a name → 400 E0000001", async {
            let request: Policy = serde_json::from_value(nameless.clone())?;
            // Accepted after all: the policy is tracked, so cleanup removes it.
            expect_invalid(try_create_policy(ctx, request, Some(false)).await)
        })
        .await
    })
}

/// Creates the ACCESS_POLICY with `activate=false`: `Policy::Access`, INACTIVE.
async fn create_inactive(ctx: &Ctx, name: &str) -> Result<PolicyHandle, StepFailure> {
    let body = json!({
        "name": name,
        "type": "ACCESS_POLICY",
        "status": "INACTIVE",
        "description": "created by okta-contract; deleted at the end of the run",
    });
    ctx.step("create ACCESS_POLICY with activate=false", async {
        let request: Policy = serde_json::from_value(body.clone())?;
        let created = try_create_policy(ctx, request, Some(false)).await?;
        let id = created
            .id()
            .ok_or_else(|| StepFailure::mismatch("response", "a policy id", "no id"))?;
        let policy = PolicyHandle {
            id: id.to_owned(),
            name: name.to_owned(),
        };
        ensure(
            matches!(created, Policy::Access(_)),
            "decoded variant",
            "Policy::Access",
            format!("{:?} (type {})", variant(&created), created.type_()),
        )?;
        ensure_eq("name", Some(name), created.name())?;
        ensure_eq("status", Some(LifecycleStatus::Inactive), created.status())?;
        Ok(policy)
    })
    .await
}

/// Gets the policy by id and finds it in the ACCESS_POLICY listing; returns it as read.
async fn get_and_list(ctx: &Ctx, policy: &PolicyHandle, name: &str) -> Result<Policy, StepFailure> {
    let read = ctx
        .step("get the policy", async {
            let p = policy.get(ctx).await?;
            ensure_eq("id", Some(policy.id.as_str()), p.id())?;
            ensure_eq("name", Some(name), p.name())?;
            ensure_eq("type", PolicyType::AccessPolicy, p.type_())?;
            Ok(p)
        })
        .await?;

    ctx.step("list ACCESS_POLICY policies includes it", async {
        let all: Vec<Policy> = ctx
            .client()
            .list_policies()
            .type_(PolicyType::AccessPolicy)
            .items()
            .try_collect()
            .await?;
        ensure(
            all.iter().any(|p| p.id() == Some(policy.id.as_str())),
            "listing",
            format!("a policy with id {}", policy.id),
            format!("{} policies without it", all.len()),
        )
    })
    .await?;
    Ok(read)
}

/// Read-modify-write: PUT replaces the whole policy, so send back what was read, renamed.
async fn replace_renamed(
    ctx: &Ctx,
    policy: &PolicyHandle,
    name: &str,
    read: Policy,
) -> Result<(), StepFailure> {
    let renamed = format!("{name}-renamed");
    let mut changed = read;
    if let Policy::Access(p) = &mut changed {
        p.name = renamed.clone();
        p.description = Some("replaced by okta-contract".to_owned());
    }
    ctx.step("replace the policy (rename)", async {
        let p = policy.replace(ctx, changed.clone()).await?;
        ensure_eq("name", Some(renamed.as_str()), p.name())?;
        let again = policy.get(ctx).await?;
        ensure_eq("name after get", Some(renamed.as_str()), again.name())
    })
    .await
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
