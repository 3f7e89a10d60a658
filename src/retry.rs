//! Retry policy for rate limits (429), unavailable services (503/504) and
//! connection failures.
//!
//! The decision is a pure function ([`RetryPolicy::decide`]) so that every rule can be
//! table-tested; [`execute`] is the loop that applies it to real requests.
//!
//! Rules, in order:
//! - 2xx and every status other than 429, 503 and 504 are final ([`RetryDecision::Done`]).
//!   500 is never retried, whatever the method.
//! - 429 is retried for every method (Okta rejected the request before processing it).
//!   The wait is `X-Rate-Limit-Reset − Date + 1 s`, computed from the response's own `Date`
//!   header, never the local clock. A reset in the past gives 1 s. With several
//!   `X-Rate-Limit-Reset` headers the latest one wins. Without usable headers the wait is
//!   `Retry-After` (delta-seconds) or else the exponential backoff.
//! - 503 and 504 are retried only for idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE)
//!   and only if [`RetryPolicy::retry_on_503_504`] is set; the wait is `Retry-After` or the
//!   exponential backoff.
//! - Connection failures (the request never reached Okta) are retried for idempotent methods
//!   if [`RetryPolicy::retry_connect_errors`] is set. Timeouts are not retried.
//! - Every wait is capped at [`RetryPolicy::max_backoff`]. At most
//!   [`RetryPolicy::max_retries`] retries are made, and none that would end after
//!   [`RetryPolicy::max_elapsed`].
//!
//! The exponential backoff is `base_backoff × 2^(attempt − 1)` without jitter, so waits are
//! deterministic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};

/// Response header stamped by this crate on the final response: how many HTTP attempts were
/// made for the call (`1` when no retry happened). Any value sent by the server is replaced.
pub const ATTEMPTS_HEADER: &str = "x-okta-mgmt-attempts";
/// Response header stamped by this crate (value `true`) when retries were made and the last
/// response was still retryable, i.e. the retry budget ran out. [`crate::error::Error`]
/// turns such a response into [`crate::error::Error::RetriesExhausted`].
pub const RETRIES_EXHAUSTED_HEADER: &str = "x-okta-mgmt-retries-exhausted";
/// Request header sent on retries: the `X-Okta-Request-Id` of the response being retried.
pub const RETRY_FOR_HEADER: &str = "x-okta-retry-for";
/// Request header sent on retries: the retry number (1 for the first retry).
pub const RETRY_COUNT_HEADER: &str = "x-okta-retry-count";
/// Okta's request id response header.
pub const REQUEST_ID_HEADER: &str = "x-okta-request-id";
/// Okta's rate-limit reset header (UTC epoch seconds).
pub const RATE_LIMIT_RESET_HEADER: &str = "x-rate-limit-reset";

/// How the client retries failed calls. Construct with [`RetryPolicy::default`] or
/// [`RetryPolicy::disabled`] and adjust with the `with_*` methods.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Maximum number of retries after the first attempt (default 4).
    pub max_retries: u32,
    /// First wait of the exponential backoff (default 500 ms).
    pub base_backoff: Duration,
    /// Cap on any single wait, including rate-limit waits (default 60 s).
    pub max_backoff: Duration,
    /// Retry 503 and 504 for idempotent methods (default `true`).
    pub retry_on_503_504: bool,
    /// Retry connection failures for idempotent methods (default `true`).
    pub retry_connect_errors: bool,
    /// Do not start a retry whose wait would end later than this after the first attempt
    /// started (default: no limit).
    pub max_elapsed: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            retry_on_503_504: true,
            retry_connect_errors: true,
            max_elapsed: None,
        }
    }
}

/// The outcome of [`RetryPolicy::decide`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// The response (or error) is final: success, or a failure that retrying cannot fix.
    Done,
    /// Retry after waiting this long.
    RetryAfter(Duration),
    /// The failure is transient but the policy forbids another attempt.
    GiveUp(GiveUpReason),
}

/// Why a transient failure is not retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// `max_retries` retries were already made.
    AttemptsExhausted,
    /// The wait would end after `max_elapsed`.
    DeadlineExceeded,
    /// The method is not idempotent, so the request may have had an effect.
    NotIdempotent,
}

/// The kind of transport failure, for [`RetryPolicy::decide_transport`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The connection could not be established; the request was not sent.
    Connect,
    /// The request or connection timed out.
    Timeout,
    /// Any other failure (the request may have been sent).
    Other,
}

impl TransportFailure {
    /// Classifies a `reqwest` error.
    pub fn of(error: &reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::Timeout
        } else if error.is_connect() {
            Self::Connect
        } else {
            Self::Other
        }
    }
}

/// Whether a method is idempotent (safe to repeat).
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn disabled() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets [`RetryPolicy::max_retries`].
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets [`RetryPolicy::base_backoff`].
    pub fn with_base_backoff(mut self, base_backoff: Duration) -> Self {
        self.base_backoff = base_backoff;
        self
    }

    /// Sets [`RetryPolicy::max_backoff`].
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// Sets [`RetryPolicy::retry_on_503_504`].
    pub fn with_retry_on_503_504(mut self, retry: bool) -> Self {
        self.retry_on_503_504 = retry;
        self
    }

    /// Sets [`RetryPolicy::retry_connect_errors`].
    pub fn with_retry_connect_errors(mut self, retry: bool) -> Self {
        self.retry_connect_errors = retry;
        self
    }

    /// Sets [`RetryPolicy::max_elapsed`].
    pub fn with_max_elapsed(mut self, max_elapsed: Option<Duration>) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// The exponential backoff before retry number `attempt` (1-based), capped.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(31);
        self.base_backoff
            .checked_mul(1u32 << exp)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    /// Decides what to do after a response. `attempt` is the number of attempts made so far
    /// (1 after the first request), `elapsed` the time since the first attempt started.
    pub fn decide(
        &self,
        attempt: u32,
        method: &Method,
        status: StatusCode,
        headers: &HeaderMap,
        elapsed: Duration,
    ) -> RetryDecision {
        let wait = match status {
            StatusCode::TOO_MANY_REQUESTS => rate_limit_wait(headers)
                .or_else(|| retry_after(headers))
                .unwrap_or_else(|| self.backoff(attempt)),
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
                if self.retry_on_503_504 =>
            {
                if !is_idempotent(method) {
                    return RetryDecision::GiveUp(GiveUpReason::NotIdempotent);
                }
                retry_after(headers).unwrap_or_else(|| self.backoff(attempt))
            }
            _ => return RetryDecision::Done,
        };
        self.schedule(attempt, wait, elapsed)
    }

    /// Decides what to do after a transport failure (no response).
    pub fn decide_transport(
        &self,
        attempt: u32,
        method: &Method,
        failure: TransportFailure,
        elapsed: Duration,
    ) -> RetryDecision {
        match failure {
            TransportFailure::Connect if self.retry_connect_errors => {
                if !is_idempotent(method) {
                    return RetryDecision::GiveUp(GiveUpReason::NotIdempotent);
                }
                self.schedule(attempt, self.backoff(attempt), elapsed)
            }
            _ => RetryDecision::Done,
        }
    }

    fn schedule(&self, attempt: u32, wait: Duration, elapsed: Duration) -> RetryDecision {
        if attempt > self.max_retries {
            return RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted);
        }
        let wait = wait.min(self.max_backoff);
        if self
            .max_elapsed
            .is_some_and(|max| elapsed.saturating_add(wait) > max)
        {
            return RetryDecision::GiveUp(GiveUpReason::DeadlineExceeded);
        }
        RetryDecision::RetryAfter(wait)
    }
}

/// The `X-Rate-Limit-*` headers of a response. With several values for one header (Okta may
/// report more than one limit) the most restrictive is kept: the lowest limit and remaining
/// count, and the latest reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `X-Rate-Limit-Limit`: requests allowed in the window.
    pub limit: Option<u64>,
    /// `X-Rate-Limit-Remaining`: requests left in the window.
    pub remaining: Option<u64>,
    /// `X-Rate-Limit-Reset`: when the window resets, in UTC epoch seconds.
    pub reset: Option<u64>,
}

impl RateLimit {
    /// Reads the rate-limit headers; `None` when none of them is present and valid.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let values = |name: &str| {
            headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
                .collect::<Vec<_>>()
        };
        let limit = values("x-rate-limit-limit").into_iter().min();
        let remaining = values("x-rate-limit-remaining").into_iter().min();
        let reset = values(RATE_LIMIT_RESET_HEADER).into_iter().max();
        if limit.is_none() && remaining.is_none() && reset.is_none() {
            return None;
        }
        Some(Self {
            limit,
            remaining,
            reset,
        })
    }

    /// The reset time as a `SystemTime`.
    pub fn reset_at(&self) -> Option<SystemTime> {
        self.reset
            .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
    }
}

/// `X-Rate-Limit-Reset − Date + 1 s`, from the response headers only (latest reset wins).
/// `None` when either header is missing or unparsable.
pub fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    let reset = headers
        .get_all(RATE_LIMIT_RESET_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
        .max()?;
    let date = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let date = httpdate::parse_http_date(date.trim()).ok()?;
    let date = date.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(
        reset.saturating_sub(date).saturating_add(1),
    ))
}

/// `Retry-After` as delta-seconds, or as an HTTP date relative to the response `Date`.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let date = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let date: SystemTime = httpdate::parse_http_date(date.trim()).ok()?;
    Some(at.duration_since(date).unwrap_or(Duration::ZERO))
}

/// Sends `request` with `http`, retrying according to `policy`.
///
/// Each retry is a clone of the original request (a request whose body cannot be cloned is
/// sent once) carrying `X-Okta-Retry-For` (the `X-Okta-Request-Id` of the response being
/// retried, when present) and `X-Okta-Retry-Count: n`. Waits use `tokio::time::sleep`.
/// The final response is returned whatever its status, stamped with [`ATTEMPTS_HEADER`] and,
/// when the retry budget ran out, [`RETRIES_EXHAUSTED_HEADER`]. A transport error is returned
/// as is once retries stop. `operation` only labels log events.
pub async fn execute(
    http: &reqwest::Client,
    request: reqwest::Request,
    policy: &RetryPolicy,
    operation: &str,
) -> reqwest::Result<reqwest::Response> {
    execute_with(http, request, policy, operation, &|_| {}).await
}

/// [`execute`], calling `before_retry` on each retried request (a DPoP proof must be signed
/// afresh for every attempt: its `jti` may be used once).
pub(crate) async fn execute_with(
    http: &reqwest::Client,
    request: reqwest::Request,
    policy: &RetryPolicy,
    operation: &str,
    before_retry: &(dyn Fn(&mut reqwest::Request) + Sync),
) -> reqwest::Result<reqwest::Response> {
    let start = tokio::time::Instant::now();
    let method = request.method().clone();
    let mut current = request;
    let mut attempt: u32 = 0;
    loop {
        attempt = attempt.saturating_add(1);
        let spare = current.try_clone();
        let result = http.execute(current).await;
        let elapsed = start.elapsed();
        let decision = match &result {
            Ok(response) => policy.decide(
                attempt,
                &method,
                response.status(),
                response.headers(),
                elapsed,
            ),
            Err(error) => {
                policy.decide_transport(attempt, &method, TransportFailure::of(error), elapsed)
            }
        };
        match (decision, spare) {
            (RetryDecision::RetryAfter(wait), Some(mut next)) => {
                let retry_for = result
                    .as_ref()
                    .ok()
                    .and_then(|r| r.headers().get(REQUEST_ID_HEADER).cloned());
                match &result {
                    Ok(response) => tracing::info!(
                        operation,
                        attempt,
                        status = response.status().as_u16(),
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "okta-mgmt: retrying after a transient response"
                    ),
                    Err(error) => tracing::info!(
                        operation,
                        attempt,
                        error = %error,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "okta-mgmt: retrying after a connection failure"
                    ),
                }
                drop(result);
                tokio::time::sleep(wait).await;
                let headers = next.headers_mut();
                headers.insert(
                    HeaderName::from_static(RETRY_COUNT_HEADER),
                    HeaderValue::from(attempt),
                );
                match retry_for {
                    Some(id) => {
                        headers.insert(HeaderName::from_static(RETRY_FOR_HEADER), id);
                    }
                    None => {
                        headers.remove(RETRY_FOR_HEADER);
                    }
                }
                before_retry(&mut next);
                current = next;
            }
            (decision, _) => {
                let exhausted = attempt > 1
                    && matches!(
                        decision,
                        RetryDecision::GiveUp(
                            GiveUpReason::AttemptsExhausted | GiveUpReason::DeadlineExceeded
                        )
                    );
                return result.map(|mut response| {
                    stamp(response.headers_mut(), attempt, exhausted);
                    response
                });
            }
        }
    }
}

/// Writes the attempt headers, replacing anything the server sent under those names.
fn stamp(headers: &mut HeaderMap, attempts: u32, exhausted: bool) {
    headers.insert(
        HeaderName::from_static(ATTEMPTS_HEADER),
        HeaderValue::from(attempts),
    );
    if exhausted {
        headers.insert(
            HeaderName::from_static(RETRIES_EXHAUSTED_HEADER),
            HeaderValue::from_static("true"),
        );
    } else {
        headers.remove(RETRIES_EXHAUSTED_HEADER);
    }
}

/// Reads the stamped attempt headers: `(attempts, exhausted)`.
pub(crate) fn stamped_attempts(headers: &HeaderMap) -> (Option<u32>, bool) {
    let attempts = headers
        .get(ATTEMPTS_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let exhausted = headers
        .get(RETRIES_EXHAUSTED_HEADER)
        .is_some_and(|v| v.as_bytes() == b"true");
    (attempts, exhausted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const DATE: &str = "Tue, 15 Nov 1994 08:12:31 GMT";
    const DATE_EPOCH: u64 = 784_887_151;

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn reset_in(secs: i64) -> (&'static str, String) {
        (
            RATE_LIMIT_RESET_HEADER,
            (DATE_EPOCH as i64 + secs).to_string(),
        )
    }

    fn date() -> (&'static str, String) {
        ("date", DATE.to_string())
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
            .with_base_backoff(Duration::from_secs(1))
            .with_max_backoff(Duration::from_secs(60))
            .with_max_retries(4)
    }

    fn secs(s: u64) -> RetryDecision {
        RetryDecision::RetryAfter(Duration::from_secs(s))
    }

    #[test]
    fn date_constant_matches() {
        let parsed = httpdate::parse_http_date(DATE).unwrap();
        assert_eq!(
            parsed.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            DATE_EPOCH
        );
    }

    #[rstest]
    // 429 with reset + date: reset − date + 1
    #[case::rate_limit_reset_date(1, Method::GET, 429, vec![reset_in(10), date()], secs(11))]
    #[case::rate_limit_post_is_retried(1, Method::POST, 429, vec![reset_in(3), date()], secs(4))]
    #[case::rate_limit_reset_now(1, Method::GET, 429, vec![reset_in(0), date()], secs(1))]
    #[case::rate_limit_reset_in_past(1, Method::GET, 429, vec![reset_in(-30), date()], secs(1))]
    #[case::rate_limit_capped(1, Method::GET, 429, vec![reset_in(3600), date()], secs(60))]
    #[case::rate_limit_latest_reset_wins(1, Method::GET, 429, vec![reset_in(5), reset_in(9), date()], secs(10))]
    // 429 without usable headers: exponential backoff 1, 2, 4, 8
    #[case::rate_limit_no_headers_1(1, Method::GET, 429, vec![], secs(1))]
    #[case::rate_limit_no_headers_3(3, Method::GET, 429, vec![], secs(4))]
    #[case::rate_limit_reset_without_date(2, Method::GET, 429, vec![reset_in(10)], secs(2))]
    #[case::rate_limit_garbage_reset(1, Method::GET, 429, vec![(RATE_LIMIT_RESET_HEADER, "soon".into()), date()], secs(1))]
    #[case::rate_limit_retry_after(1, Method::GET, 429, vec![("retry-after", "7".into())], secs(7))]
    // attempt limit: 4 retries allowed, the 5th attempt's failure is final
    #[case::rate_limit_last_retry(4, Method::GET, 429, vec![reset_in(2), date()], secs(3))]
    #[case::rate_limit_exhausted(5, Method::GET, 429, vec![reset_in(2), date()], RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted))]
    // 503/504: idempotent methods only
    #[case::unavailable_get(1, Method::GET, 503, vec![], secs(1))]
    #[case::unavailable_put(2, Method::PUT, 503, vec![], secs(2))]
    #[case::unavailable_delete(1, Method::DELETE, 503, vec![], secs(1))]
    #[case::gateway_timeout_get(1, Method::GET, 504, vec![], secs(1))]
    #[case::unavailable_retry_after(1, Method::GET, 503, vec![("retry-after", "5".into())], secs(5))]
    #[case::unavailable_post(1, Method::POST, 503, vec![], RetryDecision::GiveUp(GiveUpReason::NotIdempotent))]
    #[case::gateway_timeout_patch(1, Method::PATCH, 504, vec![], RetryDecision::GiveUp(GiveUpReason::NotIdempotent))]
    #[case::unavailable_exhausted(5, Method::GET, 503, vec![], RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted))]
    #[case::far_past_limit(8, Method::GET, 503, vec![], RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted))]
    // never retried
    #[case::server_error_post(1, Method::POST, 500, vec![], RetryDecision::Done)]
    #[case::server_error_get(1, Method::GET, 500, vec![], RetryDecision::Done)]
    #[case::bad_gateway(1, Method::GET, 502, vec![], RetryDecision::Done)]
    #[case::not_found(1, Method::GET, 404, vec![], RetryDecision::Done)]
    #[case::bad_request(1, Method::POST, 400, vec![], RetryDecision::Done)]
    #[case::ok(1, Method::GET, 200, vec![reset_in(10), date()], RetryDecision::Done)]
    #[case::no_content(1, Method::DELETE, 204, vec![], RetryDecision::Done)]
    fn decide_table(
        #[case] attempt: u32,
        #[case] method: Method,
        #[case] status: u16,
        #[case] hdrs: Vec<(&'static str, String)>,
        #[case] expected: RetryDecision,
    ) {
        let status = StatusCode::from_u16(status).unwrap();
        let decision = policy().decide(attempt, &method, status, &headers(&hdrs), Duration::ZERO);
        assert_eq!(decision, expected);
    }

    #[test]
    fn unavailable_not_retried_when_disabled() {
        let p = policy().with_retry_on_503_504(false);
        let d = p.decide(
            1,
            &Method::GET,
            StatusCode::SERVICE_UNAVAILABLE,
            &HeaderMap::new(),
            Duration::ZERO,
        );
        assert_eq!(d, RetryDecision::Done);
    }

    #[test]
    fn disabled_policy_gives_up_on_first_429() {
        let d = RetryPolicy::disabled().decide(
            1,
            &Method::GET,
            StatusCode::TOO_MANY_REQUESTS,
            &HeaderMap::new(),
            Duration::ZERO,
        );
        assert_eq!(d, RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted));
    }

    #[test]
    fn deadline_stops_retries() {
        let p = policy().with_max_elapsed(Some(Duration::from_secs(10)));
        let h = headers(&[reset_in(5), date()]);
        let ok = p.decide(
            1,
            &Method::GET,
            StatusCode::TOO_MANY_REQUESTS,
            &h,
            Duration::from_secs(4),
        );
        assert_eq!(ok, secs(6));
        let late = p.decide(
            2,
            &Method::GET,
            StatusCode::TOO_MANY_REQUESTS,
            &h,
            Duration::from_secs(5),
        );
        assert_eq!(late, RetryDecision::GiveUp(GiveUpReason::DeadlineExceeded));
    }

    #[rstest]
    #[case(1, 1)]
    #[case(2, 2)]
    #[case(3, 4)]
    #[case(6, 32)]
    #[case(7, 60)]
    #[case(40, 60)]
    fn backoff_doubles_and_caps(#[case] attempt: u32, #[case] expected: u64) {
        assert_eq!(policy().backoff(attempt), Duration::from_secs(expected));
    }

    #[rstest]
    #[case::connect_get(Method::GET, TransportFailure::Connect, secs(1))]
    #[case::connect_delete(Method::DELETE, TransportFailure::Connect, secs(1))]
    #[case::connect_post(
        Method::POST,
        TransportFailure::Connect,
        RetryDecision::GiveUp(GiveUpReason::NotIdempotent)
    )]
    #[case::timeout_get(Method::GET, TransportFailure::Timeout, RetryDecision::Done)]
    #[case::other_get(Method::GET, TransportFailure::Other, RetryDecision::Done)]
    fn transport_table(
        #[case] method: Method,
        #[case] failure: TransportFailure,
        #[case] expected: RetryDecision,
    ) {
        assert_eq!(
            policy().decide_transport(1, &method, failure, Duration::ZERO),
            expected
        );
    }

    #[test]
    fn transport_retries_bounded() {
        let d =
            policy().decide_transport(5, &Method::GET, TransportFailure::Connect, Duration::ZERO);
        assert_eq!(d, RetryDecision::GiveUp(GiveUpReason::AttemptsExhausted));
        let off = policy().with_retry_connect_errors(false).decide_transport(
            1,
            &Method::GET,
            TransportFailure::Connect,
            Duration::ZERO,
        );
        assert_eq!(off, RetryDecision::Done);
    }

    #[test]
    fn rate_limit_headers() {
        let h = headers(&[
            ("x-rate-limit-limit", "600".into()),
            ("x-rate-limit-limit", "50".into()),
            ("x-rate-limit-remaining", "0".into()),
            reset_in(10),
        ]);
        let rl = RateLimit::from_headers(&h).unwrap();
        assert_eq!(rl.limit, Some(50));
        assert_eq!(rl.remaining, Some(0));
        assert_eq!(rl.reset, Some(DATE_EPOCH + 10));
        assert!(rl.reset_at().is_some());
        assert_eq!(RateLimit::from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn stamp_replaces_server_values() {
        let mut h = HeaderMap::new();
        h.insert(ATTEMPTS_HEADER, HeaderValue::from_static("99"));
        h.insert(RETRIES_EXHAUSTED_HEADER, HeaderValue::from_static("true"));
        stamp(&mut h, 1, false);
        assert_eq!(stamped_attempts(&h), (Some(1), false));
        stamp(&mut h, 5, true);
        assert_eq!(stamped_attempts(&h), (Some(5), true));
    }
}
