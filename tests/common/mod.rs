//! Shared helpers for the runtime-layer integration tests (retry, pagination, errors, auth,
//! raw). Every test talks to a local httpmock server only.
#![allow(dead_code)]

use std::time::Duration;

use httpmock::{Method, Mock, MockServer, Then, When};
use okta_mgmt::types::Device;
use okta_mgmt::{Client, ClientBuilder, Credentials, Error, RetryPolicy};

/// A distinctive token: tests assert it never shows up in `Debug`/`Display` output.
pub const TOKEN: &str = "00sentinel-TOKEN-7Qx9Zr2Lw";

/// A retry policy with millisecond waits so tests stay fast.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_base_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(40))
}

/// A client for `server` with an API token and [`fast_retry`].
pub fn client(server: &MockServer) -> Client {
    client_with(server, fast_retry())
}

/// A client for `server` with an API token and `policy`.
pub fn client_with(server: &MockServer, policy: RetryPolicy) -> Client {
    Client::builder()
        .org_url(server.base_url())
        .api_token(TOKEN)
        .retry_policy(policy)
        .build()
        .expect("client builds")
}

/// A client for `server` with `credentials` and everything else at its default.
pub fn client_with_credentials(server: &MockServer, credentials: Credentials) -> Client {
    client_configured(server, |builder| builder.credentials(credentials))
}

/// A client for `server` with what `configure` sets and everything else at its default.
pub fn client_configured(
    server: &MockServer,
    configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Client {
    configure(Client::builder().org_url(server.base_url()))
        .build()
        .expect("client builds")
}

/// A minimal device body.
pub fn device(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "status": "ACTIVE",
        "profile": {"displayName": format!("Device {id}"), "platform": "MACOS", "registered": true}
    })
}

/// The documented 404 body of the Devices API.
pub fn not_found_body() -> serde_json::Value {
    serde_json::json!({
        "errorCode": "E0000007",
        "errorSummary": "Not found: Resource not found: guo4a5u7YAHhjXrMN0g4 (Device)",
        "errorLink": "E0000007",
        "errorId": "oaeksGoibBmS9OGYo4vXT7llA",
        "errorCauses": []
    })
}

/// Mounts a mock answering `method path` with `status` and the raw `body`.
pub async fn mock_text<'a>(
    server: &'a MockServer,
    method: Method,
    path: &str,
    status: u16,
    body: &str,
) -> Mock<'a> {
    mock_answer(server, method, path, |then| {
        then.status(status).body(body);
    })
    .await
}

/// Mounts a mock answering `method path` with `status` and no body.
pub async fn mock_status<'a>(
    server: &'a MockServer,
    method: Method,
    path: &str,
    status: u16,
) -> Mock<'a> {
    mock_answer(server, method, path, |then| {
        then.status(status);
    })
    .await
}

/// An Okta error body with `errorCode` and `errorSummary`.
pub fn okta_error(code: &str, summary: &str) -> serde_json::Value {
    serde_json::json!({"errorCode": code, "errorSummary": summary})
}

/// The 429 body Okta sends.
pub fn rate_limited_body() -> serde_json::Value {
    serde_json::json!({
        "errorCode": "E0000047",
        "errorSummary": "API call exceeded rate limit due to too many requests.",
        "errorLink": "E0000047",
        "errorId": "oaeRateLimit1",
        "errorCauses": []
    })
}

/// Mounts a mock of the request `request` describes, whose answer `answer` sets: the one place
/// these helpers reach httpmock's builder.
pub async fn mock_when<'a>(
    server: &'a MockServer,
    request: impl FnOnce(When) -> When,
    answer: impl FnOnce(Then),
) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            request(when);
            answer(then);
        })
        .await
}

/// Mounts a mock of `method path` whose answer `answer` sets.
pub async fn mock_answer<'a>(
    server: &'a MockServer,
    method: Method,
    path: &str,
    answer: impl FnOnce(Then),
) -> Mock<'a> {
    mock_when(server, |when| when.method(method).path(path), answer).await
}

/// Mounts a mock answering `method path` with `status` and the JSON `body`.
pub async fn mock_json<'a>(
    server: &'a MockServer,
    method: Method,
    path: &str,
    status: u16,
    body: serde_json::Value,
) -> Mock<'a> {
    mock_json_when(server, status, body, |when| when.method(method).path(path)).await
}

/// Mounts a mock of the request `request` describes, answering `status` with the JSON `body`.
pub async fn mock_json_when<'a>(
    server: &'a MockServer,
    status: u16,
    body: serde_json::Value,
    request: impl FnOnce(When) -> When,
) -> Mock<'a> {
    mock_when(server, request, |then| {
        then.status(status).json_body(body);
    })
    .await
}

/// Mounts a mock of the request `request` describes, answering `status` with no body.
pub async fn mock_status_when<'a>(
    server: &'a MockServer,
    status: u16,
    request: impl FnOnce(When) -> When,
) -> Mock<'a> {
    mock_when(server, request, |then| {
        then.status(status);
    })
    .await
}

/// `GET /api/v1/devices/guo1` through `client`, which must fail: its error.
pub async fn get_device_error(client: &Client) -> Error {
    client
        .get_device()
        .device_id("guo1")
        .call()
        .await
        .expect_err("the call fails")
}

/// `GET /api/v1/devices/guo1` through `client`, which must succeed: the device.
pub async fn get_device_ok(client: &Client) -> Device {
    client
        .get_device()
        .device_id("guo1")
        .call()
        .await
        .expect("the call succeeds")
}

/// Mounts `GET /api/v1/devices/guo1` sent with `Authorization: {authorization}` and the headers
/// every call carries (JSON `Accept`, the crate's `User-Agent`, no `api-version`), answering 200
/// with [`device`] `guo1`.
pub async fn mock_device_for<'a>(server: &'a MockServer, authorization: &str) -> Mock<'a> {
    mock_json_when(server, 200, device("guo1"), |when| {
        when.method(Method::GET)
            .path("/api/v1/devices/guo1")
            .header("authorization", authorization)
            .header_missing("api-version")
            .header_prefix("user-agent", "okta-mgmt/")
            .header("accept", "application/json")
    })
    .await
}

/// The header counting retries (`X-Okta-Retry-Count`).
pub const RETRY_COUNT: &str = "x-okta-retry-count";

/// Mounts a mock of the request `request` describes, on its attempt `n` only (0: the first try,
/// sent without `X-Okta-Retry-Count`; n: the nth retry), whose answer `answer` sets.
pub async fn mock_attempt<'a>(
    server: &'a MockServer,
    n: u32,
    request: impl FnOnce(When) -> When,
    answer: impl FnOnce(Then),
) -> Mock<'a> {
    let request = |when| {
        let when = request(when);
        if n == 0 {
            when.header_missing(RETRY_COUNT)
        } else {
            when.header(RETRY_COUNT, n.to_string())
        }
    };
    mock_when(server, request, answer).await
}

/// Mounts Okta's 429 ([`rate_limited_body`]) as the answer to the first try of `request`.
pub async fn mock_rate_limited_first<'a>(
    server: &'a MockServer,
    request: impl FnOnce(When) -> When,
) -> Mock<'a> {
    mock_attempt(server, 0, request, |then| {
        then.status(429).json_body(rate_limited_body());
    })
    .await
}

/// Mounts the first page (no `after`) of the listing `GET path`: 200 with `items` and the `Link`
/// header `link`.
pub async fn mock_first_page<'a>(
    server: &'a MockServer,
    path: &str,
    link: &str,
    items: serde_json::Value,
) -> Mock<'a> {
    let request = |when: When| {
        when.method(Method::GET)
            .path(path)
            .query_param_missing("after")
    };
    mock_when(server, request, |then| {
        then.status(200).header("link", link).json_body(items);
    })
    .await
}

/// Mounts a 404 of `GET path` with [`not_found_body`] and the request id `request_id`.
pub async fn mock_not_found<'a>(server: &'a MockServer, path: &str, request_id: &str) -> Mock<'a> {
    mock_answer(server, Method::GET, path, |then| {
        then.status(404)
            .header("x-okta-request-id", request_id)
            .json_body(not_found_body());
    })
    .await
}

/// Mounts a mock that answers any request with 200 and the JSON `body` (to see that none comes).
pub async fn mock_any(server: &MockServer, body: serde_json::Value) -> Mock<'_> {
    mock_json_when(server, 200, body, When::any_request).await
}

/// Log output captured from `tracing` for as long as the guard lives.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).expect("logs are UTF-8")
    }
}

/// Captures every `tracing` event (TRACE and up, no colours) of this thread until the guard drops.
pub fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}
