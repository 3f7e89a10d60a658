//! Retry behaviour of generated calls against a local mock server: Okta's 429 rule
//! (`X-Rate-Limit-Reset − Date + 1 s`), backoff without headers, the retry budget,
//! `X-Okta-Retry-For`/`X-Okta-Retry-Count`, method idempotency and connection failures.

mod common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{
    client, client_with, device, fast_retry, get_device_error, mock_attempt, mock_json,
    mock_rate_limited_first, mock_text, rate_limited_body,
};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use okta_mgmt::{Client, Error, RetryPolicy};
use rstest::rstest;

const RETRY_FOR: &str = "x-okta-retry-for";

const DEVICE: &str = "/api/v1/devices/guo1";
const ACTIVATE: &str = "/api/v1/devices/guo1/lifecycle/activate";

/// A `Date` header value and its epoch seconds (whole seconds, as HTTP dates are).
fn http_date() -> (String, u64) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(now));
    (date, now)
}

/// Mounts `GET /api/v1/devices/guo1` answering the device on attempt `n`.
async fn device_on_attempt(server: &MockServer, n: u32) -> httpmock::Mock<'_> {
    mock_attempt(
        server,
        n,
        |when| when.method(GET).path(DEVICE),
        |then| {
            then.status(200).json_body(device("guo1"));
        },
    )
    .await
}

/// Mounts Okta's 429 for the first try of `GET /api/v1/devices/guo1`, with `Date` now and
/// `X-Rate-Limit-Reset` `reset_in` seconds later; `more` adds to the answer.
async fn first_try_limited_until(
    server: &MockServer,
    reset_in: u64,
    more: impl FnOnce(httpmock::Then),
) -> httpmock::Mock<'_> {
    let (date, now) = http_date();
    mock_attempt(
        server,
        0,
        |when| when.method(GET).path(DEVICE),
        |then| {
            more(
                then.status(429)
                    .header("date", date.as_str())
                    .header("x-rate-limit-reset", (now + reset_in).to_string())
                    .json_body(rate_limited_body()),
            );
        },
    )
    .await
}

#[tokio::test]
async fn rate_limit_waits_reset_minus_date_plus_one_and_sends_retry_headers() {
    let server = MockServer::start_async().await;
    // Reset equals Date, so the wait is exactly 1 s by Okta's rule.
    let limited = first_try_limited_until(&server, 0, |then| {
        then.header("content-type", "application/json")
            .header("x-rate-limit-limit", "100")
            .header("x-rate-limit-remaining", "0")
            .header("x-okta-request-id", "req-429-first");
    })
    .await;
    let retried = |when: httpmock::When| {
        when.method(GET)
            .path(DEVICE)
            .header(RETRY_FOR, "req-429-first")
    };
    let ok = mock_attempt(&server, 1, retried, |then| {
        then.status(200)
            .header("content-type", "application/json")
            .json_body(device("guo1"));
    })
    .await;
    let client = client_with(
        &server,
        fast_retry().with_max_backoff(Duration::from_secs(5)),
    );

    let start = Instant::now();
    let op = client.get_device().device_id("guo1");
    let response = op.call_with_meta().await.unwrap();
    let elapsed = start.elapsed();

    assert_eq!(response.value().id.as_deref(), Some("guo1"));
    assert_eq!(response.attempts(), 2);
    assert!(response.headers().get("x-okta-mgmt-attempts").is_none());
    assert!(elapsed >= Duration::from_millis(1000), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(4000), "{elapsed:?}");
    limited.assert_calls_async(1).await;
    ok.assert_calls_async(1).await;
}

#[tokio::test]
async fn rate_limit_wait_is_capped_by_max_backoff() {
    let server = MockServer::start_async().await;
    let limited = first_try_limited_until(&server, 3600, |_| {}).await;
    let ok = device_on_attempt(&server, 1).await;
    let client = client(&server); // max_backoff 40 ms

    let start = Instant::now();
    client.get_device().device_id("guo1").call().await.unwrap();
    assert!(start.elapsed() < Duration::from_secs(2));
    limited.assert_calls_async(1).await;
    ok.assert_calls_async(1).await;
}

#[tokio::test]
async fn rate_limit_without_headers_backs_off_exponentially() {
    let server = MockServer::start_async().await;
    let first = mock_rate_limited_first(&server, |when| when.method(GET).path(DEVICE)).await;
    // no X-Okta-Request-Id on the 429, so no X-Okta-Retry-For either
    let without_retry_for =
        |when: httpmock::When| when.method(GET).path(DEVICE).header_missing(RETRY_FOR);
    let second = mock_attempt(&server, 1, without_retry_for, |then| {
        then.status(429).json_body(rate_limited_body());
    })
    .await;
    let third = device_on_attempt(&server, 2).await;
    // base 100 ms: waits 100 ms then 200 ms (jitter off: exact waits).
    let policy = RetryPolicy::default()
        .with_base_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_secs(1))
        .with_jitter(false);
    let client = client_with(&server, policy);

    let start = Instant::now();
    client.get_device().device_id("guo1").call().await.unwrap();
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
    third.assert_calls_async(1).await;
}

#[tokio::test]
async fn gives_up_with_retries_exhausted() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for n in 0..3u32 {
        let request = |when: httpmock::When| {
            let when = when.method(GET).path(DEVICE);
            if n == 0 {
                when
            } else {
                when.header(RETRY_FOR, format!("req-{}", n - 1))
            }
        };
        let mock = mock_attempt(&server, n, request, |then| {
            then.status(429)
                .header("x-okta-request-id", format!("req-{n}"))
                .header("x-rate-limit-remaining", "0")
                .json_body(rate_limited_body());
        })
        .await;
        mocks.push(mock);
    }
    let client = client_with(&server, fast_retry().with_max_retries(2));

    let error: Error = get_device_error(&client).await;

    match &error {
        Error::RetriesExhausted { attempts, last } => {
            assert_eq!(*attempts, 3);
            assert!(matches!(**last, Error::Api(_)), "{last:?}");
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
    assert_eq!(error.attempts(), Some(3));
    assert!(error.is_rate_limited());
    assert_eq!(error.okta_error_code(), Some("E0000047"));
    assert_eq!(error.request_id(), Some("req-2"));
    assert_eq!(error.rate_limit().and_then(|r| r.remaining), Some(0));
    assert!(std::error::Error::source(&error).is_some());
    for mock in mocks {
        mock.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn disabled_retries_surface_the_api_error() {
    let server = MockServer::start_async().await;
    let mock = mock_json(&server, GET, DEVICE, 429, rate_limited_body()).await;
    let client = client_with(&server, RetryPolicy::disabled());
    let error: Error = get_device_error(&client).await;
    assert!(matches!(error, Error::Api(_)), "{error:?}");
    assert_eq!(error.attempts(), Some(1));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn post_is_not_retried_on_500_or_503() {
    for status in [500u16, 503] {
        let server = MockServer::start_async().await;
        let body = serde_json::json!({
            "errorCode": "E0000009",
            "errorSummary": "Internal Server Error"
        });
        let mock = mock_json(&server, POST, ACTIVATE, status, body).await;
        let api = client(&server);
        let op = api.activate_device().device_id("guo1");
        let error: Error = op.call().await.unwrap_err();
        mock.assert_calls_async(1).await;
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        // Not retried, so not "exhausted": the Okta body is reported directly.
        assert_eq!(error.okta_error_code(), Some("E0000009"), "{error:?}");
        assert!(matches!(error, Error::Api(_)));
    }
}

#[tokio::test]
async fn post_is_retried_on_429() {
    let server = MockServer::start_async().await;
    let activate = |when: httpmock::When| when.method(POST).path(ACTIVATE);
    let limited = mock_rate_limited_first(&server, activate).await;
    let ok = mock_attempt(&server, 1, activate, |then| {
        then.status(204);
    })
    .await;
    let api = client(&server);
    let op = api.activate_device().device_id("guo1");
    op.call().await.unwrap();
    limited.assert_calls_async(1).await;
    ok.assert_calls_async(1).await;
}

#[tokio::test]
async fn get_is_retried_on_503_and_504_but_not_500() {
    for status in [503u16, 504] {
        let server = MockServer::start_async().await;
        let failing = mock_attempt(
            &server,
            0,
            |when| when.method(GET).path(DEVICE),
            |then| {
                then.status(status).body("<html>unavailable</html>");
            },
        )
        .await;
        let ok = device_on_attempt(&server, 1).await;
        let api = client(&server);
        let op = api.get_device().device_id("guo1");
        op.call().await.unwrap();
        failing.assert_calls_async(1).await;
        ok.assert_calls_async(1).await;
    }

    let server = MockServer::start_async().await;
    let failing = mock_text(&server, GET, DEVICE, 500, "boom").await;
    let error: Error = get_device_error(&client(&server)).await;
    failing.assert_calls_async(1).await;
    assert!(
        matches!(error, Error::UnexpectedResponse { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn exhausted_503_is_reported_with_attempts() {
    let server = MockServer::start_async().await;
    let mock = common::mock_answer(&server, GET, DEVICE, |then| {
        then.status(503)
            .header("x-okta-request-id", "req-503")
            .body("<html>maintenance</html>");
    })
    .await;
    let error: Error =
        get_device_error(&client_with(&server, fast_retry().with_max_retries(3))).await;
    mock.assert_calls_async(4).await;
    assert_eq!(error.attempts(), Some(4));
    assert_eq!(error.request_id(), Some("req-503"));
    match error {
        Error::RetriesExhausted { last, .. } => match *last {
            Error::UnexpectedResponse { status, body, .. } => {
                assert_eq!(status.as_u16(), 503);
                assert_eq!(body, "<html>maintenance</html>");
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// A timeout is reported as such and not retried, whether the builder's own HTTP client applies
/// it or, for a caller-supplied client without a timeout of its own, each request carries it.
#[rstest]
#[case::the_builders_own_client(None)]
#[case::a_supplied_http_client(Some(reqwest::Client::new()))]
#[tokio::test]
async fn timeouts_are_reported_and_not_retried(#[case] http: Option<reqwest::Client>) {
    let server = MockServer::start_async().await;
    let slow = common::mock_answer(&server, GET, DEVICE, |then| {
        then.status(200)
            .delay(Duration::from_millis(800))
            .json_body(device("guo1"));
    })
    .await;
    let builder = Client::builder()
        .org_url(server.base_url())
        .api_token(common::TOKEN)
        .request_timeout(Duration::from_millis(100))
        .retry_policy(fast_retry());
    let client = match http {
        Some(http) => builder.http_client(http),
        None => builder,
    }
    .build()
    .unwrap();
    let started = Instant::now();
    let error: Error = get_device_error(&client).await;
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(std::error::Error::source(&error).is_some());
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );
    slow.assert_calls_async(1).await;
}

/// A port with nothing listening for the first ~150 ms, then a one-shot HTTP server.
fn late_server() -> (u16, std::thread::JoinHandle<String>) {
    use std::io::{BufRead, BufReader, Write};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let handle = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        let body = device("guo1").to_string();
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
            body.len(),
            body
        )
        .unwrap();
        head
    });
    (port, handle)
}

#[tokio::test]
async fn connection_failures_are_retried_for_get() {
    let (port, handle) = late_server();
    let client = Client::builder()
        .org_url(format!("http://127.0.0.1:{port}"))
        .api_token(common::TOKEN)
        .retry_policy(
            RetryPolicy::default()
                .with_max_retries(6)
                .with_base_backoff(Duration::from_millis(50))
                .with_max_backoff(Duration::from_millis(200)),
        )
        .build()
        .unwrap();
    let op = client.get_device().device_id("guo1");
    let device = op.call_with_meta().await.unwrap();
    assert_eq!(device.value().id.as_deref(), Some("guo1"));
    let attempts = device.attempts();
    assert!(attempts >= 2, "{attempts}");
    let head = handle.join().unwrap().to_ascii_lowercase();
    assert!(head.contains("x-okta-retry-count:"), "{head}");
}

#[tokio::test]
async fn connection_failures_are_not_retried_for_post() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .org_url(format!("http://127.0.0.1:{port}"))
        .api_token(common::TOKEN)
        .retry_policy(RetryPolicy::default().with_base_backoff(Duration::from_secs(5)))
        .build()
        .unwrap();
    let start = Instant::now();
    let op = client.activate_device().device_id("guo1");
    let error: Error = op.call().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "a retry was scheduled"
    );
}
