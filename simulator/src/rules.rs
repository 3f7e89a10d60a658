//! Policy rule operations: list, create (100-rule limit), get, replace, delete and the
//! activate/deactivate lifecycle, with default-rule protections.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::Shared;
use crate::defaults::normalize_rule;
use crate::errors::ApiError;
use crate::links::Api;
use crate::render::{find_policy_mut, read_policy, render_rule};
use crate::request::{
    CheckedInput, check_object, create_request, json, lifecycle_target, limit_param, no_content,
    parse_object, parse_query, without_keys,
};
use crate::schema;
use crate::state::{
    MAX_RULES_PER_POLICY, PolicyRecord, RuleRecord, SINGLE_RULE_TYPES, is_beta_type,
    is_policy_type, new_custom_body, now_ts, place_rule, rule_type_for,
};

type ApiResult = Result<Response, ApiError>;

/// Fields the server owns on a rule.
const READ_ONLY: [&str; 5] = ["id", "created", "lastUpdated", "_links", "system"];

fn rule_not_found(id: &str) -> ApiError {
    ApiError::not_found(id, "PolicyRule")
}

/// Default rules "cannot be edited or deleted" (doc 004, "Default Rules"); the real API's
/// refusal is a 400 E0000001 whose cause reads "Default Rule is immutable".
fn default_rule_immutable(what: &str) -> ApiError {
    ApiError::validation(
        "rule",
        vec![format!("rule: Default Rule is immutable ({what})")],
    )
}

/// The index of rule `rule_id` in `policy`, or its 404.
fn rule_index(policy: &PolicyRecord, rule_id: &str) -> Result<usize, ApiError> {
    policy
        .rules
        .iter()
        .position(|r| r.id == rule_id)
        .ok_or_else(|| rule_not_found(rule_id))
}

fn render_at(base: &str, policy: &PolicyRecord, rule_id: &str) -> Result<Value, ApiError> {
    policy
        .rules
        .iter()
        .position(|r| r.id == rule_id)
        .and_then(|i| {
            policy
                .rules
                .get(i)
                .map(|r| render_rule(base, policy, r, i + 1))
        })
        .ok_or_else(|| rule_not_found(rule_id))
}

/// Rule types accepted in a policy of `policy_type`: its own type, or `SIGN_ON` for
/// `OKTA_SIGN_ON` policies (doc 004 still calls that rule type `OKTA_SIGN_ON`).
fn rule_type_fits(rule_type: &str, policy_type: &str) -> bool {
    rule_type == policy_type || rule_type == rule_type_for(policy_type)
}

fn validate(
    input: &Map<String, Value>,
    policy_type: &str,
    existing_type: Option<&str>,
) -> Result<CheckedInput, ApiError> {
    check_object(input, |causes| match input.get("type") {
        // The API requires `type` (doc 004's examples omit it: errata E047, E048).
        None | Some(Value::Null) => {
            causes.add("type", "The rule type is required");
            String::new()
        }
        Some(Value::String(t)) if rule_type_fits(t, policy_type) => {
            if existing_type.is_some_and(|e| e != t) {
                causes.add("type", "The rule type cannot be changed");
            }
            t.clone()
        }
        Some(Value::String(t)) if is_policy_type(t) || t == "SIGN_ON" => {
            causes.add(
                "type",
                format!("Rule type {t} does not match the policy type {policy_type}"),
            );
            String::new()
        }
        Some(other) => {
            causes.add("type", format!("Invalid rule type {other}"));
            String::new()
        }
    })
}

fn sanitized(input: Map<String, Value>) -> Map<String, Value> {
    without_keys(input, &READ_ONLY)
}

/// `GET /api/v1/policies/{policyId}/rules[?limit=n]`.
pub async fn list(
    Api { shared, base }: Api,
    Path(policy_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let params = parse_query(query.as_deref());
    let limit = limit_param(&params, MAX_RULES_PER_POLICY)?;
    read_policy(&shared, &policy_id, |_, policy| {
        let rules = policy.rules.iter().take(limit.unwrap_or(usize::MAX));
        Ok(rules
            .enumerate()
            .map(|(i, rule)| render_rule(&base, policy, rule, i + 1))
            .collect())
    })
    .await
}

/// `POST /api/v1/policies/{policyId}/rules[?activate=false]`.
pub async fn create(
    Api { shared, base }: Api,
    Path(policy_id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    let (activate, input) = create_request(query.as_deref(), &body)?;
    let input_priority = input.get("priority").cloned();
    let mut guard = shared.org.write().await;
    let org = &mut *guard;
    let policy = find_policy_mut(&mut org.policies, &policy_id)?;
    let checked = validate(&input, policy.policy_type(), None)?;
    check_rule_schema(&input)?;
    if SINGLE_RULE_TYPES.contains(&policy.policy_type()) {
        // CLIENT_UPDATE and IDENTITY_CLAIM_SOURCING policies hold the one rule Okta creates
        // (its `rules` link allows only GET); it can be replaced, no rule can be added.
        return Err(ApiError::validation(
            "rule",
            vec![format!(
                "rule: A {} policy holds only the rule Okta creates; rules cannot be added",
                policy.policy_type()
            )],
        ));
    }
    if policy.rules.len() >= MAX_RULES_PER_POLICY {
        return Err(ApiError::validation(
            "rules",
            vec![format!(
                "rules: A policy can have at most {MAX_RULES_PER_POLICY} rules; policy {policy_id} already has {}",
                policy.rules.len()
            )],
        ));
    }
    let id = org.ids.next("rul", "0g7");
    let mut stored = new_custom_body(
        sanitized(input),
        checked.status,
        activate,
        is_beta_type(policy.policy_type()),
    );
    if !stored.contains_key("type") || stored.get("type") == Some(&Value::Null) {
        stored.insert("type".into(), json!(checked.type_name));
    }
    normalize_rule(policy.policy_type(), &mut stored);
    let rule = RuleRecord {
        id: id.clone(),
        is_default: false,
        body: stored,
        priority_zero: sent_priority_zero(&input_priority),
    };
    place_rule(&mut policy.rules, rule, checked.priority);
    Ok(json(StatusCode::OK, render_at(&base, policy, &id)?))
}

/// `GET /api/v1/policies/{policyId}/rules/{ruleId}`.
pub async fn get(
    Api { shared, base }: Api,
    Path((policy_id, rule_id)): Path<(String, String)>,
) -> ApiResult {
    read_policy(&shared, &policy_id, |_, policy| {
        render_at(&base, policy, &rule_id)
    })
    .await
}

/// Client-owned content of a rule, for comparing a PUT on a default rule with what is stored.
fn content(body: &Map<String, Value>) -> Map<String, Value> {
    body.iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "id" | "created" | "lastUpdated" | "_links" | "system" | "default" | "priority"
            )
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `PUT /api/v1/policies/{policyId}/rules/{ruleId}`.
///
/// A default rule accepts only a PUT that changes nothing (so a GET-modify-PUT tool that leaves
/// it alone keeps working); any change is 400 "Default Rule is immutable".
pub async fn replace(
    Api { shared, base }: Api,
    Path((policy_id, rule_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let input = parse_object(&body)?;
    check_rule_schema(&input)?;
    let input_priority = input.get("priority").cloned();
    let mut org = shared.org.write().await;
    let policy = find_policy_mut(&mut org.policies, &policy_id)?;
    let index = rule_index(policy, &rule_id)?;
    let existing = policy
        .rules
        .get(index)
        .ok_or_else(|| rule_not_found(&rule_id))?;
    let existing_type = existing.body.get("type").and_then(Value::as_str);
    let checked = validate(&input, policy.policy_type(), existing_type)?;

    let mut stored = sanitized(input);
    for key in ["status", "type"] {
        if matches!(stored.get(key), None | Some(Value::Null))
            && let Some(v) = existing.body.get(key)
        {
            stored.insert(key.to_string(), v.clone());
        }
    }
    normalize_rule(policy.policy_type(), &mut stored);
    if existing.is_default {
        let moved = checked.priority.is_some_and(|p| p != index + 1);
        if moved || content(&stored) != content(&existing.body) {
            return Err(default_rule_immutable("it cannot be changed"));
        }
        return Ok(json(StatusCode::OK, render_at(&base, policy, &rule_id)?));
    }
    if is_beta_type(policy.policy_type()) && !stored.contains_key("default") {
        stored.insert(
            "default".into(),
            existing
                .body
                .get("default")
                .cloned()
                .unwrap_or(json!(false)),
        );
    }
    if !stored.contains_key("priority") {
        stored.insert("priority".into(), json!(0));
    }
    stored.insert("system".into(), json!(false));
    stored.insert(
        "created".into(),
        existing.body.get("created").cloned().unwrap_or(Value::Null),
    );
    stored.insert("lastUpdated".into(), json!(now_ts()));
    let mut rule = policy.rules.remove(index);
    rule.body = stored;
    rule.priority_zero = sent_priority_zero(&input_priority);
    let priority = checked.priority.or(Some(index + 1));
    place_rule(&mut policy.rules, rule, priority);
    Ok(json(StatusCode::OK, render_at(&base, policy, &rule_id)?))
}

/// `DELETE /api/v1/policies/{policyId}/rules/{ruleId}`.
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    Path((policy_id, rule_id)): Path<(String, String)>,
) -> ApiResult {
    let mut org = shared.org.write().await;
    let policy = find_policy_mut(&mut org.policies, &policy_id)?;
    let index = rule_index(policy, &rule_id)?;
    if policy.rules.get(index).is_some_and(|r| r.is_default) {
        return Err(default_rule_immutable("it cannot be deleted"));
    }
    policy.rules.remove(index);
    Ok(no_content())
}

/// `POST /api/v1/policies/{policyId}/rules/{ruleId}/lifecycle/{activate|deactivate}` → 204.
pub async fn lifecycle(
    State(shared): State<Arc<Shared>>,
    Path((policy_id, rule_id, action)): Path<(String, String, String)>,
    uri: axum::http::Uri,
) -> ApiResult {
    let target = lifecycle_target(&action, &uri)?;
    let mut org = shared.org.write().await;
    let policy = find_policy_mut(&mut org.policies, &policy_id)?;
    let rule = policy
        .rules
        .iter_mut()
        .find(|r| r.id == rule_id)
        .ok_or_else(|| rule_not_found(&rule_id))?;
    if rule.is_default {
        return if target == "ACTIVE" {
            Ok(no_content())
        } else {
            Err(default_rule_immutable("it cannot be deactivated"))
        };
    }
    if rule.body.get("status").and_then(Value::as_str) != Some(target) {
        rule.body.insert("status".into(), json!(target));
        rule.body.insert("lastUpdated".into(), json!(now_ts()));
    }
    Ok(no_content())
}

/// Whether the request's `priority` was 0 (a number or a numeric string).
fn sent_priority_zero(priority: &Option<Value>) -> bool {
    match priority {
        Some(Value::Number(n)) => n.as_i64() == Some(0),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok() == Some(0),
        _ => false,
    }
}

/// Checks a rule body against the spec. A body without `type` is left to the simulator's own
/// validation, which infers the type from the policy as doc 004's examples need.
fn check_rule_schema(input: &serde_json::Map<String, serde_json::Value>) -> Result<(), ApiError> {
    if input.contains_key("type") {
        schema::check("PolicyRule", input)?;
    }
    Ok(())
}
