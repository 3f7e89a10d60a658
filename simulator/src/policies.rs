//! Policy operations: list (by type, `q`, `sortBy`, `resourceId`), create, get
//! (`expand=rules`), replace, delete, clone, the apps of a policy (deprecated listPolicyApps)
//! and the activate/deactivate lifecycle, with default-policy and account-management
//! protections.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::Shared;
use crate::errors::ApiError;
use crate::links::{Api, app_links, append_page_links};
use crate::render::{find_policy, find_policy_mut, read_policy, render_policy};
use crate::request::{
    CheckedInput, Params, check_object, create_request, expands, invalid_cursor, json,
    lifecycle_target, limit_param, no_content, param, parse_object, parse_query, without_keys,
};
use crate::schema;
use crate::state::{
    AppRecord, MAX_BETA_POLICIES, OKTA_CREATED_TYPES, Org, PolicyKind, PolicyRecord, RuleRecord,
    is_beta_type, is_policy_type, new_custom_body, now_ts,
};

type ApiResult = Result<Response, ApiError>;

/// Largest `limit` accepted when listing policies.
const MAX_POLICY_PAGE: usize = 200;

/// Fields the server owns on a policy; whatever a client sends for them is ignored.
const READ_ONLY: [&str; 6] = [
    "id",
    "created",
    "lastUpdated",
    "_links",
    "_embedded",
    "system",
];

/// The 400 for changing or deleting the read-only account management policy.
///
/// Doc 001 says the policy can't be created, updated or deleted and its `self` link allows only
/// GET. The request is well-formed and authorised, so like other state-based refusals of the
/// Policy API this is an API validation failure (400 E0000001), not a 403 or 405.
fn account_management_read_only() -> ApiError {
    ApiError::validation(
        "policy",
        vec!["policy: The Okta Account Management Policy is read-only; only its rules can be managed".to_string()],
    )
}

/// The 400 for creating (or cloning) a policy of a type Okta creates in every org itself (D026):
/// the org holds exactly one, which can be read and replaced. A state-based refusal of a
/// well-formed request, so E0000001 like the default-policy protections.
fn okta_created_type(policy_type: &str, what: &str) -> ApiError {
    ApiError::validation(
        "type",
        vec![format!(
            "type: Policies of type {policy_type} are created by Okta; one cannot be {what} through the API"
        )],
    )
}

fn validate(
    input: &Map<String, Value>,
    existing_type: Option<&str>,
) -> Result<CheckedInput, ApiError> {
    check_object(input, |causes| match (input.get("type"), existing_type) {
        (None | Some(Value::Null), Some(existing)) => existing.to_string(),
        (None | Some(Value::Null), None) => {
            causes.add("type", "The field cannot be left blank");
            String::new()
        }
        (Some(Value::String(t)), existing) if is_policy_type(t) => {
            if existing.is_some_and(|e| e != t) {
                causes.add("type", "The policy type cannot be changed");
            }
            t.clone()
        }
        (Some(other), _) => {
            causes.add("type", format!("Invalid policy type specified: {other}"));
            String::new()
        }
    })
}

fn sanitized(input: Map<String, Value>) -> Map<String, Value> {
    without_keys(input, &READ_ONLY)
}

fn required_type(params: &Params) -> Result<String, ApiError> {
    match param(params, "type") {
        None | Some("") => Err(ApiError::validation(
            "type",
            vec!["type: The type query parameter is required".to_string()],
        )),
        Some(t) if is_policy_type(t) => Ok(t.to_string()),
        Some(t) => Err(ApiError::validation(
            "type",
            vec![format!("type: Invalid policy type specified: {t}")],
        )),
    }
}

/// `GET /api/v1/policies?type=…[&status=…][&expand=rules][&after=…&limit=…]`.
pub async fn list(Api { shared, base }: Api, RawQuery(query): RawQuery) -> ApiResult {
    let params = parse_query(query.as_deref());
    let policy_type = required_type(&params)?;
    let status = match param(&params, "status") {
        None => None,
        Some(s @ ("ACTIVE" | "INACTIVE")) => Some(s.to_string()),
        Some(s) => {
            let message = format!("Invalid status {s}. Valid values: ACTIVE, INACTIVE");
            return Err(ApiError::invalid("status", message));
        }
    };
    let expand_rules = expands(&params, "rules");
    let limit = limit_param(&params, MAX_POLICY_PAGE)?;
    let after = param(&params, "after");
    let name_filter = param(&params, "q").map(str::to_lowercase);
    let by_name = match param(&params, "sortBy") {
        None | Some("") => false,
        Some("name") => true,
        Some(other) => {
            let message = format!("Invalid sort field {other}. Valid values: name");
            return Err(ApiError::invalid("sortBy", message));
        }
    };
    let resource_id = param(&params, "resourceId");

    let org = shared.org.read().await;
    let keep = |p: &&PolicyRecord| {
        status.as_deref().is_none_or(|s| p.status() == s)
            && name_filter
                .as_deref()
                .is_none_or(|q| p.name().to_lowercase().contains(q))
            && resource_id.is_none_or(|r| p.mappings.iter().any(|m| m.resource_id == r))
    };
    // One more than the page, to know whether there is a next page; everything without a limit.
    let wanted = limit.map_or(usize::MAX, |l| l.saturating_add(1));
    let ids = org.ordered_ids(&policy_type);
    let by_name = by_name.then(|| org.policies_by_name(&policy_type));
    let matching: Vec<&PolicyRecord> = if let Some(sorted) = &by_name {
        // Name order: sorted once per change of the org's policies, the cursor's place indexed.
        let start = match after {
            None => 0,
            Some(cursor) => sorted.place(cursor).ok_or_else(|| invalid_cursor(cursor))? + 1,
        };
        let rest = sorted.ids.get(start..).unwrap_or_default();
        let rest = rest.iter().filter_map(|id| org.policies.get(id));
        rest.filter(keep).take(wanted).collect()
    } else {
        // Priority order: the cursor's place comes from the index, and the walk stops once the
        // page (and one more) is found.
        let start = match after {
            None => 0,
            Some(cursor) => {
                org.order_index(&policy_type, cursor)
                    .ok_or_else(|| invalid_cursor(cursor))?
                    + 1
            }
        };
        let rest = ids.get(start..).unwrap_or_default();
        let rest = rest.iter().filter_map(|id| org.policies.get(id));
        rest.filter(keep).take(wanted).collect()
    };
    let page_len = limit.unwrap_or(matching.len()).min(matching.len());
    let page = &matching[..page_len];
    let items = page
        .iter()
        .map(|p| render_policy(&base, &org, p, expand_rules))
        .collect::<Result<Vec<_>, _>>()?;
    let mut response = json(StatusCode::OK, Value::Array(items));
    if let Some(limit) = limit {
        let next = if matching.len() > page_len {
            page.last().map(|p| p.id.as_str())
        } else {
            None
        };
        append_page_links(
            response.headers_mut(),
            &base,
            "/api/v1/policies",
            &params,
            after,
            Some(limit),
            next,
        );
    }
    Ok(response)
}

/// `POST /api/v1/policies[?activate=false]`.
pub async fn create(
    Api { shared, base }: Api,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    let (activate, input) = create_request(query.as_deref(), &body)?;
    let checked = validate(&input, None)?;
    schema::check("Policy", &input)?;
    if OKTA_CREATED_TYPES.contains(&checked.type_name.as_str()) {
        return Err(okta_created_type(&checked.type_name, "created"));
    }

    let mut org = shared.org.write().await;
    if is_beta_type(&checked.type_name) && org.beta_policy_count() >= MAX_BETA_POLICIES {
        return Err(ApiError::validation(
            "type",
            vec![format!(
                "type: Okta limits the number of Okta:SignOn and Okta:ProfileEnrollment policies to {MAX_BETA_POLICIES}"
            )],
        ));
    }
    let id = org.ids.next("rst", "0g7");
    // The body's status wins unless the caller asked for `activate=false` explicitly.
    let stored = new_custom_body(
        sanitized(input),
        checked.status,
        activate,
        is_beta_type(&checked.type_name),
    );
    org.policies
        .insert(id.clone(), PolicyRecord::custom(&id, stored, Vec::new()));
    org.place_policy(&checked.type_name, &id, checked.priority);
    let policy = find_policy(&org.policies, &id)?;
    Ok(json(
        StatusCode::OK,
        render_policy(&base, &org, policy, false)?,
    ))
}

/// `GET /api/v1/policies/{policyId}[?expand=rules]`.
pub async fn get(
    Api { shared, base }: Api,
    Path(policy_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let params = parse_query(query.as_deref());
    read_policy(&shared, &policy_id, |org, policy| {
        render_policy(&base, org, policy, expands(&params, "rules"))
    })
    .await
}

/// `PUT /api/v1/policies/{policyId}`: full replacement of the client-owned fields except
/// `status`, which a PUT leaves as it is.
pub async fn replace(
    Api { shared, base }: Api,
    Path(policy_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let input = parse_object(&body)?;
    schema::check("Policy", &input)?;
    let mut org = shared.org.write().await;
    let existing = find_policy(&org.policies, &policy_id)?;
    if existing.kind == PolicyKind::AccountManagement {
        return Err(account_management_read_only());
    }
    let checked = validate(&input, Some(existing.policy_type()))?;
    let is_default = existing.kind == PolicyKind::Default;
    let mut stored = sanitized(input);
    // Recorded real orgs ignore `status` in a PUT (only the lifecycle operations change it), so
    // the stored status stays, also on default policies (doc 003 only says it can't change).
    stored.remove("status");
    let keep = |key: &str, stored: &mut Map<String, Value>| {
        if let Some(v) = existing.body.get(key)
            && matches!(stored.get(key), None | Some(Value::Null))
        {
            stored.insert(key.to_string(), v.clone());
        }
    };
    keep("status", &mut stored);
    keep("type", &mut stored);
    if is_beta_type(&checked.type_name) {
        keep("default", &mut stored);
        if is_default {
            stored.insert("default".into(), json!(true));
        }
    }
    if !stored.contains_key("priority") {
        stored.insert("priority".into(), json!(0));
    }
    stored.insert(
        "system".into(),
        existing.body.get("system").cloned().unwrap_or(json!(false)),
    );
    stored.insert(
        "created".into(),
        existing.body.get("created").cloned().unwrap_or(Value::Null),
    );
    stored.insert("lastUpdated".into(), json!(now_ts()));
    org.set_policy_body(&policy_id, stored);
    if let (Some(priority), false) = (checked.priority, is_default) {
        org.place_policy(&checked.type_name, &policy_id, Some(priority));
    }
    let policy = find_policy(&org.policies, &policy_id)?;
    Ok(json(
        StatusCode::OK,
        render_policy(&base, &org, policy, false)?,
    ))
}

/// `DELETE /api/v1/policies/{policyId}`: removes the policy with its rules and mappings.
pub async fn delete(State(shared): State<Arc<Shared>>, Path(policy_id): Path<String>) -> ApiResult {
    let mut org = shared.org.write().await;
    let policy = find_policy(&org.policies, &policy_id)?;
    match policy.kind {
        // A default policy "is required and cannot be deleted" (docs 003/004). The real API
        // answers such state-based refusals with 400 E0000001 (Api validation failed), the same
        // family as its "Default Rule is immutable" error; it is not a permission problem (403)
        // and the resource exists (not 404).
        PolicyKind::Default => Err(ApiError::validation(
            "policy",
            vec!["policy: A default policy cannot be deleted".to_string()],
        )),
        PolicyKind::AccountManagement => Err(account_management_read_only()),
        PolicyKind::Custom => {
            if let Some(removed) = org.remove_policy(&policy_id) {
                // Its apps fall back to the default authentication policy.
                for mapping in removed.mappings.iter().filter(|m| m.resource_type == "APP") {
                    org.remap_orphan_app(&mapping.resource_id);
                }
            }
            Ok(no_content())
        }
    }
}

/// `POST /api/v1/policies/{policyId}/lifecycle/{activate|deactivate}` → 204.
pub async fn lifecycle(
    State(shared): State<Arc<Shared>>,
    Path((policy_id, action)): Path<(String, String)>,
    uri: axum::http::Uri,
) -> ApiResult {
    let target = lifecycle_target(&action, &uri)?;
    let mut org = shared.org.write().await;
    let policy = find_policy_mut(&mut org.policies, &policy_id)?;
    match policy.kind {
        PolicyKind::AccountManagement => Err(account_management_read_only()),
        // Doc 003: "Policies set as default will always be active" / "cannot be deactivated".
        PolicyKind::Default if target == "INACTIVE" => Err(ApiError::validation(
            "policy",
            vec!["policy: A default policy cannot be deactivated".to_string()],
        )),
        PolicyKind::Default => Ok(no_content()),
        PolicyKind::Custom => {
            if policy.status() != target {
                policy.body.insert("status".into(), json!(target));
                policy.body.insert("lastUpdated".into(), json!(now_ts()));
            }
            Ok(no_content())
        }
    }
}

/// The name of a clone: the original's with ` (copy)` appended (the published spec has no clone
/// example that shows Okta's naming), cut to the 255 characters a policy name may have.
fn clone_name(name: &str) -> String {
    const SUFFIX: &str = " (copy)";
    let keep = 255 - SUFFIX.chars().count();
    let base: String = name.chars().take(keep).collect();
    format!("{base}{SUFFIX}")
}

/// `POST /api/v1/policies/{policyId}/clone`: a copy of the policy and its rules with new ids,
/// the name `<name> (copy)`, status INACTIVE (the spec: the copy is inactive), placed last among
/// the type's custom policies. Rules keep their content, order and status; the copied default
/// rule stays the copy's default rule. Mappings are not copied (an app has one policy).
///
/// Refused with 400 E0000001: a default policy (the org has exactly one per type), the
/// account management policy (read-only) and the types Okta creates itself (one per org).
pub async fn clone(Api { shared, base }: Api, Path(policy_id): Path<String>) -> ApiResult {
    let mut org = shared.org.write().await;
    let original = find_policy(&org.policies, &policy_id)?;
    let policy_type = original.policy_type().to_string();
    if OKTA_CREATED_TYPES.contains(&policy_type.as_str()) {
        return Err(okta_created_type(&policy_type, "cloned"));
    }
    match original.kind {
        PolicyKind::Default => {
            return Err(ApiError::validation(
                "policy",
                vec!["policy: A default policy cannot be cloned; an org has one default policy per type".to_string()],
            ));
        }
        PolicyKind::AccountManagement => return Err(account_management_read_only()),
        PolicyKind::Custom => {}
    }
    if is_beta_type(&policy_type) && org.beta_policy_count() >= MAX_BETA_POLICIES {
        return Err(ApiError::validation(
            "type",
            vec![format!(
                "type: Okta limits the number of Okta:SignOn and Okta:ProfileEnrollment policies to {MAX_BETA_POLICIES}"
            )],
        ));
    }
    let now = now_ts();
    let mut body = original.body.clone();
    let rules: Vec<(bool, bool, Map<String, Value>)> = original
        .rules
        .iter()
        .map(|r| (r.is_default, r.priority_zero, r.body.clone()))
        .collect();
    body.insert("name".into(), json!(clone_name(original.name())));
    body.insert("status".into(), json!("INACTIVE"));
    body.insert("system".into(), json!(false));
    if is_beta_type(&policy_type) {
        body.insert("default".into(), json!(false));
    }
    body.insert("created".into(), json!(now));
    body.insert("lastUpdated".into(), json!(now));
    let id = org.ids.next("rst", "0g7");
    let rules: Vec<RuleRecord> = rules
        .into_iter()
        .map(|(is_default, priority_zero, mut rule)| {
            rule.insert("created".into(), json!(now));
            rule.insert("lastUpdated".into(), json!(now));
            RuleRecord {
                id: org.ids.next("rul", "0g7"),
                is_default,
                body: rule,
                priority_zero,
            }
        })
        .collect();
    org.policies
        .insert(id.clone(), PolicyRecord::custom(&id, body, rules));
    org.place_policy(&policy_type, &id, None);
    let policy = find_policy(&org.policies, &id)?;
    Ok(json(
        StatusCode::OK,
        render_policy(&base, &org, policy, false)?,
    ))
}

/// An app as the Apps API answers it: the stored object with `_links`.
fn render_app(base: &str, org: &Org, app: &AppRecord) -> Value {
    let mut out = app.body.clone();
    let policy_id = org.access_policy_of_app(&app.id).map(|p| p.id.as_str());
    out.insert("_links".into(), app_links(base, app, policy_id));
    Value::Object(out)
}

/// `GET /api/v1/policies/{policyId}/app` (deprecated): the apps the policy is mapped to (its
/// mappings with resourceType APP), as `Application` objects in mapping order. Only an
/// ACCESS_POLICY is mapped to apps, so any other policy answers an empty list (the operation
/// declares no 400).
pub async fn apps(Api { shared, base }: Api, Path(policy_id): Path<String>) -> ApiResult {
    read_policy(&shared, &policy_id, |org, policy| {
        let apps = policy.mappings.iter().filter(|m| m.resource_type == "APP");
        Ok(apps
            .filter_map(|m| org.app(&m.resource_id))
            .map(|app| render_app(&base, org, app))
            .collect())
    })
    .await
}
