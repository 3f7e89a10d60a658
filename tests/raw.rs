//! The raw escape hatch: same credentials, retries and error mapping as generated calls.

mod common;

use common::{
    TOKEN, client, mock_attempt, mock_json, mock_json_when, mock_rate_limited_first, mock_text,
    rate_limited_body,
};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use okta_mgmt::Error;

#[tokio::test]
async fn get_json_with_credentials_and_query() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/devices/guo1/users")
                .query_param("expand", "user")
                .header("authorization", format!("SSWS {TOKEN}"))
                .header("x-custom", "1")
                .header_prefix("user-agent", "okta-mgmt/");
            then.status(200)
                .header("x-okta-request-id", "req-raw")
                .header("link", "<http://x/a>; rel=\"self\"")
                .header("link", "<http://x/b>; rel=\"next\"")
                .json_body(serde_json::json!([{"managementStatus": "MANAGED"}]));
        })
        .await;
    let client = client(&server);

    let op = client
        .raw()
        .get("/api/v1/devices/guo1/users")
        .query("expand", "user")
        .header("x-custom", "1");
    let users: serde_json::Value = op.send_json().await.unwrap();
    assert_eq!(users[0]["managementStatus"], "MANAGED");

    let op = client
        .raw()
        .get("/api/v1/devices/guo1/users")
        .query("expand", "user")
        .header("x-custom", "1");
    let response = op.send().await.unwrap();
    assert_eq!(response.status.as_u16(), 200);
    assert_eq!(response.request_id().as_deref(), Some("req-raw"));
    // The mock server sends separate Link lines (the pagination tests rely on it).
    assert_eq!(response.headers.get_all("link").iter().count(), 2);
    assert_eq!(
        response.links().find("next").map(|l| l.target.as_str()),
        Some("http://x/b")
    );
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn post_json_body() {
    let server = MockServer::start_async().await;
    let created = serde_json::json!({"id": "t1"});
    let mock = mock_json_when(&server, 201, created, |when| {
        when.method(POST)
            .path("/api/v1/things")
            .header("content-type", "application/json")
            .json_body(serde_json::json!({"name": "x"}))
    })
    .await;
    let api = client(&server);
    let op = api
        .raw()
        .post("/api/v1/things")
        .json(&serde_json::json!({"name": "x"}))
        .operation("createThing");
    let created: serde_json::Value = op.send_json().await.unwrap();
    assert_eq!(created["id"], "t1");
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn errors_are_mapped_like_generated_calls() {
    let server = MockServer::start_async().await;
    common::mock_not_found(&server, "/api/v1/devices/nope/users", "req-404").await;
    mock_json(&server, GET, "/api/v1/busy", 429, rate_limited_body()).await;
    mock_text(&server, GET, "/api/v1/html", 200, "<html/>").await;
    let client = client(&server);

    let op = client.raw().get("/api/v1/devices/nope/users");
    let error = op.send().await.unwrap_err();
    assert!(matches!(error, Error::Api(_)), "{error:?}");
    assert_eq!(error.okta_error_code(), Some("E0000007"));
    assert_eq!(error.request_id(), Some("req-404"));

    let error = client.raw().get("/api/v1/busy").send().await.unwrap_err();
    assert_eq!(error.attempts(), Some(5), "{error:?}");
    assert_eq!(error.okta_error_code(), Some("E0000047"));

    let error = client
        .raw()
        .get("/api/v1/html")
        .send_json::<serde_json::Value>()
        .await
        .unwrap_err();
    match error {
        Error::Decode { status, body, .. } => {
            assert_eq!(status.map(|s| s.as_u16()), Some(200));
            assert_eq!(body, "<html/>");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn retries_apply() {
    let server = MockServer::start_async().await;
    let limited = mock_rate_limited_first(&server, |when| when.method(GET).path("/api/v1/x")).await;
    let ok = mock_attempt(
        &server,
        1,
        |when| when.method(GET).path("/api/v1/x"),
        |then| {
            then.status(200).json_body(serde_json::json!({"ok": true}));
        },
    )
    .await;
    let api = client(&server);
    let op = api.raw().get("/api/v1/x");
    let value: serde_json::Value = op.send_json().await.unwrap();
    assert_eq!(value["ok"], true);
    limited.assert_calls_async(1).await;
    ok.assert_calls_async(1).await;
}

#[tokio::test]
async fn paths_outside_the_org_and_managed_headers_are_refused() {
    let server = MockServer::start_async().await;
    let other = MockServer::start_async().await;
    let any = common::mock_any(&other, serde_json::json!({})).await;
    let client = client(&server);

    for path in [
        other.url("/api/v1/x"),
        "//evil.example/x".into(),
        "api/v1/x".into(),
    ] {
        let error = client.raw().get(path.as_str()).send().await.unwrap_err();
        assert!(
            matches!(error, Error::InvalidRequest { .. }),
            "{path}: {error:?}"
        );
    }
    let op = client
        .raw()
        .get("/api/v1/x")
        .header("Authorization", "SSWS other");
    let error = op.send().await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    any.assert_calls_async(0).await;
}
