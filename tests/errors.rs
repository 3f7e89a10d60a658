//! Mapping of generated-call failures into `okta_mgmt::Error`.

mod common;

use common::{
    client, device, mock_answer, mock_json, mock_status, mock_text, not_found_body, okta_error,
};
use httpmock::Method::GET;
use httpmock::MockServer;
use okta_mgmt::Error;
use reqwest::StatusCode;

/// `?` converts generated errors.
async fn fetch_device(client: &okta_mgmt::Client, id: &str) -> Result<String, Error> {
    let device = client.get_device().device_id(id).call().await?;
    Ok(device.id.clone().unwrap_or_default())
}

#[tokio::test]
async fn documented_404_is_an_api_error_with_code_and_request_id() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/devices/guo4a5u7YAHhjXrMN0g4");
            then.status(404)
                .header("content-type", "application/json")
                .header("x-okta-request-id", "XnK4ZqR2@example")
                .json_body(not_found_body());
        })
        .await;
    let error = fetch_device(&client(&server), "guo4a5u7YAHhjXrMN0g4")
        .await
        .unwrap_err();

    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(error.okta_error_code(), Some("E0000007"));
    assert_eq!(error.request_id(), Some("XnK4ZqR2@example"));
    let Error::Api(api) = &error else {
        panic!("expected Api, got {error:?}")
    };
    assert_eq!(
        api.error.error_id.as_deref(),
        Some("oaeksGoibBmS9OGYo4vXT7llA")
    );
    assert_eq!(api.error.error_causes.as_deref(), Some(&[][..]));
    let shown = error.to_string();
    assert!(shown.contains("404"), "{shown}");
    assert!(
        shown.contains("E0000007: Not found: Resource not found"),
        "{shown}"
    );
    assert!(shown.contains("XnK4ZqR2@example"), "{shown}");
}

#[tokio::test]
async fn validation_error_keeps_causes() {
    let mut body = okta_error("E0000001", "Api validation failed: id");
    body["errorLink"] = "E0000001".into();
    body["errorId"] = "oae1".into();
    body["errorCauses"] = serde_json::json!([{"errorSummary": "id: invalid"}]);
    let server = MockServer::start_async().await;
    mock_json(&server, GET, "/api/v1/devices/x", 400, body).await;
    let error = fetch_device(&client(&server), "x").await.unwrap_err();
    let okta = error.okta_error().unwrap();
    assert_eq!(
        okta.error_causes.as_ref().unwrap()[0]
            .error_summary
            .as_deref(),
        Some("id: invalid")
    );
    assert!(error.to_string().contains("(id: invalid)"));
}

/// Mounts `GET /api/v1/devices/guo1` answering `status` with `body` of its content type (and the
/// request id, if any).
async fn mock_device_body<'a>(
    server: &'a MockServer,
    status: u16,
    (content_type, body): (&str, &str),
    request_id: Option<&str>,
) -> httpmock::Mock<'a> {
    mock_answer(server, GET, "/api/v1/devices/guo1", |then| {
        let then = then.status(status).header("content-type", content_type);
        let then = match request_id {
            Some(id) => then.header("x-okta-request-id", id),
            None => then,
        };
        then.body(body);
    })
    .await
}

#[tokio::test]
async fn non_json_502_is_an_unexpected_response() {
    let server = MockServer::start_async().await;
    let page = "<html><body>Bad Gateway</body></html>";
    mock_device_body(&server, 502, ("text/html", page), Some("req-502")).await;
    let error = fetch_device(&client(&server), "guo1").await.unwrap_err();
    match &error {
        Error::UnexpectedResponse {
            status,
            request_id,
            body,
        } => {
            assert_eq!(*status, StatusCode::BAD_GATEWAY);
            assert_eq!(request_id.as_deref(), Some("req-502"));
            assert_eq!(body, "<html><body>Bad Gateway</body></html>");
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
    assert_eq!(error.okta_error_code(), None);
}

#[tokio::test]
async fn documented_status_with_html_body_keeps_its_status() {
    // 403 is declared with the Error schema, but a proxy may answer with HTML.
    let server = MockServer::start_async().await;
    mock_text(
        &server,
        GET,
        "/api/v1/devices/guo1",
        403,
        "<h1>Forbidden by proxy</h1>",
    )
    .await;
    let error = fetch_device(&client(&server), "guo1").await.unwrap_err();
    match &error {
        Error::UnexpectedResponse { status, body, .. } => {
            assert_eq!(*status, StatusCode::FORBIDDEN);
            assert_eq!(body, "<h1>Forbidden by proxy</h1>");
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
}

#[tokio::test]
async fn undocumented_500_with_okta_body_is_an_api_error() {
    let mut body = okta_error("E0000009", "Internal Server Error");
    body["errorId"] = "oae500".into();
    let server = MockServer::start_async().await;
    mock_json(&server, GET, "/api/v1/devices/guo1", 500, body).await;
    let error = fetch_device(&client(&server), "guo1").await.unwrap_err();
    assert!(matches!(error, Error::Api(_)), "{error:?}");
    assert_eq!(error.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(error.okta_error_code(), Some("E0000009"));
}

#[tokio::test]
async fn bad_json_200_is_a_decode_error() {
    let server = MockServer::start_async().await;
    let cut_short = "{\"id\": \"guo1\", ";
    mock_device_body(&server, 200, ("application/json", cut_short), None).await;
    let error = fetch_device(&client(&server), "guo1").await.unwrap_err();
    match &error {
        Error::Decode { body, .. } => assert_eq!(body, "{\"id\": \"guo1\", "),
        other => panic!("expected Decode, got {other:?}"),
    }
    let source = std::error::Error::source(&error).expect("serde_json source");
    assert!(source.is::<serde_json::Error>());
}

#[tokio::test]
async fn wrong_shape_200_is_a_decode_error() {
    let server = MockServer::start_async().await;
    mock_json(&server, GET, "/api/v1/devices", 200, device("not-a-list")).await;
    let error: Error = client(&server).list_devices().call().await.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
}

#[tokio::test]
async fn undocumented_success_status_is_unexpected() {
    let server = MockServer::start_async().await;
    mock_status(&server, GET, "/api/v1/devices/guo1", 204).await;
    let error = fetch_device(&client(&server), "guo1").await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NO_CONTENT));
    let unexpected = matches!(error, Error::UnexpectedResponse { .. });
    assert!(unexpected, "{error:?}");
}

#[tokio::test]
async fn missing_required_argument_is_invalid_request() {
    let server = MockServer::start_async().await;
    let any = common::mock_any(&server, serde_json::json!({})).await;
    let error: Error = client(&server).get_device().call().await.unwrap_err();
    match &error {
        Error::InvalidRequest { message } => assert!(message.contains("device_id"), "{message}"),
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_with_source() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = okta_mgmt::Client::builder()
        .org_url(format!("http://127.0.0.1:{port}"))
        .api_token(common::TOKEN)
        .retry_policy(okta_mgmt::RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = fetch_device(&client, "guo1").await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(error.status(), None);
    let source = std::error::Error::source(&error).unwrap();
    assert!(source.is::<reqwest::Error>());
}
