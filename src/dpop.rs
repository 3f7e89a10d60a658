//! DPoP (RFC 9449): a per-client ES256 key, and a signed proof per request bound to the
//! method, the URL and (for API calls) the access token.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::{HeaderName, HeaderValue};
use serde::Serialize;

use crate::config::BuildError;
use crate::oauth::{TokenError, random_id};

/// The `DPoP` request header (the proof) and response header prefix.
pub(crate) const DPOP_HEADER: HeaderName = HeaderName::from_static("dpop");
/// The `DPoP-Nonce` response header.
pub(crate) const DPOP_NONCE_HEADER: &str = "dpop-nonce";

/// The client's DPoP key and the nonces the servers asked for. `Debug` omits the key.
pub(crate) struct DpopKey {
    key: EncodingKey,
    jwk: Jwk,
    token_nonce: Mutex<Option<String>>,
    api_nonce: Mutex<Option<String>>,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DpopKey { alg: ES256, key: [redacted] }")
    }
}

#[derive(Serialize)]
struct ProofClaims<'a> {
    jti: String,
    htm: &'a str,
    htu: String,
    iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
}

/// Which server a nonce belongs to.
#[derive(Clone, Copy)]
pub(crate) enum Server {
    /// The token endpoint.
    Token,
    /// The management API.
    Api,
}

impl DpopKey {
    /// A fresh EC P-256 key.
    pub(crate) fn generate() -> Result<Self, BuildError> {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
        let pair =
            EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).map_err(|_| failed())?;
        let pkcs8 = pair.to_pkcs8v1().map_err(|_| failed())?;
        let key = EncodingKey::from_ec_der(pkcs8.as_ref());
        let jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).map_err(|_| failed())?;
        Ok(Self {
            key,
            jwk,
            token_nonce: Mutex::new(None),
            api_nonce: Mutex::new(None),
        })
    }

    fn slot(&self, server: Server) -> &Mutex<Option<String>> {
        match server {
            Server::Token => &self.token_nonce,
            Server::Api => &self.api_nonce,
        }
    }

    /// Remembers the nonce a server sent.
    pub(crate) fn set_nonce(&self, server: Server, nonce: &HeaderValue) {
        if let (Ok(nonce), Ok(mut slot)) = (nonce.to_str(), self.slot(server).lock()) {
            *slot = Some(nonce.to_owned());
        }
    }

    /// A proof for `method url`, bound to `access_token` when given.
    pub(crate) fn proof(
        &self,
        server: Server,
        method: &str,
        url: &url::Url,
        access_token: Option<&str>,
    ) -> Result<HeaderValue, TokenError> {
        let mut htu = url.clone();
        htu.set_query(None);
        htu.set_fragment(None);
        let ath = access_token.map(|token| {
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
        });
        let nonce = self.slot(server).lock().ok().and_then(|n| n.clone());
        let claims = ProofClaims {
            jti: random_id(),
            htm: method,
            htu: htu.to_string(),
            iat: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default(),
            ath,
            nonce,
        };
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".to_owned());
        header.jwk = Some(self.jwk.clone());
        let proof = jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|source| TokenError::Signing { source })?;
        let mut value = HeaderValue::from_str(&proof).map_err(|_| TokenError::Provider {
            message: "the DPoP proof is not a valid header value".to_owned(),
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

fn failed() -> BuildError {
    BuildError::InvalidCredentials {
        reason: "could not generate the DPoP key",
    }
}
