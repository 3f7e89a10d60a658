//! The org authorization server's token endpoint (`POST /oauth2/v1/token`) for OAuth 2.0
//! service apps, and the scope check of OAuth access tokens on `/api/v1`.
//!
//! Client credentials with a `private_key_jwt` assertion: the assertion must be signed by the
//! public key registered for the client (RS256 or ES256), have `iss` = `sub` = the client
//! id, `aud` = `<org>/oauth2/v1/token`, an `exp` in the future (at most one hour after
//! `iat`) and a `jti` never seen before. Every requested scope must be granted to the client.
//! Issued tokens are opaque, scoped and expire after [`OAuthConfig::token_lifetime`]. Each
//! `/api/v1` operation requires the scope its spec entry lists under `security: oauth2`;
//! a token without it gets 403 E0000006, as Okta answers.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::AsDer;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Shared;

/// The scopes of the Policies and Devices APIs.
pub const ALL_SCOPES: [&str; 4] = [
    "okta.policies.read",
    "okta.policies.manage",
    "okta.devices.read",
    "okta.devices.manage",
];

/// A registered OAuth 2.0 service app.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthClient {
    /// The client id.
    pub client_id: String,
    /// The public key (PEM, `PUBLIC KEY`, RSA or EC P-256) that verifies its assertions.
    pub public_key_pem: String,
    /// The scopes granted to the client.
    pub granted_scopes: Vec<String>,
}

/// Token endpoint settings.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthConfig {
    /// Registered service apps (none by default: the token endpoint refuses every client).
    pub clients: Vec<OAuthClient>,
    /// Lifetime of issued access tokens (one hour by default; short values test renewal).
    pub token_lifetime: Duration,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        Self {
            clients: Vec::new(),
            token_lifetime: Duration::from_secs(3600),
        }
    }
}

/// An issued access token.
#[derive(Debug)]
struct Issued {
    scopes: HashSet<String>,
    expires: Instant,
}

/// Issued tokens and used assertion ids.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    tokens: HashMap<String, Issued>,
    used_jti: HashSet<String>,
    /// Number of tokens issued (for tests and scenarios).
    pub(crate) issued: u64,
}

/// A key pair written by `serve --oauth-generate-key`, or generated for tests.
#[derive(Debug, Clone)]
pub struct GeneratedKey {
    /// PKCS#8 private key, PEM.
    pub private_pem: String,
    /// SubjectPublicKeyInfo public key, PEM.
    pub public_pem: String,
}

/// The kind of key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA 2048 (RS256).
    Rsa,
    /// EC P-256 (ES256).
    Ec,
}

/// Generates a key pair (aws-lc-rs).
pub fn generate_key(kind: KeyKind) -> Result<GeneratedKey, String> {
    use aws_lc_rs::signature::KeyPair as _;
    let (private_der, public_der) = match kind {
        KeyKind::Rsa => {
            let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|_| "RSA key generation failed".to_owned())?;
            let private = pair
                .as_der()
                .map_err(|_| "RSA key encoding failed".to_owned())?;
            let public = pair
                .public_key()
                .as_der()
                .map_err(|_| "RSA public key encoding failed".to_owned())?;
            (private.as_ref().to_vec(), public.as_ref().to_vec())
        }
        KeyKind::Ec => {
            let alg = &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
            let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(alg)
                .map_err(|_| "EC key generation failed".to_owned())?;
            let private = pair
                .to_pkcs8v1()
                .map_err(|_| "EC key encoding failed".to_owned())?;
            let public = pair
                .public_key()
                .as_der()
                .map_err(|_| "EC public key encoding failed".to_owned())?;
            (private.as_ref().to_vec(), public.as_ref().to_vec())
        }
    };
    Ok(GeneratedKey {
        private_pem: pem::encode(&pem::Pem::new("PRIVATE KEY", private_der)),
        public_pem: pem::encode(&pem::Pem::new("PUBLIC KEY", public_der)),
    })
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        json!({"error": error, "error_description": description}).to_string(),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn invalid_client(description: &str) -> Response {
    oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", description)
}

#[derive(Debug, Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
    iat: Option<u64>,
    exp: u64,
    jti: Option<String>,
}

fn decoding_key(pem: &str) -> Option<(DecodingKey, Algorithm)> {
    if let Ok(key) = DecodingKey::from_ec_pem(pem.as_bytes()) {
        return Some((key, Algorithm::ES256));
    }
    DecodingKey::from_rsa_pem(pem.as_bytes())
        .ok()
        .map(|key| (key, Algorithm::RS256))
}

/// The `iss` of an assertion, read before its signature is checked (to find the key).
fn unverified_issuer(assertion: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = assertion.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.get("iss")?.as_str().map(str::to_owned)
}

/// `POST /oauth2/v1/token`.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].",
        );
    }
    if field("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
        return invalid_client("The client_assertion_type is missing or not supported.");
    }
    let assertion = field("client_assertion");
    let Some(client_id) = unverified_issuer(assertion) else {
        return invalid_client("The client_assertion token is malformed.");
    };
    let Some(client) = shared
        .config
        .oauth
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
    else {
        return invalid_client("The client_assertion token is invalid: unknown client.");
    };
    let Some((key, alg)) = decoding_key(&client.public_key_pem) else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "The public key registered for the client cannot be read.",
        );
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let audience = format!("http://{host}/oauth2/v1/token");
    let mut validation = Validation::new(alg);
    validation.leeway = 5;
    validation.set_audience(&[audience.as_str()]);
    validation.set_issuer(&[client.client_id.as_str()]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let claims = match jsonwebtoken::decode::<AssertionClaims>(assertion, &key, &validation) {
        Ok(data) => data.claims,
        Err(e) => {
            use jsonwebtoken::errors::ErrorKind;
            let why = match e.kind() {
                ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => {
                    "The client_assertion signature is invalid."
                }
                ErrorKind::ExpiredSignature => "The client_assertion token is expired.",
                ErrorKind::InvalidAudience => {
                    "The audience claim for client_assertion must be the endpoint invoked for the request."
                }
                ErrorKind::InvalidIssuer => "The issuer of the client_assertion is invalid.",
                _ => "The client_assertion token is invalid.",
            };
            return invalid_client(why);
        }
    };
    if claims.sub != claims.iss {
        return invalid_client("The sub claim of the client_assertion must equal its iss claim.");
    }
    if claims.exp.saturating_sub(claims.iat.unwrap_or(0)) > 3600 {
        return invalid_client(
            "The client_assertion token has an expiration too far in the future.",
        );
    }
    let Some(jti) = claims.jti.filter(|j| !j.is_empty()) else {
        return invalid_client("The client_assertion token must contain a jti claim.");
    };
    let requested: Vec<&str> = field("scope").split_whitespace().collect();
    if requested.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
        );
    }
    let refused: Vec<&str> = requested
        .iter()
        .copied()
        .filter(|s| !client.granted_scopes.iter().any(|g| g == s))
        .collect();
    if !refused.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!(
                "The following scopes are not allowed: [{}]",
                refused.join(", ")
            ),
        );
    }
    let mut state = shared.oauth.lock().await;
    if !state.used_jti.insert(jti) {
        return invalid_client("The client_assertion token has already been used.");
    }
    let now = Instant::now();
    state.tokens.retain(|_, t| t.expires > now);
    let access_token = format!("sim-at-{}", random_hex());
    let lifetime = shared.config.oauth.token_lifetime;
    state.tokens.insert(
        access_token.clone(),
        Issued {
            scopes: requested.iter().map(|s| (*s).to_owned()).collect(),
            expires: now + lifetime,
        },
    );
    state.issued += 1;
    let body = json!({
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs().max(1),
        "access_token": access_token,
        "scope": requested.join(" "),
    });
    let mut response = (StatusCode::OK, body.to_string()).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the auth middleware decides for a Bearer token issued here.
pub(crate) enum TokenCheck {
    /// Not a token this endpoint issued.
    Unknown,
    /// Issued here but expired.
    Expired,
    /// Valid, but lacks the scope the operation needs.
    MissingScope(&'static str),
    /// Valid and sufficient.
    Allowed,
}

/// Checks an OAuth access token against the operation's required scope.
pub(crate) async fn check(shared: &Shared, token: &str, method: &Method, path: &str) -> TokenCheck {
    let state = shared.oauth.lock().await;
    let Some(issued) = state.tokens.get(token) else {
        return TokenCheck::Unknown;
    };
    if Instant::now() >= issued.expires {
        return TokenCheck::Expired;
    }
    match required_scope(method, path) {
        Some(scope) if !has_scope(&issued.scopes, scope) => TokenCheck::MissingScope(scope),
        _ => TokenCheck::Allowed,
    }
}

/// `manage` implies `read` of the same resource, as in Okta.
fn has_scope(granted: &HashSet<String>, needed: &str) -> bool {
    granted.contains(needed)
        || needed
            .strip_suffix(".read")
            .is_some_and(|base| granted.contains(&format!("{base}.manage")))
}

/// One operation's path template, method and OAuth scope, from the spec.
#[derive(Debug)]
struct ScopedOperation {
    method: Method,
    segments: Vec<String>,
    scope: &'static str,
}

fn scope_table() -> &'static [ScopedOperation] {
    static TABLE: OnceLock<Vec<ScopedOperation>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let doc: Value = serde_yaml_ng::from_str(super::schema::SPEC_YAML).unwrap_or(Value::Null);
        let mut table = Vec::new();
        let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
            return table;
        };
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let Ok(method) = method.to_uppercase().parse::<Method>() else {
                    continue;
                };
                let scope = op
                    .get("security")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|req| req.get("oauth2")?.as_array()?.first()?.as_str())
                    .find_map(|s| ALL_SCOPES.iter().copied().find(|known| *known == s));
                if let Some(scope) = scope {
                    table.push(ScopedOperation {
                        method,
                        segments: path.split('/').map(str::to_owned).collect(),
                        scope,
                    });
                }
            }
        }
        table
    })
}

/// The scope the spec requires for `method path`, matching path templates and preferring the
/// template with the most literal segments (`/policies/simulate` over `/policies/{policyId}`).
pub fn required_scope(method: &Method, path: &str) -> Option<&'static str> {
    let parts: Vec<&str> = path.split('/').collect();
    scope_table()
        .iter()
        .filter(|op| op.method == method && op.segments.len() == parts.len())
        .filter_map(|op| {
            let mut literal = 0;
            for (template, part) in op.segments.iter().zip(&parts) {
                if template.starts_with('{') {
                    continue;
                }
                if template != part {
                    return None;
                }
                literal += 1;
            }
            Some((literal, op.scope))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, scope)| scope)
}

/// Number of access tokens issued so far.
pub(crate) async fn issued_count(shared: &Shared) -> u64 {
    shared.oauth.lock().await.issued
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_follow_the_spec() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(
            required_scope(&get, "/api/v1/policies"),
            Some("okta.policies.read")
        );
        assert_eq!(
            required_scope(&post, "/api/v1/policies"),
            Some("okta.policies.manage")
        );
        assert_eq!(
            required_scope(&post, "/api/v1/policies/abc/lifecycle/activate"),
            Some("okta.policies.manage")
        );
        assert_eq!(
            required_scope(&get, "/api/v1/devices/x"),
            Some("okta.devices.read")
        );
        assert_eq!(
            required_scope(&Method::DELETE, "/api/v1/devices/x"),
            Some("okta.devices.manage")
        );
        assert!(scope_table().len() >= 30, "{}", scope_table().len());
    }

    #[test]
    fn manage_implies_read() {
        let granted: HashSet<String> = ["okta.policies.manage".to_owned()].into();
        assert!(has_scope(&granted, "okta.policies.read"));
        assert!(!has_scope(&granted, "okta.devices.read"));
    }
}
