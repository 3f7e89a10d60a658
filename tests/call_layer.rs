//! The crate-owned call surface (`call`, `call_with_meta`, `pages`, `items`), the request hook,
//! the response size limit and the bookkeeping a server cannot forge. Loopback servers only.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{
    TOKEN, client, client_with, fast_retry, get_device_error, mock_answer, mock_attempt, mock_json,
    mock_rate_limited_first, not_found_body, rate_limited_body,
};
use futures::TryStreamExt as _;
use httpmock::Method::{GET, POST};
use httpmock::{MockServer, Then, When};
use okta_mgmt::hook::{ObservedResponse, OutgoingRequest, Refusal, RequestHook, RetryWait};
use okta_mgmt::types::{LifecycleStatus, Policy, PolicyType};
use okta_mgmt::{Client, Error, RetryPolicy};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

const GUO1: &str = "/api/v1/devices/guo1";
const POLICIES: &str = "/api/v1/policies";

/// The error of `GET /api/v1/devices/guo1` from a [`client`] of a mock org that answers it as
/// `answer` says.
async fn device_error_answered(answer: impl FnOnce(Then)) -> Error {
    let server = MockServer::start_async().await;
    mock_answer(&server, GET, GUO1, answer).await;
    get_device_error(&client(&server)).await
}

fn password_policy(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "type": "PASSWORD", "name": "Default Policy", "status": "INACTIVE",
        "priority": 1, "system": false
    })
}

#[tokio::test]
async fn call_returns_the_body_and_meta_keeps_status_apart_from_the_policy_status() {
    let server = MockServer::start_async().await;
    mock_answer(&server, GET, "/api/v1/policies/00p1", |then| {
        then.status(200)
            .header("x-okta-request-id", "req-1")
            .header("x-rate-limit-remaining", "99")
            .json_body(password_policy("00p1"));
    })
    .await;
    let client = client(&server);
    let policy: Policy = client.get_policy().policy_id("00p1").call().await.unwrap();
    assert_eq!(policy.status(), Some(LifecycleStatus::Inactive));

    let op = client.get_policy().policy_id("00p1");
    let response = op.call_with_meta().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.value().status(), Some(LifecycleStatus::Inactive));
    assert_eq!(response.request_id().as_deref(), Some("req-1"));
    assert_eq!(response.rate_limit().and_then(|r| r.remaining), Some(99));
    assert_eq!(response.attempts(), 1);
}

#[tokio::test]
async fn a_body_that_does_not_decode_reports_its_status_and_request_id() {
    let err = device_error_answered(|then| {
        then.status(200)
            .header("x-okta-request-id", "req-bad")
            .body("[1, 2");
    })
    .await;
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(err.request_id(), Some("req-bad"));
}

#[tokio::test]
async fn headers_named_like_the_old_bookkeeping_change_nothing() {
    let err = device_error_answered(|then| {
        then.status(404)
            .header("x-okta-mgmt-unparsed-body", "true")
            .header("x-okta-mgmt-retries-exhausted", "true")
            .header("x-okta-mgmt-attempts", "7")
            .json_body(not_found_body());
    })
    .await;
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.okta_error_code(), Some("E0000007"));
    assert_eq!(
        err.attempts(),
        Some(1),
        "the server's attempts header is ignored"
    );
}

#[tokio::test]
async fn a_non_json_error_body_is_kept_with_its_status() {
    let err = device_error_answered(|then| {
        then.status(400).body("<html>proxy says no</html>");
    })
    .await;
    match err {
        Error::UnexpectedResponse { status, body, .. } => {
            assert_eq!(status, 400);
            assert_eq!(body, "<html>proxy says no</html>");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn exhausted_retries_are_reported_with_their_attempts() {
    let server = MockServer::start_async().await;
    let mock = mock_json(&server, GET, GUO1, 429, rate_limited_body()).await;
    let err = get_device_error(&client_with(&server, fast_retry().with_max_retries(2))).await;
    assert_eq!(err.attempts(), Some(3), "{err:?}");
    assert!(err.is_rate_limited());
    mock.assert_calls_async(3).await;
}

/// Method, URL, `Authorization` as shown to the hook, body.
type Seen = (String, String, Option<String>, Option<String>);

/// Records what it sees; refuses writes when `read_only`.
#[derive(Debug, Default)]
struct Recorder {
    read_only: bool,
    requests: Mutex<Vec<Seen>>,
    responses: Mutex<Vec<(u16, String)>>,
    waits: Mutex<Vec<(u32, bool)>>,
}

impl RequestHook for Recorder {
    fn on_request(&self, request: &OutgoingRequest<'_>) -> Result<(), Refusal> {
        self.requests.lock().unwrap().push((
            request.method().to_string(),
            request.url().to_string(),
            request
                .headers()
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned()),
            request
                .body()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
        ));
        if self.read_only && request.is_write() {
            return Err(Refusal::new("read-only run"));
        }
        Ok(())
    }

    fn on_response(&self, response: &ObservedResponse<'_>) {
        self.responses.lock().unwrap().push((
            response.status().as_u16(),
            String::from_utf8_lossy(response.body()).into_owned(),
        ));
    }

    fn on_retry_wait(&self, wait: &RetryWait<'_>) {
        self.waits
            .lock()
            .unwrap()
            .push((wait.attempt, wait.is_rate_limit()));
    }
}

#[tokio::test]
async fn the_hook_refuses_a_write_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let create = mock_json(&server, POST, POLICIES, 200, password_policy("00pNew")).await;
    let hook = Arc::new(Recorder {
        read_only: true,
        ..Recorder::default()
    });
    let client = client(&server).with_hook(hook.clone());
    let body: Policy = serde_json::from_value(password_policy("x")).unwrap();
    let err = client.create_policy().body(body).call().await.unwrap_err();
    match &err {
        Error::Refused {
            method,
            path,
            reason,
        } => {
            assert_eq!(method, "POST");
            assert_eq!(path, "/api/v1/policies");
            assert_eq!(reason, "read-only run");
        }
        other => panic!("{other:?}"),
    }
    create.assert_calls_async(0).await;
    let seen = hook.requests.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].2.as_deref(),
        Some("[redacted]"),
        "credentials hidden"
    );
    assert!(seen[0].3.as_deref().unwrap().contains("\"PASSWORD\""));
    assert!(!format!("{err:?}{err}").contains(TOKEN));
}

#[tokio::test]
async fn the_hook_sees_every_page_response_and_each_rate_limit_wait() {
    let server = MockServer::start_async().await;
    let next = format!(
        "<{}/api/v1/devices?after=c2>; rel=\"next\"",
        server.base_url()
    );
    let first = serde_json::json!([common::device("guo1")]);
    common::mock_first_page(&server, "/api/v1/devices", &next, first).await;
    let page_2 = |when: When| {
        when.method(GET)
            .path("/api/v1/devices")
            .query_param("after", "c2")
    };
    mock_rate_limited_first(&server, page_2).await;
    mock_attempt(&server, 1, page_2, |then| {
        then.status(200)
            .json_body(serde_json::json!([common::device("guo2")]));
    })
    .await;
    let hook = Arc::new(Recorder::default());
    let client = client(&server).with_hook(hook.clone());
    let all: Vec<_> = client.list_devices().items().try_collect().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].id.as_deref(), Some("guo2"));
    let responses = hook.responses.lock().unwrap();
    assert_eq!(responses.len(), 2, "{responses:?}");
    assert!(responses[1].1.contains("guo2"));
    let waits = hook.waits.lock().unwrap();
    assert!(
        !waits.is_empty() && waits.iter().all(|(_, rate)| *rate),
        "{waits:?}"
    );
}

#[test]
fn an_open_enum_never_hides_a_known_value() {
    assert_eq!(PolicyType::Other("PASSWORD".into()), PolicyType::Password);
    assert_eq!(
        PolicyType::Other("PASSWORD".into()).normalized(),
        PolicyType::Password
    );
    assert!(matches!(
        PolicyType::Other("PASSWORD".into()).normalized(),
        PolicyType::Password
    ));
    assert!(PolicyType::Other("PASSWORD".into()).is_known());
    assert_ne!(PolicyType::Other("NEW_TYPE".into()), PolicyType::Password);
    let mut set = std::collections::HashSet::new();
    set.insert(PolicyType::Password);
    assert!(set.contains(&PolicyType::Other("PASSWORD".into())));
}

/// A loopback server that reads each request and answers it with `answer`; its base URL.
async fn serve_each<F, Fut>(answer: F) -> String
where
    F: Fn(TcpStream) -> Fut + Copy + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                answer(socket).await;
            });
        }
    });
    format!("http://{addr}")
}

/// A server that answers every request with `head` and then `body_chunk` forever (chunked).
async fn endless_server(head: &'static str, body_chunk: &'static [u8]) -> String {
    serve_each(move |mut socket| async move {
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let frame = format!("{:x}\r\n", body_chunk.len());
        loop {
            let ok = socket.write_all(frame.as_bytes()).await.is_ok()
                && socket.write_all(body_chunk).await.is_ok()
                && socket.write_all(b"\r\n").await.is_ok();
            if !ok {
                return;
            }
        }
    })
    .await
}

/// A server that answers every request with a chunked `200` whose body is `parts`, each sent
/// as its own chunk after a pause (so the client reads them one by one).
async fn chunked_server(parts: &'static [&'static str]) -> String {
    serve_each(move |mut socket| async move {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                    transfer-encoding: chunked\r\n\r\n";
        let _ = socket.write_all(head.as_bytes()).await;
        for part in parts {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let frame = format!("{:x}\r\n{part}\r\n", part.len());
            let _ = socket.write_all(frame.as_bytes()).await;
            let _ = socket.flush().await;
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
    })
    .await
}

#[tokio::test]
async fn a_body_in_several_chunks_is_read_whole() {
    const PARTS: &[&str] = &[
        r#"[{"id":"guo1","#,
        r#""status":"ACTIVE"},"#,
        r#"{"id":"guo2"}]"#,
    ];
    let url = chunked_server(PARTS).await;
    let api = client_for(&url, 1 << 20);
    let body: serde_json::Value = api.raw().get("/api/v1/devices").send_json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!([{ "id": "guo1", "status": "ACTIVE" }, { "id": "guo2" }])
    );
    // The limit counts every chunk: 47 bytes in all, refused at the second (34 > 30).
    let api = client_for(&url, 30);
    let err = api.raw().get("/api/v1/devices").send().await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
}

fn client_for(url: &str, limit: usize) -> Client {
    Client::builder()
        .org_url(url)
        .api_token(TOKEN)
        .max_response_bytes(limit)
        .retry_policy(RetryPolicy::disabled())
        .request_timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_endless_body_stops_at_the_limit() {
    // `ENDLESS_BODY_LIMIT_MIB=64` measures peak memory at a realistic limit (see the closing
    // note of issue 10: run this test alone under `/usr/bin/time -v`).
    let limit = std::env::var("ENDLESS_BODY_LIMIT_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(1 << 20, |mib| mib << 20);
    let url = endless_server(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        &[b' '; 8192],
    )
    .await;
    let api = client_for(&url, limit);
    let op = api.list_devices();
    let err = op.call().await.unwrap_err();
    match err {
        Error::ResponseTooLarge {
            limit: reported,
            status,
            ..
        } => {
            assert_eq!(reported, limit);
            assert_eq!(status, 200);
        }
        other => panic!("{other:?}"),
    }
    let api = client_for(&url, limit);
    let op = api.raw().get("/api/v1/devices");
    let raw = op.send().await.unwrap_err();
    assert!(matches!(raw, Error::ResponseTooLarge { .. }), "{raw:?}");
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_unread() {
    let server = MockServer::start_async().await;
    mock_answer(&server, GET, "/api/v1/devices", |then| {
        then.status(200).body(vec![b' '; 4096]);
    })
    .await;
    let err = client_for(&server.base_url(), 1024)
        .list_devices()
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("1024-byte limit"),
        "the error names the limit: {err}"
    );
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_refused_whatever_http_client_is_used() {
    let elsewhere = MockServer::start_async().await;
    let moved = mock_json(&elsewhere, GET, GUO1, 200, common::device("guo1")).await;
    let server = MockServer::start_async().await;
    let target = format!("{}/api/v1/devices/guo1", elsewhere.base_url());
    mock_answer(&server, GET, GUO1, |then| {
        then.status(302).header("location", target.as_str());
    })
    .await;
    let following = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .unwrap();
    let client = Client::builder()
        .org_url(server.base_url())
        .api_token(TOKEN)
        .http_client(following)
        .build()
        .unwrap();
    let err = get_device_error(&client).await;
    assert!(matches!(err, Error::ForeignOrigin { .. }), "{err:?}");
    // The caller's client did follow it (its own setting), but the answer is not used.
    moved.assert_calls_async(1).await;
}

#[test]
fn a_fetched_policy_becomes_a_request_without_server_set_fields() {
    let fetched: Policy = serde_json::from_value(serde_json::json!({
        "id": "00p1", "type": "PASSWORD", "name": "p", "status": "ACTIVE", "system": false,
        "created": "2024-01-01T00:00:00.000Z", "lastUpdated": "2024-01-02T00:00:00.000Z",
        "_links": {"self": {"href": "https://x/api/v1/policies/00p1"}},
        "settings": {"password": {"complexity": {"minLength": 12}}},
        "futureField": {"kept": true}
    }))
    .unwrap();
    let request = serde_json::to_value(fetched.to_request().unwrap()).unwrap();
    for gone in okta_mgmt::types::SERVER_SET_FIELDS {
        assert!(request.get(gone).is_none(), "{gone} dropped: {request}");
    }
    assert_eq!(request["futureField"], serde_json::json!({"kept": true}));
    assert_eq!(
        request["settings"]["password"]["complexity"]["minLength"],
        12
    );
    assert_eq!(request["status"], "ACTIVE");
}

#[tokio::test]
async fn a_server_echoing_the_token_does_not_put_it_into_errors() {
    let server = MockServer::start_async().await;
    let echo = format!("bad token SSWS {TOKEN} and again {TOKEN}");
    mock_answer(&server, GET, "/api/v1/devices/guo1", |then| {
        then.status(401).json_body(serde_json::json!({
            "errorCode": "E0000011", "errorSummary": echo,
            "errorCauses": [{"errorSummary": TOKEN}]
        }));
    })
    .await;
    mock_answer(&server, GET, "/api/v1/devices/guo2", |then| {
        then.status(502).body(format!("<html>{TOKEN}</html>"));
    })
    .await;
    let client = client(&server);
    for id in ["guo1", "guo2"] {
        let err = client.get_device_with(id).call().await.unwrap_err();
        let shown = format!("{err} {err:?} {:?}", err.okta_error());
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}

#[tokio::test]
async fn an_unreachable_org_names_the_cause() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .org_url(format!("http://127.0.0.1:{port}"))
        .api_token(TOKEN)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = client.get_device_with("guo1").call().await.unwrap_err();
    let shown = err.to_string().to_lowercase();
    assert!(shown.contains("refused"), "{shown}");
}

#[tokio::test]
async fn an_observer_watches_alongside_the_hook_and_cannot_refuse() {
    let server = MockServer::start_async().await;
    let create = mock_json(&server, POST, POLICIES, 200, password_policy("00pNew")).await;
    let observer = Arc::new(Recorder {
        read_only: true, // its refusal is ignored: an observer only watches
        ..Recorder::default()
    });
    let hook = Arc::new(Recorder::default());
    let client = client(&server)
        .with_observer(observer.clone())
        .with_hook(hook.clone());
    let body: Policy = serde_json::from_value(password_policy("x")).unwrap();
    client.create_policy_with(body).call().await.unwrap();
    create.assert_calls_async(1).await;
    for seen in [&observer, &hook] {
        assert_eq!(seen.requests.lock().unwrap().len(), 1);
        assert_eq!(seen.responses.lock().unwrap()[0].0, 200);
    }
}

/// Fails to compile unless `value` can move to another thread.
fn assert_send<T: Send>(value: T) -> T {
    value
}

#[test]
fn calls_pages_and_raw_requests_can_run_on_any_thread() {
    // One future type holds every send path (API token and OAuth alike): one check covers all
    // credentials. It fails to compile, not to run.
    let client = Client::builder()
        .org_url("https://acme.okta.com")
        .api_token("00token")
        .build()
        .unwrap();
    drop(assert_send(client.get_device_with("guo1").call()));
    drop(assert_send(client.get_device_with("guo1").call_with_meta()));
    drop(assert_send(client.list_devices().items()));
    drop(assert_send(client.list_devices().pages()));
    drop(assert_send(client.raw().get("/api/v1/devices").send()));
}
