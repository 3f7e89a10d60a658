//! How stored objects are rendered on the way out (`id`, `priority`, `_embedded`, `_links`),
//! shared by the policy, rule and mapping handlers and the state inspection of [`crate::Org`].

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use axum::http::StatusCode;
use axum::response::Response;

use crate::Shared;
use crate::errors::ApiError;
use crate::links::{policy_links, rule_links};
use crate::request::json;
use crate::state::{MAX_EXPANDED_RULES, Org, PolicyKind, PolicyRecord, RuleRecord};

/// The 404 for an unknown policy id.
pub fn policy_not_found(id: &str) -> ApiError {
    ApiError::not_found(id, "Policy")
}

/// The policy `id` of `policies`, or its 404.
pub fn find_policy<'a>(
    policies: &'a HashMap<String, PolicyRecord>,
    id: &str,
) -> Result<&'a PolicyRecord, ApiError> {
    policies.get(id).ok_or_else(|| policy_not_found(id))
}

/// The policy `id` of `policies` for a change, or its 404.
pub fn find_policy_mut<'a>(
    policies: &'a mut HashMap<String, PolicyRecord>,
    id: &str,
) -> Result<&'a mut PolicyRecord, ApiError> {
    policies.get_mut(id).ok_or_else(|| policy_not_found(id))
}

/// 200 with what `answer` makes of policy `id` (and its org), read under the lock; 404 when there
/// is no such policy.
pub async fn read_policy(
    shared: &Shared,
    id: &str,
    answer: impl FnOnce(&Org, &PolicyRecord) -> Result<Value, ApiError>,
) -> Result<Response, ApiError> {
    let org = shared.org.read().await;
    let policy = find_policy(&org.policies, id)?;
    Ok(json(StatusCode::OK, answer(&org, policy)?))
}

/// Renders a policy with `id`, its current `priority`, `_embedded` and `_links`.
pub fn render_policy(
    base: &str,
    org: &Org,
    policy: &PolicyRecord,
    expand_rules: bool,
) -> Result<Value, ApiError> {
    let mut out = Map::new();
    out.insert("id".into(), json!(policy.id));
    for (k, v) in &policy.body {
        out.insert(k.clone(), v.clone());
    }
    out.insert("priority".into(), json!(org.priority_of(policy)));
    let mut embedded = Map::new();
    if policy.kind == PolicyKind::AccountManagement {
        // Doc 001: the account management policy carries `_embedded.resourceType`. Recorded real
        // orgs send no `_embedded` on other ACCESS_POLICY objects (also those mapped to apps).
        embedded.insert("resourceType".into(), json!("END_USER_ACCOUNT_MANAGEMENT"));
    }
    if expand_rules {
        if policy.rules.len() > MAX_EXPANDED_RULES {
            return Err(ApiError::validation(
                "expand",
                vec![format!(
                    "expand: expand=rules returns at most {MAX_EXPANDED_RULES} rules; policy {} has {}",
                    policy.id,
                    policy.rules.len()
                )],
            ));
        }
        let rules: Vec<Value> = policy
            .rules
            .iter()
            .enumerate()
            .map(|(i, rule)| render_rule(base, policy, rule, i + 1))
            .collect();
        embedded.insert("rules".into(), Value::Array(rules));
    }
    if !embedded.is_empty() {
        out.insert("_embedded".into(), Value::Object(embedded));
    }
    out.insert("_links".into(), policy_links(base, policy));
    Ok(Value::Object(out))
}

/// Renders a rule with `id`, its 1-based `priority` (0 when the client sent 0, as real orgs
/// echo it) and `_links`.
pub fn render_rule(base: &str, policy: &PolicyRecord, rule: &RuleRecord, priority: usize) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(rule.id));
    for (k, v) in &rule.body {
        out.insert(k.clone(), v.clone());
    }
    let priority = if rule.priority_zero { 0 } else { priority };
    out.insert("priority".into(), json!(priority));
    out.insert("_links".into(), rule_links(base, policy, rule));
    Value::Object(out)
}
