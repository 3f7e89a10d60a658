//! Shared helpers for the runtime-layer integration tests (retry, pagination, errors, auth,
//! raw). Every test talks to a local httpmock server only.
#![allow(dead_code)]

use std::time::Duration;

use httpmock::{Method, Mock, MockServer, Then};
use okta_mgmt::{Client, Error, RetryPolicy};

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

/// Mounts a mock of `method path` whose answer `answer` sets.
pub async fn mock_answer<'a>(
    server: &'a MockServer,
    method: Method,
    path: &str,
    answer: impl FnOnce(Then),
) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(method).path(path);
            answer(then);
        })
        .await
}

/// Mounts a mock answering `method path` with `status` and the JSON `body`.
pub async fn mock_json<'a>(
    server: &'a MockServer,
    method: Method,
    path: &str,
    status: u16,
    body: serde_json::Value,
) -> Mock<'a> {
    mock_answer(server, method, path, |then| {
        then.status(status).json_body(body);
    })
    .await
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

/// `GET /api/v1/devices/guo1` through `client`, which must fail: its error.
pub async fn get_device_error(client: &Client) -> Error {
    client
        .get_device()
        .device_id("guo1")
        .call()
        .await
        .expect_err("the call fails")
}
