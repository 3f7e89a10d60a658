//! The progenitor hooks: every generated operation, every page fetched by
//! [`crate::pagination`] and every [`crate::raw`] call goes through here.
//!
//! Per request: the `api-version` header progenitor adds is removed (Okta does not use it),
//! `Authorization`, `User-Agent` and the per-attempt timeout are set from
//! [`ClientState`], the request is sent with [`crate::retry::execute`] inside a `tracing`
//! span (`okta_request`: operation, method, URL path, status, attempts, request id,
//! duration; never headers or query values), and non-success bodies are buffered for the
//! error conversion (see [`crate::error`]).

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{AUTHORIZATION, USER_AGENT};
use tracing::Instrument as _;

use crate::Client;
use crate::config::{Auth, ClientState};

/// The header progenitor adds to every request.
const API_VERSION_HEADER: &str = "api-version";

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.prepare(request);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        crate::pagination::offer_client(self);
        let response = self.send_authorized(request, info.operation_id).await?;
        if crate::oauth::failure_of(&response).is_some() {
            return Ok(response);
        }
        crate::error::buffer_error_body(response).await
    }
}

impl Client {
    /// Applies the client's headers and timeout to a request about to be sent.
    pub(crate) fn prepare(&self, request: &mut reqwest::Request) {
        let state = &self.inner;
        let headers = request.headers_mut();
        headers.remove(API_VERSION_HEADER);
        if let Some(Auth::Static(auth)) = &state.auth {
            headers.insert(AUTHORIZATION, auth.0.clone());
        }
        headers.insert(USER_AGENT, state.user_agent.clone());
        if request.timeout().is_none() {
            *request.timeout_mut() = state.request_timeout;
        }
    }

    /// Prepares and sends a hand-written request (pagination, raw calls).
    pub(crate) async fn dispatch(
        &self,
        mut request: reqwest::Request,
        operation: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        self.prepare(&mut request);
        self.send_authorized(request, operation).await
    }

    /// Adds an OAuth access token when the client uses one, sends, and on a `401` renews
    /// the token once and sends again. A token failure becomes a synthetic response that
    /// the error conversion turns into [`crate::Error::Token`].
    async fn send_authorized(
        &self,
        mut request: reqwest::Request,
        operation: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        let Some(Auth::OAuth(cache)) = &self.inner.auth else {
            return self.send_traced(request, operation, None).await;
        };
        let authz = match cache.authorization().await {
            Ok(found) => found,
            Err(error) => return Ok(crate::oauth::failure_response(error)),
        };
        let second = request.try_clone();
        if let Err(error) = self.authorize(&mut request, &authz) {
            return Ok(crate::oauth::failure_response(error));
        }
        let response = self.send_traced(request, operation, Some(&authz)).await?;
        if response.status() != reqwest::StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let Some(mut second) = second else {
            return Ok(response);
        };
        let nonce = response.headers().get(crate::dpop::DPOP_NONCE_HEADER);
        let authz = match (&cache.dpop, nonce) {
            (Some(dpop), Some(nonce)) if authz.dpop => {
                // RFC 9449 §9: the resource server wants a nonce; same token, new proof.
                tracing::debug!(operation, "okta-mgmt: DPoP nonce required; retrying once");
                dpop.set_nonce(crate::dpop::Server::Api, nonce);
                authz
            }
            _ => {
                tracing::debug!(
                    operation,
                    "okta-mgmt: access token refused (401); renewing once"
                );
                cache.invalidate(authz.generation).await;
                match cache.authorization().await {
                    Ok(found) => found,
                    Err(error) => return Ok(crate::oauth::failure_response(error)),
                }
            }
        };
        if let Err(error) = self.authorize(&mut second, &authz) {
            return Ok(crate::oauth::failure_response(error));
        }
        self.send_traced(second, operation, Some(&authz)).await
    }

    /// Sets `Authorization` and, for a DPoP-bound token, a fresh `DPoP` proof.
    fn authorize(
        &self,
        request: &mut reqwest::Request,
        authz: &crate::oauth::Authz,
    ) -> Result<(), std::sync::Arc<crate::oauth::TokenError>> {
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
                .map_err(std::sync::Arc::new)?;
            request
                .headers_mut()
                .insert(crate::dpop::DPOP_HEADER, proof);
        }
        request
            .headers_mut()
            .insert(AUTHORIZATION, authz.header.clone());
        Ok(())
    }

    /// Sends with retries inside an `okta_request` span.
    async fn send_traced(
        &self,
        request: reqwest::Request,
        operation: &'static str,
        authz: Option<&crate::oauth::Authz>,
    ) -> reqwest::Result<reqwest::Response> {
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
        let policy = &self.inner.retry;
        async move {
            let start = std::time::Instant::now();
            // A DPoP proof is single-use: sign a new one for every retry.
            let resign = |retry: &mut reqwest::Request| {
                if let Some(authz) = authz.filter(|a| a.dpop) {
                    let _ = self.authorize(retry, authz);
                }
            };
            let result =
                crate::retry::execute_with(&self.client, request, policy, operation, &resign).await;
            let span = tracing::Span::current();
            span.record(
                "duration_ms",
                u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
            );
            match &result {
                Ok(response) => {
                    let headers = response.headers();
                    span.record("status", response.status().as_u16());
                    let (attempts, exhausted) = crate::retry::stamped_attempts(headers);
                    if let Some(attempts) = attempts {
                        span.record("attempts", attempts);
                    }
                    if let Some(id) = crate::error::request_id(headers) {
                        span.record("request_id", id.as_str());
                    }
                    tracing::debug!(exhausted, "okta-mgmt: response received");
                }
                Err(error) => {
                    tracing::debug!(error = %error, "okta-mgmt: request failed");
                }
            }
            result
        }
        .instrument(span)
        .await
    }
}
