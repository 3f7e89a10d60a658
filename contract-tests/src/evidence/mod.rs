//! Evidence from real orgs: what a live run shows about the documentation and the spec.
//!
//! - [`corpus_live`]: `check --target live --corpus` sends the documented request examples
//!   that can be sent safely and compares each answer with the documented response **by
//!   shape** (see [`corpus_live::shape_diff`]);
//! - [`record`]: `check --target live --record DIR` writes every exchange of the run as a
//!   corpus case (the YAML shape of `contract-tests/cases/`), sanitised, ready for
//!   `check --target mock --cases DIR`;
//! - [`drift`]: every live response body checked against the spec: undeclared fields, unknown
//!   enum values and unknown policy/rule types, with a spec patch suggestion.
//!
//! Exchanges are captured by a [`Recorder`], installed as the client's observer
//! ([`okta_mgmt::Client::with_observer`]) so it also sees the calls of scenarios, which install
//! hooks of their own.

pub mod corpus_live;
pub mod drift;
pub mod record;

use std::collections::BTreeMap;
use std::sync::Mutex;

use okta_mgmt::hook::{ObservedResponse, OutgoingRequest, RequestHook};
use serde_json::Value;

use crate::schema_check::Spec;

/// One request and its final response, as the client saw them.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// Upper-case HTTP method.
    pub method: String,
    /// The full URL, query included.
    pub url: String,
    /// The request body (JSON; a non-JSON body as a string), if any.
    pub request_body: Option<Value>,
    /// The response status.
    pub status: u16,
    /// Response headers (name in lower case, value).
    pub response_headers: Vec<(String, String)>,
    /// The response body (JSON; a non-JSON body as a string), if not empty.
    pub response_body: Option<Value>,
}

impl Exchange {
    /// The URL's path.
    pub fn path(&self) -> String {
        url::Url::parse(&self.url)
            .map(|u| u.path().to_owned())
            .unwrap_or_default()
    }

    /// The URL's query parameters, decoded.
    pub fn query(&self) -> BTreeMap<String, String> {
        url::Url::parse(&self.url)
            .map(|u| u.query_pairs().into_owned().collect())
            .unwrap_or_default()
    }
}

fn body_value(bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    Some(
        serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned())),
    )
}

/// A hook (or observer) that keeps every exchange it sees, in the order responses arrive.
#[derive(Debug, Default)]
pub struct Recorder {
    pending: Mutex<Vec<(String, String, Option<Value>)>>,
    done: Mutex<Vec<Exchange>>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// The exchanges recorded so far (the recorder keeps them).
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.done.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Takes the exchanges recorded so far.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.done.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl RequestHook for Recorder {
    fn on_request(&self, request: &OutgoingRequest<'_>) -> Result<(), okta_mgmt::Refusal> {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((
                request.method().to_string(),
                request.url().to_string(),
                request.body().and_then(body_value),
            ));
        Ok(())
    }

    fn on_response(&self, response: &ObservedResponse<'_>) {
        let method = response.method().to_string();
        let url = response.url().to_string();
        let request_body = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            match pending
                .iter()
                .position(|(m, u, _)| *m == method && *u == url)
            {
                Some(i) => pending.remove(i).2,
                None => None,
            }
        };
        let response_headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        self.done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Exchange {
                method,
                url,
                request_body,
                status: response.status().as_u16(),
                response_headers,
                response_body: body_value(response.body()),
            });
    }
}

/// The spec operation a request belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedOperation {
    /// operationId.
    pub operation: String,
    /// The path template (`/api/v1/policies/{policyId}`).
    pub template: String,
    /// Path parameter values.
    pub path_params: BTreeMap<String, String>,
}

/// Finds the operation of `method` `path` in the spec: the template whose literal segments
/// match, preferring the one with the most literal segments (`/policies/simulate` over
/// `/policies/{policyId}`).
pub fn resolve_operation(spec: &Spec, method: &str, path: &str) -> Option<ResolvedOperation> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut best: Option<(usize, ResolvedOperation)> = None;
    for op in &spec.operations {
        if !op.method.eq_ignore_ascii_case(method) {
            continue;
        }
        let template: Vec<&str> = op.path.trim_end_matches('/').split('/').collect();
        if template.len() != segments.len() {
            continue;
        }
        let mut params = BTreeMap::new();
        let mut literals = 0;
        let fits = template.iter().zip(&segments).all(|(t, s)| {
            match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) => {
                    params.insert(name.to_owned(), (*s).to_owned());
                    !s.is_empty()
                }
                None => {
                    literals += 1;
                    t == s
                }
            }
        });
        if fits && best.as_ref().is_none_or(|(l, _)| literals > *l) {
            best = Some((
                literals,
                ResolvedOperation {
                    operation: op.id.clone(),
                    template: op.path.clone(),
                    path_params: params,
                },
            ));
        }
    }
    best.map(|(_, r)| r)
}

/// After a live run: the drift of every answer goes into the report, and with `record`, the
/// exchanges are written as sanitised cases (see [`record`]). `secrets` are the run's
/// credentials, removed wherever they appear.
pub async fn finish_live_run(
    report: &mut crate::report::RunReport,
    exchanges: &[Exchange],
    record: Option<&std::path::Path>,
    auth: crate::corpus::Auth,
    secrets: Vec<String>,
) -> anyhow::Result<Option<record::RecordSummary>> {
    let spec = crate::schema_check::spec()?;
    report.drift = drift::drift_of(spec, exchanges);
    let Some(dir) = record else {
        return Ok(None);
    };
    let mut sanitizer = record::Sanitizer::new(&report.base_url, secrets);
    let summary = record::write_cases(dir, spec, exchanges, auth, &mut sanitizer).await?;
    Ok(Some(summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_resolved_from_paths() {
        let spec = crate::schema_check::spec().unwrap();
        let r = resolve_operation(spec, "GET", "/api/v1/policies/rst1/rules/0pr2").unwrap();
        assert_eq!(r.operation, "getPolicyRule");
        assert_eq!(r.path_params["policyId"], "rst1");
        assert_eq!(r.path_params["ruleId"], "0pr2");
        let r = resolve_operation(spec, "POST", "/api/v1/policies/simulate").unwrap();
        assert_eq!(r.operation, "createPolicySimulation");
        assert!(resolve_operation(spec, "GET", "/api/v1/nothing").is_none());
    }
}
