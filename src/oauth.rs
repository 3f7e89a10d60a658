//! OAuth 2.0 for service apps: client credentials with a `private_key_jwt` client
//! assertion, a token cache with single-flight renewal, and the [`TokenProvider`] trait
//! for other token sources.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use okta_mgmt::{Client, Credentials};
//!
//! let pem = std::fs::read_to_string("private.pem")?;
//! let client = Client::builder()
//!     .org_url("https://acme.okta.com")
//!     .credentials(Credentials::private_key("0oa1service", ["okta.policies.read"], pem))
//!     .build()?;
//! # let _ = client; Ok(()) }
//! ```
//!
//! The client signs an assertion (`iss` = `sub` = client id, `aud` =
//! `{org}/oauth2/v1/token`, `iat`, `exp` = `iat` + 5 min, a random `jti`), exchanges it at
//! `{org}/oauth2/v1/token` for an access token, keeps the token until shortly before it
//! expires, and renews it once when the API answers `401` with a cached token.
//! Concurrent requests share one renewal. Neither the key, the assertion nor the token is
//! ever part of `Debug` output, log events or errors.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use futures::future::BoxFuture;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde::{Deserialize, Serialize};

use crate::config::BuildError;
use crate::dpop::{DpopKey, Server};
use crate::retry::TransportFailure;
use crate::secret::SecretString;

/// The `client_assertion_type` of a JWT client assertion (RFC 7523).
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Path of the org authorization server's token endpoint, relative to the org URL.
pub const TOKEN_PATH: &str = "/oauth2/v1/token";
/// Lifetime of a signed client assertion (Okta accepts at most one hour; the SDKs use less).
pub const ASSERTION_LIFETIME: Duration = Duration::from_secs(300);
/// The longest a token is renewed ahead of its expiry (shorter for short-lived tokens:
/// a fifth of the lifetime).
pub const MAX_RENEWAL_MARGIN: Duration = Duration::from_secs(30);

/// An access token and when it expires. `Debug` prints the token as `[redacted]`.
#[derive(Clone, Debug)]
pub struct AccessToken {
    token: SecretString,
    expires_at: Instant,
    lifetime: Duration,
    /// Bound to the client's DPoP key (`token_type: DPoP`).
    pub(crate) dpop: bool,
}

impl AccessToken {
    /// A token valid for `expires_in` from now.
    pub fn new(token: impl Into<SecretString>, expires_in: Duration) -> Self {
        Self {
            token: token.into(),
            expires_at: Instant::now() + expires_in,
            lifetime: expires_in,
            dpop: false,
        }
    }

    /// The token. Avoid logging it.
    pub fn secret(&self) -> &SecretString {
        &self.token
    }

    /// When the token expires.
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// When the cache renews it: a fifth of its lifetime (at most
    /// [`MAX_RENEWAL_MARGIN`]) before it expires.
    fn renew_at(&self) -> Instant {
        let margin = (self.lifetime / 5).min(MAX_RENEWAL_MARGIN);
        self.expires_at
            .checked_sub(margin)
            .unwrap_or(self.expires_at)
    }
}

/// A source of access tokens (sent as `Authorization: Bearer …`). The client caches the
/// token until shortly before [`AccessToken::expires_at`] and calls
/// [`TokenProvider::fetch_token`] again when it must be renewed (at most one call at a
/// time per client).
///
/// ```
/// use futures::future::BoxFuture;
/// use okta_mgmt::oauth::{AccessToken, TokenError, TokenProvider};
/// use std::time::Duration;
///
/// #[derive(Debug)]
/// struct FromVault;
/// impl TokenProvider for FromVault {
///     fn fetch_token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
///         Box::pin(async { Ok(AccessToken::new("eyJ…", Duration::from_secs(3600))) })
///     }
/// }
/// ```
pub trait TokenProvider: fmt::Debug + Send + Sync {
    /// Obtains a fresh access token.
    fn fetch_token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>>;
}

/// The `error` code of an OAuth 2.0 error response (RFC 6749 §5.2, RFC 9449).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// `invalid_client`: unknown client, bad assertion signature, wrong `aud`, expired or replayed assertion.
    InvalidClient,
    /// `invalid_scope`: a requested scope is unknown or not granted to the client.
    InvalidScope,
    /// `invalid_grant`.
    InvalidGrant,
    /// `invalid_request`.
    InvalidRequest,
    /// `unauthorized_client`: the client may not use this grant type.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `invalid_dpop_proof` (RFC 9449).
    InvalidDpopProof,
    /// `use_dpop_nonce` (RFC 9449).
    UseDpopNonce,
    /// Any other code, verbatim.
    Other(String),
}

impl OAuthErrorCode {
    /// Parses an `error` value.
    pub fn parse(code: &str) -> Self {
        match code {
            "invalid_client" => Self::InvalidClient,
            "invalid_scope" => Self::InvalidScope,
            "invalid_grant" => Self::InvalidGrant,
            "invalid_request" => Self::InvalidRequest,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_dpop_proof" => Self::InvalidDpopProof,
            "use_dpop_nonce" => Self::UseDpopNonce,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidClient => "invalid_client",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidGrant => "invalid_grant",
            Self::InvalidRequest => "invalid_request",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidDpopProof => "invalid_dpop_proof",
            Self::UseDpopNonce => "use_dpop_nonce",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why no access token could be obtained. No variant holds the key, the assertion or a
/// token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token endpoint answered with an OAuth error.
    #[error("token endpoint refused the request (HTTP {status}): {code}{}", fmt_description(.description))]
    Endpoint {
        /// HTTP status.
        status: StatusCode,
        /// The `error` code.
        code: OAuthErrorCode,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    /// The token endpoint could not be reached or its body could not be read.
    #[error("could not reach the token endpoint")]
    Transport {
        /// The `reqwest` error.
        #[source]
        source: reqwest::Error,
    },
    /// The token endpoint answered with something that is not a token or an OAuth error.
    #[error("unexpected token endpoint response (HTTP {status}): {reason}")]
    InvalidResponse {
        /// HTTP status.
        status: StatusCode,
        /// What was wrong (never the body).
        reason: &'static str,
    },
    /// The client assertion could not be signed.
    #[error("could not sign the client assertion")]
    Signing {
        /// The JOSE error.
        #[source]
        source: jsonwebtoken::errors::Error,
    },
    /// A [`TokenProvider`] failed.
    #[error("the token provider failed: {message}")]
    Provider {
        /// What went wrong (must not contain secrets).
        message: String,
    },
}

fn fmt_description(d: &Option<String>) -> String {
    d.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()
}

impl TokenError {
    /// The OAuth error code, for [`TokenError::Endpoint`].
    pub fn oauth_code(&self) -> Option<&OAuthErrorCode> {
        match self {
            TokenError::Endpoint { code, .. } => Some(code),
            _ => None,
        }
    }

    /// A transport failure talking to the token endpoint (the URL is dropped from the error).
    fn transport(source: reqwest::Error) -> Self {
        TokenError::Transport {
            source: source.without_url(),
        }
    }
}

/// A parsed private key. `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct SigningKey {
    key: EncodingKey,
    alg: Algorithm,
    kid: Option<String>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("key", &"[redacted]")
            .finish()
    }
}

fn key_error(reason: &'static str) -> BuildError {
    BuildError::InvalidPrivateKey { reason }
}

impl SigningKey {
    /// Parses a PEM (`PRIVATE KEY` PKCS#8 RSA or EC P-256, `RSA PRIVATE KEY`,
    /// `EC PRIVATE KEY`) or a private JWK (RSA or EC P-256). `key_id` overrides the JWK's
    /// `kid`.
    pub(crate) fn parse(text: &str, key_id: Option<&str>) -> Result<Self, BuildError> {
        let text = text.trim();
        let mut key = if text.starts_with('{') {
            Self::from_jwk(text)?
        } else if text.starts_with("-----BEGIN") {
            Self::from_pem(text)?
        } else {
            return Err(key_error("it is neither a PEM block nor a JSON Web Key"));
        };
        if let Some(kid) = key_id.filter(|k| !k.trim().is_empty()) {
            key.kid = Some(kid.trim().to_owned());
        }
        // Sign once now so that a broken key fails at build time, not on first use.
        sign_jwt(&Header::new(key.alg), &serde_json::json!({}), &key.key)
            .map_err(|_| key_error("the key cannot sign (unsupported or inconsistent key)"))?;
        Ok(key)
    }

    /// The ES256 signing key of an EC P-256 private key.
    fn from_p256(secret: &p256::SecretKey, kid: Option<String>) -> Result<Self, BuildError> {
        use p256::pkcs8::EncodePrivateKey as _;
        let pkcs8 = secret
            .to_pkcs8_der()
            .map_err(|_| key_error("the EC key cannot be encoded"))?;
        Ok(Self {
            key: EncodingKey::from_ec_der(pkcs8.as_bytes()),
            alg: Algorithm::ES256,
            kid,
        })
    }

    fn from_pem(text: &str) -> Result<Self, BuildError> {
        let block = pem::parse(text).map_err(|_| key_error("the PEM block cannot be read"))?;
        // An EC P-256 private key in PKCS#8 or SEC1 (RFC 5915) DER, whichever the label says.
        let ec = |der: &[u8]| -> Result<Self, BuildError> {
            use p256::pkcs8::DecodePrivateKey as _;
            let secret = p256::SecretKey::from_pkcs8_der(der)
                .or_else(|_| p256::SecretKey::from_sec1_der(der))
                .map_err(|_| key_error("not an EC P-256 private key"))?;
            Self::from_p256(&secret, None)
        };
        match block.tag() {
            "RSA PRIVATE KEY" => Ok(Self {
                key: EncodingKey::from_rsa_der(block.contents()),
                alg: Algorithm::RS256,
                kid: None,
            }),
            "EC PRIVATE KEY" => ec(block.contents()),
            "PRIVATE KEY" => {
                if let Ok(key) = EncodingKey::from_rsa_pem(text.as_bytes()) {
                    return Ok(Self {
                        key,
                        alg: Algorithm::RS256,
                        kid: None,
                    });
                }
                ec(block.contents())
            }
            "ENCRYPTED PRIVATE KEY" => Err(key_error("encrypted private keys are not supported")),
            _ => Err(key_error(
                "the PEM block is not a private key (expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)",
            )),
        }
    }

    fn from_jwk(text: &str) -> Result<Self, BuildError> {
        #[derive(Deserialize)]
        struct Jwk {
            kty: String,
            kid: Option<String>,
            alg: Option<String>,
            crv: Option<String>,
            x: Option<String>,
            y: Option<String>,
            d: Option<String>,
            n: Option<String>,
            e: Option<String>,
            p: Option<String>,
            q: Option<String>,
            dp: Option<String>,
            dq: Option<String>,
            qi: Option<String>,
        }
        let jwk: Jwk = serde_json::from_str(text)
            .map_err(|_| key_error("the JSON Web Key is not valid JSON"))?;
        let b64 = |field: &Option<String>, name: &'static str| -> Result<Vec<u8>, BuildError> {
            let value = field.as_deref().ok_or(key_error(name))?;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(value.trim_end_matches('='))
                .map_err(|_| key_error("a JWK member is not base64url"))
        };
        match jwk.kty.as_str() {
            "EC" => {
                if jwk.crv.as_deref() != Some("P-256") {
                    return Err(key_error("only EC keys on curve P-256 are supported"));
                }
                let d = b64(&jwk.d, "the EC JWK has no private part (d)")?;
                let mut point = vec![4u8];
                point.extend(b64(&jwk.x, "the EC JWK has no x")?);
                point.extend(b64(&jwk.y, "the EC JWK has no y")?);
                let mismatch = || key_error("the EC JWK members do not form a P-256 key pair");
                let secret = p256::SecretKey::from_slice(&d).map_err(|_| mismatch())?;
                use p256::elliptic_curve::sec1::ToSec1Point as _;
                let public = secret.public_key().to_sec1_point(false);
                if public.as_bytes() != point.as_slice() {
                    return Err(mismatch());
                }
                Self::from_p256(&secret, jwk.kid)
            }
            "RSA" => {
                use num_bigint::{BigInt, Sign};
                use simple_asn1::ASN1Block;
                let int = |field: &Option<String>, name: &'static str| {
                    b64(field, name).map(|bytes| {
                        ASN1Block::Integer(0, BigInt::from_bytes_be(Sign::Plus, &bytes))
                    })
                };
                let missing = "the RSA JWK lacks a private member (d, p, q, dp, dq, qi)";
                // RFC 8017 A.1.2 RSAPrivateKey, DER-encoded for the signer.
                let blocks = vec![
                    ASN1Block::Integer(0, BigInt::from(0)),
                    int(&jwk.n, "the RSA JWK has no modulus (n)")?,
                    int(&jwk.e, "the RSA JWK has no exponent (e)")?,
                    int(&jwk.d, missing)?,
                    int(&jwk.p, missing)?,
                    int(&jwk.q, missing)?,
                    int(&jwk.dp, missing)?,
                    int(&jwk.dq, missing)?,
                    int(&jwk.qi, missing)?,
                ];
                let der = simple_asn1::to_der(&ASN1Block::Sequence(0, blocks))
                    .map_err(|_| key_error("the RSA key cannot be encoded"))?;
                let alg = match jwk.alg.as_deref() {
                    None | Some("RS256") => Algorithm::RS256,
                    Some("RS384") => Algorithm::RS384,
                    Some("RS512") => Algorithm::RS512,
                    Some(_) => return Err(key_error("unsupported JWK alg for an RSA key")),
                };
                Ok(Self {
                    key: EncodingKey::from_rsa_der(&der),
                    alg,
                    kid: jwk.kid,
                })
            }
            _ => Err(key_error("unsupported JWK kty (expected RSA or EC)")),
        }
    }
}

/// Claims of a client assertion.
#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

/// A random identifier (128 bits, hex).
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 16];
    // The system RNG does not fail in practice; fall back to the clock so a jti is never reused.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = nanos.to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Signs a JWT (compact JWS) with jsonwebtoken's RustCrypto backend.
///
/// `jsonwebtoken::encode` uses the process-wide crypto provider, and has none when both of
/// jsonwebtoken's backends are enabled in a build (another crate of the program may enable
/// `aws_lc_rs`). Naming the provider keeps signing independent of that.
pub(crate) fn sign_jwt<T: Serialize>(
    header: &Header,
    claims: &T,
    key: &EncodingKey,
) -> Result<String, jsonwebtoken::errors::Error> {
    use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
    use jsonwebtoken::errors::ErrorKind;
    if key.family() != header.alg.family() {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    let signer = (DEFAULT_PROVIDER.signer_factory)(&header.alg, key)?;
    if signer.algorithm() != header.alg {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut token = b64(&serde_json::to_vec(header)?);
    token.push('.');
    token.push_str(&b64(&serde_json::to_vec(claims)?));
    let signature = signer.try_sign(token.as_bytes())?;
    token.push('.');
    token.push_str(&b64(&signature));
    Ok(token)
}

/// The built-in provider: client credentials with a `private_key_jwt` assertion.
pub(crate) struct PrivateKeyJwtProvider {
    pub(crate) http: reqwest::Client,
    pub(crate) token_url: String,
    pub(crate) client_id: String,
    pub(crate) scopes: String,
    pub(crate) key: SigningKey,
    pub(crate) dpop: Option<Arc<DpopKey>>,
    /// Timeout of one token request (the client's request timeout).
    pub(crate) timeout: Duration,
}

impl fmt::Debug for PrivateKeyJwtProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKeyJwtProvider")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("key", &self.key)
            .field("dpop", &self.dpop.is_some())
            .finish()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl PrivateKeyJwtProvider {
    fn assertion(&self) -> Result<SecretString, TokenError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let claims = AssertionClaims {
            iss: &self.client_id,
            sub: &self.client_id,
            aud: &self.token_url,
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
            jti: random_id(),
        };
        let mut header = Header::new(self.key.alg);
        header.kid.clone_from(&self.key.kid);
        sign_jwt(&header, &claims, &self.key.key)
            .map(SecretString::from)
            .map_err(|source| TokenError::Signing { source })
    }

    /// Requests a token; with DPoP, retries once when the endpoint asks for a nonce. A request
    /// the server refused unprocessed is sent again (a new assertion and proof each time), up
    /// to [`REFUSED_RESENDS`] times.
    async fn request(&self) -> Result<AccessToken, TokenError> {
        let (mut nonce_asked, mut resent) = (false, 0);
        loop {
            match self.request_once().await {
                Ok(token) => return Ok(token),
                Err(Attempt::NonceRequired) if !nonce_asked => nonce_asked = true,
                Err(Attempt::NonceRequired) => {
                    return Err(TokenError::Endpoint {
                        status: StatusCode::BAD_REQUEST,
                        code: OAuthErrorCode::UseDpopNonce,
                        description: Some(
                            "the token endpoint asked for a DPoP nonce twice".to_owned(),
                        ),
                    });
                }
                Err(Attempt::Refused(_)) if resent < REFUSED_RESENDS => resent += 1,
                Err(Attempt::Refused(e) | Attempt::Failed(e)) => return Err(e),
            }
        }
    }

    async fn request_once(&self) -> Result<AccessToken, Attempt> {
        let assertion = self.assertion()?;
        let form = [
            ("grant_type", "client_credentials"),
            ("scope", self.scopes.as_str()),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ("client_assertion", assertion.expose_secret()),
        ];
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = self
            .http
            .post(&self.token_url)
            .timeout(self.timeout)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        if let Some(dpop) = &self.dpop {
            let url = url::Url::parse(&self.token_url).map_err(|_| TokenError::Provider {
                message: "the token URL cannot be parsed".to_owned(),
            })?;
            request = request.header(
                crate::dpop::DPOP_HEADER,
                dpop.proof(Server::Token, "POST", &url, None)?,
            );
        }
        let response = request.send().await.map_err(Attempt::of_send)?;
        let status = response.status();
        let nonce = response
            .headers()
            .get(crate::dpop::DPOP_NONCE_HEADER)
            .cloned();
        if let (Some(dpop), Some(nonce)) = (&self.dpop, &nonce) {
            dpop.set_nonce(Server::Token, nonce);
        }
        let bytes = response.bytes().await.map_err(TokenError::transport)?;
        if status.is_success() {
            let token: TokenResponse =
                serde_json::from_slice(&bytes).map_err(|_| TokenError::InvalidResponse {
                    status,
                    reason: "the body is not a token response",
                })?;
            if token.access_token.trim().is_empty() {
                return Err(TokenError::InvalidResponse {
                    status,
                    reason: "the access token is empty",
                }
                .into());
            }
            let dpop_bound = token
                .token_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("DPoP"));
            if self.dpop.is_some() != dpop_bound {
                return Err(TokenError::InvalidResponse {
                    status,
                    reason: "the token type does not match the DPoP setting",
                }
                .into());
            }
            let expires_in = Duration::from_secs(token.expires_in.unwrap_or(3600));
            tracing::debug!(
                expires_in_s = expires_in.as_secs(),
                dpop = dpop_bound,
                "okta-mgmt: access token obtained"
            );
            let mut access = AccessToken::new(token.access_token, expires_in);
            access.dpop = dpop_bound;
            return Ok(access);
        }
        match serde_json::from_slice::<OAuthErrorBody>(&bytes) {
            Ok(body) => {
                let code = OAuthErrorCode::parse(&body.error);
                if code == OAuthErrorCode::UseDpopNonce && self.dpop.is_some() && nonce.is_some() {
                    tracing::debug!("okta-mgmt: token endpoint asked for a DPoP nonce; retrying");
                    return Err(Attempt::NonceRequired);
                }
                Err(TokenError::Endpoint {
                    status,
                    code,
                    description: body
                        .error_description
                        .map(|d| redact(&d, &[assertion.expose_secret()])),
                }
                .into())
            }
            Err(_) => Err(TokenError::InvalidResponse {
                status,
                reason: "the body is not an OAuth error",
            }
            .into()),
        }
    }
}

/// The outcome of one token request that is not a token.
enum Attempt {
    /// `use_dpop_nonce` with a `DPoP-Nonce` header (now remembered).
    NonceRequired,
    /// The server turned the request away unprocessed (see [`TransportFailure::Refused`]).
    Refused(TokenError),
    /// Any other failure.
    Failed(TokenError),
}

/// How many times a token request that the server refused unprocessed is sent again (as many as
/// reqwest's own retry layer allowed, which the crate's HTTP client leaves off).
const REFUSED_RESENDS: u32 = 2;

impl Attempt {
    /// A failure to send the token request.
    fn of_send(error: reqwest::Error) -> Self {
        let refused = TransportFailure::of(&error) == TransportFailure::Refused;
        let error = TokenError::transport(error);
        if refused {
            Attempt::Refused(error)
        } else {
            Attempt::Failed(error)
        }
    }
}

impl From<TokenError> for Attempt {
    fn from(e: TokenError) -> Self {
        Attempt::Failed(e)
    }
}

impl TokenProvider for PrivateKeyJwtProvider {
    fn fetch_token(&self) -> BoxFuture<'_, Result<AccessToken, TokenError>> {
        Box::pin(self.request())
    }
}

/// Replaces every occurrence of a secret in `text`.
fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret, "[redacted]");
    }
    out
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

struct Cached {
    authz: Arc<Authz>,
    renew_at: Instant,
}

/// What a request needs from the cache: the `Authorization` value, the token (for a DPoP
/// proof's `ath`) and the generation of the token (to invalidate exactly it). Shared: each
/// request holds the cached one.
pub(crate) struct Authz {
    pub(crate) header: HeaderValue,
    pub(crate) token: SecretString,
    pub(crate) dpop: bool,
    pub(crate) generation: u64,
}

/// The token cache shared by clones of a client: one renewal at a time.
pub(crate) struct TokenCache {
    provider: Arc<dyn TokenProvider>,
    pub(crate) dpop: Option<Arc<DpopKey>>,
    /// The cached token, read by every call without waiting (the lock is held for a copy of an
    /// `Arc`, never across an `.await`).
    slot: std::sync::Mutex<Option<Cached>>,
    /// Held while a token is fetched, so that calls finding no fresh token share one fetch.
    renewal: tokio::sync::Mutex<()>,
    generation: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(provider: Arc<dyn TokenProvider>, dpop: Option<Arc<DpopKey>>) -> Self {
        Self {
            provider,
            dpop,
            slot: std::sync::Mutex::new(None),
            renewal: tokio::sync::Mutex::new(()),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The `Authorization` header for a request and the generation of the token in it.
    /// Waits for a renewal in progress instead of starting another.
    pub(crate) async fn authorization(&self) -> Result<Arc<Authz>, Arc<TokenError>> {
        if let Some(fresh) = self.fresh() {
            return Ok(fresh);
        }
        let _renewing = self.renewal.lock().await;
        // Another call may have renewed the token while this one waited.
        if let Some(fresh) = self.fresh() {
            return Ok(fresh);
        }
        let token = self.provider.fetch_token().await.map_err(Arc::new)?;
        let scheme = if token.dpop { "DPoP" } else { "Bearer" };
        let mut header =
            HeaderValue::from_str(&format!("{scheme} {}", token.secret().expose_secret()))
                .map_err(|_| {
                    Arc::new(TokenError::Provider {
                        message: "the access token contains characters not allowed in a header"
                            .to_owned(),
                    })
                })?;
        header.set_sensitive(true);
        let generation = self
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let authz = Arc::new(Authz {
            header,
            token: token.secret().clone(),
            dpop: token.dpop,
            generation,
        });
        *self.slot() = Some(Cached {
            authz: Arc::clone(&authz),
            renew_at: token.renew_at(),
        });
        Ok(authz)
    }

    /// The cached token, if it is not due for renewal.
    fn fresh(&self) -> Option<Arc<Authz>> {
        let slot = self.slot();
        let cached = slot.as_ref().filter(|c| Instant::now() < c.renew_at)?;
        Some(Arc::clone(&cached.authz))
    }

    /// Drops the cached token if it is still the one of `generation` (the API refused it).
    pub(crate) fn invalidate(&self, generation: u64) {
        let mut slot = self.slot();
        if slot
            .as_ref()
            .is_some_and(|c| c.authz.generation == generation)
        {
            *slot = None;
        }
    }

    /// The cache slot; a panic elsewhere while it was held leaves a value that is still whole.
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Cached>> {
        self.slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_round_trip() {
        for code in [
            "invalid_client",
            "invalid_scope",
            "invalid_grant",
            "invalid_request",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_dpop_proof",
            "use_dpop_nonce",
            "something_new",
        ] {
            assert_eq!(OAuthErrorCode::parse(code).as_str(), code);
        }
    }

    #[test]
    fn renewal_margin_is_bounded() {
        let t = AccessToken::new("x", Duration::from_secs(3600));
        assert_eq!(t.expires_at() - t.renew_at(), MAX_RENEWAL_MARGIN);
        let t = AccessToken::new("x", Duration::from_secs(5));
        assert_eq!(t.expires_at() - t.renew_at(), Duration::from_secs(1));
    }

    #[test]
    fn rejects_non_keys_without_echoing_them() {
        for text in [
            "hunter2-not-a-key",
            "{\"kty\":\"oct\",\"k\":\"hunter2\"}",
            "-----BEGIN CERTIFICATE-----\naHVudGVyMg==\n-----END CERTIFICATE-----",
        ] {
            let e = SigningKey::parse(text, None).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }

    #[test]
    fn assertion_claims_and_signature() {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let pem = pem::encode(&pem::Pem::new(
            "PRIVATE KEY",
            pair.to_pkcs8v1().unwrap().as_ref().to_vec(),
        ));
        let provider = PrivateKeyJwtProvider {
            http: reqwest::Client::new(),
            token_url: "https://acme.okta.com/oauth2/v1/token".to_owned(),
            client_id: "0oa1".to_owned(),
            scopes: "okta.policies.read".to_owned(),
            key: SigningKey::parse(&pem, Some("kid-7")).unwrap(),
            dpop: None,
            timeout: Duration::from_secs(5),
        };
        let a = provider.assertion().unwrap();
        let b = provider.assertion().unwrap();
        let point = pair.public_key().as_ref();
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let key = jsonwebtoken::DecodingKey::from_ec_components(
            &b64(&point[1..33]),
            &b64(&point[33..65]),
        )
        .unwrap();
        let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
        validation.set_audience(&["https://acme.okta.com/oauth2/v1/token"]);
        validation.set_issuer(&["0oa1"]);
        let decode = |t: &SecretString| {
            jsonwebtoken::decode::<serde_json::Value>(t.expose_secret(), &key, &validation).unwrap()
        };
        let (da, db) = (decode(&a), decode(&b));
        assert_eq!(da.header.kid.as_deref(), Some("kid-7"));
        let c = &da.claims;
        assert_eq!(c["sub"], "0oa1");
        let lifetime = c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap();
        assert!(lifetime <= 300, "{lifetime}");
        assert_ne!(c["jti"], db.claims["jti"], "jti must be unique");
        assert_eq!(format!("{a:?}"), "[redacted]");
    }

    #[test]
    fn redact_replaces_secrets() {
        assert_eq!(
            redact("bad jwt abc.def", &["abc.def"]),
            "bad jwt [redacted]"
        );
    }

    /// Signs with `key` and checks the signature with `verify` (keys from aws-lc-rs, so a
    /// second implementation produced them).
    fn signs_verifiably(text: &str, alg: Algorithm, verify: &jsonwebtoken::DecodingKey) {
        let key = SigningKey::parse(text, None).unwrap();
        assert_eq!(key.alg, alg);
        let jwt = sign_jwt(
            &Header::new(alg),
            &serde_json::json!({"sub": "0oa1"}),
            &key.key,
        )
        .unwrap();
        let mut validation = jsonwebtoken::Validation::new(alg);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<serde_json::Value>(&jwt, verify, &validation).unwrap();
        assert_eq!(data.claims["sub"], "0oa1");
    }

    #[test]
    fn rs256_from_pkcs8_and_pkcs1_pem() {
        use aws_lc_rs::encoding::AsDer as _;
        use aws_lc_rs::signature::KeyPair as _;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let pkcs8 = pair.as_der().unwrap();
        let pkcs8_pem = pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8.as_ref().to_vec()));
        let verify = jsonwebtoken::DecodingKey::from_rsa_der(pair.public_key().as_ref());
        signs_verifiably(&pkcs8_pem, Algorithm::RS256, &verify);
        // PKCS#1 is the PKCS#8 key's inner RSAPrivateKey.
        let pkcs1 = EncodingKey::from_rsa_pem(pkcs8_pem.as_bytes()).unwrap();
        let pkcs1_pem = pem::encode(&pem::Pem::new("RSA PRIVATE KEY", pkcs1.as_bytes().to_vec()));
        signs_verifiably(&pkcs1_pem, Algorithm::RS256, &verify);
    }

    #[test]
    fn es256_from_pkcs8_and_sec1_pem_and_jwk() {
        use aws_lc_rs::encoding::{AsBigEndian as _, AsDer as _};
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let point = pair.public_key().as_ref().to_vec();
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let (x, y) = (b64(&point[1..33]), b64(&point[33..65]));
        let verify = jsonwebtoken::DecodingKey::from_ec_components(&x, &y).unwrap();
        let pkcs8 = pair.to_pkcs8v1().unwrap();
        let pkcs8_pem = pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8.as_ref().to_vec()));
        signs_verifiably(&pkcs8_pem, Algorithm::ES256, &verify);
        let sec1 = pair.private_key().as_der().unwrap();
        let sec1_pem = pem::encode(&pem::Pem::new("EC PRIVATE KEY", sec1.as_ref().to_vec()));
        signs_verifiably(&sec1_pem, Algorithm::ES256, &verify);
        let d = b64(pair.private_key().as_be_bytes().unwrap().as_ref());
        let jwk = format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}","d":"{d}"}}"#);
        signs_verifiably(&jwk, Algorithm::ES256, &verify);
        // A private part that does not match the public point is refused.
        let other = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let d = b64(other.private_key().as_be_bytes().unwrap().as_ref());
        let jwk = format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}","d":"{d}"}}"#);
        assert!(SigningKey::parse(&jwk, None).is_err());
    }

    #[test]
    fn dpop_proof_verifies_with_its_own_jwk() {
        let key = DpopKey::generate().unwrap();
        let url = url::Url::parse("https://acme.okta.com/api/v1/devices?limit=2").unwrap();
        let proof = key.proof(Server::Api, "GET", &url, Some("at-1")).unwrap();
        let proof = proof.to_str().unwrap();
        let header = jsonwebtoken::decode_header(proof).unwrap();
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        let jwk = header.jwk.unwrap();
        let verify = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<serde_json::Value>(proof, &verify, &validation)
            .unwrap()
            .claims;
        assert_eq!(claims["htu"], "https://acme.okta.com/api/v1/devices");
        // ath = base64url(SHA-256("at-1")).
        assert_eq!(claims["ath"], "R8PYaIQdcYEdkSc9TeGyiUqSAedmCQuOQImPRh1E3HI");
    }

    #[test]
    fn random_ids_differ() {
        assert_ne!(random_id(), random_id());
        assert_eq!(random_id().len(), 32);
    }
}
