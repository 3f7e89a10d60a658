//! Calling the generated client for a case: one arm per spec operation, building the builder
//! call from the case's path parameters, query and body; and the typed checks of what came back.

use std::collections::{BTreeMap, BTreeSet};

use okta_mgmt::types::{
    Device, LifecycleStatus, Policy, PolicyMapping, PolicyMappingRequest, PolicyRule, PolicyType,
    SimulatePolicyBody,
};
use okta_mgmt::{Client, Links, OktaError, RawRequest, ResponseValue};
use serde_json::Value;

use crate::corpus::short;
use crate::targets::{check_policy, check_rule};

type ApiResult<T> = Result<ResponseValue<T>, progenitor_client::Error<OktaError>>;

/// The 25 operationIds of the spec, in spec order.
pub const OPERATIONS: &[&str] = &[
    "listPolicies",
    "createPolicy",
    "getPolicy",
    "replacePolicy",
    "deletePolicy",
    "activatePolicy",
    "deactivatePolicy",
    "listPolicyRules",
    "createPolicyRule",
    "getPolicyRule",
    "replacePolicyRule",
    "deletePolicyRule",
    "activatePolicyRule",
    "deactivatePolicyRule",
    "listPolicyMappings",
    "mapResourceToPolicy",
    "getPolicyMapping",
    "deletePolicyResourceMapping",
    "listDevices",
    "getDevice",
    "deleteDevice",
    "activateDevice",
    "deactivateDevice",
    "suspendDevice",
    "unsuspendDevice",
    "listDeviceUsers",
    "listUserDevices",
    "clonePolicy",
    "createPolicySimulation",
    "listPolicyApps",
];

/// A decoded success body.
#[derive(Debug)]
pub(super) enum Typed {
    Policy(Box<Policy>),
    Policies(Vec<Policy>),
    Rule(Box<PolicyRule>),
    Rules(Vec<PolicyRule>),
    Mapping(Box<PolicyMapping>),
    Mappings(Vec<PolicyMapping>),
    Device(Box<Device>),
    Devices(Vec<Device>),
    /// Another typed body, re-encoded as soon as it was decoded (name of the Rust type, JSON).
    Encoded(&'static str, Value),
    /// A raw (out-of-spec) response body.
    Json(Value),
}

impl Typed {
    /// Re-encodes the decoded value.
    pub(super) fn to_json(&self) -> Result<Value, serde_json::Error> {
        match self {
            Typed::Policy(v) => serde_json::to_value(v),
            Typed::Policies(v) => serde_json::to_value(v),
            Typed::Rule(v) => serde_json::to_value(v),
            Typed::Rules(v) => serde_json::to_value(v),
            Typed::Mapping(v) => serde_json::to_value(v),
            Typed::Mappings(v) => serde_json::to_value(v),
            Typed::Device(v) => serde_json::to_value(v),
            Typed::Devices(v) => serde_json::to_value(v),
            Typed::Encoded(_, v) | Typed::Json(v) => Ok(v.clone()),
        }
    }

    /// The Rust type, for messages.
    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Typed::Policy(_) => "Policy",
            Typed::Policies(_) => "Vec<Policy>",
            Typed::Rule(_) => "PolicyRule",
            Typed::Rules(_) => "Vec<PolicyRule>",
            Typed::Mapping(_) => "PolicyMapping",
            Typed::Mappings(_) => "Vec<PolicyMapping>",
            Typed::Device(_) => "Device",
            Typed::Devices(_) => "Vec<Device>",
            Typed::Encoded(name, _) => name,
            Typed::Json(_) => "serde_json::Value",
        }
    }

    /// Checks that every policy and rule decoded into the variant of its `type`.
    pub(super) fn check_variants(&self, documented: &Value, failures: &mut Vec<String>) {
        let item = |i: usize| documented.get(i).cloned().unwrap_or(Value::Null);
        match self {
            Typed::Policy(p) => check_policy(p, documented, "", failures),
            Typed::Policies(ps) => {
                for (i, p) in ps.iter().enumerate() {
                    check_policy(p, &item(i), &format!("/{i}"), failures);
                }
            }
            Typed::Rule(r) => check_rule(r, documented, "", failures),
            Typed::Rules(rs) => {
                for (i, r) in rs.iter().enumerate() {
                    check_rule(r, &item(i), &format!("/{i}"), failures);
                }
            }
            _ => {}
        }
    }
}

/// What the client returned.
#[derive(Debug)]
pub(super) enum Reply {
    /// A success with a decoded body.
    Body {
        status: u16,
        typed: Typed,
        /// Link relations the client parsed from the response headers.
        link_rels: Vec<String>,
    },
    /// A success without a body.
    Empty { status: u16 },
    /// A documented error status decoded into the typed Okta error.
    Okta { status: u16, error: Box<OktaError> },
    /// Anything else (undeclared status, undecodable body, transport error, …).
    Failed {
        kind: &'static str,
        status: Option<u16>,
        message: String,
    },
}

/// Inputs of a call, taken from the case.
pub(super) struct Inputs<'a> {
    pub(super) operation: &'a str,
    pub(super) path_params: BTreeMap<String, String>,
    pub(super) query: BTreeMap<String, String>,
    pub(super) body: Option<&'a Value>,
}

impl Inputs<'_> {
    fn path(&self, name: &str) -> Result<String, String> {
        self.path_params
            .get(name)
            .cloned()
            .ok_or_else(|| format!("the case gives no value for path parameter {name}"))
    }

    /// Fails when the case has a query parameter the operation does not take.
    fn allow(&self, names: &[&str]) -> Result<(), String> {
        let allowed: BTreeSet<&str> = names.iter().copied().collect();
        let extra: Vec<&str> = self
            .query
            .keys()
            .map(String::as_str)
            .filter(|k| !allowed.contains(k))
            .collect();
        if extra.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "query parameter(s) {} are not parameters of {} in the spec/client (it takes: {})",
                extra.join(", "),
                self.operation,
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ))
        }
    }

    fn q(&self, name: &str) -> Option<String> {
        self.query.get(name).cloned()
    }

    fn limit(&self) -> Result<Option<u32>, String> {
        self.q("limit")
            .map(|v| {
                v.parse::<u32>()
                    .map_err(|_| format!("query limit={v:?} is not a positive integer"))
            })
            .transpose()
    }

    fn activate(&self) -> Result<Option<bool>, String> {
        self.q("activate")
            .map(|v| {
                v.parse::<bool>()
                    .map_err(|_| format!("query activate={v:?} is not a boolean"))
            })
            .transpose()
    }

    fn body(&self) -> Result<&Value, String> {
        self.body.ok_or_else(|| {
            format!(
                "{} takes a request body; the case documents none",
                self.operation
            )
        })
    }

    /// The body as a policy, with the typed-variant check.
    fn policy(&self, failures: &mut Vec<String>) -> Result<Policy, String> {
        let body = self.body()?;
        let policy: Policy = serde_json::from_value(body.clone())
            .map_err(|e| format!("the request body does not decode into Policy: {e}"))?;
        let mut local = Vec::new();
        check_policy(&policy, body, "", &mut local);
        failures.extend(local.into_iter().map(|f| format!("request body: {f}")));
        Ok(policy)
    }

    /// The body as a rule, with the typed-variant check.
    fn rule(&self, failures: &mut Vec<String>) -> Result<PolicyRule, String> {
        let body = self.body()?;
        let rule: PolicyRule = serde_json::from_value(body.clone())
            .map_err(|e| format!("the request body does not decode into PolicyRule: {e}"))?;
        let mut local = Vec::new();
        check_rule(&rule, body, "", &mut local);
        failures.extend(local.into_iter().map(|f| format!("request body: {f}")));
        Ok(rule)
    }

    fn mapping(&self) -> Result<PolicyMappingRequest, String> {
        let body = self.body()?;
        serde_json::from_value(body.clone())
            .map_err(|e| format!("the request body does not decode into PolicyMappingRequest: {e}"))
    }
}

fn finish<T>(result: ApiResult<T>, wrap: impl FnOnce(T) -> Typed) -> Reply {
    match result {
        Ok(rv) => {
            let status = rv.status().as_u16();
            let links = Links::from_headers(rv.headers());
            let link_rels = link_rels(&links);
            Reply::Body {
                status,
                typed: wrap(rv.into_inner()),
                link_rels,
            }
        }
        Err(e) => from_error(e),
    }
}

/// Wraps a decoded body of a type without its own `Typed` variant, re-encoded at once.
fn encoded<T: serde::Serialize>(name: &'static str) -> impl FnOnce(T) -> Typed {
    move |v| match serde_json::to_value(&v) {
        Ok(json) => Typed::Encoded(name, json),
        Err(e) => Typed::Json(Value::String(format!("{name} does not re-encode: {e}"))),
    }
}

fn finish_unit(result: ApiResult<()>) -> Reply {
    match result {
        Ok(rv) => Reply::Empty {
            status: rv.status().as_u16(),
        },
        Err(e) => from_error(e),
    }
}

fn link_rels(links: &Links) -> Vec<String> {
    ["self", "next", "prev"]
        .iter()
        .filter(|rel| links.find(rel).is_some())
        .map(|rel| rel.to_string())
        .collect()
}

fn from_error(e: progenitor_client::Error<OktaError>) -> Reply {
    use progenitor_client::Error as E;
    match e {
        E::ErrorResponse(rv) => Reply::Okta {
            status: rv.status().as_u16(),
            error: Box::new(rv.into_inner()),
        },
        E::InvalidResponsePayload(bytes, err) => Reply::Failed {
            kind: "invalid response payload",
            status: None,
            message: format!(
                "{err}; body: {}",
                short(&Value::String(String::from_utf8_lossy(&bytes).into_owned()))
            ),
        },
        E::UnexpectedResponse(resp) => Reply::Failed {
            kind: "unexpected response",
            status: Some(resp.status().as_u16()),
            message: format!(
                "status {} is not declared for this operation in the spec",
                resp.status().as_u16()
            ),
        },
        E::InvalidRequest(m) => Reply::Failed {
            kind: "invalid request",
            status: None,
            message: m,
        },
        other => Reply::Failed {
            kind: "client error",
            status: other.status().map(|s| s.as_u16()),
            message: other.to_string(),
        },
    }
}

/// Calls the generated client's method for `inputs.operation`. `Err` is a problem of the case
/// (a missing parameter, a body that does not decode); `failures` receives typed-variant
/// problems of the request body.
/// Calls the generated client's method for `inputs.operation`. `Err` is a problem of the case
/// (a missing parameter, a body that does not decode); `failures` receives typed-variant
/// problems of the request body.
pub(super) async fn call_operation(
    client: &Client,
    inputs: &Inputs<'_>,
    failures: &mut Vec<String>,
) -> Result<Reply, String> {
    let reply = if let Some(r) = call_policy_operation(client, inputs, failures).await? {
        r
    } else if let Some(r) = call_rule_operation(client, inputs, failures).await? {
        r
    } else if let Some(r) = call_mapping_operation(client, inputs).await? {
        r
    } else if let Some(r) = call_device_operation(client, inputs).await? {
        r
    } else if let Some(r) = call_other_operation(client, inputs).await? {
        r
    } else {
        return Err(format!(
            "{} is not an operation of the generated client",
            inputs.operation
        ));
    };
    Ok(reply)
}

/// Calls one of the policy operations; `None` when `inputs.operation` is not one of them.
async fn call_policy_operation(
    client: &Client,
    inputs: &Inputs<'_>,
    failures: &mut Vec<String>,
) -> Result<Option<Reply>, String> {
    let i = inputs;
    let reply = match i.operation {
        "listPolicies" => {
            i.allow(&["type", "status", "expand", "after", "limit"])?;
            let mut b = client.list_policies();
            if let Some(v) = i.q("type") {
                b = b.type_(PolicyType::from(v.as_str()));
            }
            if let Some(v) = i.q("status") {
                b = b.status(LifecycleStatus::from(v.as_str()));
            }
            if let Some(v) = i.q("expand") {
                b = b.expand(v);
            }
            if let Some(v) = i.q("after") {
                b = b.after(v);
            }
            if let Some(v) = i.limit()? {
                b = b.limit(v);
            }
            finish(b.send().await, Typed::Policies)
        }
        "createPolicy" => {
            i.allow(&["activate"])?;
            let mut b = client.create_policy().body(i.policy(failures)?);
            if let Some(v) = i.activate()? {
                b = b.activate(v);
            }
            finish(b.send().await, |p| Typed::Policy(Box::new(p)))
        }
        "getPolicy" => {
            i.allow(&["expand"])?;
            let mut b = client.get_policy().policy_id(i.path("policyId")?);
            if let Some(v) = i.q("expand") {
                b = b.expand(v);
            }
            finish(b.send().await, |p| Typed::Policy(Box::new(p)))
        }
        "replacePolicy" => {
            i.allow(&[])?;
            let b = client
                .replace_policy()
                .policy_id(i.path("policyId")?)
                .body(i.policy(failures)?);
            finish(b.send().await, |p| Typed::Policy(Box::new(p)))
        }
        "deletePolicy" => {
            i.allow(&[])?;
            let b = client.delete_policy().policy_id(i.path("policyId")?);
            finish_unit(b.send().await)
        }
        "activatePolicy" => {
            i.allow(&[])?;
            let b = client.activate_policy().policy_id(i.path("policyId")?);
            finish_unit(b.send().await)
        }
        "deactivatePolicy" => {
            i.allow(&[])?;
            let b = client.deactivate_policy().policy_id(i.path("policyId")?);
            finish_unit(b.send().await)
        }
        "clonePolicy" => {
            i.allow(&[])?;
            let b = client.clone_policy().policy_id(i.path("policyId")?);
            finish(b.send().await, |p| Typed::Policy(Box::new(p)))
        }
        _ => return Ok(None),
    };
    Ok(Some(reply))
}

/// Calls one of the policy rule operations; `None` when `inputs.operation` is not one of them.
async fn call_rule_operation(
    client: &Client,
    inputs: &Inputs<'_>,
    failures: &mut Vec<String>,
) -> Result<Option<Reply>, String> {
    let i = inputs;
    let reply = match i.operation {
        "listPolicyRules" => {
            i.allow(&["limit"])?;
            let mut b = client.list_policy_rules().policy_id(i.path("policyId")?);
            if let Some(v) = i.limit()? {
                b = b.limit(v);
            }
            finish(b.send().await, Typed::Rules)
        }
        "createPolicyRule" => {
            i.allow(&["activate"])?;
            let mut b = client
                .create_policy_rule()
                .policy_id(i.path("policyId")?)
                .body(i.rule(failures)?);
            if let Some(v) = i.activate()? {
                b = b.activate(v);
            }
            finish(b.send().await, |r| Typed::Rule(Box::new(r)))
        }
        "getPolicyRule" => {
            i.allow(&[])?;
            let b = client
                .get_policy_rule()
                .policy_id(i.path("policyId")?)
                .rule_id(i.path("ruleId")?);
            finish(b.send().await, |r| Typed::Rule(Box::new(r)))
        }
        "replacePolicyRule" => {
            i.allow(&[])?;
            let b = client
                .replace_policy_rule()
                .policy_id(i.path("policyId")?)
                .rule_id(i.path("ruleId")?)
                .body(i.rule(failures)?);
            finish(b.send().await, |r| Typed::Rule(Box::new(r)))
        }
        "deletePolicyRule" => {
            i.allow(&[])?;
            let b = client
                .delete_policy_rule()
                .policy_id(i.path("policyId")?)
                .rule_id(i.path("ruleId")?);
            finish_unit(b.send().await)
        }
        "activatePolicyRule" => {
            i.allow(&[])?;
            let b = client
                .activate_policy_rule()
                .policy_id(i.path("policyId")?)
                .rule_id(i.path("ruleId")?);
            finish_unit(b.send().await)
        }
        "deactivatePolicyRule" => {
            i.allow(&[])?;
            let b = client
                .deactivate_policy_rule()
                .policy_id(i.path("policyId")?)
                .rule_id(i.path("ruleId")?);
            finish_unit(b.send().await)
        }
        _ => return Ok(None),
    };
    Ok(Some(reply))
}

/// Calls one of the policy resource mapping operations; `None` when `inputs.operation` is not one of them.
async fn call_mapping_operation(
    client: &Client,
    inputs: &Inputs<'_>,
) -> Result<Option<Reply>, String> {
    let i = inputs;
    let reply = match i.operation {
        "listPolicyMappings" => {
            i.allow(&["limit", "after"])?;
            let b = client.list_policy_mappings().policy_id(i.path("policyId")?);
            if i.q("limit").is_some() || i.q("after").is_some() {
                return Err("listPolicyMappings takes no paging parameters in the client".into());
            }
            finish(b.send().await, Typed::Mappings)
        }
        "mapResourceToPolicy" => {
            i.allow(&[])?;
            let b = client
                .map_resource_to_policy()
                .policy_id(i.path("policyId")?)
                .body(i.mapping()?);
            finish(b.send().await, |m| Typed::Mapping(Box::new(m)))
        }
        "getPolicyMapping" => {
            i.allow(&[])?;
            let b = client
                .get_policy_mapping()
                .policy_id(i.path("policyId")?)
                .mapping_id(i.path("mappingId")?);
            finish(b.send().await, |m| Typed::Mapping(Box::new(m)))
        }
        "deletePolicyResourceMapping" => {
            i.allow(&[])?;
            let b = client
                .delete_policy_resource_mapping()
                .policy_id(i.path("policyId")?)
                .mapping_id(i.path("mappingId")?);
            finish_unit(b.send().await)
        }
        _ => return Ok(None),
    };
    Ok(Some(reply))
}

/// Calls one of the device operations; `None` when `inputs.operation` is not one of them.
async fn call_device_operation(
    client: &Client,
    inputs: &Inputs<'_>,
) -> Result<Option<Reply>, String> {
    let i = inputs;
    let reply = match i.operation {
        "listDevices" => {
            i.allow(&["search", "limit", "after", "expand"])?;
            let mut b = client.list_devices();
            if let Some(v) = i.q("search") {
                b = b.search(v);
            }
            if let Some(v) = i.limit()? {
                b = b.limit(v);
            }
            if let Some(v) = i.q("after") {
                b = b.after(v);
            }
            if let Some(v) = i.q("expand") {
                b = b.expand(v);
            }
            finish(b.send().await, Typed::Devices)
        }
        "getDevice" => {
            i.allow(&[])?;
            let b = client.get_device().device_id(i.path("deviceId")?);
            finish(b.send().await, |d| Typed::Device(Box::new(d)))
        }
        "deleteDevice" => {
            i.allow(&[])?;
            let b = client.delete_device().device_id(i.path("deviceId")?);
            finish_unit(b.send().await)
        }
        "activateDevice" => {
            i.allow(&[])?;
            let b = client.activate_device().device_id(i.path("deviceId")?);
            finish_unit(b.send().await)
        }
        "deactivateDevice" => {
            i.allow(&[])?;
            let b = client.deactivate_device().device_id(i.path("deviceId")?);
            finish_unit(b.send().await)
        }
        "suspendDevice" => {
            i.allow(&[])?;
            let b = client.suspend_device().device_id(i.path("deviceId")?);
            finish_unit(b.send().await)
        }
        "unsuspendDevice" => {
            i.allow(&[])?;
            let b = client.unsuspend_device().device_id(i.path("deviceId")?);
            finish_unit(b.send().await)
        }
        "listDeviceUsers" => {
            i.allow(&[])?;
            let b = client.list_device_users().device_id(i.path("deviceId")?);
            finish(b.send().await, encoded("Vec<DeviceUser>"))
        }
        "listUserDevices" => {
            i.allow(&[])?;
            let b = client.list_user_devices().user_id(i.path("userId")?);
            finish(b.send().await, encoded("Vec<UserDevice>"))
        }
        _ => return Ok(None),
    };
    Ok(Some(reply))
}

/// Calls one of the remaining operations (clone, simulation, apps); `None` when `inputs.operation` is not one of them.
async fn call_other_operation(
    client: &Client,
    inputs: &Inputs<'_>,
) -> Result<Option<Reply>, String> {
    let i = inputs;
    let reply = match i.operation {
        "listPolicyApps" => {
            i.allow(&[])?;
            #[allow(deprecated)]
            let b = client.list_policy_apps().policy_id(i.path("policyId")?);
            finish(b.send().await, encoded("Vec<Application>"))
        }
        "createPolicySimulation" => {
            i.allow(&["expand"])?;
            let body: Vec<SimulatePolicyBody> =
                serde_json::from_value(i.body()?.clone()).map_err(|e| {
                    format!("the request body does not decode into Vec<SimulatePolicyBody>: {e}")
                })?;
            let mut b = client.create_policy_simulation().body(body);
            if let Some(v) = i.q("expand") {
                b = b.expand(v);
            }
            finish(b.send().await, encoded("Vec<SimulatePolicyEvaluation>"))
        }
        _ => return Ok(None),
    };
    Ok(Some(reply))
}

/// A raw request (`GET`, `POST`, `PUT` or `DELETE`; `None` for any other method) with its
/// query parameters and JSON body.
pub(crate) fn raw_request<'c>(
    client: &'c Client,
    method: &str,
    path: &str,
    query: impl IntoIterator<Item = (String, String)>,
    body: Option<&Value>,
) -> Option<RawRequest<'c>> {
    let raw = client.raw();
    let mut req = match method {
        "GET" => raw.get(path),
        "POST" => raw.post(path),
        "PUT" => raw.put(path),
        "DELETE" => raw.delete(path),
        _ => return None,
    };
    for (k, v) in query {
        req = req.query(k, v);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    Some(req)
}

/// Sends an out-of-spec request through the client's raw escape hatch.
pub(super) async fn call_raw(
    client: &Client,
    method: &str,
    path: &str,
    query: &BTreeMap<String, String>,
    body: Option<&Value>,
) -> Result<Reply, String> {
    let req = raw_request(client, method, path, query.clone(), body)
        .ok_or_else(|| format!("method {method} is not supported by the raw replay"))?;
    Ok(match req.send().await {
        Ok(resp) => {
            let status = resp.status.as_u16();
            let link_rels = link_rels(&resp.links());
            if resp.body.is_empty() {
                Reply::Empty { status }
            } else {
                match resp.json::<Value>() {
                    Ok(json) => Reply::Body {
                        status,
                        typed: Typed::Json(json),
                        link_rels,
                    },
                    Err(e) => Reply::Failed {
                        kind: "invalid response payload",
                        status: Some(status),
                        message: e.to_string(),
                    },
                }
            }
        }
        Err(e) => match (e.status(), e.okta_error().cloned()) {
            (Some(status), Some(error)) => Reply::Okta {
                status: status.as_u16(),
                error: Box::new(error),
            },
            (status, _) => Reply::Failed {
                kind: "client error",
                status: status.map(|s| s.as_u16()),
                message: e.to_string(),
            },
        },
    })
}
