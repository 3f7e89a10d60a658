//! Credentials, headers, configuration validation and secret hygiene.

mod common;

use std::time::Duration;

use common::{
    TOKEN, client_configured, client_with_credentials, device, get_device_ok, mock_device_for,
    mock_json,
};
use httpmock::Method::GET;
use httpmock::MockServer;
use okta_mgmt::{BuildError, Client, ClientBuilder, Credentials, Error, RetryPolicy};

fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl FnMut(&str) -> Option<String> + 'a {
    move |key| {
        vars.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[tokio::test]
async fn api_token_is_sent_as_ssws() {
    let server = MockServer::start_async().await;
    let mock = mock_device_for(&server, &format!("SSWS {TOKEN}")).await;
    get_device_ok(&client_with_credentials(
        &server,
        Credentials::api_token(TOKEN),
    ))
    .await;
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn access_token_is_sent_as_bearer() {
    let server = MockServer::start_async().await;
    let mock = mock_device_for(&server, &format!("Bearer {TOKEN}")).await;
    get_device_ok(&client_configured(&server, |b| b.access_token(TOKEN))).await;
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn user_agent_has_version_and_suffix() {
    let server = MockServer::start_async().await;
    let expected = format!("okta-mgmt/{} my-tool/1.2", env!("CARGO_PKG_VERSION"));
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).header("user-agent", expected.as_str());
            then.status(200).json_body(device("guo1"));
        })
        .await;
    let client = client_configured(&server, |b| {
        b.api_token(TOKEN).user_agent_suffix("my-tool/1.2")
    });
    get_device_ok(&client).await;
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn custom_reqwest_client_still_gets_credentials() {
    let server = MockServer::start_async().await;
    let mock = mock_device_for(&server, &format!("SSWS {TOKEN}")).await;
    let custom = |b: ClientBuilder| b.api_token(TOKEN).http_client(reqwest::Client::new());
    get_device_ok(&client_configured(&server, custom)).await;
    mock.assert_calls_async(1).await;

    let conflict = custom(Client::builder().org_url(server.base_url()))
        .connect_timeout(Duration::from_secs(1))
        .build();
    assert!(matches!(
        conflict,
        Err(BuildError::ConnectTimeoutWithCustomClient)
    ));
}

#[tokio::test]
async fn from_env_with_picks_the_scheme() {
    let server = MockServer::start_async().await;
    let url = server.base_url();
    let ssws = mock_device_for(&server, &format!("SSWS {TOKEN}")).await;
    let client =
        Client::from_env_with(env(&[("OKTA_ORG_URL", &url), ("OKTA_API_TOKEN", TOKEN)])).unwrap();
    get_device_ok(&client).await;
    ssws.assert_calls_async(1).await;

    let bearer = mock_device_for(&server, &format!("Bearer {TOKEN}")).await;
    let client = Client::from_env_with(env(&[
        ("OKTA_ORG_URL", &url),
        ("OKTA_API_TOKEN", ""), // empty counts as unset
        ("OKTA_ACCESS_TOKEN", TOKEN),
    ]))
    .unwrap();
    get_device_ok(&client).await;
    bearer.assert_calls_async(1).await;
}

#[test]
fn from_env_with_reports_typed_errors() {
    type Check = fn(&BuildError) -> bool;
    let cases: Vec<(Vec<(&str, &str)>, Check)> = vec![
        (vec![("OKTA_API_TOKEN", TOKEN)], |e| {
            matches!(e, BuildError::MissingOrgUrl)
        }),
        (vec![("OKTA_ORG_URL", "https://acme.okta.com")], |e| {
            matches!(e, BuildError::MissingCredentials)
        }),
        (
            vec![
                ("OKTA_ORG_URL", "https://acme.okta.com"),
                ("OKTA_API_TOKEN", TOKEN),
                ("OKTA_ACCESS_TOKEN", TOKEN),
            ],
            |e| matches!(e, BuildError::ConflictingCredentials),
        ),
        (
            vec![("OKTA_ORG_URL", "acme.okta.com"), ("OKTA_API_TOKEN", TOKEN)],
            |e| matches!(e, BuildError::InvalidOrgUrl { .. }),
        ),
        (
            vec![
                ("OKTA_ORG_URL", "http://acme.okta.com"),
                ("OKTA_API_TOKEN", TOKEN),
            ],
            |e| matches!(e, BuildError::InsecureOrgUrl { .. }),
        ),
    ];
    for (vars, check) in cases {
        let error = Client::from_env_with(env(&vars)).unwrap_err();
        assert!(check(&error), "{vars:?}: {error:?}");
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(TOKEN), "{shown}");
    }
    let builder = ClientBuilder::from_env_with(env(&[
        ("OKTA_ORG_URL", "https://acme.okta.com"),
        ("OKTA_ACCESS_TOKEN", TOKEN),
    ]))
    .unwrap();
    assert!(
        builder
            .retry_policy(RetryPolicy::disabled())
            .build()
            .is_ok()
    );
}

#[test]
fn plain_http_only_for_loopback() {
    for url in [
        "http://acme.okta.com",
        "http://192.168.1.10:8080",
        "http://localhost.evil.test",
    ] {
        let result = Client::builder().org_url(url).api_token(TOKEN).build();
        assert!(
            matches!(result, Err(BuildError::InsecureOrgUrl { .. })),
            "{url}"
        );
    }
    for url in [
        "http://127.0.0.1:9",
        "http://localhost:9",
        "http://[::1]:9",
        "https://acme.okta.com",
    ] {
        assert!(
            Client::builder()
                .org_url(url)
                .api_token(TOKEN)
                .build()
                .is_ok(),
            "{url}"
        );
    }
    let missing = Client::builder().org_url("https://acme.okta.com").build();
    assert!(matches!(missing, Err(BuildError::MissingCredentials)));
    let bad = Client::builder()
        .org_url("https://acme.okta.com")
        .api_token("line\nbreak")
        .build();
    assert!(matches!(bad, Err(BuildError::InvalidCredentials { .. })));
}

/// Collects everything a `tracing` subscriber writes.
#[tokio::test]
async fn token_never_appears_in_debug_display_or_logs() {
    let (captured, _guard) = common::capture_logs();

    let server = MockServer::start_async().await;
    common::mock_not_found(&server, "/api/v1/devices/missing", "req-404").await;
    mock_json(
        &server,
        GET,
        "/api/v1/devices/busy",
        429,
        common::rate_limited_body(),
    )
    .await;

    let builder = Client::builder()
        .org_url(server.base_url())
        .api_token(TOKEN)
        .retry_policy(common::fast_retry().with_max_retries(1));
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    let credentials = Credentials::access_token(TOKEN);

    let op = client.get_device().device_id("missing");
    let not_found: Error = op.call().await.unwrap_err();
    let op = client.get_device().device_id("busy");
    let raw_error = op.call().await.unwrap_err();
    let raw_shown = format!("{raw_error} {raw_error:?}");
    let exhausted: Error = raw_error;
    assert!(matches!(exhausted, Error::RetriesExhausted { .. }));

    let outputs = [
        builder_debug,
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{credentials:?}"),
        format!("{not_found} {not_found:?}"),
        format!("{exhausted} {exhausted:?}"),
        raw_shown,
    ];
    for shown in &outputs {
        assert!(!shown.contains(TOKEN), "token leaked: {shown}");
    }
    assert!(outputs[1].contains("[redacted]"), "{}", outputs[1]);

    let logs = captured.text();
    assert!(logs.contains("okta_request"), "{logs}");
    assert!(logs.contains("get_device"), "{logs}");
    assert!(logs.contains("req-404"), "{logs}");
    assert!(!logs.contains(TOKEN), "token leaked into logs: {logs}");
}
