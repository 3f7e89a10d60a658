//! Simulator: authentication, headers on every response, error bodies, rate limiting and
//! fault injection.

mod sim_common;

use std::time::{Duration, Instant};

use okta_sim::{FaultConfig, SimConfig, router, start};
use reqwest::{Client, StatusCode};
use serde_json::json;
use sim_common::{Org, TOKEN, expect_error, expect_json, expect_not_found};

#[tokio::test]
async fn requests_without_a_valid_token_are_401_e0000011() {
    let org = Org::start().await;
    let url = org.url("/api/v1/policies?type=OKTA_SIGN_ON");
    let cases: [Option<String>; 6] = [
        None,
        Some("SSWS wrong-token".into()),
        Some(format!("Basic {TOKEN}")),
        Some(TOKEN.to_string()),
        Some("SSWS".into()),
        Some("Bearer ".into()),
    ];
    for auth in cases {
        let mut req = org.client.get(&url);
        if let Some(auth) = &auth {
            req = req.header("Authorization", auth);
        }
        let resp = req.send().await.expect("send");
        let body = expect_error(resp, StatusCode::UNAUTHORIZED, "E0000011").await;
        assert_eq!(body["errorSummary"], "Invalid token provided", "{auth:?}");
    }
    // Both documented schemes work, scheme names case-insensitively.
    for auth in [
        format!("SSWS {TOKEN}"),
        format!("Bearer {TOKEN}"),
        format!("ssws {TOKEN}"),
    ] {
        let resp = org
            .client
            .get(&url)
            .header("Authorization", auth)
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::OK);
    }
    // Every /api/v1 path is protected, including unknown ids and unknown paths.
    for path in [
        "/api/v1/devices",
        "/api/v1/devices/guoNOPE",
        "/api/v1/nothing-here",
    ] {
        let resp = org.get_anonymous(path).await;
        expect_error(resp, StatusCode::UNAUTHORIZED, "E0000011").await;
    }
    org.sim.shutdown().await;
}

#[tokio::test]
async fn configured_tokens_replace_the_default() {
    let org = Org::with(SimConfig {
        api_tokens: vec!["alpha".into(), "beta".into()],
        ..SimConfig::default()
    })
    .await;
    let send = |token: &'static str| {
        org.client
            .get(org.url("/api/v1/devices?limit=1"))
            .header("Authorization", format!("Bearer {token}"))
            .send()
    };
    assert_eq!(send("alpha").await.expect("send").status(), StatusCode::OK);
    assert_eq!(send("beta").await.expect("send").status(), StatusCode::OK);
    assert_eq!(
        send(TOKEN).await.expect("send").status(),
        StatusCode::UNAUTHORIZED
    );
    org.sim.shutdown().await;
}

#[tokio::test]
async fn every_response_carries_request_id_date_and_rate_limit_headers() {
    let org = Org::start().await;
    let unauthenticated = org.get_anonymous("/api/v1/devices").await;
    let responses = vec![
        org.get("/api/v1/policies?type=PASSWORD").await,
        org.get("/api/v1/policies/rstUNKNOWN").await,
        org.post("/api/v1/policies", &json!({})).await,
        unauthenticated,
    ];
    let mut ids = Vec::new();
    for resp in &responses {
        let h = resp.headers();
        let id = h["x-okta-request-id"].to_str().expect("ascii").to_string();
        assert!(
            !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()),
            "{id}"
        );
        ids.push(id);
        let date = h["date"].to_str().expect("ascii");
        assert!(date.ends_with(" GMT"), "{date}");
        for name in [
            "x-rate-limit-limit",
            "x-rate-limit-remaining",
            "x-rate-limit-reset",
        ] {
            let value: u64 = h[name].to_str().expect("ascii").parse().expect("integer");
            assert!(
                value > 0 || name == "x-rate-limit-remaining",
                "{name}={value}"
            );
        }
        assert!(
            h["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("application/json")
        );
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), responses.len(), "request ids must be distinct");
    org.sim.shutdown().await;
}

/// Wire fidelity (issue 15): every 204 has no body and no `Content-Type`, and every response —
/// 2xx, 204, 400, 404 of an unknown id or an unknown route, 405, 401 — carries
/// `X-Okta-Request-Id`, `Date` and the three `X-Rate-Limit-*` headers; every non-204 is JSON.
#[tokio::test]
async fn no_content_has_no_body_or_content_type_and_every_response_has_okta_headers() {
    let org = Org::start().await;
    let policy = org
        .create_policy(json!({ "name": "wire", "type": "PASSWORD", "status": "INACTIVE" }))
        .await;
    let id = policy["id"].as_str().expect("id").to_string();
    let path = format!("/api/v1/policies/{id}");
    let rule = org
        .create(
            &format!("{path}/rules"),
            &json!({ "name": "wire rule", "type": "PASSWORD" }),
        )
        .await;
    let rule_path = format!("{path}/rules/{}", rule["id"].as_str().expect("rule id"));
    let devices = org
        .get_ok("/api/v1/devices?search=status%20eq%20%22ACTIVE%22")
        .await;
    let device = devices[0]["id"].as_str().expect("device id").to_string();
    let device_path = format!("/api/v1/devices/{device}");
    let no_content = vec![
        org.lifecycle(&path, "activate").await,
        org.lifecycle(&path, "deactivate").await,
        org.lifecycle(&rule_path, "deactivate").await,
        org.lifecycle(&rule_path, "activate").await,
        org.delete(&rule_path).await,
        org.lifecycle(&device_path, "suspend").await,
        org.lifecycle(&device_path, "unsuspend").await,
        // Already ACTIVE: real orgs answer 204 too.
        org.lifecycle(&device_path, "activate").await,
        org.lifecycle(&device_path, "deactivate").await,
        org.delete(&device_path).await,
        org.delete(&path).await,
    ];
    let unauthenticated = org.get_anonymous("/api/v1/policies?type=PASSWORD").await;
    let others = vec![
        (
            StatusCode::OK,
            org.get("/api/v1/policies?type=PASSWORD").await,
        ),
        (StatusCode::OK, org.get("/api/v1/devices?limit=2").await),
        (
            StatusCode::BAD_REQUEST,
            org.post("/api/v1/policies", &json!({})).await,
        ),
        (StatusCode::NOT_FOUND, org.get(&path).await),
        (
            StatusCode::NOT_FOUND,
            org.get("/api/v1/no-such-route").await,
        ),
        (
            StatusCode::NOT_FOUND,
            org.get("/no-such-route-outside-api").await,
        ),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            org.send(reqwest::Method::PATCH, "/api/v1/policies", None)
                .await,
        ),
        (StatusCode::UNAUTHORIZED, unauthenticated),
    ];
    let okta_headers = |resp: &reqwest::Response| {
        let h = resp.headers();
        for name in [
            "x-okta-request-id",
            "date",
            "x-rate-limit-limit",
            "x-rate-limit-remaining",
            "x-rate-limit-reset",
        ] {
            assert!(
                h.get(name).is_some_and(|v| !v.is_empty()),
                "{} {}: no {name}",
                resp.status(),
                resp.url()
            );
        }
    };
    for resp in no_content {
        assert_eq!(resp.status(), StatusCode::NO_CONTENT, "{}", resp.url());
        okta_headers(&resp);
        assert!(
            resp.headers().get("content-type").is_none(),
            "{}: 204 with a Content-Type",
            resp.url()
        );
        assert!(
            resp.headers()
                .get("content-length")
                .is_none_or(|v| v.as_bytes() == b"0"),
            "{}",
            resp.url()
        );
        assert!(resp.bytes().await.expect("body").is_empty());
    }
    for (status, resp) in others {
        assert_eq!(resp.status(), status, "{}", resp.url());
        okta_headers(&resp);
        let content_type = resp.headers()["content-type"].to_str().expect("ascii");
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        let body: serde_json::Value = resp.json().await.expect("JSON body");
        if !status.is_success() {
            for field in ["errorCode", "errorSummary", "errorLink", "errorId"] {
                assert!(body[field].is_string(), "{field}: {body}");
            }
            assert!(body["errorCauses"].is_array(), "{body}");
        }
    }
    org.sim.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_and_methods_get_okta_error_bodies() {
    let org = Org::start().await;
    let body = expect_not_found(org.get("/api/v1/widgets").await).await;
    assert!(
        body["errorSummary"]
            .as_str()
            .expect("s")
            .contains("/api/v1/widgets")
    );
    expect_not_found(
        org.post_empty("/api/v1/devices/guo1/lifecycle/explode")
            .await,
    )
    .await;
    expect_error(
        org.send(reqwest::Method::PATCH, "/api/v1/policies", None)
            .await,
        StatusCode::METHOD_NOT_ALLOWED,
        "E0000022",
    )
    .await;
    org.sim.shutdown().await;
}

#[tokio::test]
async fn rate_limit_answers_429_e0000047_then_recovers_in_the_next_window() {
    let org = Org::with(SimConfig {
        rate_limit_per_minute: Some(5),
        rate_limit_window: Duration::from_millis(1500),
        ..SimConfig::default()
    })
    .await;
    let mut remaining = Vec::new();
    for _ in 0..5 {
        let resp = org.get("/api/v1/devices?limit=1").await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["x-rate-limit-limit"], "5");
        remaining.push(
            resp.headers()["x-rate-limit-remaining"]
                .to_str()
                .expect("ascii")
                .to_string(),
        );
    }
    assert_eq!(remaining, ["4", "3", "2", "1", "0"]);
    let resp = org.get("/api/v1/devices?limit=1").await;
    let reset: u64 = resp.headers()["x-rate-limit-reset"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("epoch seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(
        reset >= now && reset <= now + 3,
        "reset {reset} vs now {now}"
    );
    assert_eq!(resp.headers()["x-rate-limit-remaining"], "0");
    let body = expect_error(resp, StatusCode::TOO_MANY_REQUESTS, "E0000047").await;
    assert_eq!(
        body["errorSummary"],
        "API call exceeded rate limit due to too many requests."
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let resp = org.get("/api/v1/devices?limit=1").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-rate-limit-remaining"], "4");
    org.sim.shutdown().await;
}

#[tokio::test]
async fn injected_server_errors_are_okta_5xx_bodies() {
    let org = Org::with_faults(FaultConfig {
        error_rate: 1.0,
        error_status: 503,
        ..FaultConfig::default()
    })
    .await;
    let resp = org.get("/api/v1/devices").await;
    assert!(resp.headers().contains_key("x-rate-limit-reset"));
    expect_error(resp, StatusCode::SERVICE_UNAVAILABLE, "E0000009").await;
    org.sim.shutdown().await;
}

#[tokio::test]
async fn injected_drops_and_truncations_break_the_transport() {
    let org = Org::with_faults(FaultConfig {
        drop_rate: 1.0,
        ..FaultConfig::default()
    })
    .await;
    let outcome = match org
        .client
        .get(org.url("/api/v1/devices"))
        .header("Authorization", format!("SSWS {TOKEN}"))
        .send()
        .await
    {
        Err(_) => Err(()),
        Ok(resp) => resp.bytes().await.map(|_| ()).map_err(|_| ()),
    };
    assert!(
        outcome.is_err(),
        "a dropped connection must not yield a full response"
    );
    org.sim.shutdown().await;

    let org = Org::with_faults(FaultConfig {
        truncate_rate: 1.0,
        ..FaultConfig::default()
    })
    .await;
    let resp = org.get("/api/v1/devices").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let declared: usize = resp.headers()["content-length"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("length");
    assert!(declared > 100);
    assert!(
        resp.bytes().await.is_err(),
        "truncated body must fail to read"
    );
    org.sim.shutdown().await;
}

#[tokio::test]
async fn fault_rates_are_deterministic_per_seed_and_latency_applies() {
    async fn pattern(seed: u64) -> Vec<u16> {
        let org = Org::with(SimConfig {
            seed,
            faults: FaultConfig {
                error_rate: 0.5,
                ..FaultConfig::default()
            },
            ..SimConfig::default()
        })
        .await;
        let mut statuses = Vec::new();
        for _ in 0..24 {
            statuses.push(org.get("/api/v1/devices?limit=1").await.status().as_u16());
        }
        org.sim.shutdown().await;
        statuses
    }
    let a = pattern(11).await;
    assert_eq!(a, pattern(11).await);
    assert!(a.contains(&200) && a.contains(&500), "{a:?}");

    let org = Org::with_faults(FaultConfig {
        latency: Duration::from_millis(150),
        ..FaultConfig::default()
    })
    .await;
    let started = Instant::now();
    assert_eq!(
        org.get("/api/v1/devices?limit=1").await.status(),
        StatusCode::OK
    );
    assert!(started.elapsed() >= Duration::from_millis(150));
    org.sim.shutdown().await;
}

#[tokio::test]
async fn invalid_fault_configuration_is_rejected_and_router_serves_in_process() {
    let bad = SimConfig {
        faults: FaultConfig {
            error_rate: 0.7,
            drop_rate: 0.7,
            ..FaultConfig::default()
        },
        ..SimConfig::default()
    };
    assert!(start(bad, 0).await.is_err());

    // `router` can be served on any listener the caller owns.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server =
        tokio::spawn(async move { axum::serve(listener, router(SimConfig::default())).await });
    let resp = Client::new()
        .get(format!("http://{addr}/api/v1/policies?type=PASSWORD"))
        .header("Authorization", format!("SSWS {TOKEN}"))
        .send()
        .await
        .expect("send");
    let body = expect_json(resp, StatusCode::OK).await;
    assert_eq!(body.as_array().map(Vec::len), Some(1));
    server.abort();
}
