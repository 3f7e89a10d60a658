//! Request bodies are checked against the curated spec, as the real API validates its input:
//! a field of the wrong type or an enum value the API does not know is a 400 E0000001 with one
//! cause per violation, so nothing malformed is stored and echoed back.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::errors::ApiError;
use crate::spec::{Mode, Spec};

/// At most this many causes are reported for one body.
const MAX_CAUSES: usize = 5;

/// The spec the simulator serves (for the response self-check).
pub(crate) fn served_spec() -> Result<&'static Spec, String> {
    Spec::embedded().map_err(|e| e.to_string())
}

fn spec() -> Result<&'static Spec, ApiError> {
    served_spec().map_err(|e| internal(format!("the simulator's spec does not load: {e}")))
}

fn internal(summary: String) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "E0000009", summary)
}

/// Validates `body` against `#/components/schemas/{schema}` (strict: closed enums, declared
/// types; undeclared fields are allowed, as everywhere in the spec).
pub fn check(schema: &str, body: &Map<String, Value>) -> Result<(), ApiError> {
    let spec = spec()?;
    let node = json!({ "$ref": format!("#/components/schemas/{schema}") });
    let validator = spec
        .spec_validator(&node, Mode::Strict)
        .map_err(|e| internal(e.to_string()))?;
    let instance = Value::Object(accepted_as_recorded(body));
    let causes: Vec<String> = validator
        .iter_errors(&instance)
        .take(MAX_CAUSES)
        .map(|e| {
            let path = e.instance_path().to_string();
            let at = if path.is_empty() {
                "body".to_string()
            } else {
                path
            };
            format!("{at}: {}", short(&e.to_string()))
        })
        .collect();
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(schema, causes))
    }
}

/// The copy of `body` that is validated: inputs recorded real orgs accept but the curated spec
/// does not describe (yet) are left out of the check — they are still stored and echoed.
///
/// - `null` for an optional nested field means "not set" (e.g. an ACCESS_POLICY rule's
///   `conditions.platform.include[].os.expression: null`); top-level fields keep their checks.
fn accepted_as_recorded(body: &Map<String, Value>) -> Map<String, Value> {
    body.iter()
        .map(|(k, v)| (k.clone(), without_nulls(v)))
        .collect()
}

/// `value` with every `null`-valued object member removed, recursively.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Keeps causes readable when the offending value is large.
fn short(message: &str) -> String {
    const LIMIT: usize = 200;
    if message.len() <= LIMIT {
        return message.to_string();
    }
    let mut end = LIMIT;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &message[..end])
}
