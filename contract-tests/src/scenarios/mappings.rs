//! Policy resource mappings (doc 003 "Mapping Operations", doc 000 "Map the device signal
//! collection policy to the authentication policy").

use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::kit::{
    MappingHandle, PolicyHandle, UNKNOWN_ID, create_policy, ensure_allow, expect_not_found,
    expect_refusal, str_at, to_json,
};
use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq};
use crate::live::Resource;

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "policy-mappings",
        group: "policies",
        description: "map a DEVICE_SIGNAL_COLLECTION policy to an ACCESS_POLICY: create, get, \
                      list, invalid requests (400), delete, and 404 E0000007 once deleted",
        writes: true,
        sim_only: false,
        run: mappings,
    }]
}

/// Proves the mapping operations against the target: a DSC policy maps to an authentication
/// policy with `resourceType: ACCESS_POLICY` (erratum E007 of doc 000); the mapping decodes with
/// an id and `_links` (self allows GET and DELETE, `policy` points back at the DSC policy); it
/// can be read and is the only one listed; a mapping with an unknown `resourceType` (sent
/// through the open enum) or without `resourceId` (raw request) is refused with 400, one for an
/// unknown policy with 404 E0000007; after deletion the mapping is 404 E0000007 (get and delete) and no
/// longer listed. On the simulator it also proves that mapping the same resource twice returns
/// the existing mapping.
fn mappings(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let (auth, dsc) = create_policies(ctx).await?;
        let body = json!({ "resourceId": auth.id, "resourceType": "ACCESS_POLICY" });
        let mapping = map_and_read(ctx, &auth, &dsc, &body).await?;
        invalid_mappings(ctx, &auth, &dsc, &body).await?;
        ctx.step(
            "delete the mapping → get and delete are 404 E0000007, none listed",
            async {
                mapping.delete_and_expect_gone(ctx).await?;
                expect_not_found(mapping.send_delete(ctx).await)?;
                ensure_eq(
                    "mappings",
                    Vec::<String>::new(),
                    dsc.mapping_ids(ctx).await?,
                )
            },
        )
        .await?;
        ctx.step("delete both policies", async {
            dsc.deactivate_and_delete(ctx).await?;
            auth.deactivate_and_delete(ctx).await
        })
        .await
    })
}

/// An inactive ACCESS_POLICY and an inactive DEVICE_SIGNAL_COLLECTION policy, the latter
/// without mappings.
async fn create_policies(ctx: &Ctx) -> Result<(PolicyHandle, PolicyHandle), StepFailure> {
    let auth_body = json!({
        "name": ctx.name("mappings-auth"),
        "type": "ACCESS_POLICY",
        "status": "INACTIVE",
        "conditions": null,
    });
    let dsc_body = json!({
        "name": ctx.name("mappings-dsc"),
        "type": "DEVICE_SIGNAL_COLLECTION",
        "status": "INACTIVE",
    });
    let (auth, dsc) = ctx
        .step(
            "create an ACCESS_POLICY and a DEVICE_SIGNAL_COLLECTION policy (inactive)",
            async {
                let (auth, _) = create_policy(ctx, &auth_body, Some(false)).await?;
                let (dsc, _) = create_policy(ctx, &dsc_body, Some(false)).await?;
                Ok((auth, dsc))
            },
        )
        .await?;
    ctx.step("a new policy has no mappings", async {
        ensure_eq(
            "mappings",
            Vec::<String>::new(),
            dsc.mapping_ids(ctx).await?,
        )
    })
    .await?;
    Ok((auth, dsc))
}

/// Maps `dsc` to `auth` with `body`: `_links` point at both, the mapping can be read and is the
/// only one listed; on the simulator mapping again answers the same mapping.
async fn map_and_read(
    ctx: &Ctx,
    auth: &PolicyHandle,
    dsc: &PolicyHandle,
    body: &Value,
) -> Result<MappingHandle, StepFailure> {
    let mapping = ctx
        .step("map the DSC policy to the ACCESS_POLICY", async {
            let (handle, mapping) = dsc.create_mapping(ctx, body).await?;
            let json = to_json(&mapping)?;
            ensure_allow(&json, "self", &["GET", "DELETE"])?;
            ensure_link_to(&json, "policy", dsc)?;
            if ctx.is_sim() {
                ensure_link_to(&json, "resource", auth)?;
            }
            Ok(handle)
        })
        .await?;

    ctx.step("get the mapping", async {
        let got = mapping.get(ctx).await?;
        ensure_eq("id", Some(mapping.id.as_str()), got.id.as_deref())
    })
    .await?;

    ctx.step("list the mappings → exactly this one", async {
        ensure_eq(
            "mappings",
            vec![mapping.id.clone()],
            dsc.mapping_ids(ctx).await?,
        )
    })
    .await?;

    let step = "map the same resource again → the existing mapping";
    if !ctx.is_sim() {
        ctx.skip_step(
            step,
            "live org: no source document says what a duplicate mapping does",
        );
        return Ok(mapping);
    }
    ctx.step(step, async {
        let again = dsc.map(ctx, body).await?;
        ensure_eq("id", Some(mapping.id.as_str()), again.id.as_deref())?;
        ensure_eq(
            "mappings",
            vec![mapping.id.clone()],
            dsc.mapping_ids(ctx).await?,
        )
    })
    .await?;
    Ok(mapping)
}

/// Asserts that `_links.<rel>.href` of a mapping ends with `policy`'s path.
fn ensure_link_to(json: &Value, rel: &str, policy: &PolicyHandle) -> Result<(), StepFailure> {
    let href = str_at(json, &format!("/_links/{rel}/href")).unwrap_or_default();
    ensure(
        href.ends_with(&policy.path()),
        &format!("_links.{rel}.href"),
        format!("…{}", policy.path()),
        href,
    )
}

/// An unknown `resourceType` and a missing `resourceId` are 400, an unknown policy 404.
async fn invalid_mappings(
    ctx: &Ctx,
    auth: &PolicyHandle,
    dsc: &PolicyHandle,
    body: &Value,
) -> Result<(), StepFailure> {
    let bad_type = json!({ "resourceId": auth.id, "resourceType": "OKTA_CONTRACT_NO_SUCH_TYPE" });
    ctx.step(
        "an unknown resourceType (open enum) → 400 E0000001",
        async { expect_refusal(ctx, dsc.map(ctx, &bad_type).await, 400, "E0000001") },
    )
    .await?;
    let no_id = json!({ "resourceType": "ACCESS_POLICY" });
    ctx.step("no resourceId (raw request) → 400 E0000001", async {
        let result = ctx
            .client()
            .raw()
            .post(format!("{}/mappings", dsc.path()))
            .json(&no_id)
            .send_json::<Value>()
            .await;
        if let Ok(created) = &result
            && let Some(id) = created.get("id").and_then(Value::as_str)
        {
            ctx.track(Resource::Mapping {
                policy_id: dsc.id.clone(),
                id: id.to_owned(),
            });
        }
        expect_refusal(ctx, result, 400, "E0000001")
    })
    .await?;
    ctx.step("map for an unknown policy → 404 E0000007", async {
        expect_not_found(PolicyHandle::existing(UNKNOWN_ID).map(ctx, body).await)
    })
    .await
}
