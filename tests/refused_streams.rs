//! Requests an HTTP/2 server turns away unprocessed (`REFUSED_STREAM`) are sent again by the
//! client's `RetryPolicy`, whatever their method, and so are token requests. The crate's own
//! HTTP client leaves reqwest's retry layer off, so these resends are the policy's: they are
//! counted in `attempts()` and marked with `X-Okta-Retry-Count`. The server here speaks
//! cleartext HTTP/2 on loopback, so the client is one built for it (prior knowledge) with
//! reqwest's retries off too.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::{TOKEN, fast_retry};
use okta_mgmt::{Client, ClientBuilder, Credentials, Error, RetryPolicy};
use tokio::net::TcpListener;

/// One request the server saw.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    retry_count: Option<String>,
    refused: bool,
}

/// A cleartext HTTP/2 server on loopback that refuses its first `refuse` requests with
/// `REFUSED_STREAM` and answers the others: a token at the token endpoint, a device elsewhere.
struct H2Server {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl H2Server {
    async fn start(refuse: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, log.clone(), refuse));
            }
        });
        Self { base, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("not poisoned").clone()
    }
}

async fn serve(socket: tokio::net::TcpStream, seen: Arc<Mutex<Vec<Seen>>>, refuse: usize) {
    let Ok(mut connection) = h2::server::handshake(socket).await else {
        return;
    };
    while let Some(Ok((request, mut respond))) = connection.accept().await {
        let path = request.uri().path().to_owned();
        let refused = {
            let mut seen = seen.lock().expect("not poisoned");
            let refused = seen.len() < refuse;
            seen.push(Seen {
                method: request.method().to_string(),
                path: path.clone(),
                retry_count: request
                    .headers()
                    .get("x-okta-retry-count")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                refused,
            });
            refused
        };
        if refused {
            respond.send_reset(h2::Reason::REFUSED_STREAM);
            continue;
        }
        let body = if path == "/oauth2/v1/token" {
            serde_json::json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600})
        } else {
            common::device("guo1")
        };
        let response = http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(())
            .expect("a response");
        if let Ok(mut stream) = respond.send_response(response, false) {
            let _ = stream.send_data(Bytes::from(body.to_string()), true);
        }
    }
}

/// A client for `server` that speaks cleartext HTTP/2, with reqwest's retries off as in the
/// crate's own HTTP client.
fn h2_client(server: &H2Server, configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Client {
    let http = reqwest::Client::builder()
        .http2_prior_knowledge()
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .build()
        .expect("an HTTP client");
    configure(
        Client::builder()
            .org_url(&server.base)
            .http_client(http)
            .retry_policy(fast_retry()),
    )
    .build()
    .expect("client builds")
}

/// A client for `server` with an OAuth service app's private key.
fn oauth_client(server: &H2Server, pem: &str) -> Client {
    h2_client(server, |b| {
        b.credentials(Credentials::private_key("0oa1", ["okta.devices.read"], pem))
    })
}

fn ec_pem() -> String {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("a key");
    pem::encode(&pem::Pem::new(
        "PRIVATE KEY",
        pair.to_pkcs8v1().expect("PKCS#8").as_ref().to_vec(),
    ))
}

fn retry_counts(seen: &[Seen]) -> Vec<Option<&str>> {
    seen.iter().map(|s| s.retry_count.as_deref()).collect()
}

#[tokio::test]
async fn a_refused_get_is_sent_again_by_the_policy() {
    let server = H2Server::start(1).await;
    let client = h2_client(&server, |b| b.api_token(TOKEN));
    let response = client
        .get_device_with("guo1")
        .call_with_meta()
        .await
        .expect("the second attempt succeeds");
    assert_eq!(response.attempts(), 2);
    assert_eq!(response.value().id.as_deref(), Some("guo1"));
    let seen = server.seen();
    assert_eq!(retry_counts(&seen), [None, Some("1")]);
}

#[tokio::test]
async fn a_refused_post_is_sent_again_although_it_is_not_idempotent() {
    let server = H2Server::start(2).await;
    let client = h2_client(&server, |b| b.api_token(TOKEN));
    let body = serde_json::json!({"name": "x"});
    let answer: serde_json::Value = client
        .raw()
        .post("/api/v1/devices/guo1/lifecycle/activate")
        .json(&body)
        .send_json()
        .await
        .expect("the third attempt succeeds");
    assert_eq!(answer["id"], "guo1");
    let seen = server.seen();
    assert!(seen.iter().all(|s| s.method == "POST"), "{seen:?}");
    assert_eq!(retry_counts(&seen), [None, Some("1"), Some("2")]);
}

#[tokio::test]
async fn refusals_count_against_max_retries() {
    let server = H2Server::start(usize::MAX).await;
    let policy = fast_retry().with_max_retries(1);
    let client = h2_client(&server, |b| b.api_token(TOKEN).retry_policy(policy));
    let error = client
        .get_device_with("guo1")
        .call()
        .await
        .expect_err("every attempt is refused");
    assert!(
        matches!(error, Error::RetriesExhausted { attempts: 2, .. }),
        "{error:?}"
    );
    assert_eq!(server.seen().len(), 2);

    let server = H2Server::start(usize::MAX).await;
    let client = h2_client(&server, |b| {
        b.api_token(TOKEN).retry_policy(RetryPolicy::disabled())
    });
    let error = client
        .get_device_with("guo1")
        .call()
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(server.seen().len(), 1, "a disabled policy sends once");
}

#[tokio::test]
async fn a_refused_token_request_is_sent_again_up_to_twice() {
    let pem = ec_pem();
    let server = H2Server::start(2).await;
    let client = oauth_client(&server, &pem);
    let device = tokio::time::timeout(
        Duration::from_secs(10),
        client.get_device_with("guo1").call(),
    )
    .await
    .expect("in time")
    .expect("the token comes on the third try");
    assert_eq!(device.id.as_deref(), Some("guo1"));
    let paths: Vec<(String, bool)> = server
        .seen()
        .into_iter()
        .map(|s| (s.path, s.refused))
        .collect();
    let token = |refused| ("/oauth2/v1/token".to_owned(), refused);
    assert_eq!(
        paths,
        [
            token(true),
            token(true),
            token(false),
            ("/api/v1/devices/guo1".to_owned(), false)
        ]
    );

    let server = H2Server::start(3).await;
    let client = oauth_client(&server, &pem);
    let error = client
        .get_device_with("guo1")
        .call()
        .await
        .expect_err("no token");
    assert!(error.token_error().is_some(), "{error:?}");
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen.iter().all(|s| s.path == "/oauth2/v1/token"),
        "{seen:?}"
    );
}
