//! The httpmock side of a replay: a strict mock of the documented request, a recorder of what
//! the client really sent, and the checks of the client's reply against the documented response.

use std::collections::BTreeMap;
use std::str::FromStr as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::{HttpMockRequest, MockServer};
use okta_mgmt::{Client, RetryPolicy};
use serde_json::Value;

use super::call::{self, Inputs, Reply};
use super::{CaseKind, CaseOutcome, REPLAY_TOKEN, concrete_path, json_diff};
use crate::corpus::{Auth, Case, Request};
use crate::corpus::{Documented, short};

/// Response headers httpmock or the transport manage themselves.
const SKIPPED_RESPONSE_HEADERS: &[&str] = &["content-length", "transfer-encoding", "connection"];

/// A request as the mock server received it.
#[derive(Debug, Clone)]
pub(super) struct Recorded {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    fn from_request(req: &HttpMockRequest) -> Recorded {
        let uri = req.uri();
        let path = uri.path().to_string();
        let query = uri.query().unwrap_or("").to_string();
        Recorded {
            method: req.method_str().to_string(),
            path,
            query: url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
            headers: req.headers_vec().clone(),
            body: req.body_vec(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request in one paragraph, the token redacted.
    fn describe(&self) -> String {
        let query = if self.query.is_empty() {
            String::new()
        } else {
            let pairs: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("?{}", pairs.join("&"))
        };
        let auth = self
            .header("authorization")
            .map(redact)
            .unwrap_or_else(|| "<none>".into());
        let body = if self.body.is_empty() {
            "<none>".to_string()
        } else {
            String::from_utf8_lossy(&self.body).into_owned()
        };
        format!(
            "{} {}{query} (Authorization: {auth}; Accept: {}; Content-Type: {}; body: {body})",
            self.method,
            self.path,
            self.header("accept").unwrap_or("<none>"),
            self.header("content-type").unwrap_or("<none>"),
        )
    }
}

fn redact(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, token)) if token == REPLAY_TOKEN => format!("{scheme} <replay token>"),
        Some((scheme, _)) => format!("{scheme} <other token>"),
        None => "<malformed>".to_string(),
    }
}

/// What the mock expects, derived from the case.
struct Expected {
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    authorization: Option<String>,
    accept: Option<String>,
    content_type: Option<String>,
    body: Option<Value>,
}

impl Expected {
    fn of(case: &Case, req: &Request, doc: &Documented) -> Expected {
        let header = |name: &str| {
            req.headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| super::substitute(&h.value, &case.variables))
        };
        Expected {
            method: req.method.to_ascii_uppercase(),
            path: concrete_path(case).unwrap_or_default(),
            query: req
                .query
                .iter()
                .map(|(k, v)| (k.clone(), super::substitute(v, &case.variables)))
                .collect(),
            authorization: match req.auth {
                Auth::Ssws => Some(format!("SSWS {REPLAY_TOKEN}")),
                Auth::Bearer => Some(format!("Bearer {REPLAY_TOKEN}")),
                Auth::None => None,
            },
            accept: header("accept"),
            content_type: doc
                .request_body
                .as_ref()
                .and_then(|_| header("content-type")),
            body: doc.request_body.clone(),
        }
    }

    /// Where `rec` differs from what the mock expects.
    fn diff(&self, rec: &Recorded) -> Vec<String> {
        let mut out = Vec::new();
        if rec.method != self.method {
            out.push(format!(
                "method: expected {} but the client sent {}",
                self.method, rec.method
            ));
        }
        if rec.path != self.path {
            out.push(format!(
                "path: expected {} but the client sent {}",
                self.path, rec.path
            ));
        }
        let sent: BTreeMap<String, String> = rec.query.iter().cloned().collect();
        if sent.len() != rec.query.len() {
            out.push("query: the client repeated a query parameter".into());
        }
        for (k, v) in &self.query {
            match sent.get(k) {
                Some(s) if s == v => {}
                Some(s) => out.push(format!(
                    "query {k}: expected {v:?} but the client sent {s:?}"
                )),
                None => out.push(format!(
                    "query {k}: expected {v:?} but the client sent none"
                )),
            }
        }
        for (k, s) in &sent {
            if !self.query.contains_key(k) {
                out.push(format!(
                    "query {k}: not documented but the client sent {s:?}"
                ));
            }
        }
        if let Some(a) = &self.authorization {
            match rec.header("authorization") {
                Some(s) if s == a => {}
                Some(s) => out.push(format!(
                    "Authorization: expected {} but the client sent {}",
                    redact(a),
                    redact(s)
                )),
                None => out.push(format!(
                    "Authorization: expected {} but the client sent none",
                    redact(a)
                )),
            }
        }
        for (name, want) in [
            ("accept", &self.accept),
            ("content-type", &self.content_type),
        ] {
            if let Some(w) = want {
                let got = rec.header(name);
                if got != Some(w.as_str()) {
                    out.push(format!(
                        "{name}: expected {w:?} but the client sent {:?}",
                        got.unwrap_or("<none>")
                    ));
                }
            }
        }
        match (&self.body, rec.body.is_empty()) {
            (None, true) => {}
            (None, false) => out.push(format!(
                "body: none documented but the client sent {}",
                String::from_utf8_lossy(&rec.body)
            )),
            (Some(_), true) => out.push("body: documented but the client sent none".into()),
            (Some(want), false) => match serde_json::from_slice::<Value>(&rec.body) {
                Ok(got) => out.extend(
                    json_diff(want, &got, 12)
                        .into_iter()
                        .map(|d| format!("body {d}")),
                ),
                Err(e) => out.push(format!("body: the client sent invalid JSON ({e})")),
            },
        }
        out
    }
}

/// Starts the mock, calls the client and checks request and reply (kinds Exchange,
/// StatusOnly, RequestOnly and OutOfSpec).
/// A mock server and the clients pointed at it, reused case after case.
pub(crate) struct Harness {
    server: MockServer,
    ssws: Option<Client>,
    bearer: Option<Client>,
}

impl Harness {
    /// Starts a mock server (clients are built on first use: building one takes tens of
    /// milliseconds, most of the time of a replay).
    pub(crate) async fn start() -> Harness {
        Harness {
            server: MockServer::start_async().await,
            ssws: None,
            bearer: None,
        }
    }

    fn client(&mut self, auth: Auth) -> Result<Client, okta_mgmt::BuildError> {
        let slot = match auth {
            Auth::Bearer => &mut self.bearer,
            Auth::Ssws | Auth::None => &mut self.ssws,
        };
        if let Some(c) = slot {
            return Ok(c.clone());
        }
        let c = build_client(&self.server.base_url(), auth)?;
        *slot = Some(c.clone());
        Ok(c)
    }
}

pub(super) async fn replay_exchange(
    harness: &mut Harness,
    case: &Case,
    doc: &Documented,
    outcome: &mut CaseOutcome,
) {
    let Some(req) = case.request.as_ref() else {
        outcome.failures.push("the case has no request".into());
        return;
    };
    let expected = Expected::of(case, req, doc);
    let method = httpmock::Method::from_str(&expected.method);
    let Some(method) = outcome.ok_or_fail(method, |e| {
        format!("the documented method is not an HTTP method: {e}")
    }) else {
        return;
    };
    harness.server.reset_async().await;
    let client = harness.client(req.auth);
    let Some(client) = outcome.ok_or_fail(client, |e| format!("cannot build the client: {e}"))
    else {
        return;
    };
    let server = &harness.server;

    // 1. A recorder that sees every request first and never matches.
    let (recorded, _recorder) = mount_recorder(server).await;
    // 2. The strict mock of the documented request.
    let documented_status = case.response.as_ref().map(|r| r.status);
    let strict = mount_strict(server, method, &expected, documented_status, doc).await;
    // 3. The call.
    let Some(reply) = call_client(&client, case, req, &expected, doc, outcome).await else {
        return;
    };
    // 4. The request side: the strict mock was hit exactly once by the one request sent.
    let hits = strict.calls_async().await;
    let sent: Vec<Recorded> = recorded.lock().map(|r| r.clone()).unwrap_or_default();
    check_sent(&expected, hits, &sent, outcome);
    // 5. The reply.
    check_reply(case, doc, &reply, outcome);
}

/// Mounts a mock that records every request it sees and never matches.
async fn mount_recorder(server: &MockServer) -> (Arc<Mutex<Vec<Recorded>>>, httpmock::Mock<'_>) {
    let recorded: Arc<Mutex<Vec<Recorded>>> = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&recorded);
    let recorder = server
        .mock_async(move |when, then| {
            when.is_true(move |r: &HttpMockRequest| {
                if let Ok(mut all) = sink.lock() {
                    all.push(Recorded::from_request(r));
                }
                false
            });
            then.status(500);
        })
        .await;
    (recorded, recorder)
}

/// Mounts the strict mock of the documented request, answering the documented response
/// (204 without one: the reply is then not checked).
async fn mount_strict<'a>(
    server: &'a MockServer,
    method: httpmock::Method,
    expected: &Expected,
    documented_status: Option<u16>,
    doc: &Documented,
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            let mut when = when
                .method(method)
                .path(expected.path.as_str())
                .query_param_count(".*", ".*", expected.query.len());
            for (k, v) in &expected.query {
                when = when.query_param(k.as_str(), v.as_str());
            }
            for (name, value) in [
                ("authorization", &expected.authorization),
                ("accept", &expected.accept),
                ("content-type", &expected.content_type),
            ] {
                if let Some(v) = value {
                    when = when.header(name, v.as_str());
                }
            }
            if let Some(b) = &expected.body {
                let _ = when.json_body(b.clone());
            }
            let mut then = then.status(documented_status.unwrap_or(204));
            let mut has_content_type = false;
            for (name, value) in &doc.response_headers {
                let lower = name.to_ascii_lowercase();
                if SKIPPED_RESPONSE_HEADERS.contains(&lower.as_str()) {
                    continue;
                }
                has_content_type |= lower == "content-type";
                then = then.header(name.as_str(), value.as_str());
            }
            if let Some(body) = &doc.response_body {
                if !has_content_type {
                    then = then.header("content-type", "application/json");
                }
                let _ = then.body(serde_json::to_vec(body).unwrap_or_default());
            }
        })
        .await
}

/// Calls the client: the generated operation of the case, else the raw escape hatch. `None`
/// (with a failure recorded) when the client could not be called.
async fn call_client(
    client: &Client,
    case: &Case,
    req: &Request,
    expected: &Expected,
    doc: &Documented,
    outcome: &mut CaseOutcome,
) -> Option<Reply> {
    if req.auth == Auth::None {
        outcome.notes.push(
            "the documented request has no Authorization header; the client always sends one, so it was not matched".into(),
        );
    }
    let mut request_failures = Vec::new();
    let reply = match &case.operation {
        Some(op) => {
            let inputs = Inputs {
                operation: op,
                path_params: req
                    .path_params
                    .iter()
                    .map(|(k, v)| (k.clone(), super::substitute(v, &case.variables)))
                    .collect(),
                query: expected.query.clone(),
                body: doc.request_body.as_ref(),
            };
            call::call_operation(client, &inputs, &mut request_failures).await
        }
        None => {
            outcome.notes.push(format!(
                "out-of-spec endpoint ({}): replayed with client.raw(); bodies checked as JSON only",
                case.reason.as_deref().unwrap_or("no operation")
            ));
            call::call_raw(
                client,
                &expected.method,
                &expected.path,
                &expected.query,
                doc.request_body.as_ref(),
            )
            .await
        }
    };
    outcome.failures.extend(request_failures);
    outcome.ok_or_fail(reply, |e| format!("cannot call the client: {e}"))
}

/// Checks that the strict mock was hit exactly once by the one request sent, and that the
/// request equals the documented one where httpmock does not compare (body as exact JSON,
/// repeated query parameters).
fn check_sent(expected: &Expected, hits: usize, sent: &[Recorded], outcome: &mut CaseOutcome) {
    if hits != 1 || sent.len() != 1 {
        let mut msg = format!(
            "the documented request was matched {hits} time(s), expected exactly 1; the client sent {} request(s)",
            sent.len()
        );
        for (n, r) in sent.iter().enumerate() {
            msg.push_str(&format!("\nrequest {}: {}", n + 1, r.describe()));
            for d in expected.diff(r) {
                msg.push_str(&format!("\n  - {d}"));
            }
        }
        outcome.failures.push(msg);
    } else if let Some(r) = sent.first() {
        let diff = expected.diff(r);
        if !diff.is_empty() {
            outcome.failures.push(format!(
                "the request matched the mock but differs from the documented one: {}",
                diff.join("; ")
            ));
        }
    }
}

fn build_client(base_url: &str, auth: Auth) -> Result<Client, okta_mgmt::BuildError> {
    let builder = Client::builder()
        .org_url(base_url)
        .retry_policy(RetryPolicy::disabled())
        .request_timeout(Duration::from_secs(10));
    let builder = match auth {
        Auth::Bearer => builder.access_token(REPLAY_TOKEN),
        Auth::Ssws | Auth::None => builder.api_token(REPLAY_TOKEN),
    };
    builder.build()
}

fn describe_reply(reply: &Reply) -> String {
    match reply {
        Reply::Body { status, typed, .. } => format!("{status} with a {} body", typed.type_name()),
        Reply::Empty { status } => format!("{status} without a body"),
        Reply::Okta { status, error } => format!(
            "{status} with the Okta error {}",
            error.error_code.as_deref().unwrap_or("<no errorCode>")
        ),
        Reply::Failed {
            kind,
            status,
            message,
        } => match status {
            Some(s) => format!("{kind} (status {s}): {message}"),
            None => format!("{kind}: {message}"),
        },
    }
}

/// Checks the client's reply against the documented response.
fn check_reply(case: &Case, doc: &Documented, reply: &Reply, outcome: &mut CaseOutcome) {
    let failures = &mut outcome.failures;
    let Some(resp) = case.response.as_ref() else {
        outcome.notes.push(format!(
            "no documented response: only the request was checked (the mock answered 204; the client returned {})",
            describe_reply(reply)
        ));
        return;
    };
    let status = resp.status;
    let body = doc.response_body.as_ref();
    if outcome.kind == CaseKind::StatusOnly {
        outcome.notes.push(format!(
            "the document gives status {status} and names the body ({}) without showing it: status and request checked, no body to decode",
            resp.body_schema.as_deref().unwrap_or("?")
        ));
    }
    match reply {
        Reply::Body {
            status: got,
            typed,
            link_rels,
        } => {
            check_status(status, *got, failures);
            match body {
                Some(want) => check_typed_body(want, typed, failures),
                None => failures.push(format!(
                    "the client returned {} but no body is documented",
                    describe_reply(reply)
                )),
            }
            check_links(doc, link_rels, failures);
        }
        Reply::Empty { status: got } => {
            check_status(status, *got, failures);
            if let Some(b) = body {
                failures.push(format!(
                    "a body is documented ({}) but the client returned none",
                    short(b)
                ));
            }
        }
        Reply::Okta { status: got, error } => {
            check_status(status, *got, failures);
            if status < 400 {
                failures.push(format!(
                    "documented success {status} but the client reported an Okta error"
                ));
            }
            if let Some(want) = body {
                check_okta_body(want, error, failures);
            }
        }
        Reply::Failed { kind, .. } => {
            let no_body = body.is_none();
            let acceptable = outcome.kind == CaseKind::StatusOnly
                && no_body
                && *kind == "invalid response payload";
            if acceptable {
                outcome.notes.push(format!(
                    "the client accepted status {status} for {} and then had no body to decode, as expected",
                    case.operation.as_deref().unwrap_or("the call")
                ));
            } else {
                failures.push(format!(
                    "expected status {status}{} but the client returned {}",
                    body.map(|b| format!(" with body {}", short(b)))
                        .unwrap_or_default(),
                    describe_reply(reply)
                ));
            }
        }
    }
}

/// The client's status is the documented one.
fn check_status(status: u16, got: u16, failures: &mut Vec<String>) {
    if got != status {
        failures.push(format!(
            "status: expected {status} but the client returned {got}"
        ));
    }
}

/// The decoded body has the documented variants and re-encodes to the documented body.
fn check_typed_body(want: &Value, typed: &call::Typed, failures: &mut Vec<String>) {
    typed.check_variants(want, failures);
    match typed.to_json() {
        Ok(actual) => {
            let diff = json_diff(want, &actual, 12);
            if !diff.is_empty() {
                failures.push(format!(
                    "re-encoding the decoded {} does not give back the documented body: {}",
                    typed.type_name(),
                    diff.join("; ")
                ));
            }
        }
        Err(e) => failures.push(format!(
            "the decoded {} does not re-encode: {e}",
            typed.type_name()
        )),
    }
}

/// The typed Okta error has the documented errorCode and re-encodes to the documented body.
fn check_okta_body(want: &Value, error: &okta_mgmt::OktaError, failures: &mut Vec<String>) {
    let want_code = want.get("errorCode").and_then(Value::as_str);
    if error.error_code.as_deref() != want_code {
        failures.push(format!(
            "errorCode: expected {:?} but the typed error has {:?}",
            want_code, error.error_code
        ));
    }
    match serde_json::to_value(error) {
        Ok(actual) => {
            let diff = json_diff(want, &actual, 12);
            if !diff.is_empty() {
                failures.push(format!(
                    "re-encoding the typed Okta error does not give back the documented body: {}",
                    diff.join("; ")
                ));
            }
        }
        Err(e) => failures.push(format!("the Okta error does not re-encode: {e}")),
    }
}

/// Documented `Link` relations reach the client.
fn check_links(doc: &Documented, link_rels: &[String], failures: &mut Vec<String>) {
    for (name, value) in &doc.response_headers {
        if !name.eq_ignore_ascii_case("link") {
            continue;
        }
        for rel in ["self", "next"] {
            let documented = value.contains(&format!("rel=\"{rel}\""));
            if documented && !link_rels.iter().any(|r| r == rel) {
                failures.push(format!(
                    "the documented Link header {value:?} has rel=\"{rel}\" but the client did not parse it"
                ));
            }
        }
    }
}
