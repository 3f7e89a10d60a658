//! OAuth 2.0 service-app credentials against a mock org: the token request, caching,
//! single-flight renewal, one renewal on 401, typed token errors and secret hygiene.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{
    client_with_credentials, device, get_device_error, get_device_ok, mock_answer, mock_device_for,
    mock_json_when,
};
use futures::future::BoxFuture;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use okta_mgmt::oauth::{AccessToken, OAuthErrorCode, TokenError, TokenProvider};
use okta_mgmt::{Client, Credentials};

fn ec_pem() -> String {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    pem::encode(&pem::Pem::new(
        "PRIVATE KEY",
        pair.to_pkcs8v1().unwrap().as_ref().to_vec(),
    ))
}

fn pem_body_line(pem: &str) -> String {
    pem.lines().nth(1).unwrap().to_owned()
}

const ACCESS: &str = "at-SECRET-0123456789";

/// The org authorization server's token endpoint.
const TOKEN_ENDPOINT: &str = "/oauth2/v1/token";

#[tokio::test]
async fn private_key_jwt_token_is_requested_cached_and_sent_as_bearer() {
    let (captured, _guard) = common::capture_logs();

    let server = MockServer::start_async().await;
    let granted = serde_json::json!({
        "token_type": "Bearer", "expires_in": 3600,
        "access_token": ACCESS, "scope": "okta.devices.read okta.policies.read"
    });
    let token = mock_json_when(&server, 200, granted, |when| {
        when.method(POST)
            .path(TOKEN_ENDPOINT)
            .header("content-type", "application/x-www-form-urlencoded")
            .form_urlencoded_tuple("grant_type", "client_credentials")
            .form_urlencoded_tuple("scope", "okta.devices.read okta.policies.read")
            .form_urlencoded_tuple(
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            )
            .form_urlencoded_tuple_exists("client_assertion")
    })
    .await;
    let api = mock_device_for(&server, &format!("Bearer {ACCESS}")).await;
    let pem = ec_pem();
    let scopes = ["okta.devices.read", "okta.policies.read"];
    let client = client_with_credentials(
        &server,
        Credentials::private_key("0oa1", scopes, pem.as_str()),
    );
    for _ in 0..3 {
        get_device_ok(&client).await;
    }
    token.assert_calls_async(1).await;
    api.assert_calls_async(3).await;

    let logs = captured.text();
    assert!(logs.contains("access token obtained"), "{logs}");
    let shown = format!(
        "{logs}\n{client:?}\n{:?}",
        Credentials::private_key("0oa1", ["x"], pem.as_str())
    );
    assert!(!shown.contains(ACCESS), "the access token leaked");
    assert!(!shown.contains(&pem_body_line(&pem)), "the key leaked");
    for jwt_start in ["eyJ0eXAi", "eyJhbGci"] {
        assert!(!shown.contains(jwt_start), "an assertion leaked");
    }
}

#[tokio::test]
async fn token_endpoint_errors_are_typed_and_free_of_secrets() {
    let server = MockServer::start_async().await;
    let refusal = serde_json::json!({
        "error": "invalid_client",
        "error_description": "The client_assertion signature is invalid."
    });
    common::mock_json(&server, POST, TOKEN_ENDPOINT, 401, refusal).await;
    let api = server
        .mock_async(|when, then| {
            when.path("/api/v1/devices/guo1");
            then.status(200).json_body(device("guo1"));
        })
        .await;
    let pem = ec_pem();
    let credentials = Credentials::private_key("0oa1", ["okta.devices.read"], pem.as_str());
    let client = client_with_credentials(&server, credentials);
    let error = get_device_error(&client).await;
    let token_error = error.token_error().expect("a token error");
    assert_eq!(
        token_error.oauth_code(),
        Some(&OAuthErrorCode::InvalidClient)
    );
    match token_error {
        TokenError::Endpoint {
            status,
            description,
            ..
        } => {
            assert_eq!(status.as_u16(), 401);
            assert_eq!(
                description.as_deref(),
                Some("The client_assertion signature is invalid.")
            );
        }
        other => panic!("{other:?}"),
    }
    api.assert_calls_async(0).await;
    let shown = format!("{error} {error:?} {token_error}");
    assert!(!shown.contains(&pem_body_line(&pem)));
    assert!(!shown.contains("eyJ0eXAi") && !shown.contains("eyJhbGci"));
    // Raw calls and pagination report the same typed error.
    let op = client.raw().get("/api/v1/devices/guo1");
    let raw = op.send().await.unwrap_err();
    assert!(raw.token_error().is_some(), "{raw:?}");
}

/// Hands out `tokens` in order, counting calls, each after `delay`.
#[derive(Debug)]
struct Sequence {
    tokens: Vec<&'static str>,
    calls: AtomicUsize,
    delay: Duration,
}

impl Sequence {
    /// A client for `server` whose tokens a new `Sequence` of `tokens` hands out, each after
    /// `delay`, and that `Sequence`.
    fn client(
        server: &MockServer,
        tokens: Vec<&'static str>,
        delay: Duration,
    ) -> (Client, Arc<Self>) {
        let provider = Arc::new(Sequence {
            delay,
            ..Sequence::new(tokens)
        });
        let credentials = Credentials::token_provider(provider.clone());
        (client_with_credentials(server, credentials), provider)
    }

    /// A sequence of `tokens`, handed out at once.
    fn new(tokens: Vec<&'static str>) -> Self {
        Sequence {
            tokens,
            calls: AtomicUsize::new(0),
            delay: Duration::ZERO,
        }
    }

    /// How many tokens were asked for.
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl TokenProvider for Sequence {
    fn fetch_token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            let token = self.tokens.get(n).copied().ok_or(TokenError::Provider {
                message: "out of tokens".to_owned(),
            })?;
            Ok(AccessToken::new(token, Duration::from_secs(3600)))
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_share_one_token_fetch() {
    let server = MockServer::start_async().await;
    let api = mock_device_for(&server, "Bearer t1").await;
    let (client, provider) =
        Sequence::client(&server, vec!["t1", "t2"], Duration::from_millis(200));
    let calls = (0..8).map(|_| get_device_ok(&client));
    futures::future::join_all(calls).await;
    assert_eq!(provider.calls(), 1);
    api.assert_calls_async(8).await;
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_and_the_request_retried() {
    let server = MockServer::start_async().await;
    let refused = serde_json::json!({
        "errorCode": "E0000011", "errorSummary": "Invalid token provided",
        "errorLink": "E0000011", "errorId": "x", "errorCauses": []
    });
    let stale = mock_json_when(&server, 401, refused, |when| {
        when.path("/api/v1/devices/guo1")
            .header("authorization", "Bearer stale")
    })
    .await;
    let fresh = mock_device_for(&server, "Bearer fresh").await;
    let (client, provider) = Sequence::client(&server, vec!["stale", "fresh"], Duration::ZERO);
    get_device_ok(&client).await;
    stale.assert_calls_async(1).await;
    fresh.assert_calls_async(1).await;
    assert_eq!(provider.calls(), 2);

    // Only once: a token refused twice ends in the API's 401.
    let (client, provider) = Sequence::client(&server, vec!["stale", "stale"], Duration::ZERO);
    let e = get_device_error(&client).await;
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(provider.calls(), 2);
}

/// A `401` answer with Okta's invalid-token error.
fn refused(then: httpmock::Then) {
    then.status(401).json_body(serde_json::json!({
        "errorCode": "E0000011", "errorSummary": "Invalid token provided"
    }));
}

#[tokio::test]
async fn a_token_refused_after_a_rate_limit_retry_is_renewed_and_resent_as_a_new_request() {
    let server = MockServer::start_async().await;
    let path = "/api/v1/devices/guo1";
    let limited = server
        .mock_async(|when, then| {
            when.path(path)
                .header("authorization", "Bearer stale")
                .header_missing("x-okta-retry-count");
            then.status(429)
                .header("retry-after", "0")
                .header("x-okta-request-id", "req-429");
        })
        .await;
    // The retry (marked as one) is refused: the token went stale meanwhile.
    let refused_retry = server
        .mock_async(|when, then| {
            when.path(path)
                .header("authorization", "Bearer stale")
                .header("x-okta-retry-count", "1")
                .header("x-okta-retry-for", "req-429");
            refused(then);
        })
        .await;
    // The resend with the renewed token carries no retry marks of the first token's attempts.
    let renewed = mock_json_when(&server, 200, device("guo1"), |when| {
        when.path(path)
            .header("authorization", "Bearer fresh")
            .header_missing("x-okta-retry-count")
            .header_missing("x-okta-retry-for")
    })
    .await;
    let (client, provider) = Sequence::client(&server, vec!["stale", "fresh"], Duration::ZERO);
    get_device_ok(&client).await;
    limited.assert_calls_async(1).await;
    refused_retry.assert_calls_async(1).await;
    renewed.assert_calls_async(1).await;
    assert_eq!(provider.calls(), 2);
}

#[tokio::test]
async fn with_retries_disabled_a_refused_token_is_still_renewed_once() {
    let server = MockServer::start_async().await;
    let stale = server
        .mock_async(|when, then| {
            when.path("/api/v1/devices/guo1")
                .header("authorization", "Bearer stale");
            refused(then);
        })
        .await;
    let fresh = mock_device_for(&server, "Bearer fresh").await;
    let provider = Arc::new(Sequence::new(vec!["stale", "fresh"]));
    let credentials = Credentials::token_provider(provider.clone());
    let client = common::client_configured(&server, |builder| {
        builder
            .credentials(credentials)
            .retry_policy(okta_mgmt::RetryPolicy::disabled())
    });
    get_device_ok(&client).await;
    stale.assert_calls_async(1).await;
    fresh.assert_calls_async(1).await;
    assert_eq!(provider.calls(), 2);
}

#[test]
fn bad_private_keys_fail_at_build_time_without_echoing_the_key() {
    for key in [
        "not a key at all hunter2",
        "-----BEGIN PRIVATE KEY-----\naHVudGVyMmh1bnRlcjI=\n-----END PRIVATE KEY-----",
        r#"{"kty":"EC","crv":"P-256","x":"aHVudGVyMg","y":"aHVudGVyMg","d":"aHVudGVyMg"}"#,
    ] {
        let e = Client::builder()
            .org_url("https://acme.okta.com")
            .credentials(Credentials::private_key(
                "0oa1",
                ["okta.policies.read"],
                key,
            ))
            .build()
            .unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(shown.contains("private key"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("aHVudGVy"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn dpop_tokens_are_sent_with_a_proof_and_a_nonce_challenge_is_retried_once() {
    let server = MockServer::start_async().await;
    let granted =
        serde_json::json!({"token_type": "DPoP", "expires_in": 3600, "access_token": ACCESS});
    let token = mock_json_when(&server, 200, granted, |when| {
        when.method(POST).path(TOKEN_ENDPOINT).header_exists("dpop")
    })
    .await;
    let ok = mock_json_when(&server, 200, device("guo1"), |when| {
        when.path("/api/v1/devices/guo1")
            .header("authorization", format!("DPoP {ACCESS}"))
            .header_exists("dpop")
    })
    .await;
    let nonce = mock_answer(&server, GET, "/api/v1/devices/needs-nonce", |then| {
        then.status(401)
            .header("dpop-nonce", "n-1")
            .header("www-authenticate", "DPoP error=\"use_dpop_nonce\"")
            .json_body(serde_json::json!({"errorCode": "E0000011", "errorSummary": "Invalid token provided"}));
    })
    .await;
    let pem = ec_pem();
    let key = okta_mgmt::PrivateKeyJwt::new("0oa1", ["okta.devices.read"], pem.as_str());
    let client = client_with_credentials(&server, Credentials::PrivateKey(key.with_dpop()));
    get_device_ok(&client).await;
    ok.assert_calls_async(1).await;
    let op = client.get_device().device_id("needs-nonce");
    let e = op.call().await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    // One retry with a new proof, and the token was not renewed for a nonce challenge.
    nonce.assert_calls_async(2).await;
    token.assert_calls_async(1).await;
    assert!(!format!("{client:?}").contains(ACCESS));
}

#[tokio::test]
async fn a_rate_limited_dpop_request_is_retried_with_a_fresh_proof() {
    let server = MockServer::start_async().await;
    let granted =
        serde_json::json!({"token_type": "DPoP", "expires_in": 3600, "access_token": ACCESS});
    mock_json_when(&server, 200, granted, |when| {
        when.method(POST).path(TOKEN_ENDPOINT)
    })
    .await;
    // Every DPoP proof the API is sent (a matcher may see a request more than once: a set).
    let proofs = Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
    let record = |proofs: &Arc<std::sync::Mutex<std::collections::HashSet<String>>>| {
        let proofs = Arc::clone(proofs);
        move |req: &httpmock::HttpMockRequest| {
            if let Some(proof) = req.headers().get("dpop").and_then(|v| v.to_str().ok()) {
                proofs.lock().unwrap().insert(proof.to_string());
            }
            true
        }
    };
    let limited = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/devices/guo1")
                .header_missing("x-okta-retry-count")
                .is_true(record(&proofs));
            then.status(429).header("retry-after", "0");
        })
        .await;
    let retried = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/devices/guo1")
                .header("x-okta-retry-count", "1")
                .is_true(record(&proofs));
            then.status(200).json_body(device("guo1"));
        })
        .await;
    let pem = ec_pem();
    let key = okta_mgmt::PrivateKeyJwt::new("0oa1", ["okta.devices.read"], pem.as_str());
    let client = client_with_credentials(&server, Credentials::PrivateKey(key.with_dpop()));
    get_device_ok(&client).await;
    limited.assert_calls_async(1).await;
    retried.assert_calls_async(1).await;
    // A proof may be used once (RFC 9449 §11.1): the retry carries a new one.
    assert_eq!(proofs.lock().unwrap().len(), 2);
}
