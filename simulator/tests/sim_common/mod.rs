//! Helpers shared by the simulator tests: start a simulator on an ephemeral loopback port and
//! talk to it with an authenticated reqwest client.
#![allow(dead_code)]

use okta_sim::{FaultConfig, RunningSim, SimConfig, start};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::Value;

pub const TOKEN: &str = "sim-api-token";

pub struct Org {
    pub sim: RunningSim,
    pub client: Client,
    pub base: String,
}

impl Org {
    pub async fn start() -> Self {
        Self::with(SimConfig::default()).await
    }

    pub async fn with(config: SimConfig) -> Self {
        let sim = start(config, 0).await.expect("simulator starts");
        let base = sim.base_url();
        Self {
            sim,
            client: Client::new(),
            base,
        }
    }

    /// A simulator with the default configuration and `device_count` seeded devices.
    pub async fn with_devices(device_count: usize) -> Self {
        Self::with(SimConfig {
            device_count,
            ..SimConfig::default()
        })
        .await
    }

    /// A simulator with the default configuration and these injected faults.
    pub async fn with_faults(faults: FaultConfig) -> Self {
        Self::with(SimConfig {
            faults,
            ..SimConfig::default()
        })
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut req = self
            .client
            .request(method, self.url(path))
            .header("Authorization", format!("SSWS {TOKEN}"))
            .header("Accept", "application/json");
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.expect("request reaches the simulator")
    }

    /// GET without credentials.
    pub async fn get_anonymous(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the simulator")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn post_empty(&self, path: &str) -> Response {
        self.send(Method::POST, path, None).await
    }

    /// `POST {object}/lifecycle/{action}` (no body) on the object at path `object`.
    pub async fn lifecycle(&self, object: &str, action: &str) -> Response {
        self.post_empty(&format!("{object}/lifecycle/{action}"))
            .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.send(Method::DELETE, path, None).await
    }

    /// GET that must succeed with 200; returns the JSON body.
    pub async fn get_ok(&self, path: &str) -> Value {
        let resp = self.get(path).await;
        expect_json(resp, StatusCode::OK).await
    }

    /// POST that must succeed with 200; returns the JSON body.
    pub async fn create(&self, path: &str, body: &Value) -> Value {
        let resp = self.post(path, body).await;
        expect_json(resp, StatusCode::OK).await
    }

    /// Creates a policy and returns it.
    pub async fn create_policy(&self, body: Value) -> Value {
        self.create("/api/v1/policies", &body).await
    }

    /// The policies of one type, in the order the server lists them.
    pub async fn policies(&self, policy_type: &str) -> Vec<Value> {
        let list = self
            .get_ok(&format!("/api/v1/policies?type={}", enc(policy_type)))
            .await;
        list.as_array().cloned().expect("array")
    }
}

/// URL-encodes a query value.
pub fn enc(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Asserts the status and returns the JSON body.
pub async fn expect_json(resp: Response, status: StatusCode) -> Value {
    let got = resp.status();
    let text = resp.text().await.expect("body");
    assert_eq!(got, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts an Okta error response: status, `Content-Type`, code and the full body shape.
pub async fn expect_error(resp: Response, status: StatusCode, code: &str) -> Value {
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        resp.headers().contains_key("x-okta-request-id"),
        "error without X-Okta-Request-Id"
    );
    let body = expect_json(resp, status).await;
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(body["errorCode"], code, "{body}");
    assert_eq!(body["errorLink"], code, "{body}");
    assert!(
        body["errorSummary"].as_str().is_some_and(|s| !s.is_empty()),
        "{body}"
    );
    assert!(
        body["errorId"]
            .as_str()
            .is_some_and(|s| s.starts_with("oae")),
        "{body}"
    );
    assert!(body["errorCauses"].is_array(), "{body}");
    body
}

/// Asserts Okta's validation error: 400 `E0000001`.
pub async fn expect_invalid(resp: Response) -> Value {
    expect_error(resp, StatusCode::BAD_REQUEST, "E0000001").await
}

/// Asserts Okta's unknown-resource error: 404 `E0000007`.
pub async fn expect_not_found(resp: Response) -> Value {
    expect_error(resp, StatusCode::NOT_FOUND, "E0000007").await
}

/// The `errorSummary` of an error body's first cause.
pub fn first_cause(err: &Value) -> &str {
    err["errorCauses"][0]["errorSummary"]
        .as_str()
        .unwrap_or_else(|| panic!("no errorCauses[0].errorSummary in {err}"))
}

/// Asserts a 204 No Content as real orgs send it: no body and no `Content-Type`.
pub async fn expect_no_content(resp: Response) {
    let status = resp.status();
    let content_type = resp.headers().get("content-type").cloned();
    let text = resp.text().await.expect("body");
    assert_eq!(status, StatusCode::NO_CONTENT, "body: {text}");
    assert!(text.is_empty());
    assert_eq!(content_type, None, "a 204 with a Content-Type");
}

/// `hints.allow` of link `rel` in an object's `_links`.
pub fn allow(object: &Value, rel: &str) -> Vec<String> {
    object["_links"][rel]["hints"]["allow"]
        .as_array()
        .unwrap_or_else(|| panic!("no _links.{rel} in {object}"))
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect()
}

/// Whether `_links` has relation `rel`.
pub fn has_link(object: &Value, rel: &str) -> bool {
    object["_links"].get(rel).is_some()
}

/// The `Link` header values of a response, as (url, rel) pairs.
pub fn link_headers(resp: &Response) -> Vec<(String, String)> {
    resp.headers()
        .get_all("link")
        .iter()
        .map(|v| {
            let s = v.to_str().expect("ascii");
            let (url, rel) = s.split_once(">; rel=\"").expect("link format");
            (
                url.trim_start_matches('<').to_string(),
                rel.trim_end_matches('"').to_string(),
            )
        })
        .collect()
}

/// An Okta id: 20 alphanumeric characters with the expected prefix.
pub fn assert_okta_id(id: &Value, prefix: &str) {
    let id = id
        .as_str()
        .unwrap_or_else(|| panic!("id is not a string: {id}"));
    assert_eq!(id.len(), 20, "{id}");
    assert!(id.starts_with(prefix), "{id} should start with {prefix}");
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
}

/// An Okta timestamp: RFC 3339 with milliseconds and `Z`.
pub fn assert_timestamp(ts: &Value) {
    let ts = ts
        .as_str()
        .unwrap_or_else(|| panic!("timestamp is not a string: {ts}"));
    assert_eq!(ts.len(), 24, "{ts}");
    assert!(ts.ends_with('Z'), "{ts}");
    assert_eq!(&ts[19..20], ".", "{ts}");
    assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "{ts}");
}
