//! Standalone object examples and response-only cases: the decode → re-encode check against
//! the Rust type of their schema (see [`crate::targets`]).

use serde_json::Value;

use super::{CaseOutcome, json_diff};
use crate::corpus::{Case, Documented};
use crate::targets::{ObjectTarget, object_target};

/// Decode → re-encode check of a standalone example.
pub(super) fn replay_object(case: &Case, doc: &Documented, outcome: &mut CaseOutcome) {
    let Some(name) = case.schema.as_deref() else {
        outcome.failures.push("the case names no schema".into());
        return;
    };
    let Some(target) = object_target(name) else {
        outcome.failures.push(format!(
            "schema {name} maps to no Rust type (it is not a spec schema and has no alias)"
        ));
        return;
    };
    if let Some(note) = target.alias_note {
        outcome.notes.push(format!("schema name: {note}"));
    }
    let pointer = case.schema_pointer.as_deref().unwrap_or("");
    let Some(fragment) = doc.example.as_ref().and_then(|e| e.pointer(pointer)) else {
        outcome.failures.push(format!(
            "the example has nothing at schema_pointer {pointer:?}"
        ));
        return;
    };
    outcome
        .failures
        .extend(roundtrip_failure(target, fragment, "the example"));
    outcome.failures.extend(target.typed_check(fragment));
}

/// Decode → re-encode check of a documented response without a request: the body decodes
/// into the Rust type of the operation's declared response for the status (each item of an
/// array body), with the typed-variant check, and re-encodes to the documented JSON.
pub(super) fn replay_response(case: &Case, doc: &Documented, outcome: &mut CaseOutcome) {
    let (Some(op_id), Some(resp)) = (case.operation.as_deref(), case.response.as_ref()) else {
        outcome
            .failures
            .push("a response-only case needs an operation and a response".into());
        return;
    };
    outcome.notes.push(format!(
        "no documented request: the {} response was decoded into the operation's typed response without a call",
        resp.status
    ));
    let Some(spec) = outcome.ok_or_fail(crate::schema_check::spec(), |e| e.to_string()) else {
        return;
    };
    let Some(op) = spec.operation(op_id) else {
        outcome
            .failures
            .push(format!("operation {op_id} is not in the spec"));
        return;
    };
    let Some(declared) = op.response(resp.status) else {
        // validate_case reports the undeclared status.
        return;
    };
    let (Some(node), Some(body)) = (declared.body.as_ref(), doc.response_body.as_ref()) else {
        if doc.response_body.is_some() {
            outcome.failures.push(format!(
                "a response body is documented but {op_id} declares none for {}",
                resp.status
            ));
        }
        return;
    };
    let Some((target, array)) = crate::schema_check::body_target(node) else {
        outcome.failures.push(format!(
            "the {} response of {op_id} maps to no Rust type",
            resp.status
        ));
        return;
    };
    let items: Vec<(String, &Value)> = if array && !target.array {
        match body.as_array() {
            Some(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("/{i}"), v))
                .collect(),
            None => {
                outcome.failures.push(format!(
                    "the {} response of {op_id} is a list; the example is not",
                    resp.status
                ));
                return;
            }
        }
    } else {
        vec![(String::new(), body)]
    };
    for (ptr, item) in items {
        let what = format!("the documented body{ptr}");
        outcome
            .failures
            .extend(roundtrip_failure(target, item, &what));
        outcome.failures.extend(
            target
                .typed_check(item)
                .into_iter()
                .map(|f| format!("body{ptr}: {f}")),
        );
    }
}

/// Why `value` (`what`, as messages name it) does not decode into the target's Rust type and
/// re-encode to the same JSON; `None` when it does.
fn roundtrip_failure(target: &ObjectTarget, value: &Value, what: &str) -> Option<String> {
    match target.roundtrip(value) {
        Ok(actual) => {
            let diff = json_diff(value, &actual, 12);
            (!diff.is_empty()).then(|| {
                format!(
                    "re-encoding the decoded {} does not give back {what}: {}",
                    target.rust_type,
                    diff.join("; ")
                )
            })
        }
        Err(e) => Some(format!(
            "{what} does not decode into {}: {e}",
            target.rust_type
        )),
    }
}
