//! DPoP (RFC 9449): a per-client ES256 key, and a signed proof per request bound to the
//! method, the URL and (for API calls) the access token.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk, KeyAlgorithm,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::{HeaderName, HeaderValue};
use serde::Serialize;

use crate::config::BuildError;
use crate::oauth::{TokenError, random_id, sign_jwt};

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
        use p256::elliptic_curve::Generate as _;
        use p256::pkcs8::EncodePrivateKey as _;
        let secret = p256::SecretKey::try_generate().map_err(|_| failed())?;
        let pkcs8 = secret.to_pkcs8_der().map_err(|_| failed())?;
        let key = EncodingKey::from_ec_der(pkcs8.as_bytes());
        let jwk = public_jwk(&secret.public_key()).ok_or_else(failed)?;
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
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(token.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_slice())
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
        let proof = sign_jwt(&header, &claims, &self.key)
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

/// The public JWK of a P-256 key (`kty`, `crv`, `x`, `y`, and `alg: ES256`), built here rather
/// than by `Jwk::from_encoding_key`, which needs the process-wide jsonwebtoken provider.
fn public_jwk(public: &p256::PublicKey) -> Option<Jwk> {
    use p256::elliptic_curve::sec1::ToSec1Point as _;
    let point = public.to_sec1_point(false);
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    Some(Jwk {
        common: CommonParameters {
            key_algorithm: Some(KeyAlgorithm::ES256),
            ..CommonParameters::default()
        },
        algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
            key_type: EllipticCurveKeyType::EC,
            curve: EllipticCurve::P256,
            x: b64(point.x()?),
            y: b64(point.y()?),
        }),
    })
}
