//! The send path: every generated operation, every page fetched by [`crate::pagination`] and
//! every [`crate::raw`] call goes through [`Client::exchange`].
//!
//! Per call: the `api-version` header progenitor's `send()` adds is removed (Okta does not use
//! it), `Authorization`, `User-Agent` and the per-attempt timeout (unless the crate's own HTTP
//! client applies it) are set from [`ClientState`], the client's [`RequestHook`] may refuse
//! the request, the request is sent with [`crate::retry`] inside a `tracing` span
//! (`okta_request`: operation, method, URL path, status, attempts, request id, duration; never
//! headers or query values), and the body is read up to the client's response size limit. Failures that are not HTTP answers (a refusal,
//! a token failure, an oversized body, exhausted retries) travel to the generated code inside
//! a response extension, which no server can set.

use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use futures::FutureExt as _;
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, USER_AGENT};
use tracing::Instrument as _;

use crate::Client;
use crate::config::{Auth, ClientState};
use crate::error::{self, Error};
use crate::hook::{ObservedResponse, OutgoingRequest, RequestHook};
use crate::oauth::Authz;
use crate::retry::{Outcome, RetryWait};

/// The header progenitor adds to every request.
const API_VERSION_HEADER: &str = "api-version";

/// A call's final answer, read in full.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) attempts: u32,
    pub(crate) retries_exhausted: bool,
    version: http::Version,
}

impl Exchange {
    /// The error for a non-success answer, `None` for a success.
    pub(crate) fn error(&self) -> Option<Error> {
        if self.status.is_success() {
            return None;
        }
        let error = Error::from_response(self.status, &self.headers, &self.body);
        Some(error::exhausted(
            error,
            self.attempts,
            self.retries_exhausted,
        ))
    }

    fn into_response(self) -> reqwest::Response {
        let failed = !self.status.is_success();
        let mut response = http::Response::new(self.body.clone());
        if failed {
            response
                .extensions_mut()
                .insert(error::BufferedBody(self.body));
        }
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        *response.headers_mut() = self.headers;
        reqwest::Response::from(response)
    }
}

#[cfg(test)]
impl Exchange {
    /// A final answer without headers, as a test builds it.
    pub(crate) fn answer(status: StatusCode, body: &str) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body: Bytes::copy_from_slice(body.as_bytes()),
            attempts: 1,
            retries_exhausted: false,
            version: http::Version::HTTP_11,
        }
    }
}

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // Only progenitor's own `send()` adds it; the crate's requests are built without it.
        request.headers_mut().remove(API_VERSION_HEADER);
        self.prepare(request);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        match self.exchange(request, info.operation_id).await {
            Ok(exchange) => Ok(exchange.into_response()),
            Err(Error::Transport { source } | Error::Timeout { source }) => Err(source),
            Err(error) => Ok(error::carrier(error)),
        }
    }
}

impl Client {
    /// Applies the client's headers and timeout to a request about to be sent.
    pub(crate) fn prepare(&self, request: &mut reqwest::Request) {
        let state = &self.inner;
        let headers = request.headers_mut();
        if let Some(Auth::Static(auth)) = &state.auth {
            headers.insert(AUTHORIZATION, auth.0.clone());
        }
        headers.insert(USER_AGENT, state.user_agent.clone());
        if !state.own_http_client && request.timeout().is_none() {
            *request.timeout_mut() = state.request_timeout;
        }
    }

    /// Prepares and sends a request built by the crate (generated calls, pagination, raw
    /// calls).
    pub(crate) fn dispatch(
        &self,
        mut request: reqwest::Request,
        operation: &'static str,
    ) -> impl Future<Output = Result<Exchange, Error>> + '_ {
        self.prepare(&mut request);
        self.exchange(request, operation)
    }

    /// Asks the hook, sends (with credentials and retries), reads the body within the size
    /// limit and shows the answer to the hook.
    ///
    /// The send path is built of functions that return blocks or combinators using their
    /// captured request in place: an `async fn` keeps its arguments and their moved copies side
    /// by side, and the send path's future (which every call's future holds, and which is
    /// copied whole when it is moved) was 4.6 KiB that way, against 1.4 KiB now.
    // Not an `async fn` on purpose: see above.
    #[allow(clippy::manual_async_fn)]
    pub(crate) fn exchange(
        &self,
        mut request: reqwest::Request,
        operation: &'static str,
    ) -> impl Future<Output = Result<Exchange, Error>> + '_ {
        async move {
            let watchers = Watchers::show_request(&self.inner, &request, operation)?;
            // Only a caller-supplied HTTP client can follow a redirect: the crate's own follows none.
            let asked = (!self.inner.own_http_client).then(|| request.url().clone());
            // Fetched here, where the request is held anyway, so that the OAuth send below does
            // not hold a second request while it waits for a token.
            let authz = self.oauth_authorization().await?;
            if let Some(authz) = &authz {
                let token = |source| Error::Token { source };
                self.authorize(&mut request, authz).map_err(token)?;
            }
            // An OAuth send keeps a spare copy of a request answered `401`, to resend it once
            // with a renewed authorization. Inline, not a helper's future: one layer less to
            // copy the send's future through.
            let mut outcome = self
                .send_traced(request, operation, authz.as_deref(), authz.is_some())
                .await;
            let (outcome, renewed) = match (outcome.spare.take(), &authz, &self.inner.auth) {
                (Some(spare), Some(authz), Some(Auth::OAuth(cache))) => {
                    let authz = Arc::clone(authz);
                    let resend = self.resend_renewed(cache, authz, outcome, *spare, operation);
                    // Rare: boxed, so that every call's future does not hold its state.
                    let (outcome, renewed) = Box::pin(resend).await?;
                    (outcome, Some(renewed))
                }
                _ => (outcome, None),
            };
            if let Some(asked) = &asked {
                refuse_redirect_away(&outcome, asked)?;
            }
            let mut exchange = read(outcome, self.inner.max_response_bytes).await?;
            if !exchange.status.is_success() {
                self.scrub_credential(&mut exchange, renewed.or(authz));
            }
            watchers.show_response(operation, &exchange);
            Ok(exchange)
        }
    }

    /// Removes the credential the request was sent with (the OAuth token of `authz`, or the
    /// fixed token) from an error answer's body: a server may echo it, and no error text is to
    /// carry it on.
    fn scrub_credential(&self, exchange: &mut Exchange, authz: Option<Arc<Authz>>) {
        let oauth_token = authz.map(|authz| authz.token.clone());
        if let Some(secret) = oauth_token.or_else(|| self.static_token()) {
            exchange.body = scrub(std::mem::take(&mut exchange.body), secret.expose_secret());
        }
    }

    /// The token of a fixed `Authorization` header (the part after the scheme).
    fn static_token(&self) -> Option<crate::SecretString> {
        let Some(Auth::Static(auth)) = &self.inner.auth else {
            return None;
        };
        let value = auth.0.to_str().ok()?;
        let token = value.split_once(' ').map_or(value, |(_, token)| token);
        Some(crate::SecretString::new(token.trim()))
    }

    /// The OAuth authorization for a call (the cached token, or a new one): `None` for a client
    /// with a fixed `Authorization` header.
    async fn oauth_authorization(&self) -> Result<Option<Arc<Authz>>, Error> {
        let Some(Auth::OAuth(cache)) = &self.inner.auth else {
            return Ok(None);
        };
        let authz = cache.authorization().await;
        authz.map(Some).map_err(|source| Error::Token { source })
    }

    /// Sends `request` again after `refused` answered `401`, with a renewed authorization.
    async fn resend_renewed(
        &self,
        cache: &crate::oauth::TokenCache,
        authz: Arc<Authz>,
        refused: Outcome,
        mut request: reqwest::Request,
        operation: &'static str,
    ) -> Result<(Outcome, Arc<Authz>), Error> {
        let authz = self.renew(cache, authz, &refused, operation).await?;
        drop(refused);
        // The renewed authorization sets its own proof, if it is DPoP-bound.
        request.headers_mut().remove(crate::dpop::DPOP_HEADER);
        let token = |source| Error::Token { source };
        self.authorize(&mut request, &authz).map_err(token)?;
        let outcome = self
            .send_traced(request, operation, Some(&authz), false)
            .await;
        Ok((outcome, authz))
    }

    /// The authorization to resend with after `refused` answered `401`: the same token with
    /// the DPoP nonce the server asks for, or a new token.
    async fn renew(
        &self,
        cache: &crate::oauth::TokenCache,
        authz: Arc<Authz>,
        refused: &Outcome,
        operation: &'static str,
    ) -> Result<Arc<Authz>, Error> {
        let nonce = refused
            .result
            .as_ref()
            .ok()
            .and_then(|r| r.headers().get(crate::dpop::DPOP_NONCE_HEADER));
        if let (Some(dpop), Some(nonce), true) = (&cache.dpop, nonce, authz.dpop) {
            // RFC 9449 §9: the resource server wants a nonce; same token, new proof.
            tracing::debug!(operation, "okta-mgmt: DPoP nonce required; retrying once");
            dpop.set_nonce(crate::dpop::Server::Api, nonce);
            return Ok(authz);
        }
        tracing::debug!(
            operation,
            "okta-mgmt: access token refused (401); renewing once"
        );
        cache.invalidate(authz.generation);
        let source = |source| Error::Token { source };
        cache.authorization().await.map_err(source)
    }

    /// Sets `Authorization` and, for a DPoP-bound token, a fresh `DPoP` proof.
    fn authorize(
        &self,
        request: &mut reqwest::Request,
        authz: &Authz,
    ) -> Result<(), Arc<crate::oauth::TokenError>> {
        if let (true, Some(Auth::OAuth(cache))) = (authz.dpop, &self.inner.auth)
            && let Some(dpop) = &cache.dpop
        {
            let proof = dpop
                .proof(
                    crate::dpop::Server::Api,
                    request.method().as_str(),
                    request.url(),
                    Some(authz.token.expose_secret()),
                )
                .map_err(Arc::new)?;
            request
                .headers_mut()
                .insert(crate::dpop::DPOP_HEADER, proof);
        }
        request
            .headers_mut()
            .insert(AUTHORIZATION, authz.header.clone());
        Ok(())
    }

    /// Sends with retries inside an `okta_request` span; with `spare_on_401`, an outcome
    /// answered `401` carries an unsent copy of the request.
    fn send_traced<'a>(
        &'a self,
        request: reqwest::Request,
        operation: &'static str,
        authz: Option<&'a Authz>,
        spare_on_401: bool,
    ) -> impl Future<Output = Outcome> + 'a {
        let span = tracing::debug_span!(
            "okta_request",
            operation,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            request_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let hook = self.inner.hook.as_deref();
        // A DPoP proof is single-use: sign a new one for every retry.
        let resign = move |retry: &mut reqwest::Request| {
            if let Some(authz) = authz.filter(|a| a.dpop) {
                let _ = self.authorize(retry, authz);
            }
        };
        let on_wait = move |wait: &RetryWait<'_>| {
            if let Some(hook) = hook {
                hook.on_retry_wait(wait);
            }
        };
        let policy = &self.inner.retry;
        // The span and the outcome's events are `debug`: no clock or header reads without them.
        let start = tracing::enabled!(tracing::Level::DEBUG).then(Instant::now);
        // A combinator, not a block: a block would hold the send future twice (as captured and
        // as awaited).
        crate::retry::execute_with(
            &self.client,
            request,
            policy,
            operation,
            resign,
            on_wait,
            spare_on_401,
        )
        .inspect(move |outcome| {
            if let Some(start) = start {
                trace_outcome(outcome, start);
            }
        })
        .instrument(span)
    }
}

/// The client's request hook and observer, each with the method and URL of the request it was
/// shown, and when the call started; `None` for a client with neither (most), so that every
/// call's future holds one pointer for them.
struct Watchers<'a>(Option<Box<Shown<'a>>>);

/// What [`Watchers`] keeps for a client with a hook or an observer.
struct Shown<'a> {
    hooks: [Option<(&'a dyn RequestHook, http::Method, url::Url)>; 2],
    start: Instant,
}

impl<'a> Watchers<'a> {
    /// Shows `request` to the hook, whose refusal is an error, and then to the observer.
    fn show_request(
        state: &'a ClientState,
        request: &reqwest::Request,
        operation: &'static str,
    ) -> Result<Self, Error> {
        let (hook, observer) = (state.hook.as_deref(), state.observer.as_deref());
        if hook.is_none() && observer.is_none() {
            return Ok(Self(None));
        }
        let seen = hook.map(|hook| ask(hook, request, operation)).transpose()?;
        if let Some(observer) = observer {
            let _ = observer.on_request(&OutgoingRequest::of(request, operation));
        }
        let observed = observer.map(|o| (o, request.method().clone(), request.url().clone()));
        let hooks = [hook.zip(seen).map(|(h, (m, u))| (h, m, u)), observed];
        let start = Instant::now();
        Ok(Self(Some(Box::new(Shown { hooks, start }))))
    }

    /// Shows the call's final answer to each of them.
    fn show_response(&self, operation: &'static str, exchange: &Exchange) {
        let Some(shown) = &self.0 else {
            return;
        };
        for (hook, method, url) in shown.hooks.iter().flatten() {
            hook.on_response(&ObservedResponse {
                operation,
                method,
                url,
                status: exchange.status,
                headers: &exchange.headers,
                body: &exchange.body,
                attempts: exchange.attempts,
                elapsed: shown.start.elapsed(),
            });
        }
    }
}

/// Shows the request to the hook; a refusal becomes [`Error::Refused`]. Returns the method and
/// URL for the response event.
fn ask(
    hook: &dyn RequestHook,
    request: &reqwest::Request,
    operation: &'static str,
) -> Result<(http::Method, url::Url), Error> {
    let outgoing = OutgoingRequest::of(request, operation);
    match hook.on_request(&outgoing) {
        Ok(()) => Ok((request.method().clone(), request.url().clone())),
        Err(refusal) => Err(Error::Refused {
            method: request.method().to_string(),
            path: request.url().path().to_owned(),
            reason: refusal.reason().to_owned(),
        }),
    }
}

/// A caller-supplied HTTP client may follow redirects; an answer from another origin than the
/// one asked is refused, whatever that client's settings.
fn refuse_redirect_away(outcome: &Outcome, asked: &url::Url) -> Result<(), Error> {
    let Ok(response) = &outcome.result else {
        return Ok(());
    };
    let answered = response.url();
    // Cheap field comparison first; the origin is built only when something differs.
    let same = answered.scheme() == asked.scheme()
        && answered.host_str() == asked.host_str()
        && answered.port_or_known_default() == asked.port_or_known_default();
    if same || answered.origin() == asked.origin() {
        return Ok(());
    }
    Err(Error::ForeignOrigin {
        origin: answered.origin().ascii_serialization(),
    })
}

/// `body` with every occurrence of `secret` (as is, or with `/` escaped as JSON may write it)
/// replaced by `[redacted]`. Allocates only when the secret is there.
pub(crate) fn scrub(body: Bytes, secret: &str) -> Bytes {
    if secret.len() < 4 {
        return body;
    }
    let escaped = secret.replace('/', "\\/");
    let forms = [secret, escaped.as_str()];
    if !forms.iter().any(|f| contains(&body, f.as_bytes())) {
        return body;
    }
    let mut text = String::from_utf8_lossy(&body).into_owned();
    for form in forms {
        text = text.replace(form, crate::hook::REDACTED);
    }
    Bytes::from(text)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Records the outcome on the current `okta_request` span (called when `debug` is enabled).
fn trace_outcome(outcome: &Outcome, start: Instant) {
    let span = tracing::Span::current();
    span.record(
        "duration_ms",
        u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
    );
    span.record("attempts", outcome.attempts);
    match &outcome.result {
        Ok(response) => {
            span.record("status", response.status().as_u16());
            if let Some(id) = error::request_id(response.headers()) {
                span.record("request_id", id.as_str());
            }
            tracing::debug!(
                exhausted = outcome.retries_exhausted,
                "okta-mgmt: response received"
            );
        }
        Err(error) => {
            tracing::debug!(error = %error, "okta-mgmt: request failed");
        }
    }
}

/// Reads the final response of `outcome` in full, refusing a body larger than `limit` bytes
/// (checked against `Content-Length` first, then while streaming).
async fn read(outcome: Outcome, limit: usize) -> Result<Exchange, Error> {
    let Outcome {
        result,
        attempts,
        retries_exhausted,
        ..
    } = outcome;
    let mut response = result.map_err(|source| {
        error::exhausted(Error::transport(source), attempts, retries_exhausted)
    })?;
    let status = response.status();
    let too_large = |headers: &HeaderMap| Error::ResponseTooLarge {
        limit,
        status,
        request_id: error::request_id(headers),
    };
    if response
        .content_length()
        .is_some_and(|len| len > u64::try_from(limit).unwrap_or(u64::MAX))
    {
        return Err(too_large(response.headers()));
    }
    // A body that arrives in one chunk (most, on a kept-alive connection) is kept as it came;
    // later chunks are joined behind it.
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    let mut total = 0usize;
    while let Some(chunk) = response.chunk().await.map_err(Error::transport)? {
        total = total.saturating_add(chunk.len());
        if total > limit {
            return Err(too_large(response.headers()));
        }
        match (&mut joined, first.take()) {
            (Some(joined), _) => joined.extend_from_slice(&chunk),
            (None, None) => first = Some(chunk),
            (None, Some(earlier)) => {
                let mut buffer = BytesMut::with_capacity(total);
                buffer.extend_from_slice(&earlier);
                buffer.extend_from_slice(&chunk);
                joined = Some(buffer);
            }
        }
    }
    let body = match (joined, first) {
        (Some(joined), _) => joined.freeze(),
        (None, first) => first.unwrap_or_default(),
    };
    Ok(Exchange {
        status,
        version: response.version(),
        headers: std::mem::take(response.headers_mut()),
        body,
        attempts,
        retries_exhausted,
    })
}
