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
//! A call builds its request with the operation's generated code (path, query, headers, body),
//! sends it through [`Client::exchange`](crate::Client) like every other request of the crate,
//! and reads the answer here: a success status listed for the operation is decoded into the
//! operation's type, anything else becomes an [`Error`] with the status, request id and body.
//! progenitor's own `send()` stays available and goes through the same send path.

use futures::future::{self, Either};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::Client;
use crate::error::{self, Error, OktaError};
use crate::retry::RateLimit;
use crate::send::Exchange;

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

/// A generated operation's request, as `into_request()` built it, sent through the client's
/// send path; or the error that building it gave, as a future that sends nothing.
///
/// `call()` maps this future instead of awaiting it inside an `async fn`: each `async` layer
/// moves the whole send-path future into its own state when it starts it, and those copies were
/// the largest part of what a call cost beyond the send itself.
pub(crate) fn exchange<'a>(
    prepared: Result<
        (&'a Client, reqwest::Request, &'static str),
        progenitor_client::Error<OktaError>,
    >,
) -> impl Future<Output = Result<Exchange, Error>> + Send + 'a {
    match prepared {
        Ok((client, request, operation)) => Either::Left(client.dispatch(request, operation)),
        Err(error) => Either::Right(future::ready(Err(Error::from(error)))),
    }
}

/// The body of a success listed in `success`, decoded as `T`.
pub(crate) fn json<T: DeserializeOwned>(exchange: Exchange, success: &[u16]) -> Result<T, Error> {
    let exchange = expect(exchange, success)?;
    decode(&exchange)
}

/// [`json`] with the response's metadata.
pub(crate) fn json_with_meta<T: DeserializeOwned>(
    exchange: Exchange,
    success: &[u16],
) -> Result<Response<T>, Error> {
    let exchange = expect(exchange, success)?;
    let value = decode(&exchange)?;
    Ok(with_meta(exchange, value))
}

/// A success listed in `success` whose body, if any, is not read.
pub(crate) fn empty(exchange: Exchange, success: &[u16]) -> Result<(), Error> {
    expect(exchange, success).map(drop)
}

/// [`empty`] with the response's metadata.
pub(crate) fn empty_with_meta(exchange: Exchange, success: &[u16]) -> Result<Response<()>, Error> {
    let exchange = expect(exchange, success)?;
    Ok(with_meta(exchange, ()))
}

/// The exchange when its status is one of `success`; otherwise the error it stands for
/// (Okta's error body, or an unexpected response with the start of the body).
pub(crate) fn expect(exchange: Exchange, success: &[u16]) -> Result<Exchange, Error> {
    if success.contains(&exchange.status.as_u16()) {
        return Ok(exchange);
    }
    Err(exchange.error().unwrap_or_else(|| {
        Error::from_response(exchange.status, &exchange.headers, &exchange.body)
    }))
}

fn decode<T: DeserializeOwned>(exchange: &Exchange) -> Result<T, Error> {
    serde_json::from_slice(&exchange.body).map_err(|source| {
        Error::decode(
            Some(exchange.status),
            Some(&exchange.headers),
            &exchange.body,
            source,
        )
    })
}

fn with_meta<T>(exchange: Exchange, value: T) -> Response<T> {
    Response {
        value,
        status: exchange.status,
        headers: exchange.headers,
        attempts: exchange.attempts.max(1),
    }
}
