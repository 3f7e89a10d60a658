//! The crate-owned call surface of generated operations: `call()` and `call_with_meta()`.
//!
//! build.rs gives every operation builder these two methods (and list operations `pages()`
//! and `items()`):
//!
//! - `call()` returns the decoded body or an [`Error`] — one error type, whatever failed;
//! - `call_with_meta()` returns a [`Response`]: the body plus the HTTP status,
//!   `X-Okta-Request-Id`, rate-limit headers and number of attempts. It does not `Deref` to
//!   the body, so `policy.status()` is always the policy's lifecycle status and
//!   `response.status()` always the HTTP status.
//!
//! Each call runs on a copy of the client that carries a call slot; the send path records
//! there what the generated code cannot carry (attempts, the status and request id of a body
//! that fails to decode, the original body of an error response). Nothing travels in
//! response headers, so a server cannot forge the crate's bookkeeping.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::Client;
use crate::error::{self, Error, OktaError};
use crate::retry::RateLimit;

/// A decoded response body with the response's metadata.
///
/// Unlike progenitor's `ResponseValue`, it does not dereference to the body: use
/// [`Response::value`] or [`Response::into_inner`].
#[derive(Clone, Debug)]
pub struct Response<T> {
    value: T,
    status: StatusCode,
    headers: HeaderMap,
    attempts: u32,
}

impl<T> Response<T> {
    /// The decoded body.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The decoded body, mutably.
    pub fn value_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// The decoded body, consuming the response.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers as received.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `X-Okta-Request-Id` header: quote it to Okta support.
    pub fn request_id(&self) -> Option<String> {
        error::request_id(&self.headers)
    }

    /// The `X-Rate-Limit-*` headers.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        RateLimit::from_headers(&self.headers)
    }

    /// HTTP attempts made for the call (`1` when nothing was retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Applies `f` to the body, keeping the metadata.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            value: f(self.value),
            status: self.status,
            headers: self.headers,
            attempts: self.attempts,
        }
    }
}

/// What the send path learned about one call.
#[derive(Debug, Default)]
pub(crate) struct CallRecord {
    pub(crate) attempts: u32,
    pub(crate) retries_exhausted: bool,
    pub(crate) status: Option<StatusCode>,
    /// The `X-Okta-Request-Id` header (a cheap copy; turned into text only for an error).
    pub(crate) request_id: Option<reqwest::header::HeaderValue>,
    /// Headers and body of a non-success final response.
    pub(crate) failure: Option<(HeaderMap, Bytes)>,
}

/// Where the send path records a call's [`CallRecord`]; one per `call()`.
#[derive(Debug, Default)]
pub(crate) struct CallSlot(Mutex<CallRecord>);

impl CallSlot {
    pub(crate) fn record(&self, record: CallRecord) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = record;
    }

    fn take(&self) -> CallRecord {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A copy of a client bound to one call's [`CallSlot`]. Used by the generated `call` methods.
#[doc(hidden)]
#[derive(Debug)]
pub struct Scoped {
    client: Client,
    slot: Arc<CallSlot>,
}

impl Scoped {
    /// A copy of `client` recording into a fresh slot.
    pub fn new(client: &Client) -> Self {
        let slot = Arc::new(CallSlot::default());
        let mut client = client.clone();
        client.inner.call = Some(slot.clone());
        Self { client, slot }
    }

    /// The client to send the call with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Turns the generated code's result into the decoded body or an [`Error`] (no metadata
    /// kept, so nothing is copied).
    pub fn finish_value<T>(
        self,
        result: Result<ResponseValue<T>, progenitor_client::Error<OktaError>>,
    ) -> Result<T, Error> {
        match result {
            Ok(value) => Ok(value.into_inner()),
            Err(error) => Err(failure(error, self.slot.take())),
        }
    }

    /// Turns the generated code's result into the crate's [`Response`] or [`Error`].
    pub fn finish<T>(
        self,
        result: Result<ResponseValue<T>, progenitor_client::Error<OktaError>>,
    ) -> Result<Response<T>, Error> {
        let record = self.slot.take();
        match result {
            Ok(value) => {
                let status = value.status();
                let headers = value.headers().clone();
                Ok(Response {
                    value: value.into_inner(),
                    status,
                    headers,
                    attempts: record.attempts.max(1),
                })
            }
            Err(error) => Err(failure(error, record)),
        }
    }
}

/// The error of a call, preferring what the send path recorded over what the generated code
/// could decode.
fn failure(error: progenitor_client::Error<OktaError>, record: CallRecord) -> Error {
    use progenitor_client::Error as P;
    if let P::UnexpectedResponse(response) = &error
        && let Some(carried) = error::carried_error(response)
    {
        return carried;
    }
    if let (Some(status), Some((headers, body))) = (record.status, &record.failure) {
        let error = Error::from_response(status, headers, body);
        return error::exhausted(error, record.attempts, record.retries_exhausted);
    }
    match error {
        P::InvalidResponsePayload(bytes, source) => Error::Decode {
            status: record.status,
            request_id: record
                .request_id
                .and_then(|v| v.to_str().ok().map(str::to_owned)),
            body: error::snippet(&bytes),
            source,
        },
        other => Error::from(other),
    }
}
