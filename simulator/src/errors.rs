//! Okta error bodies: `{errorCode, errorSummary, errorLink, errorId, errorCauses}`.
//!
//! Every error the simulator produces goes through [`ApiError`], so the body shape, the
//! `Content-Type: application/json` header and the `errorId` format are the same everywhere.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::state::{base62_from, splitmix64};

/// Process-wide counter that feeds `errorId` generation (ids only need to be distinct).
static ERROR_SEQ: AtomicU64 = AtomicU64::new(1);

/// An Okta-style API error: HTTP status plus the fields of Okta's `Error` object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {summary}")]
pub struct ApiError {
    /// HTTP status of the response.
    pub status: StatusCode,
    /// Okta error code, e.g. `E0000001`.
    pub code: &'static str,
    /// `errorSummary` text.
    pub summary: String,
    /// `errorCauses[].errorSummary` texts.
    pub causes: Vec<String>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, summary: impl Into<String>) -> Self {
        Self {
            status,
            code,
            summary: summary.into(),
            causes: Vec::new(),
        }
    }

    /// 400 E0000001 `Api validation failed: <subject>` with one cause per problem.
    pub fn validation(subject: &str, causes: Vec<String>) -> Self {
        Self {
            causes,
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "E0000001",
                format!("Api validation failed: {subject}"),
            )
        }
    }

    /// 400 E0000001 with the one cause `{field}: {message}`.
    pub fn invalid(field: &str, message: impl std::fmt::Display) -> Self {
        Self::validation(field, vec![format!("{field}: {message}")])
    }

    /// 400 E0000003: the body is not JSON (or not a JSON object).
    pub fn malformed_body() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000003",
            "The request body was not well-formed.",
        )
    }

    /// 404 E0000007 `Not found: Resource not found: <id> (<kind>)`.
    pub fn not_found(id: &str, kind: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "E0000007",
            format!("Not found: Resource not found: {id} ({kind})"),
        )
    }

    /// 401 E0000011: missing, malformed or unknown API token.
    pub fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        )
    }

    /// 403 E0000006: the access token lacks the operation's scope.
    pub fn access_denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "E0000006",
            "You do not have permission to perform the requested action",
        )
    }

    /// 429 E0000047: the per-window request budget is spent.
    pub fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    /// 400 E0000031 for a `search` expression that does not parse, and for a device-list
    /// `after` cursor the server never issued (recorded on real orgs).
    ///
    /// E0000031 ("Invalid search criteria.") is the code Okta reserves for unparsable
    /// `search`/`filter` expressions; E0000001 would suggest a body-field problem.
    pub fn invalid_search(detail: String) -> Self {
        Self {
            causes: vec![detail],
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "E0000031",
                "Invalid search criteria.",
            )
        }
    }

    /// 405 E0000022 for a known path with an unsupported method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        )
    }

    /// 5xx E0000009 produced by fault injection.
    pub fn server_error(status: StatusCode) -> Self {
        let summary = status
            .canonical_reason()
            .unwrap_or("Internal Server Error")
            .to_string();
        Self::new(status, "E0000009", summary)
    }

    /// The JSON body Okta sends for this error.
    pub fn body(&self) -> Value {
        let seq = ERROR_SEQ.fetch_add(1, Ordering::Relaxed);
        let error_id = format!("oae{}", base62_from(splitmix64(seq ^ 0x0e77_0e77), 22));
        let causes: Vec<Value> = self
            .causes
            .iter()
            .map(|c| json!({ "errorSummary": c }))
            .collect();
        json!({
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": error_id,
            "errorCauses": causes,
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// Fallback for paths the simulator does not serve.
pub async fn unknown_route(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(uri.path(), "Endpoint")
}

/// Fallback for served paths called with another method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}
