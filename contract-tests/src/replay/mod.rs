//! Replay of the documented-example corpus against httpmock (`okta-contract check --target mock`).
//!
//! For a request/response case, [`replay_case`] starts an httpmock server that matches the
//! documented request exactly (method, path with the case's path parameters, every query
//! parameter and no other, the `Authorization` scheme, `Accept`, and the JSON body compared as
//! JSON) and answers with the documented status, headers and body. It then calls the generated
//! client's method for the case's `operation`, checks the mock was hit exactly once (showing the
//! request the client sent when it was not), and checks the typed result: success bodies decode
//! into the right typed variant and re-encode to the documented JSON, error bodies decode into
//! the typed Okta error with the documented `errorCode`. Standalone object examples decode into
//! their schema's Rust type and re-encode losslessly. Every case is also validated against the
//! spec and the Rust types' JSON Schema ([`crate::schema_check`]), and its drift warnings are
//! attached to the outcome.

mod call;
mod mock;
mod objects;

pub(crate) use call::raw_request;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::corpus::{Auth, Case, short};
use crate::json::{KeyOrder, Mismatch, diff_places};
use crate::schema_check::{self, DriftWarning};

pub use crate::corpus::{Documented, substitute, substitute_json};
pub use crate::targets::{ObjectTarget, object_target, object_targets, roundtrip_object};
pub use call::OPERATIONS;

/// Token the replay client sends to the mock (never a real credential).
pub const REPLAY_TOKEN: &str = "okta-contract-replay-token";

/// What kind of example a case is, i.e. what its replay could check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseKind {
    /// A documented request and response of a spec operation: fully replayed.
    Exchange,
    /// A spec operation whose response status is documented but not its body (prose such as
    /// `HTTP 200: Policy Object`): the request, the status and the client's handling of it are
    /// checked; there is no body to decode.
    StatusOnly,
    /// A spec operation with a documented request and no response: only the request side is
    /// checked (the client sends exactly the documented request).
    RequestOnly,
    /// A spec operation that takes a request body, with a documented response and no request
    /// (a published-spec response example without a request partner): the response body is
    /// decoded into the operation's typed response for its status and re-encoded, without a
    /// call.
    ResponseOnly,
    /// An endpoint outside the spec (`operation: null`): replayed through the client's raw
    /// escape hatch; bodies are checked as JSON only.
    OutOfSpec,
    /// A standalone object example: decoded into its schema's Rust type and re-encoded.
    Schema,
    /// Neither a request nor an example (a malformed case).
    Empty,
}

impl CaseKind {
    /// Kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Exchange => "exchange",
            CaseKind::StatusOnly => "status-only",
            CaseKind::RequestOnly => "request-only",
            CaseKind::ResponseOnly => "response-only",
            CaseKind::OutOfSpec => "out-of-spec",
            CaseKind::Schema => "schema",
            CaseKind::Empty => "empty",
        }
    }

    /// The kind of a case, from what it documents.
    pub fn of(case: &Case) -> CaseKind {
        match (&case.request, &case.response, &case.operation) {
            (Some(_), _, None) => CaseKind::OutOfSpec,
            (Some(_), None, Some(_)) => CaseKind::RequestOnly,
            (Some(_), Some(r), Some(_)) => {
                if r.body.is_none() && r.body_schema.is_some() {
                    CaseKind::StatusOnly
                } else {
                    CaseKind::Exchange
                }
            }
            (None, Some(_), Some(_)) => CaseKind::ResponseOnly,
            (None, _, _) if case.example.is_some() && case.schema.is_some() => CaseKind::Schema,
            _ => CaseKind::Empty,
        }
    }
}

/// The result of replaying one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseOutcome {
    /// Case id.
    pub id: String,
    /// operationId, if the case documents a spec operation.
    pub operation: Option<String>,
    /// Schema name of a standalone example.
    pub schema: Option<String>,
    /// What kind of case it is (what could be checked).
    pub kind: CaseKind,
    /// Documented response status, if any.
    pub status: Option<u16>,
    /// `true` when every check passed.
    pub passed: bool,
    /// Failed checks, each with the expected and the actual value.
    pub failures: Vec<String>,
    /// Drift warnings (fields, enum values, nulls the spec does not declare).
    pub drift: Vec<DriftWarning>,
    /// What was not checked and why (no documented response, out-of-spec endpoint, …).
    pub notes: Vec<String>,
    /// A curl command reproducing the documented request against an org (token redacted).
    pub curl: String,
}

impl CaseOutcome {
    fn new(case: &Case) -> Self {
        CaseOutcome {
            id: case.id.clone(),
            operation: case.operation.clone(),
            schema: case.schema.clone(),
            kind: CaseKind::of(case),
            status: case.response.as_ref().map(|r| r.status),
            passed: false,
            failures: Vec::new(),
            drift: Vec::new(),
            notes: Vec::new(),
            curl: curl(case),
        }
    }

    /// The value of `result`; its error, described by `what`, becomes a failure.
    fn ok_or_fail<T, E>(
        &mut self,
        result: Result<T, E>,
        what: impl FnOnce(E) -> String,
    ) -> Option<T> {
        result.map_err(|e| self.failures.push(what(e))).ok()
    }

    /// One line per failure, then the drift warnings and notes: the text a test prints.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{} [{}] {}\n",
            self.id,
            self.kind.as_str(),
            if self.passed { "passed" } else { "FAILED" }
        );
        for f in &self.failures {
            out.push_str(&format!("  failure: {}\n", f.replace('\n', "\n    ")));
        }
        for d in &self.drift {
            out.push_str(&format!("  drift: {d}\n"));
        }
        for n in &self.notes {
            out.push_str(&format!("  note: {n}\n"));
        }
        if !self.curl.is_empty() && !self.passed {
            out.push_str(&format!("  reproduce: {}\n", self.curl));
        }
        out
    }
}

/// Replays one case (see the module documentation). Never panics: every problem, including a
/// mock server or spec that cannot be loaded, is a failure of the outcome.
pub async fn replay_case(case: &Case) -> CaseOutcome {
    let mut harness = mock::Harness::start().await;
    replay_with(&mut harness, case).await
}

/// Replays every case, one after the other on one mock server, in the order given.
pub async fn replay_all(cases: &[Case]) -> Vec<CaseOutcome> {
    let mut harness = mock::Harness::start().await;
    let mut out = Vec::with_capacity(cases.len());
    for case in cases {
        out.push(replay_with(&mut harness, case).await);
    }
    out
}

async fn replay_with(harness: &mut mock::Harness, case: &Case) -> CaseOutcome {
    let mut outcome = CaseOutcome::new(case);
    let doc = Documented::of(case);
    match outcome.kind {
        CaseKind::Exchange | CaseKind::StatusOnly | CaseKind::RequestOnly | CaseKind::OutOfSpec => {
            mock::replay_exchange(harness, case, &doc, &mut outcome).await;
        }
        CaseKind::Schema => objects::replay_object(case, &doc, &mut outcome),
        CaseKind::ResponseOnly => objects::replay_response(case, &doc, &mut outcome),
        CaseKind::Empty => outcome
            .failures
            .push("the case has neither a request nor a standalone example".into()),
    }
    let validation = schema_check::validate_case(case);
    outcome.failures.extend(validation.failures);
    outcome.drift = validation.drift;
    outcome.passed = outcome.failures.is_empty();
    outcome
}

/// The documented request's path with its path parameters filled in.
pub fn concrete_path(case: &Case) -> Option<String> {
    let req = case.request.as_ref()?;
    let mut path = req.path.clone();
    for (name, value) in &req.path_params {
        path = path.replace(&format!("{{{name}}}"), &substitute(value, &case.variables));
    }
    Some(path)
}

/// A curl command reproducing the documented request against `${OKTA_ORG_URL}`, with the token
/// taken from `${OKTA_API_TOKEN}` (SSWS) or `${OKTA_ACCESS_TOKEN}` (Bearer). Empty for
/// standalone examples.
pub fn curl(case: &Case) -> String {
    curl_for(case, "${OKTA_ORG_URL}")
}

/// [`curl`] against an explicit org URL.
pub fn curl_for(case: &Case, org: &str) -> String {
    let (Some(req), Some(path)) = (case.request.as_ref(), concrete_path(case)) else {
        return String::new();
    };
    let mut url = format!("{}{}", org.trim_end_matches('/'), path);
    if !req.query.is_empty() {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &req.query {
            q.append_pair(k, &substitute(v, &case.variables));
        }
        url.push('?');
        url.push_str(&q.finish());
    }
    let mut out = format!("curl -i -X {} \"{}\"", req.method, url);
    out.push_str(" -H \"Accept: application/json\"");
    match req.auth {
        Auth::Ssws => out.push_str(" -H \"Authorization: SSWS ${OKTA_API_TOKEN}\""),
        Auth::Bearer => out.push_str(" -H \"Authorization: Bearer ${OKTA_ACCESS_TOKEN}\""),
        Auth::None => {}
    }
    if let Some(body) = req
        .body
        .as_ref()
        .map(|b| substitute_json(b, &case.variables))
    {
        let text = serde_json::to_string(&body).unwrap_or_default();
        out.push_str(" -H \"Content-Type: application/json\"");
        out.push_str(&format!(" -d '{}'", text.replace('\'', "'\\''")));
    }
    out
}

/// JSON pointers (with expected and actual values) where `actual` differs from `expected`, at
/// most `limit` of them.
pub fn json_diff(expected: &Value, actual: &Value, limit: usize) -> Vec<String> {
    diff_places(
        expected,
        actual,
        limit,
        KeyOrder::FirstThenSecond,
        &|at, mismatch| match mismatch {
            Mismatch::Differs(e, a) => {
                format!("{at}: expected {} but found {}", short(e), short(a))
            }
            Mismatch::Missing(e) => format!("{at}: expected {} but it is missing", short(e)),
            Mismatch::Unexpected(a) => format!("{at}: not expected, found {}", short(a)),
        },
    )
}
