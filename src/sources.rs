//! Configuration the way the official Okta SDKs read it, beside this crate's own variables.
//!
//! Each setting is taken from the first layer that has it, in this order:
//!
//! 1. code: builder calls made after [`ClientBuilder::from_env`] override everything;
//! 2. the environment: this crate's `OKTA_ORG_URL`, `OKTA_API_TOKEN`, `OKTA_ACCESS_TOKEN`,
//!    then the SDKs' `OKTA_CLIENT_ORGURL`, `OKTA_CLIENT_TOKEN`,
//!    `OKTA_CLIENT_AUTHORIZATIONMODE` (`SSWS` | `Bearer` | `PrivateKey`),
//!    `OKTA_CLIENT_CLIENTID`, `OKTA_CLIENT_SCOPES`, `OKTA_CLIENT_PRIVATEKEY` (PEM or JWK text,
//!    or a path to a file holding it) and `OKTA_CLIENT_PRIVATEKEYID`;
//! 3. the project file `./.okta.yaml`;
//! 4. the home file `~/.okta/okta.yaml`.
//!
//! Both files use the SDKs' layout:
//!
//! ```yaml
//! okta:
//!   client:
//!     orgUrl: https://acme.okta.com
//!     authorizationMode: PrivateKey
//!     clientId: 0oa1service
//!     scopes: [okta.policies.read, okta.devices.read]
//!     privateKey: /etc/okta/private.pem
//!     privateKeyId: key-1
//!     dpop: true          # this crate's extension (OKTA_CLIENT_DPOP)
//! ```
//!
//! A bad value is reported as [`BuildError::InvalidConfig`], naming the variable or the file
//! and key it came from, never the value.

use std::path::{Path, PathBuf};

use crate::config::{
    ACCESS_TOKEN_ENV, API_TOKEN_ENV, BuildError, ClientBuilder, Credentials, ORG_URL_ENV,
    PrivateKeyJwt,
};
use crate::oauth::SigningKey;

/// `OKTA_CLIENT_ORGURL`.
pub const CLIENT_ORGURL_ENV: &str = "OKTA_CLIENT_ORGURL";
/// `OKTA_CLIENT_TOKEN`.
pub const CLIENT_TOKEN_ENV: &str = "OKTA_CLIENT_TOKEN";
/// `OKTA_CLIENT_AUTHORIZATIONMODE`: `SSWS`, `Bearer` or `PrivateKey`.
pub const CLIENT_AUTHORIZATIONMODE_ENV: &str = "OKTA_CLIENT_AUTHORIZATIONMODE";
/// `OKTA_CLIENT_CLIENTID`.
pub const CLIENT_CLIENTID_ENV: &str = "OKTA_CLIENT_CLIENTID";
/// `OKTA_CLIENT_SCOPES` (comma or space separated).
pub const CLIENT_SCOPES_ENV: &str = "OKTA_CLIENT_SCOPES";
/// `OKTA_CLIENT_PRIVATEKEY`: PEM or JWK text, or a path to a file holding it.
pub const CLIENT_PRIVATEKEY_ENV: &str = "OKTA_CLIENT_PRIVATEKEY";
/// `OKTA_CLIENT_PRIVATEKEYID`.
pub const CLIENT_PRIVATEKEYID_ENV: &str = "OKTA_CLIENT_PRIVATEKEYID";

/// `OKTA_CLIENT_DPOP`: `true` asks for DPoP-bound tokens with `PrivateKey` (this crate's
/// name; the official SDKs set DPoP in code).
pub const CLIENT_DPOP_ENV: &str = "OKTA_CLIENT_DPOP";

/// The project configuration file, relative to the current directory.
pub const PROJECT_FILE: &str = ".okta.yaml";
/// The home configuration file, relative to the home directory.
pub const HOME_FILE: &str = ".okta/okta.yaml";

/// A setting and where it came from (a variable name, or `file: okta.client.key`).
#[derive(Clone)]
struct Setting {
    value: String,
    source: String,
}

/// The settings of one layer.
#[derive(Default)]
struct Layer {
    org_url: Option<Setting>,
    token: Option<Setting>,
    mode: Option<Setting>,
    client_id: Option<Setting>,
    scopes: Option<Setting>,
    private_key: Option<Setting>,
    private_key_id: Option<Setting>,
    dpop: Option<Setting>,
}

impl Setting {
    /// The variable `key`, unless it is unset or blank.
    fn from_env<F: FnMut(&str) -> Option<String>>(
        lookup: &mut F,
        key: &'static str,
    ) -> Option<Self> {
        lookup(key)
            .filter(|v| !v.trim().is_empty())
            .map(|value| Setting {
                value,
                source: key.to_owned(),
            })
    }
}

impl Layer {
    fn from_env<F: FnMut(&str) -> Option<String>>(lookup: &mut F) -> Self {
        let mut get = |key: &'static str| Setting::from_env(lookup, key);
        Self {
            org_url: get(CLIENT_ORGURL_ENV),
            token: get(CLIENT_TOKEN_ENV),
            mode: get(CLIENT_AUTHORIZATIONMODE_ENV),
            client_id: get(CLIENT_CLIENTID_ENV),
            scopes: get(CLIENT_SCOPES_ENV),
            private_key: get(CLIENT_PRIVATEKEY_ENV),
            private_key_id: get(CLIENT_PRIVATEKEYID_ENV),
            dpop: get(CLIENT_DPOP_ENV),
        }
    }

    /// Reads `okta.client.*` from a YAML file; a missing file is an empty layer.
    fn from_file(path: &Path) -> Result<Self, BuildError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(_) => {
                return Err(invalid(
                    path.display().to_string(),
                    "the file cannot be read",
                ));
            }
        };
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text)
            .map_err(|_| invalid(path.display().to_string(), "the file is not valid YAML"))?;
        let Some(client) = doc.get("okta").and_then(|o| o.get("client")) else {
            return Ok(Self::default());
        };
        let get = |key: &str| -> Result<Option<Setting>, BuildError> {
            let source = format!("{}: okta.client.{key}", path.display());
            let value = match client.get(key) {
                None | Some(serde_yaml_ng::Value::Null) => return Ok(None),
                Some(serde_yaml_ng::Value::String(s)) => s.clone(),
                Some(serde_yaml_ng::Value::Bool(b)) if key == "dpop" => b.to_string(),
                Some(serde_yaml_ng::Value::Sequence(items)) if key == "scopes" => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| invalid(source.clone(), "every scope must be a string"))?
                    .join(" "),
                Some(_) => return Err(invalid(source, "the value must be a string")),
            };
            Ok(Some(value)
                .filter(|v| !v.trim().is_empty())
                .map(|value| Setting { value, source }))
        };
        Ok(Self {
            org_url: get("orgUrl")?,
            token: get("token")?,
            mode: get("authorizationMode")?,
            client_id: get("clientId")?,
            scopes: get("scopes")?,
            private_key: get("privateKey")?,
            private_key_id: get("privateKeyId")?,
            dpop: get("dpop")?,
        })
    }
}

fn invalid(source: String, reason: &'static str) -> BuildError {
    BuildError::InvalidConfig {
        origin: source,
        reason,
    }
}

/// The first layer's value of a field.
fn first(layers: &[Layer], field: fn(&Layer) -> &Option<Setting>) -> Option<Setting> {
    layers.iter().find_map(|l| field(l).clone())
}

/// The project file (`./.okta.yaml`) and the home file (`~/.okta/okta.yaml`) of the current
/// process and user, where they can be located (they may not exist).
pub fn default_files() -> (Option<PathBuf>, Option<PathBuf>) {
    let project = std::env::current_dir().ok().map(|d| d.join(PROJECT_FILE));
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(HOME_FILE));
    (project, home)
}

impl ClientBuilder {
    /// A builder pre-filled from environment variables read through `lookup` and from the
    /// given project and home configuration files (missing files are skipped). See the
    /// [module documentation](crate::sources) for the precedence.
    pub fn from_sources<F>(
        mut lookup: F,
        project_file: Option<&Path>,
        home_file: Option<&Path>,
    ) -> Result<Self, BuildError>
    where
        F: FnMut(&str) -> Option<String>,
    {
        let mut own = |key: &'static str| Setting::from_env(&mut lookup, key);
        let own_url = own(ORG_URL_ENV);
        let own_api = own(API_TOKEN_ENV);
        let own_access = own(ACCESS_TOKEN_ENV);
        let mut layers = vec![Layer::from_env(&mut lookup)];
        for file in [project_file, home_file].into_iter().flatten() {
            layers.push(Layer::from_file(file)?);
        }
        let org_url = own_url
            .or_else(|| first(&layers, |l| &l.org_url))
            .ok_or(BuildError::MissingOrgUrl)?;
        let credentials = match (own_api, own_access) {
            (Some(_), Some(_)) => return Err(BuildError::ConflictingCredentials),
            (Some(token), None) => Credentials::api_token(token.value),
            (None, Some(token)) => Credentials::access_token(token.value),
            (None, None) => credentials_from(&layers)?,
        };
        Ok(Self::default()
            .org_url(org_url.value)
            .credentials(credentials))
    }
}

/// Credentials from the SDK settings.
fn credentials_from(layers: &[Layer]) -> Result<Credentials, BuildError> {
    let token = first(layers, |l| &l.token);
    let private_key = first(layers, |l| &l.private_key);
    let mode = first(layers, |l| &l.mode);
    let kind = match &mode {
        Some(mode) => mode.value.trim().to_ascii_lowercase(),
        None if token.is_some() => "ssws".to_owned(),
        None if private_key.is_some() => "privatekey".to_owned(),
        None => return Err(BuildError::MissingCredentials),
    };
    let need = |setting: Option<Setting>, what: &'static str| {
        setting.ok_or_else(|| {
            invalid(
                mode.as_ref()
                    .map(|m| m.source.clone())
                    .unwrap_or_else(|| CLIENT_AUTHORIZATIONMODE_ENV.to_owned()),
                what,
            )
        })
    };
    match kind.as_str() {
        "ssws" => Ok(Credentials::api_token(
            need(
                token,
                "authorization mode SSWS needs a token (OKTA_CLIENT_TOKEN or okta.client.token)",
            )?
            .value,
        )),
        "bearer" => Ok(Credentials::access_token(
            need(
                token,
                "authorization mode Bearer needs a token (OKTA_CLIENT_TOKEN or okta.client.token)",
            )?
            .value,
        )),
        "privatekey" => {
            let client_id = need(
                first(layers, |l| &l.client_id),
                "authorization mode PrivateKey needs a client id (OKTA_CLIENT_CLIENTID or okta.client.clientId)",
            )?;
            let scopes = need(
                first(layers, |l| &l.scopes),
                "authorization mode PrivateKey needs scopes (OKTA_CLIENT_SCOPES or okta.client.scopes)",
            )?;
            let key = need(
                private_key,
                "authorization mode PrivateKey needs a private key (OKTA_CLIENT_PRIVATEKEY or okta.client.privateKey)",
            )?;
            let key_id = first(layers, |l| &l.private_key_id);
            let text = key_text(&key)?;
            // Parse now, so that a bad key names its source.
            SigningKey::parse(&text, key_id.as_ref().map(|k| k.value.as_str())).map_err(|e| {
                let reason = match e {
                    BuildError::InvalidPrivateKey { reason } => reason,
                    _ => "the private key cannot be used",
                };
                invalid(key.source.clone(), reason)
            })?;
            let scopes: Vec<String> = scopes
                .value
                .split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let mut jwt = PrivateKeyJwt::new(client_id.value.trim(), scopes, text);
            if let Some(kid) = key_id {
                jwt = jwt.key_id(kid.value);
            }
            if let Some(dpop) = first(layers, |l| &l.dpop) {
                match dpop.value.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" => jwt = jwt.with_dpop(),
                    "false" | "0" | "no" => {}
                    _ => return Err(invalid(dpop.source, "the value must be true or false")),
                }
            }
            Ok(Credentials::PrivateKey(jwt))
        }
        _ => Err(invalid(
            mode.map(|m| m.source)
                .unwrap_or_else(|| CLIENT_AUTHORIZATIONMODE_ENV.to_owned()),
            "the authorization mode must be SSWS, Bearer or PrivateKey",
        )),
    }
}

/// The key text of a `privateKey` setting: the value itself when it is PEM or JSON,
/// otherwise the contents of the file it names.
fn key_text(setting: &Setting) -> Result<String, BuildError> {
    let value = setting.value.trim();
    if value.starts_with("-----BEGIN") || value.starts_with('{') {
        // Environment variables often carry PEM newlines as literal `\n`.
        return Ok(value.replace("\\n", "\n"));
    }
    std::fs::read_to_string(value).map_err(|_| {
        invalid(
            setting.source.clone(),
            "the value is neither PEM/JWK text nor a readable file",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl FnMut(&str) -> Option<String> + 'a {
        move |key| {
            vars.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn build(
        vars: &[(&str, &str)],
        project: Option<&Path>,
        home: Option<&Path>,
    ) -> Result<Credentials, BuildError> {
        let mut env = env(vars);
        let org = |k: &str| {
            if k == CLIENT_ORGURL_ENV {
                Some("https://acme.okta.com".to_owned())
            } else {
                None
            }
        };
        let mut lookup = |k: &str| env(k).or_else(|| org(k));
        let mut layers = vec![Layer::from_env(&mut lookup)];
        for file in [project, home].into_iter().flatten() {
            layers.push(Layer::from_file(file)?);
        }
        credentials_from(&layers)
    }

    #[test]
    fn sdk_token_variables() {
        let c = build(&[(CLIENT_TOKEN_ENV, "t0k")], None, None).unwrap();
        assert_eq!(c.kind(), "SSWS");
        let c = build(
            &[
                (CLIENT_TOKEN_ENV, "t0k"),
                (CLIENT_AUTHORIZATIONMODE_ENV, "Bearer"),
            ],
            None,
            None,
        )
        .unwrap();
        assert_eq!(c.kind(), "Bearer");
    }

    #[test]
    fn bad_mode_names_its_source() {
        let e = build(&[(CLIENT_AUTHORIZATIONMODE_ENV, "Basic")], None, None).unwrap_err();
        assert!(e.to_string().contains(CLIENT_AUTHORIZATIONMODE_ENV), "{e}");
    }

    #[test]
    fn bad_key_names_its_source_not_its_content() {
        let e = build(
            &[
                (CLIENT_AUTHORIZATIONMODE_ENV, "PrivateKey"),
                (CLIENT_CLIENTID_ENV, "0oa1"),
                (CLIENT_SCOPES_ENV, "okta.policies.read"),
                (
                    CLIENT_PRIVATEKEY_ENV,
                    "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----",
                ),
            ],
            None,
            None,
        )
        .unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(shown.contains(CLIENT_PRIVATEKEY_ENV), "{shown}");
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
    }

    #[test]
    fn files_in_precedence_order() {
        let dir = std::env::temp_dir().join(format!("okta-mgmt-sources-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let project = dir.join("project.yaml");
        let home = dir.join("home.yaml");
        std::fs::write(
            &project,
            "okta:\n  client:\n    authorizationMode: Bearer\n",
        )
        .unwrap();
        std::fs::write(
            &home,
            "okta:\n  client:\n    token: from-home\n    authorizationMode: SSWS\n",
        )
        .unwrap();
        // Mode from the project file, token from the home file.
        let c = build(&[], Some(&project), Some(&home)).unwrap();
        assert_eq!(c.kind(), "Bearer");
        // The environment wins over both files.
        let c = build(
            &[(CLIENT_AUTHORIZATIONMODE_ENV, "SSWS")],
            Some(&project),
            Some(&home),
        )
        .unwrap();
        assert_eq!(c.kind(), "SSWS");
        std::fs::write(&project, "okta:\n  client:\n    token: [1, 2]\n").unwrap();
        let e = build(&[], Some(&project), Some(&home)).unwrap_err();
        assert!(e.to_string().contains("okta.client.token"), "{e}");
        std::fs::write(&project, "okta: [\n").unwrap();
        let e = build(&[], Some(&project), Some(&home)).unwrap_err();
        assert!(e.to_string().contains("project.yaml"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
