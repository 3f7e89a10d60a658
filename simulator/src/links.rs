//! `_links` objects (with `hints.allow` that follow the object's state) and RFC 8288 `Link`
//! pagination headers. All URLs are built from the request's `Host` header.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use serde_json::{Map, Value, json};

use crate::Shared;
use crate::state::{
    AppRecord, DeviceRecord, MappingRecord, PolicyKind, PolicyRecord, RuleRecord, SINGLE_RULE_TYPES,
};

/// `http://<Host>` of the current request (`http://localhost` when there is no `Host`).
#[derive(Debug, Clone)]
pub struct BaseUrl(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BaseUrl {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .or_else(|| parts.uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "localhost".to_string());
        Ok(Self(format!("http://{host}")))
    }
}

/// What most handlers start from: the shared org and the request's [`BaseUrl`].
pub struct Api {
    /// The simulator's shared state.
    pub shared: Arc<Shared>,
    /// `http://<Host>` of the current request.
    pub base: String,
}

impl FromRequestParts<Arc<Shared>> for Api {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        let BaseUrl(base) = BaseUrl::from_request_parts(parts, state).await?;
        Ok(Self {
            shared: Arc::clone(state),
            base,
        })
    }
}

/// `{ "href": …, "hints": { "allow": [...] } }`.
pub fn link(href: String, allow: &[&str]) -> Value {
    json!({ "href": href, "hints": { "allow": allow } })
}

/// `_links` of a policy: self, lifecycle action, rules, mappings (and applications for beta types).
///
/// `mappings` is on the types that take resource mappings and, as recorded on real orgs, on
/// OKTA_SIGN_ON and MFA_ENROLL policies too.
pub fn policy_links(base: &str, policy: &PolicyRecord) -> Value {
    let href = format!("{base}/api/v1/policies/{}", policy.id);
    let mut links = Map::new();
    let policy_type = policy.policy_type();
    match policy.kind {
        PolicyKind::AccountManagement => {
            // Doc 001: read-only policy whose rules stay manageable.
            links.insert("self".into(), link(href.clone(), &["GET"]));
            links.insert(
                "rules".into(),
                link(format!("{href}/rules"), &["GET", "POST"]),
            );
            return Value::Object(links);
        }
        PolicyKind::Default => {
            links.insert("self".into(), link(href.clone(), &["GET", "PUT"]));
        }
        PolicyKind::Custom => {
            links.insert("self".into(), link(href.clone(), &["GET", "PUT", "DELETE"]));
            let action = if policy.status() == "ACTIVE" {
                "deactivate"
            } else {
                "activate"
            };
            links.insert(
                action.into(),
                link(format!("{href}/lifecycle/{action}"), &["POST"]),
            );
        }
    }
    // The types that hold only their Okta-created rule take no new rule.
    let rule_methods: &[&str] = if SINGLE_RULE_TYPES.contains(&policy_type) {
        &["GET"]
    } else {
        &["GET", "POST"]
    };
    links.insert("rules".into(), link(format!("{href}/rules"), rule_methods));
    if matches!(
        policy_type,
        "ACCESS_POLICY"
            | "DEVICE_SIGNAL_COLLECTION"
            | "OKTA_SIGN_ON"
            | "MFA_ENROLL"
            | "PROFILE_ENROLLMENT"
            | "Okta:SignOn"
            | "Okta:ProfileEnrollment"
    ) {
        links.insert(
            "mappings".into(),
            link(format!("{href}/mappings"), &["GET", "POST"]),
        );
    }
    if policy_type.starts_with("Okta:") {
        links.insert("applications".into(), link(format!("{href}/app"), &["GET"]));
    }
    Value::Object(links)
}

/// `_links` of an app (Apps API shape): self, users, groups, deactivate and, as real orgs send
/// it, the app's authentication policy.
pub fn app_links(base: &str, app: &AppRecord, access_policy: Option<&str>) -> Value {
    let href = format!("{base}/api/v1/apps/{}", app.id);
    let mut links = Map::new();
    links.insert("self".into(), link(href.clone(), &["GET", "PUT", "DELETE"]));
    links.insert("users".into(), json!({ "href": format!("{href}/users") }));
    links.insert("groups".into(), json!({ "href": format!("{href}/groups") }));
    links.insert(
        "deactivate".into(),
        link(format!("{href}/lifecycle/deactivate"), &["POST"]),
    );
    if let Some(policy_id) = access_policy {
        links.insert(
            "accessPolicy".into(),
            json!({ "href": format!("{base}/api/v1/policies/{policy_id}") }),
        );
    }
    Value::Object(links)
}

/// `_links` of a rule: self, lifecycle action (not for default rules) and its policy.
pub fn rule_links(base: &str, policy: &PolicyRecord, rule: &RuleRecord) -> Value {
    let policy_href = format!("{base}/api/v1/policies/{}", policy.id);
    let href = format!("{policy_href}/rules/{}", rule.id);
    let mut links = Map::new();
    if rule.is_default {
        links.insert("self".into(), link(href, &["GET", "PUT"]));
    } else {
        links.insert("self".into(), link(href.clone(), &["GET", "PUT", "DELETE"]));
        let active = rule.body.get("status").and_then(Value::as_str) != Some("INACTIVE");
        let action = if active { "deactivate" } else { "activate" };
        links.insert(
            action.into(),
            link(format!("{href}/lifecycle/{action}"), &["POST"]),
        );
    }
    links.insert("policy".into(), link(policy_href, &["GET", "PUT"]));
    Value::Object(links)
}

/// `_links` of a mapping: the mapped resource, self and the owning policy.
pub fn mapping_links(base: &str, policy_id: &str, mapping: &MappingRecord) -> Value {
    let policy_href = format!("{base}/api/v1/policies/{policy_id}");
    let mut links = Map::new();
    if mapping.resource_type == "APP" {
        links.insert(
            "application".into(),
            link(
                format!("{base}/api/v1/apps/{}", mapping.resource_id),
                &["GET", "PUT", "DELETE"],
            ),
        );
    } else {
        links.insert(
            "resource".into(),
            link(
                format!("{base}/api/v1/policies/{}", mapping.resource_id),
                &["GET", "PUT", "DELETE"],
            ),
        );
    }
    links.insert(
        "self".into(),
        link(
            format!("{policy_href}/mappings/{}", mapping.id),
            &["GET", "DELETE"],
        ),
    );
    links.insert(
        "policy".into(),
        link(policy_href, &["GET", "PUT", "DELETE"]),
    );
    Value::Object(links)
}

/// Lifecycle actions legal from a device status (doc 002, "Lifecycle operations").
pub fn device_actions(status: &str) -> &'static [&'static str] {
    match status {
        "CREATED" => &["activate"],
        "ACTIVE" => &["suspend", "deactivate"],
        "SUSPENDED" => &["unsuspend", "deactivate"],
        "DEACTIVATED" => &["activate"],
        _ => &[],
    }
}

/// `_links` of a device: legal lifecycle actions, self and users.
pub fn device_links(base: &str, device: &DeviceRecord) -> Value {
    let href = format!("{base}/api/v1/devices/{}", device.id);
    let mut links = Map::new();
    let status = device.status();
    for action in device_actions(status) {
        links.insert(
            (*action).into(),
            link(format!("{href}/lifecycle/{action}"), &["POST"]),
        );
    }
    let self_allow: &[&str] = if status == "DEACTIVATED" {
        &["GET", "PATCH", "PUT", "DELETE"]
    } else {
        &["GET", "PATCH", "PUT"]
    };
    links.insert("self".into(), link(href.clone(), self_allow));
    links.insert("users".into(), link(format!("{href}/users"), &["GET"]));
    Value::Object(links)
}

/// Appends `Link: <…>; rel="self"` and, when another page exists, `Link: <…>; rel="next"`.
///
/// `params` are the request's query parameters other than `after` and `limit`; they are
/// repeated on both links, followed by `after` and `limit` (each when present).
pub fn append_page_links(
    headers: &mut HeaderMap,
    base: &str,
    path: &str,
    params: &[(String, String)],
    after: Option<&str>,
    limit: Option<usize>,
    next_after: Option<&str>,
) {
    let url = |cursor: Option<&str>| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        // The request's own `after` and `limit` give way to the page's.
        for (k, v) in params.iter().filter(|(k, _)| k != "after" && k != "limit") {
            query.append_pair(k, v);
        }
        if let Some(cursor) = cursor {
            query.append_pair("after", cursor);
        }
        if let Some(limit) = limit {
            query.append_pair("limit", &limit.to_string());
        }
        format!("{base}{path}?{}", query.finish())
    };
    if let Ok(value) = HeaderValue::from_str(&format!("<{}>; rel=\"self\"", url(after))) {
        headers.append(header::LINK, value);
    }
    if let Some(next) = next_after
        && let Ok(value) = HeaderValue::from_str(&format!("<{}>; rel=\"next\"", url(Some(next))))
    {
        headers.append(header::LINK, value);
    }
}
