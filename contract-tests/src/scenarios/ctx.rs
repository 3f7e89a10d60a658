//! The scenario context: client, naming, tracker and step recording; request descriptions
//! rendered as curl commands; assertion helpers.

use std::fmt::{Debug, Display};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use okta_mgmt::Client;
use okta_mgmt::error::{Error, OktaError};
use serde::Serialize;
use serde_json::Value;

use crate::live::{Resource, RunNaming, Tracker};
use crate::report::{Status, StepOutcome};

/// What the scenarios run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// The embedded simulator: every scenario may run.
    Sim,
    /// A real org (or anything reached with `--target live`): `sim_only` scenarios are skipped
    /// and writing scenarios need `--allow-writes`.
    Live,
}

impl TargetKind {
    /// `sim` or `live`.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Sim => "sim",
            TargetKind::Live => "live",
        }
    }
}

/// How the client authenticates; decides the `Authorization` line of curl commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    /// `SSWS ${OKTA_API_TOKEN}`.
    Ssws,
    /// `Bearer ${OKTA_ACCESS_TOKEN}`.
    Bearer,
    /// `Bearer <access token>` obtained by an OAuth service app (private_key_jwt or a token
    /// provider); the token is never printed.
    OAuth,
}

impl AuthScheme {
    /// The header value with the token replaced by the environment variable holding it.
    pub fn redacted_header(self) -> &'static str {
        match self {
            AuthScheme::Ssws => "Authorization: SSWS ${OKTA_API_TOKEN}",
            AuthScheme::Bearer => "Authorization: Bearer ${OKTA_ACCESS_TOKEN}",
            AuthScheme::OAuth => "Authorization: Bearer ${ACCESS_TOKEN_FROM_OKTA_CLIENT_CLIENTID}",
        }
    }
}

/// Everything shared by the scenarios of one run.
#[derive(Debug)]
pub struct RunEnv {
    /// The client under test.
    pub client: Client,
    /// The org URL (simulator base URL or live org).
    pub base_url: String,
    /// Simulator or live org.
    pub target: TargetKind,
    /// Credential kind, for curl commands.
    pub auth: AuthScheme,
    /// Run id and name prefix.
    pub naming: RunNaming,
    /// Objects created by the run.
    pub tracker: Arc<Tracker>,
    /// `--allow-writes` (always true for the simulator).
    pub allow_writes: bool,
}

/// A request a step makes, as a description for reports: method, path, query and JSON body.
/// It is rendered as a curl command when the step fails.
#[derive(Debug, Clone, PartialEq)]
pub struct Req {
    method: &'static str,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    authorization: Option<String>,
}

impl Req {
    fn new(method: &'static str, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            authorization: None,
        }
    }

    /// `GET path` (path relative to the org URL, e.g. `/api/v1/policies`).
    pub fn get(path: impl Into<String>) -> Self {
        Self::new("GET", path)
    }

    /// `POST path`.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new("POST", path)
    }

    /// `PUT path`.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new("PUT", path)
    }

    /// `DELETE path`.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new("DELETE", path)
    }

    /// Adds a query parameter (encoded when rendered).
    pub fn query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((key.into(), value.to_string()));
        self
    }

    /// Sets the JSON body.
    pub fn json(mut self, body: &impl Serialize) -> Self {
        self.body = serde_json::to_value(body).ok();
        self
    }

    /// Sends this literal `Authorization` value instead of the run's credentials (for steps
    /// that send a deliberately wrong, non-secret token), so the curl command sends exactly
    /// what the step sent.
    pub fn authorization(mut self, value: impl Into<String>) -> Self {
        self.authorization = Some(value.into());
        self
    }

    /// The HTTP method.
    pub fn method(&self) -> &str {
        self.method
    }

    /// The path without query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the request can change the org (anything but `GET`).
    pub fn is_write(&self) -> bool {
        self.method != "GET"
    }

    /// Whether the request changes a device (lifecycle or delete): never allowed live.
    pub fn changes_device(&self) -> bool {
        self.is_write() && self.path.starts_with("/api/v1/devices")
    }

    /// The full URL against `base`.
    pub fn url(&self, base: &str) -> String {
        let raw = format!("{}{}", base.trim_end_matches('/'), self.path);
        match url::Url::parse(&raw) {
            Ok(mut url) => {
                if !self.query.is_empty() {
                    url.query_pairs_mut().extend_pairs(&self.query);
                }
                url.to_string()
            }
            Err(_) => raw,
        }
    }

    /// A one-line curl command for `base`, with the token as an environment variable.
    pub fn curl(&self, base: &str, auth: AuthScheme) -> String {
        let mut cmd = String::from("curl -sS -i");
        if self.method != "GET" {
            cmd.push_str(" -X ");
            cmd.push_str(self.method);
        }
        cmd.push(' ');
        cmd.push_str(&shell_quote(&self.url(base)));
        match &self.authorization {
            Some(value) => {
                cmd.push_str(" -H ");
                cmd.push_str(&shell_quote(&format!("Authorization: {value}")));
            }
            // Double quotes so the shell expands the variable; the token itself never appears.
            None => cmd.push_str(&format!(" -H \"{}\"", auth.redacted_header())),
        }
        cmd.push_str(" -H 'Accept: application/json'");
        if let Some(body) = &self.body {
            cmd.push_str(" -H 'Content-Type: application/json' --data ");
            cmd.push_str(&shell_quote(&body.to_string()));
        }
        cmd
    }
}

/// Single-quotes `s` for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Why a step (and so its scenario) failed: a message plus expected and actual values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepFailure {
    /// What went wrong.
    pub message: String,
    /// What the step expected.
    pub expected: Option<String>,
    /// What it got.
    pub actual: Option<String>,
    /// `X-Okta-Request-Id` of the failing response.
    pub request_id: Option<String>,
    /// Set once the failure has been recorded as a step outcome.
    pub(crate) recorded: bool,
}

impl Display for StepFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let (Some(e), Some(a)) = (&self.expected, &self.actual) {
            write!(f, " (expected {e}, got {a})")?;
        }
        Ok(())
    }
}

impl std::error::Error for StepFailure {}

impl StepFailure {
    /// A failure with a message only.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::default()
        }
    }

    /// `unexpected <what>` with expected and actual values.
    pub fn mismatch(what: &str, expected: impl Display, actual: impl Display) -> Self {
        Self {
            message: format!("unexpected {what}"),
            expected: Some(expected.to_string()),
            actual: Some(actual.to_string()),
            ..Self::default()
        }
    }

    /// Sets the expected value.
    pub fn expected(mut self, expected: impl Display) -> Self {
        self.expected = Some(expected.to_string());
        self
    }

    /// Sets the actual value.
    pub fn actual(mut self, actual: impl Display) -> Self {
        self.actual = Some(actual.to_string());
        self
    }
}

/// `HTTP 404 E0000007: Not found: …` (status, Okta error code, summary and causes) or, for
/// errors without a response, the error's own description.
pub fn describe_error(e: &Error) -> String {
    let Some(status) = e.status() else {
        return e.to_string();
    };
    let mut s = format!("HTTP {}", status.as_u16());
    match e.okta_error() {
        Some(okta) => {
            if let Some(code) = &okta.error_code {
                s.push_str(&format!(" {code}"));
            }
            if let Some(summary) = &okta.error_summary {
                s.push_str(&format!(": {summary}"));
            }
            let causes: Vec<&str> = okta
                .error_causes
                .iter()
                .flatten()
                .filter_map(|c| c.error_summary.as_deref())
                .collect();
            if !causes.is_empty() {
                s.push_str(&format!(" ({})", causes.join("; ")));
            }
        }
        None => s.push_str(&format!(" ({e})")),
    }
    s
}

impl From<Error> for StepFailure {
    fn from(e: Error) -> Self {
        Self {
            message: "request failed".to_owned(),
            expected: Some("a 2xx response".to_owned()),
            actual: Some(describe_error(&e)),
            request_id: e.request_id().map(str::to_owned),
            recorded: false,
        }
    }
}

impl From<progenitor_client::Error<OktaError>> for StepFailure {
    fn from(e: progenitor_client::Error<OktaError>) -> Self {
        Error::from(e).into()
    }
}

impl From<serde_json::Error> for StepFailure {
    fn from(e: serde_json::Error) -> Self {
        Self::new(format!("JSON error: {e}"))
    }
}

/// Asserts that `result` failed with HTTP `status` and Okta error code `code`; returns the
/// error for further checks.
pub fn expect_error<T, E: Into<Error>>(
    result: Result<T, E>,
    status: u16,
    code: &str,
) -> Result<Error, StepFailure> {
    let expected = format!("HTTP {status} {code}");
    match result {
        Ok(_) => Err(StepFailure::mismatch("success", expected, "a 2xx response")),
        Err(e) => {
            let e: Error = e.into();
            let got_status = e.status().map(|s| s.as_u16());
            if got_status == Some(status) && e.okta_error_code() == Some(code) {
                Ok(e)
            } else {
                let mut f = StepFailure::mismatch("error", expected, describe_error(&e));
                f.request_id = e.request_id().map(str::to_owned);
                Err(f)
            }
        }
    }
}

/// Asserts `expected == actual` for the value described by `what`.
pub fn ensure_eq<T: PartialEq + Debug>(
    what: &str,
    expected: T,
    actual: T,
) -> Result<(), StepFailure> {
    if expected == actual {
        Ok(())
    } else {
        Err(StepFailure::mismatch(
            what,
            format!("{expected:?}"),
            format!("{actual:?}"),
        ))
    }
}

/// Asserts `condition`, describing what was expected and what was seen.
pub fn ensure(
    condition: bool,
    what: &str,
    expected: impl Display,
    actual: impl Display,
) -> Result<(), StepFailure> {
    if condition {
        Ok(())
    } else {
        Err(StepFailure::mismatch(what, expected, actual))
    }
}

/// Per-scenario context handed to a scenario's `run` function.
#[derive(Debug)]
pub struct Ctx {
    env: Arc<RunEnv>,
    scenario: &'static str,
    writes: bool,
    steps: Mutex<Vec<StepOutcome>>,
}

fn elapsed_ms(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

impl Ctx {
    /// A context for one scenario.
    pub(crate) fn new(env: Arc<RunEnv>, scenario: &'static str, writes: bool) -> Self {
        Self {
            env,
            scenario,
            writes,
            steps: Mutex::new(Vec::new()),
        }
    }

    /// The client under test.
    pub fn client(&self) -> &Client {
        &self.env.client
    }

    /// The org URL.
    pub fn base_url(&self) -> &str {
        &self.env.base_url
    }

    /// Simulator or live.
    pub fn target(&self) -> TargetKind {
        self.env.target
    }

    /// Whether the scenario runs against the simulator.
    pub fn is_sim(&self) -> bool {
        self.env.target == TargetKind::Sim
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        self.env.naming.run_id()
    }

    /// `okta-contract-<run-id>-`: every object the run creates has a name starting with it.
    pub fn prefix(&self) -> String {
        self.env.naming.prefix()
    }

    /// `okta-contract-<run-id>-<suffix>`: use it for the name of everything you create.
    pub fn name(&self, suffix: &str) -> String {
        self.env.naming.name(suffix)
    }

    /// The scenario's name.
    pub fn scenario(&self) -> &'static str {
        self.scenario
    }

    /// The run's tracker.
    pub fn tracker(&self) -> &Tracker {
        &self.env.tracker
    }

    /// Records a created object for cleanup. Call it right after the create call returns.
    pub fn track(&self, resource: Resource) {
        self.env.tracker.track(resource, self.scenario);
    }

    /// Tells cleanup that the scenario deleted the object itself.
    pub fn forget(&self, resource: &Resource) {
        self.env.tracker.forget(resource);
    }

    /// The curl command reproducing `req` (token as `${OKTA_API_TOKEN}`/`${OKTA_ACCESS_TOKEN}`).
    pub fn curl(&self, req: &Req) -> String {
        req.curl(&self.env.base_url, self.env.auth)
    }

    fn push(&self, outcome: StepOutcome) {
        self.steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(outcome);
    }

    /// Takes the recorded steps (used by the runner).
    pub(crate) fn take_steps(&self) -> Vec<StepOutcome> {
        std::mem::take(&mut *self.steps.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Runs one step: `fut` makes the call(s) and checks, `req` describes the (main) request
    /// for the report's curl command (`None` for pure checks). The outcome is recorded with
    /// its duration; a failure is returned so the scenario can stop with `?`.
    ///
    /// Guards: a scenario declared `writes: false` cannot run a step whose request writes,
    /// and device changes are refused outside the simulator.
    pub async fn step<T, F>(
        &self,
        name: impl Into<String>,
        req: impl Into<Option<Req>>,
        fut: F,
    ) -> Result<T, StepFailure>
    where
        F: Future<Output = Result<T, StepFailure>>,
    {
        let name = name.into();
        let req: Option<Req> = req.into();
        let start = Instant::now();
        let guard = req.as_ref().and_then(|r| self.refusal(r));
        let result = match guard {
            Some(refusal) => Err(refusal),
            None => fut.await,
        };
        let duration_ms = elapsed_ms(start);
        match result {
            Ok(value) => {
                self.push(StepOutcome {
                    name,
                    status: Status::Passed,
                    expected: None,
                    actual: None,
                    message: None,
                    curl: None,
                    request_id: None,
                    duration_ms,
                });
                Ok(value)
            }
            Err(mut failure) => {
                self.push(StepOutcome {
                    name,
                    status: Status::Failed,
                    expected: failure.expected.clone(),
                    actual: failure.actual.clone(),
                    message: Some(failure.message.clone()),
                    curl: req.as_ref().map(|r| self.curl(r)),
                    request_id: failure.request_id.clone(),
                    duration_ms,
                });
                failure.recorded = true;
                Err(failure)
            }
        }
    }

    /// Records a skipped step with its reason.
    pub fn skip_step(&self, name: impl Into<String>, reason: impl Into<String>) {
        self.push(StepOutcome {
            name: name.into(),
            status: Status::Skipped,
            expected: None,
            actual: None,
            message: Some(reason.into()),
            curl: None,
            request_id: None,
            duration_ms: 0,
        });
    }

    fn refusal(&self, req: &Req) -> Option<StepFailure> {
        if req.is_write() && !self.writes {
            return Some(StepFailure::new(format!(
                "scenario {} is declared read-only (writes: false) but this step sends {} {}",
                self.scenario,
                req.method(),
                req.path()
            )));
        }
        if req.is_write() && self.env.target == TargetKind::Live && !self.env.allow_writes {
            return Some(StepFailure::new(format!(
                "refused {} {}: live mode is read-only without --allow-writes",
                req.method(),
                req.path()
            )));
        }
        if req.changes_device() && self.env.target != TargetKind::Sim {
            return Some(StepFailure::new(format!(
                "refused {} {}: devices are never changed outside the simulator",
                req.method(),
                req.path()
            )));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_quotes_encodes_and_redacts() {
        let req = Req::post("/api/v1/policies")
            .query("activate", false)
            .json(&serde_json::json!({"name": "it's"}));
        let c = req.curl("http://127.0.0.1:9/", AuthScheme::Ssws);
        assert_eq!(
            c,
            "curl -sS -i -X POST 'http://127.0.0.1:9/api/v1/policies?activate=false' -H \"Authorization: SSWS ${OKTA_API_TOKEN}\" -H 'Accept: application/json' -H 'Content-Type: application/json' --data '{\"name\":\"it'\\''s\"}'"
        );
        let s = Req::get("/api/v1/devices")
            .query("search", "status eq \"ACTIVE\"")
            .curl("https://x.okta.com", AuthScheme::Bearer);
        assert!(s.contains("search=status+eq+%22ACTIVE%22"), "{s}");
        assert!(s.contains("Bearer ${OKTA_ACCESS_TOKEN}"));
        let wrong = Req::get("/api/v1/devices")
            .authorization("SSWS not-a-token")
            .curl("https://x.okta.com", AuthScheme::Ssws);
        assert!(
            wrong.contains("-H 'Authorization: SSWS not-a-token'"),
            "{wrong}"
        );
        assert!(!wrong.contains("OKTA_API_TOKEN"), "{wrong}");
    }

    #[test]
    fn device_changes_are_detected() {
        assert!(Req::post("/api/v1/devices/guo1/lifecycle/suspend").changes_device());
        assert!(Req::delete("/api/v1/devices/guo1").changes_device());
        assert!(!Req::get("/api/v1/devices").changes_device());
        assert!(!Req::post("/api/v1/policies").changes_device());
    }

    #[test]
    fn ensure_helpers() {
        assert!(ensure_eq("status", 1, 1).is_ok());
        let f = ensure_eq("status", "A", "B").unwrap_err();
        assert_eq!(f.expected.as_deref(), Some("\"A\""));
        assert_eq!(f.actual.as_deref(), Some("\"B\""));
        let f = expect_error::<(), Error>(Ok(()), 404, "E0000007").unwrap_err();
        assert_eq!(f.expected.as_deref(), Some("HTTP 404 E0000007"));
    }
}
