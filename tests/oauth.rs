//! OAuth 2.0 service-app credentials against a mock org: the token request, caching,
//! single-flight renewal, one renewal on 401, typed token errors and secret hygiene.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{device, get_device_error};
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

#[tokio::test]
async fn private_key_jwt_token_is_requested_cached_and_sent_as_bearer() {
    let (captured, _guard) = common::capture_logs();

    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth2/v1/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .form_urlencoded_tuple("grant_type", "client_credentials")
                .form_urlencoded_tuple("scope", "okta.devices.read okta.policies.read")
                .form_urlencoded_tuple(
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                )
                .form_urlencoded_tuple_exists("client_assertion");
            then.status(200).json_body(serde_json::json!({
                "token_type": "Bearer", "expires_in": 3600,
                "access_token": ACCESS, "scope": "okta.devices.read okta.policies.read"
            }));
        })
        .await;
    let api = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/devices/guo1")
                .header("authorization", format!("Bearer {ACCESS}"));
            then.status(200).json_body(device("guo1"));
        })
        .await;
    let pem = ec_pem();
    let client = Client::builder()
        .org_url(server.base_url())
        .credentials(Credentials::private_key(
            "0oa1",
            ["okta.devices.read", "okta.policies.read"],
            pem.as_str(),
        ))
        .build()
        .unwrap();
    for _ in 0..3 {
        client.get_device().device_id("guo1").call().await.unwrap();
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
    common::mock_json(&server, POST, "/oauth2/v1/token", 401, refusal).await;
    let api = server
        .mock_async(|when, then| {
            when.path("/api/v1/devices/guo1");
            then.status(200).json_body(device("guo1"));
        })
        .await;
    let pem = ec_pem();
    let client = Client::builder()
        .org_url(server.base_url())
        .credentials(Credentials::private_key(
            "0oa1",
            ["okta.devices.read"],
            pem.as_str(),
        ))
        .build()
        .unwrap();
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
    let api = server
        .mock_async(|when, then| {
            when.path("/api/v1/devices/guo1")
                .header("authorization", "Bearer t1");
            then.status(200).json_body(device("guo1"));
        })
        .await;
    let provider = Arc::new(Sequence {
        tokens: vec!["t1", "t2"],
        calls: AtomicUsize::new(0),
        delay: Duration::from_millis(200),
    });
    let client = Client::builder()
        .org_url(server.base_url())
        .credentials(Credentials::token_provider(provider.clone()))
        .build()
        .unwrap();
    let calls = (0..8).map(|_| {
        let client = client.clone();
        async move { client.get_device().device_id("guo1").call().await }
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
    api.assert_calls_async(8).await;
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_and_the_request_retried() {
    let server = MockServer::start_async().await;
    let stale = server
        .mock_async(|when, then| {
            when.path("/api/v1/devices/guo1")
                .header("authorization", "Bearer stale");
            then.status(401).json_body(serde_json::json!({
                "errorCode": "E0000011", "errorSummary": "Invalid token provided",
                "errorLink": "E0000011", "errorId": "x", "errorCauses": []
            }));
        })
        .await;
    let fresh = server
        .mock_async(|when, then| {
            when.path("/api/v1/devices/guo1")
                .header("authorization", "Bearer fresh");
            then.status(200).json_body(device("guo1"));
        })
        .await;
    let provider = Arc::new(Sequence {
        tokens: vec!["stale", "fresh"],
        calls: AtomicUsize::new(0),
        delay: Duration::ZERO,
    });
    let client = Client::builder()
        .org_url(server.base_url())
        .credentials(Credentials::token_provider(provider.clone()))
        .build()
        .unwrap();
    client.get_device().device_id("guo1").call().await.unwrap();
    stale.assert_calls_async(1).await;
    fresh.assert_calls_async(1).await;
    assert_eq!(provider.calls.load(Ordering::SeqCst), 2);

    // Only once: a token refused twice ends in the API's 401.
    let provider = Arc::new(Sequence {
        tokens: vec!["stale", "stale"],
        calls: AtomicUsize::new(0),
        delay: Duration::ZERO,
    });
    let client = Client::builder()
        .org_url(server.base_url())
        .credentials(Credentials::token_provider(provider.clone()))
        .build()
        .unwrap();
    let e = get_device_error(&client).await;
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
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
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth2/v1/token")
                .header_exists("dpop");
            then.status(200).json_body(serde_json::json!({
                "token_type": "DPoP", "expires_in": 3600, "access_token": ACCESS,
            }));
        })
        .await;
    let ok = server
        .mock_async(|when, then| {
            when.path("/api/v1/devices/guo1")
                .header("authorization", format!("DPoP {ACCESS}"))
                .header_exists("dpop");
            then.status(200).json_body(device("guo1"));
        })
        .await;
    let nonce = server
        .mock_async(|when, then| {
            when.path("/api/v1/devices/needs-nonce");
            then.status(401)
                .header("dpop-nonce", "n-1")
                .header("www-authenticate", "DPoP error=\"use_dpop_nonce\"")
                .json_body(serde_json::json!({"errorCode": "E0000011", "errorSummary": "Invalid token provided"}));
        })
        .await;
    let pem = ec_pem();
    let client = Client::builder()
        .org_url(server.base_url())
        .credentials(Credentials::PrivateKey(
            okta_mgmt::PrivateKeyJwt::new("0oa1", ["okta.devices.read"], pem.as_str()).with_dpop(),
        ))
        .build()
        .unwrap();
    client.get_device().device_id("guo1").call().await.unwrap();
    ok.assert_calls_async(1).await;
    let op = client.get_device().device_id("needs-nonce");
    let e = op.call().await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    // One retry with a new proof, and the token was not renewed for a nonce challenge.
    nonce.assert_calls_async(2).await;
    token.assert_calls_async(1).await;
    assert!(!format!("{client:?}").contains(ACCESS));
}
