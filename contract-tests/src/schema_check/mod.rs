//! Schema validation and drift detection of the corpus.
//!
//! Every request body, response body and standalone example is validated along two independent
//! paths:
//!
//! 1. **the spec**: `spec/openapi.yaml` converted to JSON Schema draft 7 ([`convert`]) and
//!    checked with `jsonschema`;
//! 2. **the Rust types**: the JSON Schema schemars derives from the client's types
//!    (`schemars::schema_for!(okta_mgmt::types::Policy)`, …).
//!
//! # How the two are compared
//!
//! The Rust types are deliberately more tolerant than the spec: enum-like strings are open
//! (`Other(String)`, any string in their schema, known values in `x-known-values`), a policy or
//! rule of an unknown `type` decodes as `Other`, and optional fields are `Option`s that accept
//! `null`. The spec is therefore converted twice: **strict** (as written) and **tolerant**
//! (closed enums opened, an extra `oneOf` branch for objects of any other `type`, `null`
//! allowed for optional properties; see [`convert::Mode`]).
//!
//! - The **tolerant spec** and the **Rust schema** must agree: both accept (pass) or both reject
//!   (a failure: the example is invalid for client and spec alike). One accepting while the
//!   other rejects is a failure ("validators disagree"): spec and client read the same JSON
//!   differently (a length limit, a required field, a type the other does not have).
//! - What the **strict spec** rejects while the tolerant one accepts is, by construction, only
//!   an unknown enum or discriminator value or a `null` where the spec does not allow one: these
//!   are **drift warnings**, not failures.
//! - The **strict pass** ([`drift`]) walks each body alongside the strict schema and also lists
//!   fields the spec does not declare (every object schema has `additionalProperties: {}`, so
//!   validation alone never sees them), with JSON pointers.
//!
//! Drift warnings never fail a case: the `Case` format has no field to say otherwise.

pub mod coverage;
mod walk;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use jsonschema::Validator;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use coverage::CoverageMatrix;
pub use okta_sim::spec::{Mode, OperationSpec, ResponseSpec, SchemaError, Spec, convert};

use crate::corpus::{Case, Documented, short};
use crate::targets::{ObjectTarget, object_target};

/// At most this many validator messages per body and path.
const MAX_ERRORS: usize = 8;

/// What a drift warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftKind {
    /// A field the spec's schema does not declare.
    UndeclaredField,
    /// A string value outside the spec's (closed) enum.
    UnknownEnumValue,
    /// A `type` value no `oneOf` branch of the spec is mapped to.
    UnknownDiscriminator,
    /// `null` where the spec does not declare the field nullable.
    UnexpectedNull,
    /// Anything else the strict spec rejects and the tolerant spec accepts.
    SpecViolation,
}

impl DriftKind {
    /// Kebab-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::UndeclaredField => "undeclared-field",
            DriftKind::UnknownEnumValue => "unknown-enum-value",
            DriftKind::UnknownDiscriminator => "unknown-discriminator",
            DriftKind::UnexpectedNull => "unexpected-null",
            DriftKind::SpecViolation => "spec-violation",
        }
    }
}

/// Something an example shows that the spec does not declare (reported, never a failure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftWarning {
    /// Case id.
    pub case_id: String,
    /// Which body: `request body`, `response 200 body`, `example /settings`.
    pub part: String,
    /// JSON pointer inside that body.
    pub pointer: String,
    /// What kind of drift.
    pub kind: DriftKind,
    /// Details.
    pub message: String,
}

impl fmt::Display for DriftWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} [{}]: {}",
            self.part,
            self.pointer,
            self.kind.as_str(),
            self.message
        )
    }
}

/// The result of validating one body along both paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyCheck {
    /// Which body.
    pub part: String,
    /// The spec schema it was validated against (`Policy`, `Policy[]`, …).
    pub spec_schema: String,
    /// The Rust type whose schemars schema it was validated against.
    pub rust_type: String,
    /// Messages of the strict spec.
    pub strict_errors: Vec<String>,
    /// Messages of the tolerant spec.
    pub tolerant_errors: Vec<String>,
    /// Messages of the Rust schema.
    pub rust_errors: Vec<String>,
}

impl BodyCheck {
    /// Tolerant spec and Rust schema agree.
    pub fn agrees(&self) -> bool {
        self.tolerant_errors.is_empty() == self.rust_errors.is_empty()
    }

    /// Both paths accept the body.
    pub fn passed(&self) -> bool {
        self.tolerant_errors.is_empty() && self.rust_errors.is_empty()
    }
}

/// Validation and drift of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseValidation {
    /// Case id.
    pub id: String,
    /// One entry per validated body.
    pub checks: Vec<BodyCheck>,
    /// Failures (invalid bodies, disagreements, statuses or bodies the spec does not declare).
    pub failures: Vec<String>,
    /// Drift warnings.
    pub drift: Vec<DriftWarning>,
    /// What was not validated and why.
    pub notes: Vec<String>,
}

/// `spec/openapi.yaml` of the workspace.
pub fn default_spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("spec")
        .join("openapi.yaml")
}

static SPEC: OnceLock<Result<Spec, SchemaError>> = OnceLock::new();

/// The spec okta-mgmt was generated from ([`okta_mgmt::OPENAPI_SPEC`], the workspace's
/// `spec/openapi.yaml` embedded at build time), loaded once.
pub fn spec() -> Result<&'static Spec, SchemaError> {
    SPEC.get_or_init(|| {
        let path = default_spec_path();
        let doc: Value =
            serde_yaml_ng::from_str(okta_mgmt::OPENAPI_SPEC).map_err(|e| SchemaError::Parse {
                path: path.clone(),
                message: e.to_string(),
            })?;
        Spec::from_openapi(&doc).map_err(|message| SchemaError::Parse { path, message })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The corpus checks on a [`Spec`]: the client's Rust types next to the spec's schemas.
pub trait CorpusChecks {
    /// Validator of the schemars schema of a target's Rust type (an array of it if `array`).
    fn rust_validator(
        &self,
        target: &ObjectTarget,
        array: bool,
    ) -> Result<Arc<Validator>, SchemaError>;

    /// Validates one body along both paths and walks it for drift.
    fn check_body(
        &self,
        case_id: &str,
        part: &str,
        value: &Value,
        spec_node: &Value,
        rust: Option<(&ObjectTarget, bool)>,
    ) -> (BodyCheck, Vec<String>, Vec<DriftWarning>);
}

impl CorpusChecks for Spec {
    fn rust_validator(
        &self,
        target: &ObjectTarget,
        array: bool,
    ) -> Result<Arc<Validator>, SchemaError> {
        let key = format!("rust:{}:{}", target.rust_type, array);
        self.cached_validator(key, || {
            let root = target.rust_schema()?;
            Ok(if array { array_of(root) } else { root })
        })
    }

    fn check_body(
        &self,
        case_id: &str,
        part: &str,
        value: &Value,
        spec_node: &Value,
        rust: Option<(&ObjectTarget, bool)>,
    ) -> (BodyCheck, Vec<String>, Vec<DriftWarning>) {
        let mut failures = Vec::new();
        let spec_name = describe_node(spec_node);
        let errors = |v: Result<Arc<Validator>, SchemaError>, failures: &mut Vec<String>| match v {
            Ok(v) => messages(&v, value),
            Err(e) => {
                failures.push(format!("{part}: {e}"));
                Vec::new()
            }
        };
        let strict_errors = errors(self.spec_validator(spec_node, Mode::Strict), &mut failures);
        let tolerant_errors = errors(
            self.spec_validator(spec_node, Mode::Tolerant),
            &mut failures,
        );
        let (rust_type, rust_errors) = match rust {
            Some((target, array)) => (
                if array {
                    format!("Vec<{}>", target.rust_type)
                } else {
                    target.rust_type.to_string()
                },
                errors(self.rust_validator(target, array), &mut failures),
            ),
            None => {
                failures.push(format!(
                    "{part}: spec schema {spec_name} has no Rust type to compare with"
                ));
                (String::new(), Vec::new())
            }
        };
        let check = BodyCheck {
            part: part.to_string(),
            spec_schema: spec_name,
            rust_type,
            strict_errors,
            tolerant_errors,
            rust_errors,
        };
        if !check.agrees() {
            failures.push(format!(
                "{part}: the validators disagree: the spec ({}) {} but the Rust schema ({}) {}",
                check.spec_schema,
                verdict(&check.tolerant_errors),
                check.rust_type,
                verdict(&check.rust_errors)
            ));
        } else if !check.passed() {
            failures.push(format!(
                "{part}: invalid for spec and client alike: spec: {}; Rust schema: {}",
                check.tolerant_errors.join(" | "),
                check.rust_errors.join(" | ")
            ));
        }

        // Drift: the strict walk, plus any strict-only error the walk did not explain.
        let mut walker = walk::Walker::new(self.definitions(Mode::Strict));
        let root = convert::convert(spec_node, Mode::Strict);
        walker.walk(value, &root, "");
        let mut drift: Vec<DriftWarning> = walker
            .found
            .into_iter()
            .map(|f| DriftWarning {
                case_id: case_id.to_string(),
                part: part.to_string(),
                pointer: f.pointer,
                kind: f.kind,
                message: f.message,
            })
            .collect();
        if check.tolerant_errors.is_empty() {
            for e in &check.strict_errors {
                let pointer = e.split(": ").next().unwrap_or("/").to_string();
                let explained = drift
                    .iter()
                    .any(|d| d.pointer.starts_with(pointer.trim_end_matches('/')));
                if !explained {
                    drift.push(DriftWarning {
                        case_id: case_id.to_string(),
                        part: part.to_string(),
                        pointer,
                        kind: DriftKind::SpecViolation,
                        message: e.clone(),
                    });
                }
            }
        }
        (check, failures, drift)
    }
}

fn verdict(errors: &[String]) -> String {
    if errors.is_empty() {
        "accepts it".into()
    } else {
        format!("rejects it ({})", errors.join(" | "))
    }
}

/// `Policy`, `Policy[]`, or the node itself in one line.
pub fn describe_node(node: &Value) -> String {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    if node.get("type").and_then(Value::as_str) == Some("array")
        && let Some(items) = node.get("items")
    {
        return format!("{}[]", describe_node(items));
    }
    short(node)
}

/// The Rust target of an operation body schema (`$ref` or array of `$ref`).
pub fn body_target(node: &Value) -> Option<(&'static ObjectTarget, bool)> {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        return object_target(r.rsplit('/').next()?).map(|t| (t, false));
    }
    if node.get("type").and_then(Value::as_str) == Some("array") {
        let (t, _) = body_target(node.get("items")?)?;
        return Some((t, true));
    }
    None
}

/// A root schema (with `definitions`) turned into the schema of an array of it.
fn array_of(root: Value) -> Value {
    let Value::Object(mut item) = root else {
        return json!({"type": "array", "items": root});
    };
    let defs = item.remove("definitions").unwrap_or_else(|| json!({}));
    let draft = item
        .remove("$schema")
        .unwrap_or_else(|| Value::String(convert::DRAFT7.into()));
    json!({"$schema": draft, "definitions": defs, "type": "array", "items": Value::Object(item)})
}

fn messages(validator: &Validator, value: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in validator.iter_errors(value) {
        for m in leaves(&e, 0) {
            if !out.contains(&m) {
                out.push(m);
            }
        }
        if out.len() >= MAX_ERRORS {
            break;
        }
    }
    out.truncate(MAX_ERRORS);
    out
}

fn one_line(e: &jsonschema::ValidationError<'_>) -> String {
    let at = e.instance_path().to_string();
    format!("{}: {e}", if at.is_empty() { "/".into() } else { at })
}

/// The errors that explain an `anyOf`/`oneOf` failure: those of the branch that fits the
/// instance best (branches rejecting the instance's kind outright are skipped, then the branch
/// with the fewest errors wins), recursively.
fn leaves(e: &jsonschema::ValidationError<'_>, depth: usize) -> Vec<String> {
    use jsonschema::error::ValidationErrorKind as K;
    let context = match e.kind() {
        K::AnyOf { context } | K::OneOfNotValid { context } if depth < 16 => context,
        _ => return vec![one_line(e)],
    };
    let here = e.instance_path().to_string();
    let mut best: Option<Vec<String>> = None;
    for branch in context {
        let wrong_kind = branch
            .iter()
            .any(|b| matches!(b.kind(), K::Type { .. }) && b.instance_path().to_string() == here);
        if wrong_kind {
            continue;
        }
        let found: Vec<String> = branch.iter().flat_map(|b| leaves(b, depth + 1)).collect();
        if best.as_ref().is_none_or(|b| found.len() < b.len()) {
            best = Some(found);
        }
    }
    match best {
        Some(b) if !b.is_empty() => b,
        _ => vec![one_line(e)],
    }
}

impl CaseValidation {
    /// Checks one body of the case and records the check, its failures and its drift.
    fn run(
        &mut self,
        spec: &Spec,
        part: String,
        value: &Value,
        node: &Value,
        rust: Option<(&ObjectTarget, bool)>,
    ) {
        let (check, failures, drift) = spec.check_body(&self.id, &part, value, node, rust);
        self.checks.push(check);
        self.failures.extend(failures);
        self.drift.extend(drift);
    }
}

/// Validates every body of a case against the spec and the Rust types, and collects its drift.
/// Never panics: a spec that cannot be loaded is a failure.
pub fn validate_case(case: &Case) -> CaseValidation {
    let mut out = CaseValidation {
        id: case.id.clone(),
        checks: Vec::new(),
        failures: Vec::new(),
        drift: Vec::new(),
        notes: Vec::new(),
    };
    let spec = match spec() {
        Ok(s) => s,
        Err(e) => {
            out.failures.push(e.to_string());
            return out;
        }
    };
    let doc = Documented::of(case);
    if let Some(schema) = &case.schema
        && case.request.is_none()
    {
        validate_example(spec, case, &doc, schema, &mut out);
        return out;
    }
    let Some(op_id) = &case.operation else {
        if case.request.is_some() {
            out.notes
                .push("out-of-spec endpoint: no spec schema to validate against".into());
        }
        return out;
    };
    let Some(op) = spec.operation(op_id) else {
        out.failures
            .push(format!("operation {op_id} is not in the spec"));
        return out;
    };
    if let Some(req) = &case.request
        && (req.method.to_ascii_uppercase() != op.method || req.path != op.path)
    {
        out.failures.push(format!(
            "the case says {} {} but {op_id} is {} {} in the spec",
            req.method, req.path, op.method, op.path
        ));
    }
    match (&doc.request_body, &op.request_body) {
        (Some(body), Some(node)) => {
            out.run(spec, "request body".into(), body, node, body_target(node))
        }
        (Some(_), None) => out.failures.push(format!(
            "a request body is documented but {op_id} takes none in the spec"
        )),
        (None, _) => {}
    }
    if let Some(resp) = &case.response {
        validate_response(spec, op, op_id, resp, &doc, &mut out);
    }
    out
}

/// Validates a standalone example against the schema it is an example of.
fn validate_example(
    spec: &Spec,
    case: &Case,
    doc: &Documented,
    schema: &str,
    out: &mut CaseValidation,
) {
    let Some(target) = object_target(schema) else {
        out.failures.push(format!(
            "schema {schema} maps to no spec schema or Rust type"
        ));
        return;
    };
    let pointer = case.schema_pointer.as_deref().unwrap_or("");
    let Some(fragment) = doc.example.as_ref().and_then(|e| e.pointer(pointer)) else {
        out.failures.push(format!(
            "the example has nothing at schema_pointer {pointer:?}"
        ));
        return;
    };
    let item = json!({"$ref": format!("#/components/schemas/{}", target.spec_schema)});
    let node = if target.array {
        json!({"type": "array", "items": item})
    } else {
        item
    };
    let part = if pointer.is_empty() {
        "example".to_string()
    } else {
        format!("example {pointer}")
    };
    out.run(spec, part, fragment, &node, Some((target, target.array)));
}

/// Validates the documented response against what the operation declares for its status.
fn validate_response(
    spec: &Spec,
    op: &OperationSpec,
    op_id: &str,
    resp: &crate::corpus::Response,
    doc: &Documented,
    out: &mut CaseValidation,
) {
    let Some(declared) = op.response(resp.status) else {
        let declared: Vec<&str> = op.responses.iter().map(|r| r.status.as_str()).collect();
        out.failures.push(format!(
            "status {} is not declared for {op_id} in the spec (declared: {})",
            resp.status,
            declared.join(", ")
        ));
        return;
    };
    match (&doc.response_body, &declared.body) {
        (Some(body), Some(node)) => out.run(
            spec,
            format!("response {} body", resp.status),
            body,
            node,
            body_target(node),
        ),
        (Some(_), None) => out.failures.push(format!(
            "a response body is documented but {op_id} declares none for {}",
            resp.status
        )),
        (None, Some(_)) => {
            if resp.body_schema.is_none() && resp.status != 204 {
                out.notes.push(format!(
                    "the spec declares a body for {} but the document shows none",
                    resp.status
                ));
            }
        }
        (None, None) => {}
    }
}

/// The coverage matrix of `cases` against the workspace spec (see [`coverage`]).
pub fn coverage_matrix(cases: &[Case]) -> Result<CoverageMatrix, SchemaError> {
    Ok(coverage::matrix(spec()?, cases))
}

/// The drift warnings of a case (see [`validate_case`]).
pub fn drift(case: &Case) -> Vec<DriftWarning> {
    validate_case(case).drift
}
