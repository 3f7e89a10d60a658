//! Observe, and optionally refuse, every request the client sends.
//!
//! A [`RequestHook`] installed with [`crate::ClientBuilder::hook`] (or on a copy of a client
//! with [`crate::Client::with_hook`]) sees each call once before anything is sent — operation,
//! method, URL, headers with credentials redacted, and body — and may refuse it; the call then
//! fails with [`crate::Error::Refused`] and nothing reaches the network (not even a token
//! request). It then sees the final response of the call (after retries) with its body, and
//! every wait before a retry, including rate-limit waits.
//!
//! Generated operations, page streams and [`crate::raw`] calls all go through the hook.
//!
//! An observer ([`crate::Client::with_observer`]) is a second, watch-only slot: it sees what
//! the hook lets through, cannot refuse, and stays when a hook is installed with `with_hook`.
//!
//! ```
//! use okta_mgmt::hook::{OutgoingRequest, Refusal, RequestHook};
//!
//! /// Refuses anything but reads.
//! #[derive(Debug)]
//! struct ReadOnly;
//!
//! impl RequestHook for ReadOnly {
//!     fn on_request(&self, request: &OutgoingRequest<'_>) -> Result<(), Refusal> {
//!         if request.method() == http::Method::GET {
//!             Ok(())
//!         } else {
//!             Err(Refusal::new("this tool only reads"))
//!         }
//!     }
//! }
//!
//! let client = okta_mgmt::Client::builder()
//!     .org_url("https://example.okta.com")
//!     .api_token("00a-not-a-real-token")
//!     .hook(std::sync::Arc::new(ReadOnly))
//!     .build()?;
//! # let _ = client;
//! # Ok::<(), okta_mgmt::BuildError>(())
//! ```

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method, StatusCode};
use url::Url;

pub use crate::retry::RetryWait;

/// What a hook gets to see and decide on. All methods have empty defaults.
pub trait RequestHook: Send + Sync + fmt::Debug + 'static {
    /// Called once per call, before the first attempt. Return a [`Refusal`] to stop the call
    /// before anything is sent.
    fn on_request(&self, request: &OutgoingRequest<'_>) -> Result<(), Refusal> {
        let _ = request;
        Ok(())
    }

    /// Called once per call with its final response (after retries), whatever its status.
    fn on_response(&self, response: &ObservedResponse<'_>) {
        let _ = response;
    }

    /// Called before each wait for a retry (rate limit, 503/504, connection failure).
    fn on_retry_wait(&self, wait: &RetryWait<'_>) {
        let _ = wait;
    }
}

/// Headers never shown to a hook in clear.
const SECRET_HEADERS: &[&str] = &["authorization", "dpop", "proxy-authorization", "cookie"];

/// The value shown instead of a secret header.
pub const REDACTED: &str = "[redacted]";

/// A request about to be sent.
#[derive(Debug)]
pub struct OutgoingRequest<'a> {
    pub(crate) operation: &'a str,
    pub(crate) method: &'a Method,
    pub(crate) url: &'a Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<&'a [u8]>,
}

impl<'a> OutgoingRequest<'a> {
    pub(crate) fn of(request: &'a reqwest::Request, operation: &'a str) -> Self {
        Self {
            operation,
            method: request.method(),
            url: request.url(),
            headers: redacted(request.headers()),
            body: request.body().and_then(reqwest::Body::as_bytes),
        }
    }

    /// The operation (`list_policies`, `raw`, …).
    pub fn operation(&self) -> &str {
        self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The full URL, query included.
    pub fn url(&self) -> &Url {
        self.url
    }

    /// The request headers, with `Authorization`, `DPoP`, `Proxy-Authorization` and `Cookie`
    /// replaced by [`REDACTED`]. A credential added later in the send (an OAuth access token)
    /// is not listed.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body, if the request has one.
    pub fn body(&self) -> Option<&[u8]> {
        self.body
    }

    /// Whether the request can change the org (any method but `GET`, `HEAD` and `OPTIONS`).
    pub fn is_write(&self) -> bool {
        !matches!(*self.method, Method::GET | Method::HEAD | Method::OPTIONS)
    }
}

/// The final response of a call.
#[derive(Debug)]
pub struct ObservedResponse<'a> {
    pub(crate) operation: &'a str,
    pub(crate) method: &'a Method,
    pub(crate) url: &'a Url,
    pub(crate) status: StatusCode,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
    pub(crate) attempts: u32,
    pub(crate) elapsed: Duration,
}

impl ObservedResponse<'_> {
    /// The operation (`list_policies`, `raw`, …).
    pub fn operation(&self) -> &str {
        self.operation
    }

    /// The request's HTTP method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The request's URL.
    pub fn url(&self) -> &Url {
        self.url
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers, as received.
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// The response body.
    pub fn body(&self) -> &[u8] {
        self.body
    }

    /// HTTP attempts made for the call.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time from the first attempt to the final response.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

/// A hook's reason to refuse a request; the call fails with [`crate::Error::Refused`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    reason: String,
}

impl Refusal {
    /// A refusal with the reason shown to the caller.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// The reason.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

/// A copy of `headers` with the secret ones replaced by [`REDACTED`].
pub fn redacted(headers: &HeaderMap) -> HeaderMap {
    let mut copy = headers.clone();
    for name in SECRET_HEADERS {
        if copy.contains_key(*name) {
            copy.insert(*name, HeaderValue::from_static(REDACTED));
        }
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_headers_are_redacted() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("SSWS secret"));
        headers.insert("dpop", HeaderValue::from_static("eyJ.proof"));
        headers.insert("accept", HeaderValue::from_static("application/json"));
        let shown = redacted(&headers);
        assert_eq!(shown["authorization"], REDACTED);
        assert_eq!(shown["dpop"], REDACTED);
        assert_eq!(shown["accept"], "application/json");
    }
}
