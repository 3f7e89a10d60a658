//! Policy resource mappings (doc 003 "Mapping Operations", doc 000 "Map the device signal
//! collection policy to the authentication policy").

use futures::TryStreamExt as _;
use futures::future::BoxFuture;
use okta_mgmt::types::{PolicyMapping, PolicyMappingRequest};
use serde_json::{Value, json};

use super::kit::{
    UNKNOWN_ID, create_policy, delete_own_policy, ensure_allow, expect_refusal, policy_path,
    require_id, str_at, to_json,
};
use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq, expect_error};
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

async fn list_mapping_ids(ctx: &Ctx, policy_id: &str) -> Result<Vec<String>, StepFailure> {
    let all: Vec<PolicyMapping> = ctx
        .client()
        .list_policy_mappings()
        .policy_id(policy_id)
        .items()
        .try_collect()
        .await?;
    Ok(all.iter().filter_map(|m| m.id.clone()).collect())
}

async fn map(ctx: &Ctx, policy_id: &str, body: &Value) -> Result<PolicyMapping, okta_mgmt::Error> {
    let request: PolicyMappingRequest =
        serde_json::from_value(body.clone()).map_err(|e| okta_mgmt::Error::InvalidRequest {
            message: e.to_string(),
        })?;
    let result = ctx
        .client()
        .map_resource_to_policy()
        .policy_id(policy_id)
        .body(request)
        .call()
        .await;
    let mapping = result?;
    if let Some(id) = mapping.id.as_deref() {
        ctx.track(Resource::Mapping {
            policy_id: policy_id.to_owned(),
            id: id.to_owned(),
        });
    }
    Ok(mapping)
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
        let client = ctx.client();
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
        let (auth_id, dsc_id) = ctx
            .step(
                "create an ACCESS_POLICY and a DEVICE_SIGNAL_COLLECTION policy (inactive)",
                async {
                    let (auth, _) = create_policy(ctx, &auth_body, Some(false)).await?;
                    let (dsc, _) = create_policy(ctx, &dsc_body, Some(false)).await?;
                    Ok((auth, dsc))
                },
            )
            .await?;
        let mappings_path = format!("{}/mappings", policy_path(&dsc_id));

        ctx.step("a new policy has no mappings", async {
            let ids = list_mapping_ids(ctx, &dsc_id).await?;
            ensure_eq("mappings", Vec::<String>::new(), ids)
        })
        .await?;

        let body = json!({ "resourceId": auth_id, "resourceType": "ACCESS_POLICY" });
        let mapping_id = ctx
            .step("map the DSC policy to the ACCESS_POLICY", async {
                let mapping = map(ctx, &dsc_id, &body).await?;
                let id = require_id(mapping.id.as_deref(), "created mapping")?;
                let json = to_json(&mapping)?;
                ensure_allow(&json, "self", &["GET", "DELETE"])?;
                let policy_href = str_at(&json, "/_links/policy/href").unwrap_or_default();
                ensure(
                    policy_href.ends_with(&policy_path(&dsc_id)),
                    "_links.policy.href",
                    format!("…{}", policy_path(&dsc_id)),
                    policy_href,
                )?;
                if ctx.is_sim() {
                    let resource = str_at(&json, "/_links/resource/href").unwrap_or_default();
                    ensure(
                        resource.ends_with(&policy_path(&auth_id)),
                        "_links.resource.href",
                        format!("…{}", policy_path(&auth_id)),
                        resource,
                    )?;
                }
                Ok(id)
            })
            .await?;

        ctx.step("get the mapping", async {
            let got = client
                .get_policy_mapping()
                .policy_id(&dsc_id)
                .mapping_id(&mapping_id)
                .call()
                .await?;
            ensure_eq("id", Some(mapping_id.as_str()), got.id.as_deref())
        })
        .await?;

        ctx.step("list the mappings → exactly this one", async {
            let ids = list_mapping_ids(ctx, &dsc_id).await?;
            ensure_eq("mappings", vec![mapping_id.clone()], ids)
        })
        .await?;

        if ctx.is_sim() {
            ctx.step(
                "map the same resource again → the existing mapping",
                async {
                    let again = map(ctx, &dsc_id, &body).await?;
                    ensure_eq("id", Some(mapping_id.as_str()), again.id.as_deref())?;
                    ensure_eq(
                        "mappings",
                        vec![mapping_id.clone()],
                        list_mapping_ids(ctx, &dsc_id).await?,
                    )
                },
            )
            .await?;
        } else {
            ctx.skip_step(
                "map the same resource again → the existing mapping",
                "live org: no source document says what a duplicate mapping does",
            );
        }

        let bad_type =
            json!({ "resourceId": auth_id, "resourceType": "OKTA_CONTRACT_NO_SUCH_TYPE" });
        ctx.step(
            "an unknown resourceType (open enum) → 400 E0000001",
            async { expect_refusal(ctx, map(ctx, &dsc_id, &bad_type).await, 400, "E0000001") },
        )
        .await?;
        let no_id = json!({ "resourceType": "ACCESS_POLICY" });
        ctx.step("no resourceId (raw request) → 400 E0000001", async {
            let result = client
                .raw()
                .post(&mappings_path)
                .json(&no_id)
                .send_json::<Value>()
                .await;
            if let Ok(created) = &result
                && let Some(id) = created.get("id").and_then(Value::as_str)
            {
                ctx.track(Resource::Mapping {
                    policy_id: dsc_id.clone(),
                    id: id.to_owned(),
                });
            }
            expect_refusal(ctx, result, 400, "E0000001")
        })
        .await?;
        ctx.step("map for an unknown policy → 404 E0000007", async {
            expect_error(map(ctx, UNKNOWN_ID, &body).await, 404, "E0000007").map(drop)
        })
        .await?;

        ctx.step(
            "delete the mapping → get and delete are 404 E0000007, none listed",
            async {
                client
                    .delete_policy_resource_mapping()
                    .policy_id(&dsc_id)
                    .mapping_id(&mapping_id)
                    .call()
                    .await?;
                ctx.forget(&Resource::Mapping {
                    policy_id: dsc_id.clone(),
                    id: mapping_id.clone(),
                });
                expect_error(
                    client
                        .get_policy_mapping()
                        .policy_id(&dsc_id)
                        .mapping_id(&mapping_id)
                        .call()
                        .await,
                    404,
                    "E0000007",
                )?;
                expect_error(
                    client
                        .delete_policy_resource_mapping()
                        .policy_id(&dsc_id)
                        .mapping_id(&mapping_id)
                        .call()
                        .await,
                    404,
                    "E0000007",
                )?;
                ensure_eq(
                    "mappings",
                    Vec::<String>::new(),
                    list_mapping_ids(ctx, &dsc_id).await?,
                )
            },
        )
        .await?;

        ctx.step("delete both policies", async {
            delete_own_policy(ctx, &dsc_id).await?;
            delete_own_policy(ctx, &auth_id).await
        })
        .await
    })
}
