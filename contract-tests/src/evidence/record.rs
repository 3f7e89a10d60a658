//! `--record DIR`: the exchanges of a live run written as corpus cases, sanitised.
//!
//! Each exchange of a spec operation whose status the spec declares becomes a case in the
//! YAML shape of `contract-tests/cases/` (`DIR/recorded/<operation>.<status>.<nnn>.yaml`,
//! id `recorded.<operation>.<status>.<nnn>`), with the provenance
//! `recorded <date> from https://example.okta.com`. Before anything is written:
//!
//! - credentials go: the `Authorization` header becomes `SSWS ${api_token}` (or `Bearer`), the
//!   client never shows DPoP proofs or tokens to its hooks, and string values of token-like
//!   fields (`access_token`, `client_assertion`, `password`, …) in bodies become `[redacted]`,
//!   as does every known secret wherever it appears;
//! - the org URL and host become `https://example.okta.com` / `example.okta.com`;
//! - e-mail addresses become `user<N>@example.com` and person names (profile fields such as
//!   `firstName`, `lastName`, `displayName`, `login`, `email`) `Person <N>`; the same input
//!   gives the same placeholder within a run.
//!
//! Identical exchanges are written once. Every case is replayed against the mock before it is
//! written ([`crate::replay::replay_all`]); one that would not replay green is not written but
//! listed, with the reason, in the [`RecordSummary`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{Exchange, resolve_operation};
use crate::corpus::{Auth, Case, Header, Request, Response, Source};
use crate::schema_check::Spec;

/// The org URL in recorded cases.
pub const ORG_PLACEHOLDER: &str = "https://example.okta.com";
/// The org host in recorded cases.
pub const HOST_PLACEHOLDER: &str = "example.okta.com";
/// What a credential is replaced by.
pub const REDACTED: &str = "[redacted]";
/// The case directory (and id prefix) of recorded cases.
pub const RECORDED_DIR: &str = "recorded";

/// Fields whose string values are credentials.
const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "client_assertion",
    "assertion",
    "client_secret",
    "clientSecret",
    "password",
    "sharedSecret",
    "apiToken",
    "api_token",
];

/// Profile fields holding a person's name or address.
const PERSON_FIELDS: &[&str] = &[
    "firstName",
    "lastName",
    "middleName",
    "displayName",
    "nickName",
    "login",
    "email",
    "secondEmail",
    "primaryEmail",
    "givenName",
    "familyName",
    "formatted",
];

static EMAIL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+").ok());

/// Replaces credentials, the org host, e-mail addresses and person names with stable
/// placeholders.
#[derive(Debug, Clone)]
pub struct Sanitizer {
    org: String,
    host: Option<String>,
    secrets: Vec<String>,
    emails: BTreeMap<String, String>,
    names: BTreeMap<String, String>,
}

impl Sanitizer {
    /// A sanitiser for a run against `org_url` that also removes `secrets` (tokens, keys;
    /// those shorter than 6 characters are ignored, as by the report's redactor).
    pub fn new(org_url: &str, secrets: impl IntoIterator<Item = String>) -> Self {
        let org = org_url.trim_end_matches('/').to_owned();
        let host = url::Url::parse(&org).ok().and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            })
        });
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 6).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Self {
            org,
            host,
            secrets,
            emails: BTreeMap::new(),
            names: BTreeMap::new(),
        }
    }

    fn email(&mut self, address: &str) -> String {
        // A placeholder already given (the text is sanitised once more) stays.
        if self.emails.values().any(|p| p == address) {
            return address.to_owned();
        }
        let n = self.emails.len() + 1;
        self.emails
            .entry(address.to_ascii_lowercase())
            .or_insert_with(|| format!("user{n}@example.com"))
            .clone()
    }

    fn person(&mut self, name: &str) -> String {
        let n = self.names.len() + 1;
        self.names
            .entry(name.to_owned())
            .or_insert_with(|| format!("Person {n}"))
            .clone()
    }

    /// A text with secrets, the org and e-mail addresses replaced.
    pub fn text(&mut self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            out = out.replace(s.as_str(), REDACTED);
        }
        out = out.replace(&self.org, ORG_PLACEHOLDER);
        if let Some(h) = &self.host {
            out = out.replace(h.as_str(), HOST_PLACEHOLDER);
        }
        if let Some(re) = EMAIL.as_ref() {
            let found: Vec<String> = re.find_iter(&out).map(|m| m.as_str().to_owned()).collect();
            for address in found {
                let placeholder = self.email(&address);
                out = out.replace(&address, &placeholder);
            }
        }
        out
    }

    /// A JSON value with [`Sanitizer::text`] applied to every string, credentials of
    /// token-like fields redacted and person fields replaced.
    pub fn json(&mut self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::String(_) if SECRET_FIELDS.contains(&k.as_str()) => {
                                Value::String(REDACTED.into())
                            }
                            Value::String(s) if PERSON_FIELDS.contains(&k.as_str()) => {
                                if EMAIL.as_ref().is_some_and(|re| re.is_match(s)) {
                                    Value::String(self.text(s))
                                } else {
                                    Value::String(self.person(s))
                                }
                            }
                            other => self.json(other),
                        };
                        (k.clone(), v)
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// What `--record` wrote and left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordSummary {
    /// The files written.
    pub written: Vec<PathBuf>,
    /// Exchanges not written, with the reason (not a spec operation, undeclared status, would
    /// not replay).
    pub skipped: Vec<String>,
    /// Exchanges identical to one already written.
    pub duplicates: usize,
}

/// Builds the (sanitised) case of one exchange, or says why it cannot be one.
pub fn exchange_case(
    spec: &Spec,
    exchange: &Exchange,
    auth: Auth,
    provenance: &str,
    sanitizer: &mut Sanitizer,
) -> Result<Case, String> {
    let path = exchange.path();
    let Some(resolved) = resolve_operation(spec, &exchange.method, &path) else {
        return Err(format!(
            "{} {}: not an operation of the spec",
            exchange.method,
            sanitizer.text(&path)
        ));
    };
    let declared = spec
        .operation(&resolved.operation)
        .and_then(|op| op.response(exchange.status))
        .is_some();
    if !declared {
        return Err(format!(
            "{} {} answered {}: a status the spec does not declare for {}",
            exchange.method,
            sanitizer.text(&path),
            exchange.status,
            resolved.operation
        ));
    }
    let (scheme, token_var) = match auth {
        Auth::Bearer => ("Bearer", "access_token"),
        Auth::Ssws | Auth::None => ("SSWS", "api_token"),
    };
    let links: Vec<Header> = exchange
        .response_headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("link"))
        .map(|(_, v)| Header {
            name: "Link".into(),
            value: sanitizer.text(v),
        })
        .collect();
    let request = Request {
        method: exchange.method.to_ascii_uppercase(),
        path: resolved.template.clone(),
        path_params: resolved
            .path_params
            .iter()
            .map(|(k, v)| (k.clone(), sanitizer.text(v)))
            .collect(),
        query: exchange
            .query()
            .iter()
            .map(|(k, v)| (k.clone(), sanitizer.text(v)))
            .collect(),
        raw_url: None,
        auth: if auth == Auth::Bearer {
            Auth::Bearer
        } else {
            Auth::Ssws
        },
        headers: vec![Header {
            name: "Authorization".into(),
            value: format!("{scheme} ${{{token_var}}}"),
        }],
        body: exchange.request_body.as_ref().map(|b| sanitizer.json(b)),
        source: Source::Block,
    };
    let response = Response {
        status: exchange.status,
        status_source: Source::Block,
        headers: links,
        body: exchange.response_body.as_ref().map(|b| sanitizer.json(b)),
        body_schema: None,
    };
    let mut variables = BTreeMap::new();
    variables.insert(
        token_var.to_owned(),
        format!("example-{}", token_var.replace('_', "-")),
    );
    Ok(Case {
        operation: Some(resolved.operation),
        request: Some(request),
        response: Some(response),
        variables,
        notes: vec![provenance.to_owned()],
        ..Case::new(RECORDED_DIR, provenance)
    })
}

/// `recorded <date> from https://example.okta.com`.
pub fn provenance(date: &str) -> String {
    format!("recorded {date} from {ORG_PLACEHOLDER}")
}

/// Turns the exchanges into cases, replays them against the mock, and writes those that replay
/// green under `dir/recorded/`.
pub async fn write_cases(
    dir: &Path,
    spec: &Spec,
    exchanges: &[Exchange],
    auth: Auth,
    sanitizer: &mut Sanitizer,
) -> anyhow::Result<RecordSummary> {
    use anyhow::Context as _;
    let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let provenance = provenance(&date);
    let mut summary = RecordSummary::default();
    let mut seen = BTreeSet::new();
    let mut counters: BTreeMap<(String, u16), usize> = BTreeMap::new();
    let mut cases = Vec::new();
    for exchange in exchanges {
        let mut case = match exchange_case(spec, exchange, auth, &provenance, sanitizer) {
            Ok(c) => c,
            Err(why) => {
                summary.skipped.push(why);
                continue;
            }
        };
        let key = serde_json::to_string(&(&case.request, &case.response)).unwrap_or_default();
        if !seen.insert(key) {
            summary.duplicates += 1;
            continue;
        }
        let op = case.operation.clone().unwrap_or_default();
        let n = counters.entry((op.clone(), exchange.status)).or_insert(0);
        *n += 1;
        case.id = format!("{RECORDED_DIR}.{op}.{}.{:03}", exchange.status, n);
        cases.push(case);
    }
    let outcomes = crate::replay::replay_all(&cases).await;
    std::fs::create_dir_all(dir.join(RECORDED_DIR))
        .with_context(|| format!("--record: cannot create {}", dir.display()))?;
    for (case, outcome) in cases.iter().zip(outcomes) {
        if !outcome.passed {
            summary.skipped.push(format!(
                "{}: would not replay against the mock: {}",
                case.id,
                outcome.failures.join("; ")
            ));
            continue;
        }
        let path = dir.join(case.relative_path());
        let text = crate::corpus::to_yaml(case).context("--record: cannot render a case")?;
        std::fs::write(&path, text)
            .with_context(|| format!("--record: cannot write {}", path.display()))?;
        summary.written.push(path);
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_hosts_emails_and_names_become_stable_placeholders() {
        let mut s = Sanitizer::new(
            "https://acme.okta.com/",
            ["tok-123456789".to_owned(), "abc".to_owned()],
        );
        let v = json!({
            "login": "jane.doe@acme.com",
            "email": "Jane.Doe@acme.com",
            "firstName": "Jane",
            "lastName": "Doe",
            "displayName": "Jane",
            "access_token": "eyJ.secret",
            "tokenLifetimeMinutes": 5,
            "href": "https://acme.okta.com/api/v1/users/00u1",
            "note": "ask jane.doe@acme.com, token tok-123456789 on acme.okta.com",
            "secondEmail": "sam@example.com",
        });
        let out = s.json(&v);
        let text = out.to_string();
        for gone in ["jane.doe", "Jane", "Doe", "acme", "eyJ", "tok-123456789"] {
            assert!(!text.contains(gone), "{gone} survives: {text}");
        }
        assert_eq!(out["login"], "user1@example.com");
        assert_eq!(out["email"], out["login"], "same address, same placeholder");
        assert_eq!(out["firstName"], "Person 1");
        assert_eq!(out["displayName"], out["firstName"]);
        assert_eq!(out["lastName"], "Person 2");
        assert_eq!(out["tokenLifetimeMinutes"], 5);
        assert_eq!(
            out["secondEmail"], "user2@example.com",
            "example.com addresses too"
        );
        assert_eq!(
            s.text("user1@example.com"),
            "user1@example.com",
            "placeholders stay"
        );
        assert_eq!(out["href"], "https://example.okta.com/api/v1/users/00u1");
    }
}
