//! The crate's error type, split by the phase in which a call failed.
//!
//! Every call made through the crate's own surface (`call()`, `call_with_meta()`, page and
//! item streams, [`crate::raw`]) returns [`Error`]. The generated `send()` methods return
//! `progenitor_client::Error<OktaError>`, which `?` converts into [`Error`] through `From`.
//!
//! `Display` describes only the failing layer; the cause is available through
//! [`std::error::Error::source`], so print errors with a reporter that walks the chain.
//! No variant stores request headers, so credentials can never appear in `Debug` or
//! `Display` output; of the response headers only `X-Okta-Request-Id` and the
//! `X-Rate-Limit-*` values are kept.

use std::fmt;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::retry::{self, RateLimit};

/// Longest body excerpt kept in [`Error::UnexpectedResponse`] and [`Error::Decode`], in bytes.
pub const BODY_SNIPPET_LIMIT: usize = 1024;

/// Okta's error body (`errorCode`, `errorSummary`, …). Unknown fields are kept in
/// [`OktaError::extra`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct OktaError {
    /// Okta error code, e.g. `E0000007`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Human-readable summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_summary: Option<String>,
    /// Link or code identifying the error documentation (Okta repeats the code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_link: Option<String>,
    /// Unique id of this error occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
    /// Detailed causes (validation failures, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_causes: Option<Vec<OktaErrorCause>>,
    /// Fields not described above, kept verbatim.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One entry of [`OktaError::error_causes`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct OktaErrorCause {
    /// Summary of this cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_summary: Option<String>,
    /// Fields not described above, kept verbatim.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl OktaError {
    /// Whether the body looks like an Okta error (it has a code or a summary).
    pub fn is_okta_error(&self) -> bool {
        self.error_code.is_some() || self.error_summary.is_some()
    }

    /// The summaries of [`OktaError::error_causes`], in order (causes without one are skipped).
    pub fn cause_summaries(&self) -> impl Iterator<Item = &str> {
        self.error_causes
            .iter()
            .flatten()
            .filter_map(|c| c.error_summary.as_deref())
    }
}

impl fmt::Display for OktaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.error_code, &self.error_summary) {
            (Some(code), Some(summary)) => write!(f, "{code}: {summary}")?,
            (Some(code), None) => f.write_str(code)?,
            (None, Some(summary)) => f.write_str(summary)?,
            (None, None) => f.write_str("(no error details)")?,
        }
        let causes: Vec<&str> = self.cause_summaries().collect();
        if !causes.is_empty() {
            write!(f, " ({})", causes.join("; "))?;
        }
        Ok(())
    }
}

/// An error response from Okta: the status, the decoded body and response metadata.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The decoded Okta error body.
    pub error: OktaError,
    /// The `X-Okta-Request-Id` response header.
    pub request_id: Option<String>,
    /// The `X-Rate-Limit-*` response headers.
    pub rate_limit: Option<RateLimit>,
    /// HTTP attempts made for the call, when the error came through the crate's call layer.
    pub attempts: Option<u32>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Okta API error (HTTP {}): {}", self.status, self.error)?;
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// Any failure of a call made through this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be built (bad builder value or argument); nothing was sent.
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What was wrong.
        message: String,
    },
    /// The HTTP exchange failed (connect, TLS, I/O, reading the body). The message names the
    /// innermost cause (connection refused, DNS failure, certificate problem, …).
    #[error("transport error: {}", root_cause(.source))]
    Transport {
        /// The underlying `reqwest` error.
        #[source]
        source: reqwest::Error,
    },
    /// The request or connection timed out.
    #[error("request timed out")]
    Timeout {
        /// The underlying `reqwest` error.
        #[source]
        source: reqwest::Error,
    },
    /// Okta answered with an error body (`errorCode`, `errorSummary`, …).
    #[error("{0}")]
    Api(Box<ApiError>),
    /// A response that is neither a success of the expected kind nor an Okta error body
    /// (e.g. an HTML 502 from a proxy).
    #[error("unexpected response (HTTP {status}){}", fmt_request_id(.request_id))]
    UnexpectedResponse {
        /// HTTP status.
        status: StatusCode,
        /// The `X-Okta-Request-Id` response header.
        request_id: Option<String>,
        /// The start of the body (at most [`BODY_SNIPPET_LIMIT`] bytes, lossy UTF-8).
        body: String,
    },
    /// The response body could not be decoded into the expected type.
    #[error("could not decode the response body{}{}", fmt_status(.status), fmt_request_id(.request_id))]
    Decode {
        /// HTTP status, when known (responses of generated operations do not carry it here).
        status: Option<StatusCode>,
        /// The `X-Okta-Request-Id` response header, when known.
        request_id: Option<String>,
        /// The start of the body (at most [`BODY_SNIPPET_LIMIT`] bytes, lossy UTF-8).
        body: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The call was retried and the retry budget ran out; `last` is the final failure.
    #[error("gave up after {attempts} attempts")]
    RetriesExhausted {
        /// Number of HTTP attempts made.
        attempts: u32,
        /// The error of the last attempt.
        #[source]
        last: Box<Error>,
    },
    /// No OAuth access token could be obtained (token endpoint error, unreachable token
    /// endpoint, token provider failure); nothing was sent to the API.
    #[error("could not obtain an access token")]
    Token {
        /// What failed.
        #[source]
        source: std::sync::Arc<crate::oauth::TokenError>,
    },
    /// Pagination stopped because a `next` link pointed at a page already fetched.
    #[error("pagination loop: the next link repeats an already fetched page")]
    PaginationLoop {
        /// The repeated URL.
        url: String,
    },
    /// Pagination stopped after `pages` empty pages in a row that each still had a `next` link:
    /// a server making no progress would otherwise be followed forever (the limit is
    /// [`crate::ClientBuilder::max_empty_pages`]).
    #[error("pagination stalled: {pages} empty pages in a row, each with a next link")]
    PaginationStalled {
        /// The empty pages fetched in a row.
        pages: u32,
        /// The next link that was not followed.
        url: String,
    },
    /// A link (pagination `next`, or a raw request) pointed outside the org URL's origin;
    /// it was not followed, so credentials were not sent there.
    #[error("refusing to send a request to {origin}: it is not the org URL's origin")]
    ForeignOrigin {
        /// The refused origin (`scheme://host:port`).
        origin: String,
    },
    /// The client's [`crate::hook::RequestHook`] refused the request; nothing was sent.
    #[error("refused {method} {path}: {reason}")]
    Refused {
        /// The request's method.
        method: String,
        /// The request's URL path (no query: it may hold search values).
        path: String,
        /// The hook's reason.
        reason: String,
    },
    /// The response body was larger than the client's limit
    /// ([`crate::ClientBuilder::max_response_bytes`]); reading stopped at the limit.
    #[error("response body larger than the {limit}-byte limit (HTTP {status}){}", fmt_request_id(.request_id))]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: usize,
        /// HTTP status of the response.
        status: StatusCode,
        /// The `X-Okta-Request-Id` response header.
        request_id: Option<String>,
    },
    /// The response's `Link` header could not be read, so pagination cannot continue safely.
    #[error("unreadable Link header{}", fmt_request_id(.request_id))]
    InvalidLinkHeader {
        /// The `X-Okta-Request-Id` response header.
        request_id: Option<String>,
    },
}

/// The innermost error of a chain, e.g. `Connection refused (os error 111)`.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

fn fmt_request_id(id: &Option<String>) -> String {
    id.as_ref()
        .map(|id| format!(" [request id {id}]"))
        .unwrap_or_default()
}

fn fmt_status(status: &Option<StatusCode>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

impl Error {
    /// The HTTP status of the (last) response, if a response was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::UnexpectedResponse { status, .. } => Some(*status),
            Error::Decode { status, .. } => *status,
            Error::ResponseTooLarge { status, .. } => Some(*status),
            Error::RetriesExhausted { last, .. } => last.status(),
            Error::Transport { source } | Error::Timeout { source } => source.status(),
            _ => None,
        }
    }

    /// The Okta error body, for [`Error::Api`] (also inside [`Error::RetriesExhausted`]).
    pub fn okta_error(&self) -> Option<&OktaError> {
        match self {
            Error::Api(api) => Some(&api.error),
            Error::RetriesExhausted { last, .. } => last.okta_error(),
            _ => None,
        }
    }

    /// The Okta error code (`E0000007`, …), if any.
    pub fn okta_error_code(&self) -> Option<&str> {
        self.okta_error()?.error_code.as_deref()
    }

    /// The `X-Okta-Request-Id` of the (last) response, if known. Quote it to Okta support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id.as_deref(),
            Error::UnexpectedResponse { request_id, .. }
            | Error::Decode { request_id, .. }
            | Error::ResponseTooLarge { request_id, .. }
            | Error::InvalidLinkHeader { request_id } => request_id.as_deref(),
            Error::RetriesExhausted { last, .. } => last.request_id(),
            _ => None,
        }
    }

    /// The rate-limit headers of the (last) Okta error response, if any.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self {
            Error::Api(api) => api.rate_limit.as_ref(),
            Error::RetriesExhausted { last, .. } => last.rate_limit(),
            _ => None,
        }
    }

    /// Number of HTTP attempts: for [`Error::RetriesExhausted`], and for an Okta error
    /// answered to a call made through the crate (`call()`, streams, raw requests; `1` when
    /// nothing was retried).
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::RetriesExhausted { attempts, .. } => Some(*attempts),
            Error::Api(api) => api.attempts,
            _ => None,
        }
    }

    /// The token failure, for [`Error::Token`].
    pub fn token_error(&self) -> Option<&crate::oauth::TokenError> {
        match self {
            Error::Token { source } => Some(source),
            _ => None,
        }
    }

    /// Whether the final response was `429 Too Many Requests`.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// Classifies a `reqwest` error as [`Error::Timeout`] or [`Error::Transport`].
    pub(crate) fn transport(source: reqwest::Error) -> Self {
        if source.is_timeout() {
            Error::Timeout { source }
        } else {
            Error::Transport { source }
        }
    }

    /// Builds the error for a non-success response whose body is `body`.
    pub(crate) fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        match serde_json::from_slice::<OktaError>(body) {
            Ok(okta) if okta.is_okta_error() => api(status, headers, okta),
            _ => Error::UnexpectedResponse {
                status,
                request_id: request_id(headers),
                body: snippet(body),
            },
        }
    }

    /// Builds a decode error.
    pub(crate) fn decode(
        status: Option<StatusCode>,
        headers: Option<&HeaderMap>,
        body: &[u8],
        source: serde_json::Error,
    ) -> Self {
        Error::Decode {
            status,
            request_id: headers.and_then(request_id),
            body: snippet(body),
            source,
        }
    }
}

fn api(status: StatusCode, headers: &HeaderMap, error: OktaError) -> Error {
    Error::Api(Box::new(ApiError {
        status,
        error,
        request_id: request_id(headers),
        rate_limit: RateLimit::from_headers(headers),
        attempts: None,
    }))
}

/// Wraps `error` in [`Error::RetriesExhausted`] when the retry budget ran out; otherwise
/// records the attempts on an Okta error.
pub(crate) fn exhausted(error: Error, attempts: u32, retries_exhausted: bool) -> Error {
    match error {
        error if retries_exhausted => Error::RetriesExhausted {
            attempts,
            last: Box::new(error),
        },
        Error::Api(mut api) => {
            api.attempts = Some(attempts);
            Error::Api(api)
        }
        other => other,
    }
}

/// The conversion for the generated `send()` methods. Prefer `call()`: it also knows the
/// attempts made, the status of a body that fails to decode, and keeps a non-JSON error body.
impl From<progenitor_client::Error<OktaError>> for Error {
    fn from(error: progenitor_client::Error<OktaError>) -> Self {
        use progenitor_client::Error as P;
        match error {
            P::InvalidRequest(message) | P::Custom(message) => Error::InvalidRequest { message },
            P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
                Error::transport(e)
            }
            P::ErrorResponse(value) => {
                let status = value.status();
                let headers = value.headers().clone();
                let body = value.into_inner();
                if body.is_okta_error() {
                    api(status, &headers, body)
                } else {
                    Error::UnexpectedResponse {
                        status,
                        request_id: request_id(&headers),
                        body: snippet(&serde_json::to_vec(&body).unwrap_or_default()),
                    }
                }
            }
            P::InvalidResponsePayload(bytes, source) => Error::decode(None, None, &bytes, source),
            P::UnexpectedResponse(response) => {
                if let Some(carried) = carried_error(&response) {
                    return carried;
                }
                let body = response
                    .extensions()
                    .get::<BufferedBody>()
                    .map(|b| b.0.clone())
                    .unwrap_or_default();
                Error::from_response(response.status(), response.headers(), &body)
            }
        }
    }
}

/// The `X-Okta-Request-Id` header value.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(retry::REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The first [`BODY_SNIPPET_LIMIT`] bytes of `body` as lossy UTF-8.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= BODY_SNIPPET_LIMIT {
        return text.into_owned();
    }
    let mut end = BODY_SNIPPET_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Status of the synthetic response that carries a failure to the generated code (no
/// operation declares it, so the generated code hands the response back unchanged).
const CARRIER_STATUS: u16 = 599;

/// A failure carried to the generated code inside a synthetic response.
#[derive(Clone, Debug)]
struct CarriedError(Arc<Mutex<Option<Error>>>);

pub(crate) fn carrier(error: Error) -> reqwest::Response {
    let mut response = http::Response::new(Bytes::new());
    *response.status_mut() =
        StatusCode::from_u16(CARRIER_STATUS).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .extensions_mut()
        .insert(CarriedError(Arc::new(Mutex::new(Some(error)))));
    reqwest::Response::from(response)
}

/// The failure a synthetic response carries, taken out of it.
pub(crate) fn carried_error(response: &reqwest::Response) -> Option<Error> {
    let carried = response.extensions().get::<CarriedError>()?;
    carried.0.lock().unwrap_or_else(|e| e.into_inner()).take()
}

/// The body of a non-success response, attached as a response extension so that the
/// synchronous `From` conversion of `send()` errors can read it.
#[derive(Clone, Debug)]
pub(crate) struct BufferedBody(pub(crate) Bytes);

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_FOUND: &str = r#"{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: guo1 (Device)","errorLink":"E0000007","errorId":"oaeksGoibBmS9OGYo4vXT7llA","errorCauses":[]}"#;

    use reqwest::header::HeaderValue;

    fn headers_with_id() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-okta-request-id", HeaderValue::from_static("req-1"));
        h
    }

    #[test]
    fn okta_error_round_trips_and_keeps_unknown_fields() {
        let raw = r#"{"errorCode":"E0000001","errorSummary":"Api validation failed","errorLink":"E0000001","errorId":"x","errorCauses":[{"errorSummary":"name: required","reason":"R"}],"newField":1}"#;
        let e: OktaError = serde_json::from_str(raw).unwrap();
        assert_eq!(e.error_code.as_deref(), Some("E0000001"));
        assert_eq!(e.extra.get("newField"), Some(&serde_json::json!(1)));
        let back: serde_json::Value = serde_json::to_value(&e).unwrap();
        let orig: serde_json::Value = serde_json::from_str(raw).unwrap();
        assert_eq!(back, orig);
        assert_eq!(
            e.to_string(),
            "E0000001: Api validation failed (name: required)"
        );
    }

    #[test]
    fn from_response_okta_body_is_api() {
        let e = Error::from_response(
            StatusCode::NOT_FOUND,
            &headers_with_id(),
            NOT_FOUND.as_bytes(),
        );
        assert!(matches!(e, Error::Api(_)));
        assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(e.okta_error_code(), Some("E0000007"));
        assert_eq!(e.request_id(), Some("req-1"));
        assert!(e.to_string().contains("E0000007"), "{e}");
    }

    #[test]
    fn from_response_html_is_unexpected() {
        let e = Error::from_response(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>bad</html>",
        );
        match e {
            Error::UnexpectedResponse { status, body, .. } => {
                assert_eq!(status, StatusCode::BAD_GATEWAY);
                assert_eq!(body, "<html>bad</html>");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn from_response_json_without_code_is_unexpected() {
        let e = Error::from_response(
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            br#"{"message":"x"}"#,
        );
        assert!(matches!(e, Error::UnexpectedResponse { .. }));
    }

    #[test]
    fn exhausted_budget_wraps_the_last_error() {
        let body = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}"#;
        let last = Error::from_response(
            StatusCode::TOO_MANY_REQUESTS,
            &headers_with_id(),
            body.as_bytes(),
        );
        let e = exhausted(last, 5, true);
        assert_eq!(e.attempts(), Some(5));
        assert!(e.is_rate_limited());
        assert_eq!(e.okta_error_code(), Some("E0000047"));
        assert_eq!(e.request_id(), Some("req-1"));
        let source = std::error::Error::source(&e).unwrap();
        assert!(source.to_string().contains("E0000047"));
        let once = Error::from_response(StatusCode::NOT_FOUND, &headers_with_id(), b"{}");
        assert!(matches!(
            exhausted(once, 1, false),
            Error::UnexpectedResponse { .. }
        ));
    }

    #[test]
    fn snippet_truncates_on_char_boundary() {
        let long = "é".repeat(BODY_SNIPPET_LIMIT);
        let s = snippet(long.as_bytes());
        assert!(s.len() <= BODY_SNIPPET_LIMIT + '…'.len_utf8());
        assert!(s.ends_with('…'));
    }

    #[test]
    fn progenitor_invalid_request_maps() {
        let e: Error =
            progenitor_client::Error::<OktaError>::InvalidRequest("limit: bad".into()).into();
        assert!(matches!(e, Error::InvalidRequest { .. }));
    }

    #[test]
    fn progenitor_error_response_maps() {
        let body: OktaError = serde_json::from_str(NOT_FOUND).unwrap();
        let rv =
            progenitor_client::ResponseValue::new(body, StatusCode::NOT_FOUND, headers_with_id());
        let e: Error = progenitor_client::Error::ErrorResponse(rv).into();
        assert_eq!(e.okta_error_code(), Some("E0000007"));
        assert_eq!(e.request_id(), Some("req-1"));
    }
}
