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

use crate::Shared;

/// The scopes the served operations require (`listUserDevices` needs `okta.users.read`).
pub const ALL_SCOPES: [&str; 5] = [
    "okta.policies.read",
    "okta.policies.manage",
    "okta.devices.read",
    "okta.devices.manage",
    "okta.users.read",
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
    /// Refuse token requests without a DPoP proof (Okta's "Require DPoP" app setting).
    pub require_dpop: bool,
    /// Demand a server nonce in DPoP proofs at the token endpoint (`use_dpop_nonce`).
    pub dpop_nonce: bool,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        Self {
            clients: Vec::new(),
            token_lifetime: Duration::from_secs(3600),
            require_dpop: false,
            dpop_nonce: false,
        }
    }
}

/// An issued access token.
#[derive(Debug)]
struct Issued {
    scopes: HashSet<String>,
    expires: Instant,
    /// JWK SHA-256 thumbprint of the DPoP key the token is bound to.
    jkt: Option<String>,
}

/// Issued tokens and used assertion ids.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    tokens: HashMap<String, Issued>,
    used_jti: HashSet<String>,
    dpop_jti: HashSet<String>,
    nonce: Option<String>,
    /// Number of tokens issued (for tests and scenarios).
    pub(crate) issued: u64,
    /// Number of `use_dpop_nonce` answers.
    pub(crate) nonce_challenges: u64,
}

/// Why a DPoP proof is refused.
struct ProofError(&'static str);

/// Verifies a DPoP proof (RFC 9449 §4.3) and returns the thumbprint of its key.
fn verify_proof(
    state: &mut OAuthState,
    proof: &str,
    method: &str,
    htu: &str,
    access_token: Option<&str>,
    nonce: Option<&str>,
) -> Result<String, ProofError> {
    use base64::Engine as _;
    use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header_part = proof.split('.').next().unwrap_or_default();
    let header: Value = b64
        .decode(header_part)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(ProofError("the DPoP proof header is malformed"))?;
    if header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err(ProofError("the DPoP proof typ must be dpop+jwt"));
    }
    let alg = match header.get("alg").and_then(Value::as_str) {
        Some("ES256") => Algorithm::ES256,
        Some("RS256") => Algorithm::RS256,
        _ => return Err(ProofError("the DPoP proof alg is not supported")),
    };
    let jwk: Jwk = header
        .get("jwk")
        .cloned()
        .and_then(|j| serde_json::from_value(j).ok())
        .ok_or(ProofError("the DPoP proof has no usable jwk"))?;
    let key =
        DecodingKey::from_jwk(&jwk).map_err(|_| ProofError("the DPoP proof jwk is invalid"))?;
    let mut validation = Validation::new(alg);
    validation.required_spec_claims = HashSet::new();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<Value>(proof, &key, &validation)
        .map_err(|_| ProofError("the DPoP proof signature is invalid"))?
        .claims;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("htm") != Some(method) {
        return Err(ProofError(
            "the DPoP proof htm does not match the request method",
        ));
    }
    if text("htu") != Some(htu) {
        return Err(ProofError(
            "the DPoP proof htu does not match the request URL",
        ));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let iat = claims.get("iat").and_then(Value::as_u64).unwrap_or(0);
    if iat.abs_diff(now) > 300 {
        return Err(ProofError("the DPoP proof iat is too far from now"));
    }
    if let Some(token) = access_token {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
        if text("ath") != Some(b64.encode(digest.as_ref()).as_str()) {
            return Err(ProofError(
                "the DPoP proof ath does not match the access token",
            ));
        }
    }
    if let Some(expected) = nonce
        && text("nonce") != Some(expected)
    {
        return Err(ProofError("nonce"));
    }
    let jti = text("jti").ok_or(ProofError("the DPoP proof has no jti"))?;
    if !state.dpop_jti.insert(jti.to_owned()) {
        return Err(ProofError("the DPoP proof jti has already been used"));
    }
    jwk.thumbprint(ThumbprintHash::SHA256)
        .map_err(|_| ProofError("the DPoP proof jwk has no thumbprint"))
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
            key_ders(
                "RSA",
                pair.as_der().as_deref(),
                pair.public_key().as_der().as_deref(),
            )?
        }
        KeyKind::Ec => {
            let alg = &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
            let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(alg)
                .map_err(|_| "EC key generation failed".to_owned())?;
            key_ders(
                "EC",
                pair.to_pkcs8v1(),
                pair.public_key().as_der().as_deref(),
            )?
        }
    };
    Ok(GeneratedKey {
        private_pem: pem::encode(&pem::Pem::new("PRIVATE KEY", private_der)),
        public_pem: pem::encode(&pem::Pem::new("PUBLIC KEY", public_der)),
    })
}

/// The DER bytes of a freshly encoded private and public key; an encoding failure is named
/// with the key's `label` ("RSA", "EC").
fn key_ders<P: AsRef<[u8]>, Q: AsRef<[u8]>, E, F>(
    label: &str,
    private: Result<P, E>,
    public: Result<Q, F>,
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let private = private.map_err(|_| format!("{label} key encoding failed"))?;
    let public = public.map_err(|_| format!("{label} public key encoding failed"))?;
    Ok((private.as_ref().to_vec(), public.as_ref().to_vec()))
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
    match issue_token(&shared, &headers, &form).await {
        Ok(response) | Err(response) => response,
    }
}

/// The token endpoint: every refusal is the `Err` OAuth error response.
async fn issue_token(
    shared: &Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Response, Response> {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "client_credentials" {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].",
        ));
    }
    if field("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
        return Err(invalid_client(
            "The client_assertion_type is missing or not supported.",
        ));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let audience = format!("http://{host}/oauth2/v1/token");
    let (client, jti) =
        verify_assertion(shared, field("client_assertion"), &audience).map_err(|r| *r)?;
    let requested = requested_scopes(client, field("scope")).map_err(|r| *r)?;
    let mut state = shared.oauth.lock().await;
    let proof = headers.get("dpop").and_then(|v| v.to_str().ok());
    let jkt = dpop_binding(shared, &mut state, proof, &audience).map_err(|r| *r)?;
    if !state.used_jti.insert(jti) {
        return Err(invalid_client(
            "The client_assertion token has already been used.",
        ));
    }
    Ok(issue_access_token(shared, &mut state, &requested, jkt))
}

/// Checks the client assertion (a JWT signed with the key registered for its issuer): the
/// client it names and its `jti`.
fn verify_assertion<'a>(
    shared: &'a Shared,
    assertion: &str,
    audience: &str,
) -> Result<(&'a OAuthClient, String), Box<Response>> {
    let Some(client_id) = unverified_issuer(assertion) else {
        return Err(Box::new(invalid_client(
            "The client_assertion token is malformed.",
        )));
    };
    let Some(client) = shared
        .config
        .oauth
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
    else {
        return Err(Box::new(invalid_client(
            "The client_assertion token is invalid: unknown client.",
        )));
    };
    let Some((key, alg)) = decoding_key(&client.public_key_pem) else {
        return Err(Box::new(oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "The public key registered for the client cannot be read.",
        )));
    };
    let mut validation = Validation::new(alg);
    validation.leeway = 5;
    validation.set_audience(&[audience]);
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
            return Err(Box::new(invalid_client(why)));
        }
    };
    if claims.sub != claims.iss {
        return Err(Box::new(invalid_client(
            "The sub claim of the client_assertion must equal its iss claim.",
        )));
    }
    if claims.exp.saturating_sub(claims.iat.unwrap_or(0)) > 3600 {
        return Err(Box::new(invalid_client(
            "The client_assertion token has an expiration too far in the future.",
        )));
    }
    let Some(jti) = claims.jti.filter(|j| !j.is_empty()) else {
        return Err(Box::new(invalid_client(
            "The client_assertion token must contain a jti claim.",
        )));
    };
    Ok((client, jti))
}

/// The requested scopes, all of which the client must have been granted.
fn requested_scopes<'s>(
    client: &OAuthClient,
    scope: &'s str,
) -> Result<Vec<&'s str>, Box<Response>> {
    let requested: Vec<&str> = scope.split_whitespace().collect();
    if requested.is_empty() {
        return Err(Box::new(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
        )));
    }
    let refused: Vec<&str> = requested
        .iter()
        .copied()
        .filter(|s| !client.granted_scopes.iter().any(|g| g == s))
        .collect();
    if !refused.is_empty() {
        return Err(Box::new(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!(
                "The following scopes are not allowed: [{}]",
                refused.join(", ")
            ),
        )));
    }
    Ok(requested)
}

/// The DPoP key thumbprint the token is bound to (`None`: a Bearer token), after checking the
/// proof (and its nonce when the org asks for one).
fn dpop_binding(
    shared: &Shared,
    state: &mut OAuthState,
    proof: Option<&str>,
    audience: &str,
) -> Result<Option<String>, Box<Response>> {
    let oauth_config = &shared.config.oauth;
    let Some(proof) = proof else {
        if oauth_config.require_dpop {
            return Err(Box::new(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_dpop_proof",
                "The DPoP proof JWT header is missing.",
            )));
        }
        return Ok(None);
    };
    let nonce = if oauth_config.dpop_nonce {
        Some(
            state
                .nonce
                .get_or_insert_with(|| format!("sim-nonce-{}", random_hex()))
                .clone(),
        )
    } else {
        None
    };
    match verify_proof(state, proof, "POST", audience, None, nonce.as_deref()) {
        Ok(jkt) => Ok(Some(jkt)),
        Err(ProofError("nonce")) => {
            state.nonce_challenges += 1;
            let mut response = oauth_error(
                StatusCode::BAD_REQUEST,
                "use_dpop_nonce",
                "Authorization server requires nonce in DPoP proof.",
            );
            if let Some(nonce) = nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
                response.headers_mut().insert("dpop-nonce", nonce);
            }
            Err(Box::new(response))
        }
        Err(ProofError(why)) => Err(Box::new(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_dpop_proof",
            why,
        ))),
    }
}

/// Issues an access token for `requested` (bound to `jkt` when set) and answers it.
fn issue_access_token(
    shared: &Shared,
    state: &mut OAuthState,
    requested: &[&str],
    jkt: Option<String>,
) -> Response {
    let now = Instant::now();
    state.tokens.retain(|_, t| t.expires > now);
    let access_token = format!("sim-at-{}", random_hex());
    let lifetime = shared.config.oauth.token_lifetime;
    state.tokens.insert(
        access_token.clone(),
        Issued {
            scopes: requested.iter().map(|s| (*s).to_owned()).collect(),
            expires: now + lifetime,
            jkt: jkt.clone(),
        },
    );
    state.issued += 1;
    let body = json!({
        "token_type": if jkt.is_some() { "DPoP" } else { "Bearer" },
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
    MissingScope(String),
    /// Valid and sufficient.
    Allowed,
}

/// Checks an OAuth access token against the operation's required scope; a DPoP-bound token
/// must come with the `DPoP` scheme and a valid proof for this request.
pub(crate) async fn check(
    shared: &Shared,
    scheme_is_dpop: bool,
    token: &str,
    proof: Option<&str>,
    method: &Method,
    htu: &str,
    path: &str,
) -> TokenCheck {
    let mut state = shared.oauth.lock().await;
    let Some(issued) = state.tokens.get(token) else {
        return TokenCheck::Unknown;
    };
    if Instant::now() >= issued.expires {
        return TokenCheck::Expired;
    }
    let scopes_ok = match required_scope(method, path) {
        Some(scope) if !has_scope(&issued.scopes, scope) => Err(scope.to_owned()),
        _ => Ok(()),
    };
    match (issued.jkt.clone(), scheme_is_dpop, proof) {
        (None, false, _) => {}
        (Some(jkt), true, Some(proof)) => {
            match verify_proof(&mut state, proof, method.as_str(), htu, Some(token), None) {
                Ok(thumbprint) if thumbprint == jkt => {}
                _ => return TokenCheck::Unknown,
            }
        }
        _ => return TokenCheck::Unknown,
    }
    match scopes_ok {
        Err(scope) => TokenCheck::MissingScope(scope),
        Ok(()) => TokenCheck::Allowed,
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
    scope: String,
}

fn scope_table() -> &'static [ScopedOperation] {
    static TABLE: OnceLock<Vec<ScopedOperation>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let doc: Value = serde_yaml_ng::from_str(crate::OPENAPI_SPEC).unwrap_or(Value::Null);
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
                    .find_map(|req| req.get("oauth2")?.as_array()?.first()?.as_str())
                    .map(str::to_owned);
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
    let table: &'static [ScopedOperation] = scope_table();
    let parts: Vec<&str> = path.split('/').collect();
    table
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
            Some((literal, op.scope.as_str()))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, scope)| scope)
}

/// Number of `use_dpop_nonce` answers so far.
pub(crate) async fn nonce_challenges(shared: &Shared) -> u64 {
    shared.oauth.lock().await.nonce_challenges
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
        let cases = [
            (Method::GET, "/api/v1/policies", "okta.policies.read"),
            (Method::POST, "/api/v1/policies", "okta.policies.manage"),
            (
                Method::POST,
                "/api/v1/policies/abc/lifecycle/activate",
                "okta.policies.manage",
            ),
            (Method::GET, "/api/v1/devices/x", "okta.devices.read"),
            (Method::DELETE, "/api/v1/devices/x", "okta.devices.manage"),
            (Method::GET, "/api/v1/users/00u1/devices", "okta.users.read"),
        ];
        for (method, path, scope) in cases {
            assert_eq!(
                required_scope(&method, path),
                Some(scope),
                "{method} {path}"
            );
        }
        assert_eq!(
            scope_table().len(),
            30,
            "every served operation has a scope"
        );
    }

    #[test]
    fn manage_implies_read() {
        let granted: HashSet<String> = ["okta.policies.manage".to_owned()].into();
        assert!(has_scope(&granted, "okta.policies.read"));
        assert!(!has_scope(&granted, "okta.devices.read"));
    }
}
