//! Policy simulation (`POST /api/v1/policies/simulate`, createPolicySimulation): evaluates the
//! org's ACCESS_POLICY, MFA_ENROLL, OKTA_SIGN_ON and PROFILE_ENROLLMENT policies for a
//! hypothetical sign-in to an app by a user with groups, network zones and a risk level.
//!
//! Evaluation follows Okta's order: the ACTIVE policies of a type by priority (for
//! ACCESS_POLICY only the policy the app is mapped to), the first policy whose conditions match
//! and which has a matching ACTIVE rule wins, and within it the first matching rule by priority.
//! The conditions the simulator evaluates are `people.groups.include/exclude`,
//! `people.users.include/exclude`, `network.include/exclude` (zones) and `riskScore.level`;
//! every user is in the Everyone group. A condition it cannot evaluate (device, platform,
//! expressions, …) is UNDEFINED, which does not match.
//!
//! The answer holds one `SimulatePolicyEvaluation` per requested type: `result` with the matched
//! policy and rule, and with `expand=EVALUATED` / `expand=UNDEFINED` the policies that were
//! evaluated without matching / could not be evaluated.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::Shared;
use crate::errors::ApiError;
use crate::request::{json, parse_query};
use crate::schema;
use crate::state::{EVERYONE_GROUP, Org, PolicyRecord, RuleRecord, SIMULATION_TYPES};

type ApiResult = Result<Response, ApiError>;

/// Outcome of a condition, rule or policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Match,
    NotMatch,
    Undefined,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Match => "MATCH",
            Self::NotMatch => "NOT_MATCH",
            Self::Undefined => "UNDEFINED",
        }
    }

    /// NOT_MATCH wins over UNDEFINED, which wins over MATCH (no condition = MATCH).
    fn all(conditions: &[(String, Outcome)]) -> Self {
        if conditions.iter().any(|(_, o)| *o == Self::NotMatch) {
            Self::NotMatch
        } else if conditions.iter().any(|(_, o)| *o == Self::Undefined) {
            Self::Undefined
        } else {
            Self::Match
        }
    }
}

/// The sign-in being simulated.
struct SignIn {
    user: Option<String>,
    groups: HashSet<String>,
    zones: HashSet<String>,
    risk: Option<String>,
}

impl SignIn {
    fn from_body(body: &Map<String, Value>) -> Self {
        let context = body.get("policyContext").unwrap_or(&Value::Null);
        let ids = |pointer: &str| -> HashSet<String> { strings(context.pointer(pointer)) };
        let mut groups = ids("/groups/ids");
        groups.insert(EVERYONE_GROUP.to_string());
        let risk = context
            .pointer("/risk/level")
            .or_else(|| context.pointer("/risk/minRiskLevel"))
            .and_then(Value::as_str)
            .map(str::to_string);
        Self {
            user: context
                .pointer("/user/id")
                .and_then(Value::as_str)
                .map(str::to_string),
            groups,
            zones: ids("/zones/ids"),
            risk,
        }
    }
}

/// The non-empty string list at `pointer`.
fn list<'a>(conditions: &'a Value, pointer: &str) -> Option<Vec<&'a str>> {
    let items: Vec<&str> = conditions
        .pointer(pointer)?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    (!items.is_empty()).then_some(items)
}

/// Evaluates the `include`/`exclude` id lists under `pointer`: an include list matches when the
/// sign-in has one of its ids, an exclude list when it has none.
fn id_lists(
    value: &Value,
    pointer: &str,
    name: &str,
    have: &HashSet<String>,
    out: &mut Vec<(String, Outcome)>,
) {
    for (key, include) in [("include", true), ("exclude", false)] {
        if let Some(ids) = list(value, &format!("{pointer}/{key}")) {
            let hit = ids.iter().any(|id| have.contains(*id));
            let outcome = if hit == include {
                Outcome::Match
            } else {
                Outcome::NotMatch
            };
            out.push((format!("{name}.{key}"), outcome));
        }
    }
}

/// Evaluates `conditions.people` (policy and rule level).
fn people(conditions: &Value, sign_in: &SignIn, out: &mut Vec<(String, Outcome)>) {
    id_lists(
        conditions,
        "/people/groups",
        "people.groups",
        &sign_in.groups,
        out,
    );
    for (key, include) in [("include", true), ("exclude", false)] {
        if let Some(users) = list(conditions, &format!("/people/users/{key}")) {
            let outcome = match &sign_in.user {
                None => Outcome::Undefined,
                Some(user) if users.contains(&user.as_str()) == include => Outcome::Match,
                Some(_) => Outcome::NotMatch,
            };
            out.push((format!("people.users.{key}"), outcome));
        }
    }
}

/// Evaluates the `conditions` of a policy or rule, one entry per condition it sets.
fn evaluate(conditions: Option<&Value>, sign_in: &SignIn) -> Vec<(String, Outcome)> {
    let mut out = Vec::new();
    let Some(conditions @ Value::Object(map)) = conditions else {
        return out;
    };
    people(conditions, sign_in, &mut out);
    for (key, value) in map {
        match key.as_str() {
            "people" => {}
            "network" => {
                if value.get("connection").and_then(Value::as_str) == Some("ZONE") {
                    id_lists(value, "", "network", &sign_in.zones, &mut out);
                }
            }
            "riskScore" | "risk" => match value.get("level").and_then(Value::as_str) {
                None | Some("ANY") => {}
                Some(level) => {
                    let outcome = match &sign_in.risk {
                        None => Outcome::Undefined,
                        Some(risk) if risk == level => Outcome::Match,
                        Some(_) => Outcome::NotMatch,
                    };
                    out.push((format!("{key}.level"), outcome));
                }
            },
            "authContext" if value.get("authType").and_then(Value::as_str) == Some("ANY") => {}
            "userType" => {
                if list(value, "/include").is_some() || list(value, "/exclude").is_some() {
                    out.push(("userType".into(), Outcome::Undefined));
                }
            }
            _ if is_empty(value) => {}
            _ => out.push((key.clone(), Outcome::Undefined)),
        }
    }
    out
}

/// `null`, `{}` or `[]` (and objects holding only such values): a condition that selects nothing.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.values().all(is_empty),
        _ => false,
    }
}

fn conditions_json(conditions: &[(String, Outcome)]) -> Value {
    Value::Array(
        conditions
            .iter()
            .map(|(t, o)| json!({ "type": t, "status": o.as_str() }))
            .collect(),
    )
}

fn name_of(body: &Map<String, Value>) -> Value {
    body.get("name").cloned().unwrap_or(Value::Null)
}

fn rule_entry(rule: &RuleRecord, conditions: &[(String, Outcome)], outcome: Outcome) -> Value {
    json!({
        "id": rule.id,
        "name": name_of(&rule.body),
        "status": outcome.as_str(),
        "conditions": conditions_json(conditions),
    })
}

fn policy_entry(
    policy: &PolicyRecord,
    conditions: &[(String, Outcome)],
    outcome: Outcome,
    rules: Vec<Value>,
) -> Value {
    json!({
        "id": policy.id,
        "name": name_of(&policy.body),
        "status": outcome.as_str(),
        "conditions": conditions_json(conditions),
        "rules": rules,
    })
}

fn is_active(body: &Map<String, Value>) -> bool {
    body.get("status").and_then(Value::as_str) != Some("INACTIVE")
}

/// The policies of `policy_type` a sign-in to `app_id` is evaluated against, in order.
fn candidates<'a>(org: &'a Org, policy_type: &str, app_id: &str) -> Vec<&'a PolicyRecord> {
    if policy_type == "ACCESS_POLICY" {
        let mapped = org
            .access_policy_of_app(app_id)
            .filter(|p| is_active(&p.body));
        let fallback = || {
            org.default_policy_id("ACCESS_POLICY")
                .and_then(|id| org.policies.get(&id))
        };
        return mapped.or_else(fallback).into_iter().collect();
    }
    org.ordered_ids(policy_type)
        .iter()
        .filter_map(|id| org.policies.get(id))
        .filter(|p| is_active(&p.body))
        .collect()
}

/// One `SimulatePolicyEvaluation`.
fn evaluate_type(
    org: &Org,
    policy_type: &str,
    app_id: &str,
    sign_in: &SignIn,
    expand: Expand,
) -> Value {
    let mut result = Vec::new();
    let mut evaluated = Vec::new();
    let mut undefined = Vec::new();
    for policy in candidates(org, policy_type, app_id) {
        let conditions = evaluate(policy.body.get("conditions"), sign_in);
        let policy_outcome = Outcome::all(&conditions);
        let mut tried = Vec::new();
        let mut any_undefined = policy_outcome == Outcome::Undefined;
        let mut matched = None;
        if policy_outcome == Outcome::Match {
            for rule in policy.rules.iter().filter(|r| is_active(&r.body)) {
                let rule_conditions = evaluate(rule.body.get("conditions"), sign_in);
                let outcome = Outcome::all(&rule_conditions);
                if outcome == Outcome::Match {
                    matched = Some(rule_entry(rule, &rule_conditions, outcome));
                    break;
                }
                any_undefined |= outcome == Outcome::Undefined;
                tried.push(rule_entry(rule, &rule_conditions, outcome));
            }
        }
        if let Some(rule) = matched {
            result.push(policy_entry(
                policy,
                &conditions,
                Outcome::Match,
                vec![rule],
            ));
            break;
        }
        let outcome = if policy_outcome == Outcome::Match {
            // Its conditions matched but none of its rules did.
            if any_undefined {
                Outcome::Undefined
            } else {
                Outcome::NotMatch
            }
        } else {
            policy_outcome
        };
        let entry = policy_entry(policy, &conditions, outcome, tried);
        if any_undefined {
            undefined.push(entry);
        } else {
            evaluated.push(entry);
        }
    }
    let status = if result.is_empty() {
        Outcome::NotMatch
    } else {
        Outcome::Match
    };
    let mut out = Map::new();
    out.insert("status".into(), json!(status.as_str()));
    out.insert("policyType".into(), json!([policy_type]));
    out.insert("result".into(), json!({ "policies": result }));
    if expand.evaluated {
        out.insert("evaluated".into(), json!({ "policies": evaluated }));
    }
    if expand.undefined {
        out.insert("undefined".into(), json!({ "policies": undefined }));
    }
    Value::Object(out)
}

#[derive(Debug, Clone, Copy, Default)]
struct Expand {
    evaluated: bool,
    undefined: bool,
}

fn expand_param(query: Option<&str>) -> Result<Expand, ApiError> {
    let mut expand = Expand::default();
    let params = parse_query(query);
    for value in params
        .iter()
        .filter(|(k, _)| k == "expand")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        if value.eq_ignore_ascii_case("EVALUATED") {
            expand.evaluated = true;
        } else if value.eq_ignore_ascii_case("UNDEFINED") {
            expand.undefined = true;
        } else {
            return Err(ApiError::validation(
                "expand",
                vec![format!(
                    "expand: Invalid value {value}. Valid values: EVALUATED, UNDEFINED"
                )],
            ));
        }
    }
    Ok(expand)
}

/// The strings of the array `value` (others skipped); empty when it is not an array.
fn strings<C: FromIterator<String> + Default>(value: Option<&Value>) -> C {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The requested policy types (`policyTypes`; `policyType` as the published example spells it);
/// all four when absent.
fn requested_types(body: &Map<String, Value>) -> Vec<String> {
    let listed: Vec<String> = strings(body.get("policyTypes").or_else(|| body.get("policyType")));
    if listed.is_empty() {
        SIMULATION_TYPES.iter().map(|t| (*t).to_string()).collect()
    } else {
        // Answer in the fixed order, each type once.
        SIMULATION_TYPES
            .iter()
            .filter(|t| listed.iter().any(|l| l == *t))
            .map(|t| (*t).to_string())
            .collect()
    }
}

/// Parses and validates the body: a non-empty JSON array of `SimulatePolicyBody` objects.
fn parse_body(body: &Bytes) -> Result<Vec<Map<String, Value>>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| ApiError::malformed_body())?;
    let Value::Array(items) = value else {
        return Err(ApiError::validation(
            "simulatePolicy",
            vec!["simulatePolicy: The request body must be a list of simulations".to_string()],
        ));
    };
    if items.is_empty() {
        return Err(ApiError::validation(
            "simulatePolicy",
            vec!["simulatePolicy: At least one simulation is required".to_string()],
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(ApiError::validation(
                "simulatePolicy",
                vec![format!("simulatePolicy/{i}: must be an object")],
            ));
        };
        schema::check("SimulatePolicyBody", &map)?;
        if let Some(other) = ["policyType"]
            .iter()
            .filter_map(|k| map.get(*k))
            .filter_map(Value::as_array)
            .flatten()
            .find(|t| !t.as_str().is_some_and(|t| SIMULATION_TYPES.contains(&t)))
        {
            return Err(ApiError::validation(
                "policyTypes",
                vec![format!(
                    "policyTypes: Invalid policy type {other}. Valid values: {}",
                    SIMULATION_TYPES.join(", ")
                )],
            ));
        }
        out.push(map);
    }
    Ok(out)
}

/// `POST /api/v1/policies/simulate[?expand=EVALUATED,UNDEFINED]`.
///
/// Errors: a body that is not JSON is 400 E0000003; a body that is not a non-empty list of
/// valid `SimulatePolicyBody` objects, or an unknown `expand` value, is 400 E0000001; an
/// `appInstance` the org does not have is 404 E0000007.
pub async fn simulate(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    let expand = expand_param(query.as_deref())?;
    let bodies = parse_body(&body)?;
    let org = shared.org.read().await;
    let mut evaluations = Vec::new();
    for body in &bodies {
        let app_id = body
            .get("appInstance")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if org.app(app_id).is_none() {
            return Err(ApiError::not_found(app_id, "AppInstance"));
        }
        let sign_in = SignIn::from_body(body);
        for policy_type in requested_types(body) {
            evaluations.push(evaluate_type(&org, &policy_type, app_id, &sign_in, expand));
        }
    }
    Ok(json(StatusCode::OK, Value::Array(evaluations)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_in(groups: &[&str]) -> SignIn {
        let mut set: HashSet<String> = groups.iter().map(|g| (*g).to_string()).collect();
        set.insert(EVERYONE_GROUP.to_string());
        SignIn {
            user: Some("00u1".into()),
            groups: set,
            zones: HashSet::new(),
            risk: None,
        }
    }

    #[test]
    fn people_and_network_conditions_are_evaluated() {
        let c = json!({
            "people": { "groups": { "include": ["00gA"] }, "users": { "exclude": ["00u1"] } },
            "network": { "connection": "ZONE", "include": ["nzo1"] },
            "authContext": { "authType": "ANY" },
            "device": { "registered": true }
        });
        let out = evaluate(Some(&c), &sign_in(&["00gA"]));
        let find = |t: &str| out.iter().find(|(k, _)| k == t).map(|(_, o)| *o);
        assert_eq!(find("people.groups.include"), Some(Outcome::Match));
        assert_eq!(find("people.users.exclude"), Some(Outcome::NotMatch));
        assert_eq!(find("network.include"), Some(Outcome::NotMatch));
        assert_eq!(find("device"), Some(Outcome::Undefined));
        assert_eq!(find("authContext"), None);
        assert_eq!(Outcome::all(&out), Outcome::NotMatch);
        assert_eq!(Outcome::all(&[]), Outcome::Match);
        let none = evaluate(
            Some(&json!({"network": {"connection": "ANYWHERE"}})),
            &sign_in(&[]),
        );
        assert!(none.is_empty());
    }

    #[test]
    fn the_requested_types_come_in_a_fixed_order() {
        let body = json!({"policyTypes": ["PROFILE_ENROLLMENT", "OKTA_SIGN_ON"]});
        let Value::Object(map) = body else { return };
        assert_eq!(
            requested_types(&map),
            ["OKTA_SIGN_ON", "PROFILE_ENROLLMENT"]
        );
        assert_eq!(requested_types(&Map::new()).len(), 4);
    }
}
