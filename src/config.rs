//! Client configuration: org URL, credentials, timeouts, user agent and retry policy.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use okta_mgmt::{Client, Credentials, RetryPolicy};
//!
//! let client = Client::builder()
//!     .org_url("https://acme.okta.com")
//!     .credentials(Credentials::api_token("00a…"))
//!     .request_timeout(Duration::from_secs(20))
//!     .retry_policy(RetryPolicy::default().with_max_retries(2))
//!     .build()?;
//! # let _ = client; Ok(()) }
//! ```
//!
//! Credentials are added to each request by the client's hooks (never stored as
//! `reqwest` default headers), with `HeaderValue::set_sensitive(true)`; `Debug` output of
//! every type here prints `[redacted]` in their place.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use url::{Host, Url};

use crate::Client;
use crate::hook::RequestHook;
use crate::oauth::{PrivateKeyJwtProvider, SigningKey, TokenCache, TokenProvider};
use crate::retry::RetryPolicy;
pub use crate::secret::SecretString;

/// Environment variable holding the org URL (`https://<org>.okta.com`).
pub const ORG_URL_ENV: &str = "OKTA_ORG_URL";
/// Environment variable holding an API token (`Authorization: SSWS …`).
pub const API_TOKEN_ENV: &str = "OKTA_API_TOKEN";
/// Environment variable holding an OAuth 2.0 access token (`Authorization: Bearer …`).
pub const ACCESS_TOKEN_ENV: &str = "OKTA_ACCESS_TOKEN";

/// Default TCP/TLS connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default timeout of one HTTP attempt (retries each get their own).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How the client authenticates.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// An Okta API token, sent as `Authorization: SSWS <token>`.
    ApiToken(SecretString),
    /// An OAuth 2.0 access token, sent as `Authorization: Bearer <token>`.
    AccessToken(SecretString),
    /// An OAuth 2.0 service app: client credentials with a `private_key_jwt` assertion
    /// (see [`crate::oauth`]).
    PrivateKey(PrivateKeyJwt),
    /// Access tokens from a caller-supplied [`TokenProvider`], cached and renewed like
    /// [`Credentials::PrivateKey`] tokens.
    TokenProvider(Arc<dyn TokenProvider>),
}

/// The settings of [`Credentials::PrivateKey`]. `Debug` prints the key as `[redacted]`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PrivateKeyJwt {
    /// The service app's client id (`iss` and `sub` of the assertion).
    pub client_id: String,
    /// The requested scopes, e.g. `okta.policies.read`.
    pub scopes: Vec<String>,
    /// The private key: a PEM block (PKCS#8 RSA or EC P-256, `RSA PRIVATE KEY`,
    /// `EC PRIVATE KEY`) or a private JSON Web Key.
    pub key: SecretString,
    /// The key id sent as the assertion's `kid` header (overrides a JWK's `kid`).
    pub key_id: Option<String>,
    /// Ask for DPoP-bound tokens (RFC 9449): the client generates an ES256 key and signs a
    /// proof for the token request and for every API request (`Authorization: DPoP …`).
    pub dpop: bool,
}

impl PrivateKeyJwt {
    /// Client id, scopes and key; no explicit key id.
    pub fn new<S>(
        client_id: impl Into<String>,
        scopes: impl IntoIterator<Item = S>,
        key: impl Into<SecretString>,
    ) -> Self
    where
        S: Into<String>,
    {
        Self {
            client_id: client_id.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            key: key.into(),
            key_id: None,
            dpop: false,
        }
    }

    /// Requests DPoP-bound access tokens (see [`PrivateKeyJwt::dpop`]).
    #[must_use]
    pub fn with_dpop(mut self) -> Self {
        self.dpop = true;
        self
    }

    /// Sets the key id (`kid` header of the assertion).
    #[must_use]
    pub fn key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = Some(key_id.into());
        self
    }
}

impl Credentials {
    /// An API token (`SSWS`).
    pub fn api_token(token: impl Into<SecretString>) -> Self {
        Self::ApiToken(token.into())
    }

    /// An OAuth 2.0 access token (`Bearer`).
    pub fn access_token(token: impl Into<SecretString>) -> Self {
        Self::AccessToken(token.into())
    }

    /// OAuth 2.0 client credentials with a `private_key_jwt` assertion signed by `key` (a
    /// PEM RSA or EC P-256 private key, or a private JWK with `kid`). The access token is
    /// cached and renewed before it expires.
    pub fn private_key<S>(
        client_id: impl Into<String>,
        scopes: impl IntoIterator<Item = S>,
        key: impl Into<SecretString>,
    ) -> Self
    where
        S: Into<String>,
    {
        Self::PrivateKey(PrivateKeyJwt::new(client_id, scopes, key))
    }

    /// Access tokens from `provider`, cached until shortly before they expire.
    pub fn token_provider(provider: Arc<dyn TokenProvider>) -> Self {
        Self::TokenProvider(provider)
    }

    /// The name of the credential kind (`SSWS`, `Bearer`, `PrivateKey`, `TokenProvider`).
    pub fn kind(&self) -> &'static str {
        match self {
            Credentials::ApiToken(_) => "SSWS",
            Credentials::AccessToken(_) => "Bearer",
            Credentials::PrivateKey(_) => "PrivateKey",
            Credentials::TokenProvider(_) => "TokenProvider",
        }
    }

    fn static_header(scheme: &str, token: &SecretString) -> Result<HeaderValue, BuildError> {
        if token.is_blank() {
            return Err(BuildError::InvalidCredentials {
                reason: "the token is empty",
            });
        }
        let mut value = HeaderValue::from_str(&format!("{scheme} {}", token.expose_secret()))
            .map_err(|_| BuildError::InvalidCredentials {
                reason: "the token contains characters not allowed in an HTTP header",
            })?;
        value.set_sensitive(true);
        Ok(value)
    }

    #[cfg(test)]
    fn header_value(&self) -> Result<HeaderValue, BuildError> {
        match self {
            Credentials::ApiToken(t) => Self::static_header("SSWS", t),
            Credentials::AccessToken(t) => Self::static_header("Bearer", t),
            _ => Err(BuildError::InvalidCredentials {
                reason: "not a static token",
            }),
        }
    }

    fn into_auth(
        self,
        http: &reqwest::Client,
        base: &str,
        timeout: Duration,
    ) -> Result<Auth, BuildError> {
        match self {
            Credentials::ApiToken(t) => {
                Ok(Auth::Static(AuthHeader(Self::static_header("SSWS", &t)?)))
            }
            Credentials::AccessToken(t) => {
                Ok(Auth::Static(AuthHeader(Self::static_header("Bearer", &t)?)))
            }
            Credentials::PrivateKey(p) => {
                if p.client_id.trim().is_empty() {
                    return Err(BuildError::InvalidCredentials {
                        reason: "the OAuth client id is empty",
                    });
                }
                let scopes: Vec<&str> = p
                    .scopes
                    .iter()
                    .flat_map(|s| s.split([' ', ',']))
                    .filter(|s| !s.is_empty())
                    .collect();
                if scopes.is_empty() {
                    return Err(BuildError::InvalidCredentials {
                        reason: "no OAuth scopes were given",
                    });
                }
                let key = SigningKey::parse(p.key.expose_secret(), p.key_id.as_deref())?;
                let dpop = if p.dpop {
                    Some(Arc::new(crate::dpop::DpopKey::generate()?))
                } else {
                    None
                };
                let provider = PrivateKeyJwtProvider {
                    dpop: dpop.clone(),
                    timeout,
                    http: http.clone(),
                    token_url: format!("{base}{}", crate::oauth::TOKEN_PATH),
                    client_id: p.client_id.trim().to_owned(),
                    scopes: scopes.join(" "),
                    key,
                };
                Ok(Auth::OAuth(Arc::new(TokenCache::new(
                    Arc::new(provider),
                    dpop,
                ))))
            }
            Credentials::TokenProvider(provider) => {
                Ok(Auth::OAuth(Arc::new(TokenCache::new(provider, None))))
            }
        }
    }
}

/// How requests are authorised.
#[derive(Clone, Debug)]
pub(crate) enum Auth {
    /// A fixed `Authorization` header.
    Static(AuthHeader),
    /// OAuth access tokens from a cache.
    OAuth(Arc<TokenCache>),
}

/// The `Authorization` header value; `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct AuthHeader(pub(crate) HeaderValue);

impl fmt::Debug for AuthHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Per-client state used by the request hooks: retry policy, credentials, user agent and
/// request timeout. `Debug` prints the credentials as `[redacted]`.
///
/// [`ClientState::default`] has no credentials (requests are sent unauthenticated), the
/// default retry policy, user agent and request timeout; prefer [`Client::builder`].
///
/// The state of a built client also records what its HTTP client does (the one
/// [`ClientBuilder`] makes applies the request timeout and follows no redirect): pass it to
/// `Client::new_with_client` only with that client, or start from [`ClientState::default`].
#[derive(Clone, Debug)]
pub struct ClientState {
    pub(crate) retry: RetryPolicy,
    pub(crate) auth: Option<Auth>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) max_empty_pages: u32,
    pub(crate) max_response_bytes: usize,
    pub(crate) hook: Option<Arc<dyn RequestHook>>,
    /// Sees what the hook lets through; kept by [`Client::with_hook`].
    pub(crate) observer: Option<Arc<dyn RequestHook>>,
    /// The HTTP client is the one [`ClientBuilder`] made. That client follows no redirect and
    /// applies `request_timeout` to every request itself. Any other client may follow
    /// redirects (answers are checked to come from the origin asked) and has no timeout of its
    /// own (each request gets `request_timeout`).
    pub(crate) own_http_client: bool,
}

/// The default [`ClientBuilder::max_response_bytes`]: 32 MiB, far above Okta's largest page
/// (200 devices of a few kilobytes each).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// How many empty pages in a row a page or item stream follows before it stops with
/// [`crate::Error::PaginationStalled`] (an org answers an empty page only at the very end, or
/// for a filter that matches nothing).
pub const DEFAULT_MAX_EMPTY_PAGES: u32 = 10;

impl Default for ClientState {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            auth: None,
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            request_timeout: Some(DEFAULT_REQUEST_TIMEOUT),
            max_empty_pages: DEFAULT_MAX_EMPTY_PAGES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            hook: None,
            observer: None,
            own_http_client: false,
        }
    }
}

impl ClientState {
    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The per-attempt request timeout.
    pub fn request_timeout(&self) -> Option<Duration> {
        self.request_timeout
    }

    /// The `User-Agent` sent with every request.
    pub fn user_agent(&self) -> &str {
        self.user_agent.to_str().unwrap_or(DEFAULT_USER_AGENT)
    }

    /// Whether credentials are configured.
    pub fn has_credentials(&self) -> bool {
        self.auth.is_some()
    }
}

const DEFAULT_USER_AGENT: &str = concat!("okta-mgmt/", env!("CARGO_PKG_VERSION"));

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No org URL was given (`ClientBuilder::org_url` or `OKTA_ORG_URL`).
    #[error("no org URL: call ClientBuilder::org_url or set {ORG_URL_ENV}")]
    MissingOrgUrl,
    /// No credentials were given.
    #[error(
        "no credentials: call ClientBuilder::credentials or set {API_TOKEN_ENV} or {ACCESS_TOKEN_ENV}"
    )]
    MissingCredentials,
    /// Both `OKTA_API_TOKEN` and `OKTA_ACCESS_TOKEN` are set.
    #[error("both {API_TOKEN_ENV} and {ACCESS_TOKEN_ENV} are set; set only one")]
    ConflictingCredentials,
    /// The org URL is not a usable base URL.
    #[error("invalid org URL: {reason}")]
    InvalidOrgUrl {
        /// What is wrong with it.
        reason: String,
    },
    /// The org URL uses plain `http` for a host that is not loopback.
    #[error("insecure org URL: plain http is only allowed for loopback hosts, not {host}")]
    InsecureOrgUrl {
        /// The refused host.
        host: String,
    },
    /// A configuration value (environment variable or `okta.yaml` key) is unusable.
    #[error("invalid configuration in {origin}: {reason}")]
    InvalidConfig {
        /// Where the value came from: a variable name, or `<file>: okta.client.<key>`.
        origin: String,
        /// What is wrong with it (never the value).
        reason: &'static str,
    },
    /// The OAuth private key cannot be used.
    #[error("invalid private key: {reason}")]
    InvalidPrivateKey {
        /// What is wrong with the key (never the key itself).
        reason: &'static str,
    },
    /// The token cannot be sent in a header.
    #[error("invalid credentials: {reason}")]
    InvalidCredentials {
        /// What is wrong with the token (never the token itself).
        reason: &'static str,
    },
    /// The user-agent suffix cannot be sent in a header.
    #[error("invalid user agent suffix: it must be visible ASCII")]
    InvalidUserAgent,
    /// A connect timeout cannot be applied to a caller-supplied `reqwest::Client`.
    #[error(
        "connect_timeout cannot be combined with http_client: configure it on the reqwest::Client"
    )]
    ConnectTimeoutWithCustomClient,
    /// The HTTP client could not be created.
    #[error("could not build the HTTP client")]
    Http {
        /// The `reqwest` error.
        #[source]
        source: reqwest::Error,
    },
}

/// Builder for [`Client`]; start with [`Client::builder`] or [`ClientBuilder::from_env`].
#[derive(Debug, Default)]
#[must_use]
pub struct ClientBuilder {
    org_url: Option<String>,
    credentials: Option<Credentials>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    user_agent_suffix: Option<String>,
    retry: RetryPolicy,
    http_client: Option<reqwest::Client>,
    max_empty_pages: Option<u32>,
    max_response_bytes: Option<usize>,
    hook: Option<Arc<dyn RequestHook>>,
}

impl Client {
    /// A copy of this client (same connection pool, credentials and settings) that reports to
    /// `hook` instead of the client's own hook.
    #[must_use]
    pub fn with_hook(&self, hook: Arc<dyn RequestHook>) -> Client {
        let mut copy = self.clone();
        copy.inner.hook = Some(hook);
        copy
    }

    /// A copy of this client that also reports to `observer`: it sees every request the
    /// client's hook lets through and every final response, like a hook, but cannot refuse
    /// (its `on_request` verdict is ignored). Unlike the hook, the observer is kept by
    /// [`Client::with_hook`], so a recorder sees the calls of code that installs hooks of its
    /// own. A second observer replaces the first.
    #[must_use]
    pub fn with_observer(&self, observer: Arc<dyn RequestHook>) -> Client {
        let mut copy = self.clone();
        copy.inner.observer = Some(observer);
        copy
    }

    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Builds a client from the environment and the `okta.yaml` files, with default
    /// settings otherwise: `OKTA_ORG_URL` and one of `OKTA_API_TOKEN` or `OKTA_ACCESS_TOKEN`
    /// (setting both is an error), or the official SDKs' `OKTA_CLIENT_*` variables,
    /// `./.okta.yaml` and `~/.okta/okta.yaml` (any credential kind, including
    /// `PrivateKey`). See [`crate::sources`] for the precedence.
    pub fn from_env() -> Result<Client, BuildError> {
        ClientBuilder::from_env()?.build()
    }

    /// Like [`Client::from_env`], reading variables through `lookup` instead of the process
    /// environment, and reading no files.
    pub fn from_env_with<F>(lookup: F) -> Result<Client, BuildError>
    where
        F: FnMut(&str) -> Option<String>,
    {
        ClientBuilder::from_env_with(lookup)?.build()
    }
}

impl ClientBuilder {
    /// A builder pre-filled from the process environment and the `okta.yaml` files (see
    /// [`Client::from_env`]).
    pub fn from_env() -> Result<Self, BuildError> {
        let (project, home) = crate::sources::default_files();
        Self::from_sources(
            |key| std::env::var(key).ok(),
            project.as_deref(),
            home.as_deref(),
        )
    }

    /// A builder pre-filled from variables read through `lookup` (see
    /// [`Client::from_env`]); no files are read. Empty values count as unset.
    pub fn from_env_with<F>(lookup: F) -> Result<Self, BuildError>
    where
        F: FnMut(&str) -> Option<String>,
    {
        Self::from_sources(lookup, None, None)
    }

    /// The org URL, e.g. `https://acme.okta.com`. It must use `https`, except for
    /// loopback hosts (`localhost`, `127.0.0.0/8`, `::1`). A path prefix is kept.
    pub fn org_url(mut self, url: impl Into<String>) -> Self {
        self.org_url = Some(url.into());
        self
    }

    /// The credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The kind of the credentials set so far ([`Credentials::kind`]), if any.
    pub fn credentials_kind(&self) -> Option<&'static str> {
        self.credentials.as_ref().map(Credentials::kind)
    }

    /// Shorthand for `credentials(Credentials::api_token(token))`.
    pub fn api_token(self, token: impl Into<SecretString>) -> Self {
        self.credentials(Credentials::api_token(token))
    }

    /// Shorthand for `credentials(Credentials::access_token(token))`.
    pub fn access_token(self, token: impl Into<SecretString>) -> Self {
        self.credentials(Credentials::access_token(token))
    }

    /// The connect timeout (default [`DEFAULT_CONNECT_TIMEOUT`]). Not allowed together
    /// with [`ClientBuilder::http_client`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The timeout of each HTTP attempt (default [`DEFAULT_REQUEST_TIMEOUT`]).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// How many empty pages in a row a page or item stream follows before it stops with
    /// [`crate::Error::PaginationStalled`] (default [`DEFAULT_MAX_EMPTY_PAGES`]).
    pub fn max_empty_pages(mut self, pages: u32) -> Self {
        self.max_empty_pages = Some(pages);
        self
    }

    /// The largest response body the client reads, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]); a larger one fails with
    /// [`crate::Error::ResponseTooLarge`] without being read further.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// A hook that sees, and may refuse, every request, and sees every response (see
    /// [`crate::hook`]).
    pub fn hook(mut self, hook: Arc<dyn RequestHook>) -> Self {
        self.hook = Some(hook);
        self
    }

    /// Text appended to the `User-Agent` (`okta-mgmt/<version> <suffix>`).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Use this `reqwest::Client` (proxies, TLS roots, …) instead of building one.
    /// Credentials, user agent, request timeout and retries are still applied per request.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Validates the settings and builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let raw_url = self.org_url.ok_or(BuildError::MissingOrgUrl)?;
        let base = validate_org_url(&raw_url)?;
        let credentials = self.credentials.ok_or(BuildError::MissingCredentials)?;
        let user_agent = match &self.user_agent_suffix {
            Some(suffix) if !suffix.trim().is_empty() => {
                HeaderValue::from_str(&format!("{DEFAULT_USER_AGENT} {}", suffix.trim()))
                    .map_err(|_| BuildError::InvalidUserAgent)?
            }
            _ => HeaderValue::from_static(DEFAULT_USER_AGENT),
        };
        let own_http_client = self.http_client.is_none();
        let request_timeout = self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT);
        let http = match self.http_client {
            Some(client) => {
                if self.connect_timeout.is_some() {
                    return Err(BuildError::ConnectTimeoutWithCustomClient);
                }
                client
            }
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                .redirect(reqwest::redirect::Policy::none())
                // Retries are the `RetryPolicy`'s alone: it resends refused HTTP/2 requests too
                // (with a fresh DPoP proof). reqwest's own layer would copy every request for
                // them.
                .retry(reqwest::retry::never().max_retries_per_request(0))
                .timeout(request_timeout)
                .build()
                .map_err(|source| BuildError::Http { source })?,
        };
        let auth = credentials.into_auth(&http, &base, request_timeout)?;
        let state = ClientState {
            retry: self.retry,
            auth: Some(auth),
            user_agent,
            request_timeout: Some(request_timeout),
            max_empty_pages: self.max_empty_pages.unwrap_or(DEFAULT_MAX_EMPTY_PAGES),
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            hook: self.hook,
            observer: None,
            own_http_client,
        };
        Ok(Client::new_with_client(&base, http, state))
    }
}

/// Checks an org URL and returns the base string used by the generated client (no
/// trailing slash).
pub(crate) fn validate_org_url(raw: &str) -> Result<String, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidOrgUrl {
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| BuildError::InvalidOrgUrl {
        reason: e.to_string(),
    })?;
    if url.cannot_be_a_base() {
        return Err(invalid("not a base URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not contain user info"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    let host = url.host().ok_or_else(|| invalid("it has no host"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(BuildError::InsecureOrgUrl {
                host: host.to_string(),
            });
        }
        _ => return Err(invalid("the scheme must be https")),
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("https://acme.okta.com", "https://acme.okta.com")]
    #[case("https://acme.okta.com/", "https://acme.okta.com")]
    #[case("  https://acme.okta.com  ", "https://acme.okta.com")]
    #[case("https://proxy.example/okta/", "https://proxy.example/okta")]
    #[case("http://127.0.0.1:8080", "http://127.0.0.1:8080")]
    #[case("http://127.1.2.3", "http://127.1.2.3")]
    #[case("http://localhost:3000/", "http://localhost:3000")]
    #[case("http://LOCALHOST", "http://localhost")]
    #[case("http://[::1]:9000", "http://[::1]:9000")]
    fn accepts(#[case] input: &str, #[case] base: &str) {
        assert_eq!(validate_org_url(input).unwrap(), base);
    }

    #[rstest]
    #[case("http://acme.okta.com", "insecure")]
    #[case("http://10.0.0.1", "insecure")]
    #[case("http://localhost.evil.com", "insecure")]
    #[case("http://[::2]", "insecure")]
    #[case("acme.okta.com", "invalid")]
    #[case("", "invalid")]
    #[case("ftp://acme.okta.com", "invalid")]
    #[case("https://user:pw@acme.okta.com", "invalid")]
    #[case("https://acme.okta.com/?x=1", "invalid")]
    #[case("https://acme.okta.com/#f", "invalid")]
    #[case("mailto:admin@acme.com", "invalid")]
    fn rejects(#[case] input: &str, #[case] expected: &str) {
        let got = match validate_org_url(input) {
            Err(BuildError::InsecureOrgUrl { .. }) => "insecure",
            Err(BuildError::InvalidOrgUrl { .. }) => "invalid",
            other => panic!("{input}: {other:?}"),
        };
        assert_eq!(got, expected, "{input}");
    }

    #[test]
    fn invalid_url_error_does_not_echo_user_info() {
        let e = validate_org_url("https://admin:hunter2@acme.okta.com").unwrap_err();
        assert!(!format!("{e} {e:?}").contains("hunter2"));
    }

    #[test]
    fn header_values_are_sensitive() {
        let v = Credentials::api_token("abc").header_value().unwrap();
        assert_eq!(v.to_str().unwrap(), "SSWS abc");
        assert!(v.is_sensitive());
        let v = Credentials::access_token("xyz").header_value().unwrap();
        assert_eq!(v.to_str().unwrap(), "Bearer xyz");
        assert!(v.is_sensitive());
    }

    #[rstest]
    #[case("")]
    #[case("   ")]
    #[case("bad\ntoken")]
    fn rejects_bad_tokens(#[case] token: &str) {
        assert!(matches!(
            Credentials::api_token(token).header_value(),
            Err(BuildError::InvalidCredentials { .. })
        ));
    }
}
