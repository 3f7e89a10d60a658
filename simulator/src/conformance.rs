//! Optional self-check of the simulator's answers against the spec it serves (`serve
//! --check-responses`): every response body is validated (strict mode: closed enums, declared
//! types) against the response schema the spec declares for its operation and status, and a
//! 204 must have no body. Problems go to stderr as `response-check: <METHOD> <path> → <status>:
//! <problem>` lines, so a harness (scripts/interop.sh) can fail on them. The response is passed
//! on unchanged.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use crate::Shared;
use crate::schema::served_spec;
use crate::spec::{Mode, OperationSpec};

/// Largest body the check buffers (larger answers are passed on unchecked and reported).
const MAX_BODY: usize = 16 * 1024 * 1024;

fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

/// The operation serving `method path`, preferring a literal segment over a template one
/// (`/policies/simulate` over `/policies/{policyId}`).
fn operation<'a>(
    ops: &'a [OperationSpec],
    method: &Method,
    path: &str,
) -> Option<&'a OperationSpec> {
    ops.iter()
        .filter(|op| op.method == method.as_str() && matches_template(&op.path, path))
        .min_by_key(|op| op.path.matches('{').count())
}

/// The problems of one answer, if any.
fn problems(method: &Method, path: &str, status: StatusCode, body: &[u8]) -> Vec<String> {
    if status == StatusCode::NO_CONTENT {
        return if body.is_empty() {
            Vec::new()
        } else {
            vec![format!("a 204 with a {}-byte body", body.len())]
        };
    }
    let spec = match served_spec() {
        Ok(spec) => spec,
        Err(e) => return vec![format!("the spec does not load: {e}")],
    };
    let Some(op) = operation(&spec.operations, method, path) else {
        // Unknown routes answer 404/405 Okta errors; nothing in the spec to compare with.
        return Vec::new();
    };
    let Some(declared) = op.response(status.as_u16()) else {
        return if status.is_success() {
            vec![format!(
                "{}: status {} is not declared",
                op.id,
                status.as_u16()
            )]
        } else {
            // Error statuses the spec leaves out (401, 405, injected 5xx) are Okta errors.
            Vec::new()
        };
    };
    let Some(schema) = &declared.body else {
        return if body.is_empty() {
            Vec::new()
        } else {
            vec![format!("{}: a body where the spec declares none", op.id)]
        };
    };
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return vec![format!("{}: the body is not JSON: {e}", op.id)],
    };
    let validator = match spec.spec_validator(schema, Mode::Strict) {
        Ok(v) => v,
        Err(e) => return vec![format!("{}: {e}", op.id)],
    };
    validator
        .iter_errors(&value)
        .take(5)
        .map(|e| {
            let at = e.instance_path().to_string();
            let message = e.to_string();
            let message: String = message.chars().take(200).collect();
            format!(
                "{}: {} {message}",
                op.id,
                if at.is_empty() { "body" } else { &at }
            )
        })
        .collect()
}

/// Validates each answer when `SimConfig::check_responses` is set.
pub async fn check_responses(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    if !shared.config.check_responses {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!(
                "response-check: {method} {path} → {}: unreadable body: {e}",
                parts.status
            );
            return Response::from_parts(parts, Body::empty());
        }
    };
    for problem in problems(&method, &path, parts.status, &bytes) {
        eprintln!(
            "response-check: {method} {path} → {}: {problem}",
            parts.status.as_u16()
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_segment_by_segment() {
        assert!(matches_template(
            "/api/v1/policies/{policyId}",
            "/api/v1/policies/00p1"
        ));
        assert!(!matches_template(
            "/api/v1/policies/{policyId}",
            "/api/v1/policies"
        ));
        assert!(!matches_template(
            "/api/v1/policies/{policyId}",
            "/api/v1/policies/a/rules"
        ));
    }

    #[test]
    fn a_204_with_a_body_and_an_invalid_policy_are_problems() {
        let post = Method::POST;
        let path = "/api/v1/policies/00p1/lifecycle/activate";
        assert!(problems(&post, path, StatusCode::NO_CONTENT, b"").is_empty());
        assert_eq!(
            problems(&post, path, StatusCode::NO_CONTENT, b"{}").len(),
            1
        );
        let bad = br#"{"id": 5, "type": "PASSWORD", "name": "x"}"#;
        assert!(!problems(&Method::GET, "/api/v1/policies/00p1", StatusCode::OK, bad).is_empty());
    }
}
