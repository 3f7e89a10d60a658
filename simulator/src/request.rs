//! Request parsing shared by the handlers (query strings, JSON bodies, common fields) and the
//! response helpers. Parsing is done by hand so every failure becomes an Okta error body.

use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::errors::ApiError;

/// Query parameters in request order (URL-decoded, `+` as space).
pub type Params = Vec<(String, String)>;

/// Decodes a raw query string.
pub fn parse_query(raw: Option<&str>) -> Params {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    })
    .unwrap_or_default()
}

/// First value of query parameter `name`.
pub fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `input` without the fields named in `keys` (those the server owns).
pub fn without_keys(input: Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    input
        .into_iter()
        .filter(|(k, _)| !keys.contains(&k.as_str()))
        .collect()
}

/// Whether the comma-separated `expand` parameter contains `value`.
pub fn expands(params: &Params, value: &str) -> bool {
    params
        .iter()
        .filter(|(k, _)| k == "expand")
        .flat_map(|(_, v)| v.split(','))
        .any(|v| v.trim() == value)
}

/// An optional boolean query parameter (`true`/`false`, case-insensitive).
pub fn bool_param(params: &Params, name: &str) -> Result<Option<bool>, ApiError> {
    match param(params, name) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(ApiError::validation(
            name,
            vec![format!("{name}: '{v}' is not a boolean")],
        )),
    }
}

/// An optional `limit` in `1..=max` (`None` when absent).
pub fn limit_param(params: &Params, max: usize) -> Result<Option<usize>, ApiError> {
    match param(params, "limit") {
        None => Ok(None),
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ApiError::validation(
                "limit",
                vec![format!("limit: must be an integer between 1 and {max}")],
            )),
        },
    }
}

/// The 400 for an `after` cursor the server never issued.
pub fn invalid_cursor(after: &str) -> ApiError {
    ApiError::validation(
        "after",
        vec![format!("after: '{after}' is not a valid pagination cursor")],
    )
}

/// The `activate` query flag and the JSON object of a create request (`POST …[?activate=false]`).
pub fn create_request(
    query: Option<&str>,
    body: &Bytes,
) -> Result<(Option<bool>, Map<String, Value>), ApiError> {
    let activate = bool_param(&parse_query(query), "activate")?;
    Ok((activate, parse_object(body)?))
}

/// Parses a request body that must be a JSON object (400 E0000003 otherwise).
pub fn parse_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            if let Some(pointer) = out_of_range_number(&Value::Object(map.clone()), String::new()) {
                return Err(ApiError::validation(
                    "body",
                    vec![format!(
                        "{pointer}: the number is out of the 64-bit integer range the API stores"
                    )],
                ));
            }
            Ok(map)
        }
        _ => Err(ApiError::malformed_body()),
    }
}

/// The JSON pointer of the first whole number too large for 64 bits, if any. Such a number only
/// survives as a float, so storing it would answer a different value (and a float where the
/// spec says integer); the real API refuses it too.
fn out_of_range_number(v: &Value, pointer: String) -> Option<String> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .filter(|f| n.is_f64() && f.fract() == 0.0 && f.abs() >= 9.2e18)
            .map(|_| pointer),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| out_of_range_number(x, format!("{pointer}/{i}"))),
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let key = k.replace('~', "~0").replace('/', "~1");
            out_of_range_number(x, format!("{pointer}/{key}"))
        }),
        _ => None,
    }
}

/// Collects validation causes; the first field named becomes the summary's subject.
#[derive(Debug, Default)]
pub struct Causes {
    subject: Option<String>,
    causes: Vec<String>,
}

impl Causes {
    /// Records a problem with `field`.
    pub fn add(&mut self, field: &str, message: impl AsRef<str>) {
        if self.subject.is_none() {
            self.subject = Some(field.to_string());
        }
        self.causes.push(format!("{field}: {}", message.as_ref()));
    }

    /// `Ok(())` when nothing was recorded, else the 400 E0000001.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.subject {
            None => Ok(()),
            Some(subject) => Err(ApiError::validation(&subject, self.causes)),
        }
    }
}

/// Checks `name`: a non-blank string of at most 255 characters.
pub fn check_name(input: &Map<String, Value>, causes: &mut Causes) {
    match input.get("name") {
        Some(Value::String(s)) if s.trim().is_empty() => {
            causes.add("name", "The field cannot be left blank")
        }
        Some(Value::String(s)) if s.chars().count() > 255 => {
            causes.add("name", "The field cannot exceed 255 characters")
        }
        Some(Value::String(_)) => {}
        None | Some(Value::Null) => causes.add("name", "The field cannot be left blank"),
        Some(_) => causes.add("name", "The field must be a string"),
    }
}

/// Checks an optional `status` (`ACTIVE` / `INACTIVE`).
pub fn check_status(input: &Map<String, Value>, causes: &mut Causes) -> Option<String> {
    match input.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "ACTIVE" || s == "INACTIVE" => Some(s.clone()),
        Some(other) => {
            causes.add(
                "status",
                format!("Invalid status {other}. Valid values: ACTIVE, INACTIVE"),
            );
            None
        }
    }
}

/// Checks an optional `priority`: an integer or numeric string; values below 1 become 1.
pub fn check_priority(input: &Map<String, Value>, causes: &mut Causes) -> Option<usize> {
    let to_priority = |n: i64| usize::try_from(n.max(1)).ok();
    match input.get("priority") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().and_then(to_priority),
        Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => {
            s.trim().parse::<i64>().ok().and_then(to_priority)
        }
        Some(_) => {
            causes.add("priority", "The field must be an integer");
            None
        }
    }
}

/// What [`check_object`] accepted of a policy or rule body.
pub struct CheckedInput {
    /// The accepted `type`.
    pub type_name: String,
    /// The `status` sent, if any.
    pub status: Option<String>,
    /// The `priority` sent, if any (at least 1).
    pub priority: Option<usize>,
}

/// Checks a policy or rule body: `name`, then `type` with `check_type` (which adds its causes
/// and returns the accepted type), then `status` and `priority`. Every problem becomes a cause of
/// one validation error.
pub fn check_object(
    input: &Map<String, Value>,
    check_type: impl FnOnce(&mut Causes) -> String,
) -> Result<CheckedInput, ApiError> {
    let mut causes = Causes::default();
    check_name(input, &mut causes);
    let type_name = check_type(&mut causes);
    let status = check_status(input, &mut causes);
    let priority = check_priority(input, &mut causes);
    causes.finish()?;
    Ok(CheckedInput {
        type_name,
        status,
        priority,
    })
}

/// The status a `POST …/lifecycle/{action}` sets: `ACTIVE` or `INACTIVE`; any other action is
/// an unknown endpoint (404).
pub fn lifecycle_target(action: &str, uri: &axum::http::Uri) -> Result<&'static str, ApiError> {
    match action {
        "activate" => Ok("ACTIVE"),
        "deactivate" => Ok("INACTIVE"),
        _ => Err(ApiError::not_found(uri.path(), "Endpoint")),
    }
}

/// A JSON response.
pub fn json(status: StatusCode, value: Value) -> Response {
    (status, Json(value)).into_response()
}

/// `204 No Content`.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
