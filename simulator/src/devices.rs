//! Devices API (doc 002): list (search, limit, after, expand=user), get, users, delete and the
//! activate/deactivate/suspend/unsuspend lifecycle; the devices of a user (listUserDevices).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::Shared;
use crate::errors::ApiError;
use crate::links::{Api, append_page_links, device_links};
use crate::request::{expands, json, limit_param, no_content, param, parse_query};
use crate::scim;
use crate::state::{DeviceRecord, DeviceUser, device_user_id};

type ApiResult = Result<Response, ApiError>;

/// Default and maximum page size (doc 002, "List Devices").
const MAX_DEVICE_PAGE: usize = 200;

/// Doc 002's error example names the resource type `GenericUDObject` in the summary.
fn device_not_found(id: &str) -> ApiError {
    ApiError::not_found(id, "GenericUDObject")
}

/// How much of each device user to embed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Embed {
    None,
    Users,
    UserSummaries,
}

fn user_summary(device_user: &DeviceUser) -> Value {
    let user = &*device_user.user;
    let link = &device_user.link;
    let profile = user.get("profile");
    let pick = |key: &str| {
        profile
            .and_then(|p| p.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    };
    json!({
        "managementStatus": link.get("managementStatus").cloned().unwrap_or(Value::Null),
        "created": link.get("created").cloned().unwrap_or(Value::Null),
        "user": {
            "id": user.get("id").cloned().unwrap_or(Value::Null),
            "profile": {
                "firstName": pick("firstName"),
                "lastName": pick("lastName"),
                "login": pick("login"),
            }
        }
    })
}

/// A device user with the `_links` of its user, as doc 002 shows under `expand=user`.
fn render_device_user(base: &str, device_user: &DeviceUser) -> Value {
    let mut out = device_user.to_value();
    if let Some(user) = out.get_mut("user").and_then(Value::as_object_mut) {
        let id = user
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let href = format!("{base}/api/v1/users/{id}");
        let action = |path: &str| json!({ "href": format!("{href}/{path}"), "method": "POST" });
        user.insert(
            "_links".into(),
            json!({
                "suspend": action("lifecycle/suspend"),
                "resetPassword": action("lifecycle/reset_password"),
                "forgotPassword": action("credentials/forgot_password"),
                "expirePassword": action("lifecycle/expire_password"),
                "changeRecoveryQuestion": action("credentials/change_recovery_question"),
                "self": { "href": href },
                "changePassword": action("credentials/change_password"),
                "deactivate": action("lifecycle/deactivate"),
            }),
        );
    }
    out
}

pub(crate) fn render(base: &str, device: &DeviceRecord, embed: Embed) -> Value {
    let mut out: Map<String, Value> = device.body.clone();
    out.insert("_links".into(), device_links(base, device));
    let users: Option<Vec<Value>> = match embed {
        Embed::None => None,
        Embed::Users => Some(
            device
                .users
                .iter()
                .map(|u| render_device_user(base, u))
                .collect(),
        ),
        Embed::UserSummaries => Some(device.users.iter().map(user_summary).collect()),
    };
    if let Some(users) = users {
        out.insert("_embedded".into(), json!({ "users": users }));
    }
    Value::Object(out)
}

/// `GET /api/v1/devices[?search=…][&limit=…][&after=…][&expand=user|userSummary]`.
pub async fn list(Api { shared, base }: Api, RawQuery(query): RawQuery) -> ApiResult {
    let params = parse_query(query.as_deref());
    let limit = limit_param(&params, MAX_DEVICE_PAGE)?.unwrap_or(MAX_DEVICE_PAGE);
    let filter = param(&params, "search")
        .map(scim::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_search(format!("search: {e}")))?;
    if let Some(unknown) =
        param(&params, "expand").filter(|e| !matches!(*e, "user" | "userSummary"))
    {
        return Err(ApiError::validation(
            "expand",
            vec![format!(
                "expand: unsupported value {unknown:?} (user or userSummary)"
            )],
        ));
    }
    let embed = if expands(&params, "user") {
        Embed::Users
    } else if expands(&params, "userSummary") {
        Embed::UserSummaries
    } else {
        Embed::None
    };
    let after = param(&params, "after");

    let org = shared.org.read().await;
    let start = match after {
        None => 0,
        Some(cursor) => {
            org.device_seq.get(cursor).copied().ok_or_else(|| {
                ApiError::invalid_search(format!(
                    "after: '{cursor}' is not a valid pagination cursor"
                ))
            })? + 1
        }
    };
    let mut page: Vec<&DeviceRecord> = org
        .device_candidates(filter.as_ref(), start)
        .filter(|d| filter.as_ref().is_none_or(|f| f.matches(&d.body)))
        .take(limit + 1)
        .collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let items: Vec<Value> = page.iter().map(|d| render(&base, d, embed)).collect();
    let next = if more {
        page.last().map(|d| d.id.as_str())
    } else {
        None
    };
    let mut response = json(StatusCode::OK, Value::Array(items));
    append_page_links(
        response.headers_mut(),
        &base,
        "/api/v1/devices",
        &params,
        after,
        Some(limit),
        next,
    );
    Ok(response)
}

/// `GET /api/v1/devices/{deviceId}`.
pub async fn get(Api { shared, base }: Api, Path(device_id): Path<String>) -> ApiResult {
    let org = shared.org.read().await;
    let device = org
        .device(&device_id)
        .ok_or_else(|| device_not_found(&device_id))?;
    Ok(json(StatusCode::OK, render(&base, device, Embed::None)))
}

/// `GET /api/v1/devices/{deviceId}/users`.
pub async fn users(Api { shared, base }: Api, Path(device_id): Path<String>) -> ApiResult {
    let org = shared.org.read().await;
    let device = org
        .device(&device_id)
        .ok_or_else(|| device_not_found(&device_id))?;
    let users: Vec<Value> = device
        .users
        .iter()
        .map(|u| render_device_user(&base, u))
        .collect();
    Ok(json(StatusCode::OK, Value::Array(users)))
}

/// `GET /api/v1/users/{userId}/devices`: every device linked to the user, in listing order, as
/// `UserDevice` objects (`created` and `deviceUserId` of the link, the device without
/// `_embedded`). The links are the ones `listDevices?expand=user` embeds; an unknown user has no
/// devices, so the answer is an empty list (the published spec declares no 404).
pub async fn user_devices(Api { shared, base }: Api, Path(user_id): Path<String>) -> ApiResult {
    let org = shared.org.read().await;
    let items: Vec<Value> = org
        .devices_of_user(&user_id)
        .filter_map(|device| {
            let link = device
                .users
                .iter()
                .find(|u| u.user_id() == Some(user_id.as_str()))?;
            Some(json!({
                "created": link.link.get("created").cloned().unwrap_or(Value::Null),
                "deviceUserId": device_user_id(&device.id, &user_id),
                "device": render(&base, device, Embed::None),
            }))
        })
        .collect();
    Ok(json(StatusCode::OK, Value::Array(items)))
}

/// `DELETE /api/v1/devices/{deviceId}`: only a DEACTIVATED device can be deleted.
pub async fn delete(State(shared): State<Arc<Shared>>, Path(device_id): Path<String>) -> ApiResult {
    let mut org = shared.org.write().await;
    let device = org
        .device(&device_id)
        .ok_or_else(|| device_not_found(&device_id))?;
    if device.status() != "DEACTIVATED" {
        return Err(ApiError::validation(
            "status",
            vec![format!(
                "status: Only a DEACTIVATED device can be deleted; device {device_id} is {}",
                device.status()
            )],
        ));
    }
    org.remove_device(&device_id);
    Ok(no_content())
}

/// The status `action` leads to from `status`, or the statuses it is legal from.
fn transition(action: &str, status: &str) -> Result<&'static str, &'static str> {
    match (action, status) {
        ("activate", "CREATED" | "DEACTIVATED") => Ok("ACTIVE"),
        ("activate", _) => Err("CREATED or DEACTIVATED"),
        ("deactivate", "ACTIVE" | "SUSPENDED") => Ok("DEACTIVATED"),
        ("deactivate", _) => Err("ACTIVE or SUSPENDED"),
        ("suspend", "ACTIVE") => Ok("SUSPENDED"),
        ("suspend", _) => Err("ACTIVE"),
        ("unsuspend", "SUSPENDED") => Ok("ACTIVE"),
        _ => Err("SUSPENDED"),
    }
}

/// `POST /api/v1/devices/{deviceId}/lifecycle/{activate|deactivate|suspend|unsuspend}` → 204.
///
/// Illegal transitions are 400 E0000001 as doc 002 lists them, with one exception recorded on
/// real orgs: activating a device that is already ACTIVE answers 204 and changes nothing.
pub async fn lifecycle(
    State(shared): State<Arc<Shared>>,
    Path((device_id, action)): Path<(String, String)>,
    uri: axum::http::Uri,
) -> ApiResult {
    if !matches!(
        action.as_str(),
        "activate" | "deactivate" | "suspend" | "unsuspend"
    ) {
        return Err(ApiError::not_found(uri.path(), "Endpoint"));
    }
    let mut org = shared.org.write().await;
    let current = org
        .device(&device_id)
        .ok_or_else(|| device_not_found(&device_id))?
        .status()
        .to_string();
    if action == "activate" && current == "ACTIVE" {
        return Ok(no_content());
    }
    let next = transition(&action, &current).map_err(|allowed| {
        ApiError::validation(
            "status",
            vec![format!(
                "status: Cannot {action} device {device_id} in {current} status; allowed from {allowed}"
            )],
        )
    })?;
    org.set_device_status(&device_id, next)
        .ok_or_else(|| device_not_found(&device_id))?;
    if next == "DEACTIVATED" {
        // Doc 002: "Deactivation causes a Device to lose all Device User links."
        org.clear_device_users(&device_id);
    }
    Ok(no_content())
}
