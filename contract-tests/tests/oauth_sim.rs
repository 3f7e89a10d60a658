//! OAuth 2.0 service apps against the simulator: `private_key_jwt` with RSA, EC and JWK keys,
//! token renewal in the middle of a paginated listing, a wrong key, missing scopes.

use std::time::Duration;

use base64::Engine as _;
use futures::{StreamExt as _, TryStreamExt as _};
use okta_mgmt::prelude::*;
use okta_mgmt::types::PolicyType;
use okta_mgmt::{Credentials, OAuthErrorCode, PrivateKeyJwt};
use okta_sim::oauth::{ALL_SCOPES, GeneratedKey, KeyKind, OAuthClient, generate_key};
use okta_sim::{RunningSim, SimConfig, start};

const CLIENT_ID: &str = "0oatestserviceapp";

/// A simulator config with one service app (`CLIENT_ID`, the public half of `key`) granted
/// `granted`, issuing tokens that live `ttl`.
fn oauth_config(key: &GeneratedKey, granted: &[&str], ttl: Duration) -> SimConfig {
    let mut config = SimConfig::default();
    config.oauth.token_lifetime = ttl;
    config.oauth.clients.push(OAuthClient {
        client_id: CLIENT_ID.to_owned(),
        public_key_pem: key.public_pem.clone(),
        granted_scopes: granted.iter().map(|s| (*s).to_owned()).collect(),
    });
    config
}

async fn sim_with(key: &GeneratedKey, granted: &[&str], ttl: Duration) -> RunningSim {
    start(oauth_config(key, granted, ttl), 0).await.unwrap()
}

fn client_with(sim: &RunningSim, credentials: Credentials) -> Client {
    Client::builder()
        .org_url(sim.base_url())
        .credentials(credentials)
        .build()
        .unwrap()
}

fn client(sim: &RunningSim, scopes: &[&str], key: &str) -> Client {
    let credentials = Credentials::private_key(CLIENT_ID, scopes.iter().copied(), key);
    client_with(sim, credentials)
}

async fn list_access_policies(client: &Client) -> Result<usize, Error> {
    let all: Vec<_> = client
        .list_policies()
        .type_(PolicyType::AccessPolicy)
        .items()
        .try_collect()
        .await?;
    Ok(all.len())
}

#[tokio::test]
async fn rsa_and_ec_keys_list_policies() {
    for kind in [KeyKind::Rsa, KeyKind::Ec] {
        let key = generate_key(kind).unwrap();
        let sim = sim_with(&key, &ALL_SCOPES, Duration::from_secs(3600)).await;
        let client = client(&sim, &["okta.policies.read"], &key.private_pem);
        let n = list_access_policies(&client).await.unwrap();
        assert!(n > 0, "{kind:?}");
        // The token is cached: a second call does not fetch another.
        list_access_policies(&client).await.unwrap();
        assert_eq!(sim.oauth_tokens_issued().await, 1, "{kind:?}");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn ec_jwk_key_with_kid() {
    use aws_lc_rs::encoding::AsBigEndian as _;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let point = pair.public_key().as_ref().to_vec();
    let d = pair.private_key().as_be_bytes().unwrap();
    let jwk = serde_json::json!({
        "kty": "EC", "crv": "P-256", "kid": "key-1", "alg": "ES256",
        "x": b64(&point[1..33]), "y": b64(&point[33..65]), "d": b64(d.as_ref()),
    })
    .to_string();
    use aws_lc_rs::encoding::AsDer as _;
    let public_der = pair.public_key().as_der().unwrap();
    let key = GeneratedKey {
        private_pem: String::new(),
        public_pem: pem::encode(&pem::Pem::new("PUBLIC KEY", public_der.as_ref().to_vec())),
    };
    let sim = sim_with(&key, &ALL_SCOPES, Duration::from_secs(3600)).await;
    let client = client(&sim, &["okta.policies.read"], &jwk);
    assert!(list_access_policies(&client).await.unwrap() > 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn token_is_renewed_in_the_middle_of_a_paginated_listing() {
    let key = generate_key(KeyKind::Ec).unwrap();
    // One-second tokens: the client renews each 0.8 s (a fifth of the lifetime early).
    let sim = sim_with(&key, &ALL_SCOPES, Duration::from_secs(1)).await;
    let client = client(&sim, &["okta.devices.read"], &key.private_pem);
    let mut pages = client.list_devices().limit(10).pages();
    let mut seen = 0;
    let mut page_count = 0;
    while let Some(page) = pages.next().await {
        seen += page.unwrap().items.len();
        page_count += 1;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(seen, 45);
    assert_eq!(page_count, 5);
    let issued = sim.oauth_tokens_issued().await;
    assert!(
        issued >= 2,
        "only {issued} token(s) issued over a 2.5 s listing"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_key_is_a_typed_invalid_client_error_without_secrets() {
    let registered = generate_key(KeyKind::Rsa).unwrap();
    let other = generate_key(KeyKind::Rsa).unwrap();
    let sim = sim_with(&registered, &ALL_SCOPES, Duration::from_secs(3600)).await;
    let client = client(&sim, &["okta.policies.read"], &other.private_pem);
    let error = list_access_policies(&client).await.unwrap_err();
    let token_error = error.token_error().expect("a token error");
    assert_eq!(
        token_error.oauth_code(),
        Some(&OAuthErrorCode::InvalidClient)
    );
    let shown = format!("{error} {error:?} {token_error} {token_error:?} {client:?}");
    let key_body: String = other.private_pem.lines().nth(1).unwrap().to_owned();
    assert!(!shown.contains(&key_body), "{shown}");
    // A JWT starts with the base64url of `{"typ"` or `{"alg"`.
    for jwt_start in ["eyJ0eXAi", "eyJhbGci"] {
        assert!(!shown.contains(jwt_start), "an assertion leaked: {shown}");
    }
    assert!(shown.contains("invalid_client"), "{shown}");
    // The same client works for the generated operations too.
    let e = client
        .get_policy()
        .policy_id("x")
        .send()
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert!(e.token_error().is_some(), "{e:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn scopes_are_enforced() {
    let key = generate_key(KeyKind::Rsa).unwrap();
    let sim = sim_with(
        &key,
        &["okta.policies.read", "okta.devices.read"],
        Duration::from_secs(3600),
    )
    .await;
    // A scope the client was not granted: invalid_scope at the token endpoint.
    let greedy = client(&sim, &["okta.policies.manage"], &key.private_pem);
    let e = list_access_policies(&greedy).await.unwrap_err();
    assert_eq!(
        e.token_error().and_then(|t| t.oauth_code()),
        Some(&OAuthErrorCode::InvalidScope)
    );
    // A read token cannot write: 403 E0000006.
    let reader = client(&sim, &["okta.policies.read"], &key.private_pem);
    assert!(list_access_policies(&reader).await.unwrap() > 0);
    let e = Error::from(
        reader
            .delete_policy()
            .policy_id("00pnotthere")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e.status().map(|s| s.as_u16()), Some(403), "{e:?}");
    assert_eq!(e.okta_error_code(), Some("E0000006"));
    // …nor read devices without okta.devices.read.
    let e = Error::from(reader.list_devices().send().await.unwrap_err());
    assert_eq!(e.okta_error_code(), Some("E0000006"));
    sim.shutdown().await;
}

async fn dpop_sim(key: &GeneratedKey, ttl: Duration) -> RunningSim {
    let mut config = oauth_config(key, &ALL_SCOPES, ttl);
    config.oauth.require_dpop = true;
    config.oauth.dpop_nonce = true;
    start(config, 0).await.unwrap()
}

fn dpop_client(sim: &RunningSim, scopes: &[&str], key: &str) -> Client {
    let jwt = PrivateKeyJwt::new(CLIENT_ID, scopes.iter().copied(), key).with_dpop();
    client_with(sim, Credentials::PrivateKey(jwt))
}

#[tokio::test]
async fn dpop_bound_tokens_with_a_nonce_and_renewal_mid_listing() {
    for kind in [KeyKind::Rsa, KeyKind::Ec] {
        let key = generate_key(kind).unwrap();
        let sim = dpop_sim(&key, Duration::from_secs(1)).await;
        let client = dpop_client(
            &sim,
            &["okta.devices.read", "okta.policies.read"],
            &key.private_pem,
        );
        assert!(list_access_policies(&client).await.unwrap() > 0, "{kind:?}");
        // The first token request was answered with use_dpop_nonce and retried.
        assert_eq!(sim.oauth_nonce_challenges().await, 1, "{kind:?}");
        let mut pages = client.list_devices().limit(15).pages();
        let mut seen = 0;
        while let Some(page) = pages.next().await {
            seen += page.unwrap().items.len();
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
        assert_eq!(seen, 45);
        assert!(sim.oauth_tokens_issued().await >= 2, "{kind:?}");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn without_dpop_the_app_that_requires_it_refuses() {
    let key = generate_key(KeyKind::Ec).unwrap();
    let sim = dpop_sim(&key, Duration::from_secs(60)).await;
    let plain = client(&sim, &["okta.policies.read"], &key.private_pem);
    let e = list_access_policies(&plain).await.unwrap_err();
    assert_eq!(
        e.token_error().and_then(|t| t.oauth_code()),
        Some(&OAuthErrorCode::InvalidDpopProof),
        "{e:?}"
    );
    sim.shutdown().await;
}
