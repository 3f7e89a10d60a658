//! Escape hatch for endpoints outside the curated spec, sharing the client's credentials,
//! retries, tracing and error mapping.
//!
//! ```no_run
//! # async fn demo(client: okta_mgmt::Client) -> Result<(), okta_mgmt::Error> {
//! let users: serde_json::Value = client
//!     .raw()
//!     .get("/api/v1/devices/guo1/users")
//!     .send_json()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! Paths are relative to the org URL and must start with `/`; absolute URLs are refused so
//! credentials are only ever sent to the org. Callers percent-encode dynamic path segments.
//! Non-success responses become [`Error`] values exactly like generated calls
//! ([`Error::Api`] for Okta error bodies, [`Error::RetriesExhausted`], …).

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::Client;
use crate::error::{self, Error};
use crate::link::Links;

/// Operation label used in logs for raw calls without [`RawRequest::operation`].
const RAW_OPERATION: &str = "raw";

impl Client {
    /// Raw requests to any path of the org, with this client's credentials and retries.
    pub fn raw(&self) -> Raw<'_> {
        Raw { client: self }
    }
}

/// Entry point for raw requests; see [`Client::raw`].
#[derive(Clone, Copy, Debug)]
pub struct Raw<'a> {
    client: &'a Client,
}

impl<'a> Raw<'a> {
    /// A request with any method.
    pub fn request(self, method: Method, path: impl Into<String>) -> RawRequest<'a> {
        RawRequest {
            client: self.client,
            method,
            path: path.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            operation: RAW_OPERATION,
            error: None,
        }
    }

    /// A `GET` request.
    pub fn get(self, path: impl Into<String>) -> RawRequest<'a> {
        self.request(Method::GET, path)
    }

    /// A `POST` request.
    pub fn post(self, path: impl Into<String>) -> RawRequest<'a> {
        self.request(Method::POST, path)
    }

    /// A `PUT` request.
    pub fn put(self, path: impl Into<String>) -> RawRequest<'a> {
        self.request(Method::PUT, path)
    }

    /// A `DELETE` request.
    pub fn delete(self, path: impl Into<String>) -> RawRequest<'a> {
        self.request(Method::DELETE, path)
    }
}

/// A raw request being built. Errors in the builder calls are reported by `send`.
#[derive(Debug)]
#[must_use]
pub struct RawRequest<'a> {
    client: &'a Client,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    operation: &'static str,
    error: Option<String>,
}

impl<'a> RawRequest<'a> {
    /// Appends a query parameter (encoded for you).
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Adds a request header. `Authorization`, `Host` and `User-Agent` are managed by the
    /// client and refused.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                if matches!(
                    name.as_str(),
                    "authorization" | "host" | "user-agent" | "proxy-authorization"
                ) {
                    self.error
                        .get_or_insert_with(|| format!("header {name} is managed by the client"));
                } else {
                    self.headers.append(name, value);
                }
            }
            _ => {
                self.error
                    .get_or_insert_with(|| format!("invalid header {name:?}"));
            }
        }
        self
    }

    /// Sends `body` as JSON.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(bytes);
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Err(e) => {
                self.error
                    .get_or_insert_with(|| format!("could not serialize the body: {e}"));
            }
        }
        self
    }

    /// Labels the call in logs and traces (default `raw`).
    pub fn operation(mut self, name: &'static str) -> Self {
        self.operation = name;
        self
    }

    /// Sends the request. A 2xx response is returned whatever its body; any other status
    /// becomes an [`Error`].
    pub async fn send(self) -> Result<RawResponse, Error> {
        if let Some(message) = self.error {
            return Err(Error::InvalidRequest { message });
        }
        let url = resolve(&self.client.baseurl, &self.path, &self.query)?;
        let mut builder = self
            .client
            .client
            .request(self.method, url)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .headers(self.headers);
        if let Some(body) = self.body {
            builder = builder.body(body);
        }
        let request = builder.build().map_err(|e| Error::InvalidRequest {
            message: e.to_string(),
        })?;
        let exchange = self.client.dispatch(request, self.operation).await?;
        if let Some(error) = exchange.error() {
            return Err(error);
        }
        Ok(RawResponse {
            status: exchange.status,
            headers: exchange.headers,
            body: exchange.body,
        })
    }

    /// Sends the request and decodes a 2xx JSON body.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T, Error> {
        self.send().await?.json()
    }
}

/// Joins a relative path (and query) onto the org URL, refusing anything that would leave
/// the org's origin.
fn resolve(base: &str, path: &str, query: &[(String, String)]) -> Result<Url, Error> {
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(Error::InvalidRequest {
            message: "raw paths must be relative to the org URL and start with a single '/'".into(),
        });
    }
    let invalid = |e: url::ParseError| Error::InvalidRequest {
        message: format!("invalid path: {e}"),
    };
    let base_url = Url::parse(base).map_err(invalid)?;
    let mut url = Url::parse(&format!("{base}{path}")).map_err(invalid)?;
    if url.origin() != base_url.origin() {
        return Err(Error::ForeignOrigin {
            origin: url.origin().ascii_serialization(),
        });
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    Ok(url)
}

/// A successful raw response.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RawResponse {
    /// HTTP status (2xx).
    pub status: StatusCode,
    /// Response headers, as received.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl RawResponse {
    /// Decodes the body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body)
            .map_err(|e| Error::decode(Some(self.status), Some(&self.headers), &self.body, e))
    }

    /// The `X-Okta-Request-Id` header.
    pub fn request_id(&self) -> Option<String> {
        error::request_id(&self.headers)
    }

    /// The parsed `Link` headers (for paginating raw list endpoints).
    pub fn links(&self) -> Links {
        Links::from_headers(&self.headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_joins_and_encodes() {
        let url = resolve(
            "https://acme.okta.com",
            "/api/v1/devices",
            &[("search".into(), "status eq \"ACTIVE\"".into())],
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://acme.okta.com/api/v1/devices?search=status+eq+%22ACTIVE%22"
        );
        let url = resolve("http://127.0.0.1:1/prefix", "/api/v1/x", &[]).unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:1/prefix/api/v1/x");
    }

    #[test]
    fn resolve_refuses_other_hosts() {
        for path in [
            "https://evil.example/api",
            "//evil.example/api",
            "api/v1/devices",
            "",
        ] {
            assert!(
                matches!(
                    resolve("https://acme.okta.com", path, &[]),
                    Err(Error::InvalidRequest { .. })
                ),
                "{path}"
            );
        }
        // "@" after the host would be user info only if it came before it; here it is a path.
        let url = resolve("https://acme.okta.com", "/@evil.example", &[]).unwrap();
        assert_eq!(url.host_str(), Some("acme.okta.com"));
    }
}
