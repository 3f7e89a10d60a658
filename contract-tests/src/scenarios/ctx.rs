//! The scenario context: client, naming, tracker and step recording; assertion helpers.
//!
//! Each scenario's client carries a [`StepHook`]: it sees every request the client is about to
//! send, refuses the ones the run may not make (a write from a scenario declared read-only, any
//! write to a live org without `--allow-writes`, any device change outside the simulator), and
//! keeps what each step sent, so that a failing step's curl command is rendered from the real
//! request.

use std::fmt::{Debug, Display};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use okta_mgmt::Client;
use okta_mgmt::error::{Error, OktaError};
use okta_mgmt::hook::{ObservedResponse, OutgoingRequest, Refusal, RequestHook};

use crate::live::{Intent, Resource, RunNaming, Tracker};
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

/// A request a step sent, as the client's hook saw it, and what came back.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    method: String,
    url: String,
    body: Option<String>,
    authorization: Option<String>,
    status: Option<u16>,
    request_id: Option<String>,
}

impl Sent {
    /// The HTTP method.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The full URL, query included.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The HTTP status of the answer, once it came.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// A one-line curl command sending the same request, with the run's token as an
    /// environment variable (or the literal non-secret value a step deliberately sent).
    pub fn curl(&self, auth: AuthScheme) -> String {
        let mut cmd = String::from("curl -sS -i");
        if self.method != "GET" {
            cmd.push_str(" -X ");
            cmd.push_str(&self.method);
        }
        cmd.push(' ');
        cmd.push_str(&shell_quote(&self.url));
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
            cmd.push_str(&shell_quote(body));
        }
        cmd
    }
}

/// The client hook of one scenario: the run's write guards, and a record of what each step sent.
#[derive(Debug)]
pub struct StepHook {
    scenario: &'static str,
    writes: bool,
    target: TargetKind,
    allow_writes: bool,
    /// The literal `Authorization` a step sends on purpose (a wrong, non-secret token).
    literal_authorization: Option<String>,
    sent: Arc<Mutex<Vec<Sent>>>,
    /// Where creates are recorded before they are sent.
    tracker: Arc<Tracker>,
}

impl StepHook {
    fn refusal(&self, request: &OutgoingRequest<'_>) -> Option<String> {
        if !request.is_write() {
            return None;
        }
        let path = request.url().path();
        if !self.writes {
            return Some(format!(
                "scenario {} is declared read-only (writes: false) but this step sends {} {path}",
                self.scenario,
                request.method()
            ));
        }
        if self.target == TargetKind::Live && !self.allow_writes {
            return Some("live mode is read-only without --allow-writes".to_owned());
        }
        if self.target != TargetKind::Sim && path.starts_with("/api/v1/devices") {
            return Some("devices are never changed outside the simulator".to_owned());
        }
        None
    }
}

impl RequestHook for StepHook {
    fn on_request(&self, request: &OutgoingRequest<'_>) -> Result<(), Refusal> {
        self.sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Sent {
                method: request.method().to_string(),
                url: request.url().to_string(),
                body: request
                    .body()
                    .map(|b| String::from_utf8_lossy(b).into_owned()),
                authorization: self.literal_authorization.clone(),
                status: None,
                request_id: None,
            });
        if let Some(reason) = self.refusal(request) {
            return Err(Refusal::new(reason));
        }
        let method = request.method().as_str();
        if let Some(intent) = Intent::of_request(method, request.url().path(), request.body()) {
            self.tracker.intend(intent, self.scenario);
        }
        Ok(())
    }

    fn on_response(&self, response: &ObservedResponse<'_>) {
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        let url = response.url().as_str();
        if let Some(last) = sent
            .iter_mut()
            .rev()
            .find(|s| s.url == url && s.status.is_none())
        {
            last.status = Some(response.status().as_u16());
            last.request_id = response
                .headers()
                .get("x-okta-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
        }
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
            let causes: Vec<&str> = okta.cause_summaries().collect();
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
        if let Error::Refused { .. } = &e {
            return Self::new(e.to_string());
        }
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
    client: Client,
    sent: Arc<Mutex<Vec<Sent>>>,
    steps: Mutex<Vec<StepOutcome>>,
}

fn elapsed_ms(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

impl Ctx {
    /// A context for one scenario.
    pub(crate) fn new(env: Arc<RunEnv>, scenario: &'static str, writes: bool) -> Self {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let mut ctx = Self {
            client: env.client.clone(),
            env,
            scenario,
            writes,
            sent,
            steps: Mutex::new(Vec::new()),
        };
        ctx.client = ctx.observe(&ctx.env.client, None);
        ctx
    }

    /// The client under test, with the scenario's [`StepHook`].
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `client` with the scenario's [`StepHook`], for a step that builds a client of its own.
    /// `literal_authorization` is the non-secret `Authorization` value such a client sends on
    /// purpose (a wrong token), shown as is in curl commands.
    pub fn observe(&self, client: &Client, literal_authorization: Option<String>) -> Client {
        client.with_hook(Arc::new(StepHook {
            scenario: self.scenario,
            writes: self.writes,
            target: self.env.target,
            allow_writes: self.env.allow_writes,
            literal_authorization,
            sent: self.sent.clone(),
            tracker: self.env.tracker.clone(),
        }))
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

    /// Runs one step: `fut` makes the call(s) and checks. The outcome is recorded with its
    /// duration; a failure is returned so the scenario can stop with `?`, and reported with the
    /// curl command of the last request the step sent.
    ///
    /// The write guards act on the requests themselves (see [`StepHook`]): a refused request is
    /// never sent and fails the step.
    pub async fn step<T, F>(&self, name: impl Into<String>, fut: F) -> Result<T, StepFailure>
    where
        F: Future<Output = Result<T, StepFailure>>,
    {
        let name = name.into();
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let start = Instant::now();
        let result = fut.await;
        let duration_ms = elapsed_ms(start);
        let last = self
            .sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .last()
            .cloned();
        match result {
            Ok(value) => {
                self.push(StepOutcome::ok(name, duration_ms));
                Ok(value)
            }
            Err(mut failure) => {
                self.push(StepOutcome {
                    name,
                    status: Status::Failed,
                    expected: failure.expected.clone(),
                    actual: failure.actual.clone(),
                    message: Some(failure.message.clone()),
                    curl: last.as_ref().map(|sent| sent.curl(self.env.auth)),
                    request_id: failure
                        .request_id
                        .clone()
                        .or_else(|| last.and_then(|sent| sent.request_id)),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(method: &str, url: &str, body: Option<&str>) -> Sent {
        Sent {
            method: method.into(),
            url: url.into(),
            body: body.map(str::to_owned),
            authorization: None,
            status: None,
            request_id: None,
        }
    }

    #[test]
    fn curl_quotes_and_redacts() {
        let c = sent(
            "POST",
            "http://127.0.0.1:9/api/v1/policies?activate=false",
            Some(r#"{"name":"it's"}"#),
        )
        .curl(AuthScheme::Ssws);
        assert_eq!(
            c,
            "curl -sS -i -X POST 'http://127.0.0.1:9/api/v1/policies?activate=false' -H \"Authorization: SSWS ${OKTA_API_TOKEN}\" -H 'Accept: application/json' -H 'Content-Type: application/json' --data '{\"name\":\"it'\\''s\"}'"
        );
        let s = sent("GET", "https://x.okta.com/api/v1/devices", None).curl(AuthScheme::Bearer);
        assert!(s.contains("Bearer ${OKTA_ACCESS_TOKEN}"));
        let mut wrong = sent("GET", "https://x.okta.com/api/v1/devices", None);
        wrong.authorization = Some("SSWS not-a-token".into());
        let wrong = wrong.curl(AuthScheme::Ssws);
        assert!(
            wrong.contains("-H 'Authorization: SSWS not-a-token'"),
            "{wrong}"
        );
        assert!(!wrong.contains("OKTA_API_TOKEN"), "{wrong}");
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
