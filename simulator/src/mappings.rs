//! Policy resource mappings: list, map a resource, get and delete (doc 003, "Mapping
//! Operations"; doc 000, "Map the device signal collection policy").

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::Shared;
use crate::errors::ApiError;
use crate::links::{Api, mapping_links};
use crate::render::{find_policy_mut, read_policy};
use crate::request::{Causes, json, no_content, parse_object};
use crate::state::{MappingRecord, PolicyKind};

type ApiResult = Result<Response, ApiError>;

/// Resource types a policy can be mapped to.
const RESOURCE_TYPES: [&str; 2] = ["APP", "ACCESS_POLICY"];

fn mapping_not_found(id: &str) -> ApiError {
    ApiError::not_found(id, "PolicyMapping")
}

/// A mapping as the docs show it: `id` and `_links`.
fn render(base: &str, policy_id: &str, mapping: &MappingRecord) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(mapping.id));
    out.insert("_links".into(), mapping_links(base, policy_id, mapping));
    Value::Object(out)
}

/// `GET /api/v1/policies/{policyId}/mappings`.
pub async fn list(Api { shared, base }: Api, Path(policy_id): Path<String>) -> ApiResult {
    read_policy(&shared, &policy_id, |_, policy| {
        let items = policy.mappings.iter();
        Ok(items.map(|m| render(&base, &policy_id, m)).collect())
    })
    .await
}

/// `POST /api/v1/policies/{policyId}/mappings` with `{resourceId, resourceType}`.
///
/// Mapping the same resource twice returns the existing mapping.
pub async fn create(
    Api { shared, base }: Api,
    Path(policy_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let input = parse_object(&body)?;
    let mut causes = Causes::default();
    let resource_id = match input.get("resourceId") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            causes.add("resourceId", "The field cannot be left blank");
            String::new()
        }
    };
    let resource_type = match input.get("resourceType") {
        Some(Value::String(s)) if RESOURCE_TYPES.contains(&s.as_str()) => s.clone(),
        None | Some(Value::Null) => {
            causes.add("resourceType", "The field cannot be left blank");
            String::new()
        }
        Some(other) => {
            causes.add(
                "resourceType",
                format!("Invalid resource type {other}. Valid values: APP, ACCESS_POLICY"),
            );
            String::new()
        }
    };
    causes.finish()?;

    let mut guard = shared.org.write().await;
    let org = &mut *guard;
    let policy = find_policy_mut(&mut org.policies, &policy_id)?;
    if policy.kind == PolicyKind::AccountManagement {
        // Doc 001: "you can't assign it to apps".
        return Err(ApiError::validation(
            "resourceId",
            vec![
                "resourceId: The Okta Account Management Policy can't be assigned to apps"
                    .to_string(),
            ],
        ));
    }
    if let Some(existing) = policy
        .mappings
        .iter()
        .find(|m| m.resource_id == resource_id && m.resource_type == resource_type)
    {
        return Ok(json(StatusCode::OK, render(&base, &policy_id, existing)));
    }
    let is_access_policy = policy.policy_type() == "ACCESS_POLICY";
    let mapping = MappingRecord {
        id: org.ids.next("rsm", "0g7"),
        resource_id: resource_id.clone(),
        resource_type: resource_type.clone(),
    };
    let value = render(&base, &policy_id, &mapping);
    policy.mappings.push(mapping);
    if is_access_policy && resource_type == "APP" {
        // An app has exactly one authentication policy: mapping it here moves it.
        for other in org.policies.values_mut() {
            if other.id != policy_id && other.policy_type() == "ACCESS_POLICY" {
                other
                    .mappings
                    .retain(|m| !(m.resource_type == "APP" && m.resource_id == resource_id));
            }
        }
    }
    Ok(json(StatusCode::OK, value))
}

/// `GET /api/v1/policies/{policyId}/mappings/{mappingId}`.
pub async fn get(
    Api { shared, base }: Api,
    Path((policy_id, mapping_id)): Path<(String, String)>,
) -> ApiResult {
    read_policy(&shared, &policy_id, |_, policy| {
        let mapping = policy
            .mappings
            .iter()
            .find(|m| m.id == mapping_id)
            .ok_or_else(|| mapping_not_found(&mapping_id))?;
        Ok(render(&base, &policy_id, mapping))
    })
    .await
}

/// `DELETE /api/v1/policies/{policyId}/mappings/{mappingId}` → 204.
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    Path((policy_id, mapping_id)): Path<(String, String)>,
) -> ApiResult {
    let mut org = shared.org.write().await;
    let policy = find_policy_mut(&mut org.policies, &policy_id)?;
    let removed = policy
        .mappings
        .iter()
        .position(|m| m.id == mapping_id)
        .map(|i| policy.mappings.remove(i))
        .ok_or_else(|| mapping_not_found(&mapping_id))?;
    if removed.resource_type == "APP" {
        // The app falls back to the default authentication policy.
        org.remap_orphan_app(&removed.resource_id);
    }
    Ok(no_content())
}
