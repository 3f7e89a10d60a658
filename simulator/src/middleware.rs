//! Cross-cutting behaviour: request ids and `Date`, rate limiting, fault injection and auth.

use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use futures::StreamExt;

use crate::errors::ApiError;
use crate::state::{Rng, base62_from, splitmix64};
use crate::{Shared, oauth};

/// Nominal `X-Rate-Limit-Limit` reported when no limit is configured (never enforced).
const UNLIMITED_NOMINAL: u32 = 10_000;

/// The current rate-limit window. A window opens with the first request after the previous
/// one closed, so a burst never straddles two windows.
#[derive(Debug, Default)]
pub struct RateWindow {
    opened: Option<Instant>,
    reset_epoch: u64,
    count: u32,
}

struct RateDecision {
    limit: u32,
    remaining: u32,
    reset_epoch: u64,
    allowed: bool,
}

impl RateWindow {
    fn admit(&mut self, limit: Option<u32>, window: Duration) -> RateDecision {
        let now = Instant::now();
        let expired = self
            .opened
            .is_none_or(|opened| now.duration_since(opened) >= window);
        if expired {
            let epoch = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let end = epoch + window;
            self.opened = Some(now);
            self.reset_epoch = end.as_secs() + u64::from(end.subsec_nanos() > 0);
            self.count = 0;
        }
        let nominal = limit.unwrap_or(UNLIMITED_NOMINAL);
        let allowed = limit.is_none_or(|l| self.count < l);
        if allowed {
            self.count = self.count.saturating_add(1);
        }
        RateDecision {
            limit: nominal,
            remaining: nominal.saturating_sub(self.count),
            reset_epoch: self.reset_epoch,
            allowed,
        }
    }
}

fn set_header(headers: &mut HeaderMap, name: &'static str, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.insert(name, value);
    }
}

/// Adds `X-Okta-Request-Id` and `Date` to every response, and `Content-Type:
/// application/json` where a handler set none — except on `204 No Content`, which real orgs
/// send with no `Content-Type` and no body (recorded wire behaviour; the Devices document's
/// prose shows `Content-Type: application/json` on its 204s, the wire does not).
pub async fn request_context(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    let seq = shared.request_seq.fetch_add(1, Ordering::Relaxed);
    let request_id = base62_from(splitmix64(shared.config.seed ^ seq.rotate_left(17)), 27);
    let mut response = next.run(req).await;
    let no_content = response.status() == StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    set_header(headers, "x-okta-request-id", request_id);
    set_header(
        headers,
        "date",
        Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
    );
    if no_content {
        headers.remove(header::CONTENT_TYPE);
        headers.remove(header::CONTENT_LENGTH);
        *response.body_mut() = Body::empty();
    } else if !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    response
}

/// Counts requests per window, answers 429 E0000047 past the budget and adds the
/// `X-Rate-Limit-Limit/Remaining/Reset` headers to every response.
pub async fn rate_limit(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let decision = {
        let mut window = shared.rate.lock().await;
        window.admit(
            shared.config.rate_limit_per_minute,
            shared.config.rate_limit_window,
        )
    };
    let mut response = if decision.allowed {
        next.run(req).await
    } else {
        ApiError::rate_limited().into_response()
    };
    let headers = response.headers_mut();
    set_header(headers, "x-rate-limit-limit", decision.limit.to_string());
    set_header(
        headers,
        "x-rate-limit-remaining",
        decision.remaining.to_string(),
    );
    set_header(
        headers,
        "x-rate-limit-reset",
        decision.reset_epoch.to_string(),
    );
    response
}

enum Fault {
    None,
    Drop,
    Error,
    Truncate,
}

/// Applies the configured latency and, per request, at most one seeded fault.
pub async fn faults(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let config = &shared.config.faults;
    if !config.is_active() {
        return next.run(req).await;
    }
    let seq = shared.fault_seq.fetch_add(1, Ordering::Relaxed);
    let mut rng = Rng::new(splitmix64(
        shared.config.seed ^ 0xFA17 ^ seq.wrapping_mul(0x9E37_79B9),
    ));
    let jitter = config.latency_jitter.mul_f64(rng.unit());
    let delay = config.latency + jitter;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let roll = rng.unit();
    let fault = if roll < config.drop_rate {
        Fault::Drop
    } else if roll < config.drop_rate + config.error_rate {
        Fault::Error
    } else if roll < config.drop_rate + config.error_rate + config.truncate_rate {
        Fault::Truncate
    } else {
        Fault::None
    };
    match fault {
        Fault::None => next.run(req).await,
        Fault::Drop => dropped_connection(),
        Fault::Error => {
            let status = StatusCode::from_u16(config.error_status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ApiError::server_error(status).into_response()
        }
        Fault::Truncate => truncate(next.run(req).await).await,
    }
}

/// A response whose body fails before any byte is written, so hyper closes the connection.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::other("simulated dropped connection"))
    });
    let mut response = Response::new(Body::from_stream(stream));
    // A Content-Length the body never delivers: the client can only see an incomplete message.
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("64"));
    response
}

/// Sends the first half of the body under the full `Content-Length`, then fails the stream.
async fn truncate(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(_) => return dropped_connection(),
    };
    if bytes.len() < 2 {
        return dropped_connection();
    }
    let full_len = bytes.len();
    let head = bytes.slice(..full_len / 2);
    let stream =
        futures::stream::iter([Ok::<Bytes, io::Error>(head)]).chain(futures::stream::once(async {
            // Let hyper flush the first half before the stream fails.
            tokio::time::sleep(Duration::from_millis(20)).await;
            Err(io::Error::other("simulated truncated body"))
        }));
    let mut response = Response::from_parts(parts, Body::from_stream(stream));
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(full_len));
    response
}

/// Requires `Authorization: SSWS <token>` or `Bearer <token>` with a configured API token, or
/// `Bearer <access token>` issued by the token endpoint, on every `/api/v1` request; anything
/// else is 401 E0000011. An access token must carry the operation's scope (403 E0000006).
pub async fn auth(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/v1") {
        return next.run(req).await;
    }
    let credential = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .map(|(scheme, token)| (scheme.to_owned(), token.trim().to_owned()));
    let Some((scheme, token)) = credential else {
        return ApiError::invalid_token().into_response();
    };
    let ssws = scheme.eq_ignore_ascii_case("SSWS");
    let bearer = scheme.eq_ignore_ascii_case("Bearer");
    let dpop = scheme.eq_ignore_ascii_case("DPoP");
    if (ssws || bearer) && shared.config.api_tokens.contains(&token) {
        return next.run(req).await;
    }
    if !bearer && !dpop {
        return ApiError::invalid_token().into_response();
    }
    let proof = req
        .headers()
        .get("dpop")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let htu = format!(
        "http://{}{}",
        req.headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1"),
        req.uri().path()
    );
    let verdict = oauth::check(
        &shared,
        dpop,
        &token,
        proof.as_deref(),
        req.method(),
        &htu,
        req.uri().path(),
    )
    .await;
    match verdict {
        oauth::TokenCheck::Allowed => next.run(req).await,
        oauth::TokenCheck::MissingScope(scope) => {
            let mut response = ApiError::access_denied().into_response();
            set_header(
                response.headers_mut(),
                "www-authenticate",
                format!(
                    "Bearer authorization_uri=\"http://{host}/oauth2/v1/authorize\", realm=\"http://{host}\", scope=\"{scope}\", error=\"insufficient_scope\", error_description=\"The access token provided does not contain the required scopes.\", resource=\"{path}\"",
                    host = req
                        .headers()
                        .get(header::HOST)
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or("127.0.0.1"),
                    path = req.uri().path(),
                ),
            );
            response
        }
        oauth::TokenCheck::Expired | oauth::TokenCheck::Unknown => {
            ApiError::invalid_token().into_response()
        }
    }
}
