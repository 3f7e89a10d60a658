//! The curated OpenAPI spec the simulator serves, loaded for validation.
//!
//! [`Spec`] holds the spec's operations ([`OperationSpec`]) and its component schemas converted
//! to JSON Schema draft 7 ([`convert`]) in two [`Mode`]s: **strict** (as written) and
//! **tolerant** (the way a lenient client reads it: open enums and discriminators, `null` for
//! optional fields). The simulator validates request bodies (and, with
//! `SimConfig::check_responses`, its own answers) against the strict form; the contract suite
//! (`okta-contract`) builds its corpus checks on the same type.
//!
//! ```
//! # fn demo() -> Result<(), okta_sim::spec::SchemaError> {
//! use okta_sim::spec::{Mode, Spec};
//! let spec = Spec::embedded()?;
//! let op = spec.operation("listPolicies").expect("listPolicies is in the spec");
//! assert_eq!(op.method, "GET");
//! let validator = spec.spec_validator(&serde_json::json!({"$ref": "#/components/schemas/Policy"}), Mode::Strict)?;
//! assert!(!validator.is_valid(&serde_json::json!({"id": 5})));
//! # Ok(()) }
//! ```

pub mod convert;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::{Map, Value, json};

pub use convert::Mode;

/// The embedded spec's path as reported in errors.
const EMBEDDED_PATH: &str = "spec/openapi.yaml";

/// Why the spec or a schema could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The spec file could not be read.
    #[error("cannot read {path}: {message}")]
    Read {
        /// The spec path.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
    /// The spec is not valid YAML or lacks a required part.
    #[error("invalid spec {path}: {message}")]
    Parse {
        /// The spec path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A JSON Schema could not be compiled.
    #[error("cannot compile the JSON Schema of {what}: {message}")]
    Compile {
        /// Which schema.
        what: String,
        /// The compiler's message.
        message: String,
    },
}

/// One response of an operation in the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseSpec {
    /// Status code as written (`200`, `default`).
    pub status: String,
    /// `application/json` schema (OpenAPI form), if the response has a body.
    pub body: Option<Value>,
}

/// One operation of the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationSpec {
    /// operationId.
    pub id: String,
    /// Upper-case method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Names of the query parameters.
    pub query_params: Vec<String>,
    /// `application/json` request body schema (OpenAPI form), if any.
    pub request_body: Option<Value>,
    /// Responses in spec order.
    pub responses: Vec<ResponseSpec>,
}

impl OperationSpec {
    /// The response declared for `status`.
    pub fn response(&self, status: u16) -> Option<&ResponseSpec> {
        self.responses
            .iter()
            .find(|r| r.status == status.to_string())
    }
}

type ValidatorCache = Mutex<HashMap<String, Arc<Validator>>>;

/// The loaded spec: its operations and its schemas converted to JSON Schema.
pub struct Spec {
    /// Operations in spec order.
    pub operations: Vec<OperationSpec>,
    strict: Map<String, Value>,
    tolerant: Map<String, Value>,
    validators: ValidatorCache,
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spec")
            .field("operations", &self.operations.len())
            .field("schemas", &self.strict.len())
            .finish()
    }
}

static EMBEDDED: OnceLock<Result<Spec, SchemaError>> = OnceLock::new();

impl Spec {
    /// The spec the simulator serves ([`crate::OPENAPI_SPEC`]), loaded once per process.
    pub fn embedded() -> Result<&'static Spec, SchemaError> {
        EMBEDDED
            .get_or_init(|| {
                let path = PathBuf::from(EMBEDDED_PATH);
                let doc: Value = serde_yaml_ng::from_str(crate::OPENAPI_SPEC).map_err(|e| {
                    SchemaError::Parse {
                        path: path.clone(),
                        message: e.to_string(),
                    }
                })?;
                Spec::from_openapi(&doc).map_err(|message| SchemaError::Parse { path, message })
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

impl Spec {
    /// Loads and converts a spec file.
    pub fn load(path: &Path) -> Result<Spec, SchemaError> {
        let text = std::fs::read_to_string(path).map_err(|e| SchemaError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let doc: Value = serde_yaml_ng::from_str(&text).map_err(|e| SchemaError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Spec::from_openapi(&doc).map_err(|message| SchemaError::Parse {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Builds from an OpenAPI document already parsed.
    pub fn from_openapi(doc: &Value) -> Result<Spec, String> {
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .ok_or("no components.schemas")?;
        let conv = |mode| {
            schemas
                .iter()
                .map(|(k, v)| (k.clone(), convert::convert(v, mode)))
                .collect::<Map<String, Value>>()
        };
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("no paths")?;
        let mut operations = Vec::new();
        for (path, item) in paths {
            let shared = item.get("parameters").and_then(Value::as_array);
            for method in METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{method} {path} has no operationId"))?;
                let own = op.get("parameters").and_then(Value::as_array);
                let query_params = shared
                    .into_iter()
                    .flatten()
                    .chain(own.into_iter().flatten())
                    .map(|p| resolve_local(doc, p))
                    .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
                    .filter_map(|p| p.get("name").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect();
                let request_body = op
                    .get("requestBody")
                    .map(|b| resolve_local(doc, b))
                    .and_then(|b| b.pointer("/content/application~1json/schema"))
                    .cloned();
                let responses = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|rs| {
                        rs.iter()
                            .map(|(status, r)| ResponseSpec {
                                status: status.clone(),
                                body: resolve_local(doc, r)
                                    .pointer("/content/application~1json/schema")
                                    .cloned(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                operations.push(OperationSpec {
                    id: id.to_string(),
                    method: method.to_ascii_uppercase(),
                    path: path.clone(),
                    query_params,
                    request_body,
                    responses,
                });
            }
        }
        Ok(Spec {
            operations,
            strict: conv(Mode::Strict),
            tolerant: conv(Mode::Tolerant),
            validators: Mutex::new(HashMap::new()),
        })
    }

    /// The operation with this operationId.
    pub fn operation(&self, id: &str) -> Option<&OperationSpec> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// Names of the component schemas.
    pub fn schema_names(&self) -> impl Iterator<Item = &str> {
        self.strict.keys().map(String::as_str)
    }

    /// The converted component schemas (`definitions`) of a mode.
    pub fn definitions(&self, mode: Mode) -> &Map<String, Value> {
        match mode {
            Mode::Strict => &self.strict,
            Mode::Tolerant => &self.tolerant,
        }
    }

    /// A standalone JSON Schema document for an OpenAPI schema object of this spec.
    pub fn json_schema(&self, node: &Value, mode: Mode) -> Value {
        json!({
            "$schema": convert::DRAFT7,
            "definitions": self.definitions(mode),
            "allOf": [convert::convert(node, mode)],
        })
    }

    /// A validator compiled once per `key` and cached in this spec: `build` returns the JSON
    /// Schema (draft 7) to compile when `key` is not cached yet.
    pub fn cached_validator(
        &self,
        key: String,
        build: impl FnOnce() -> Result<Value, String>,
    ) -> Result<Arc<Validator>, SchemaError> {
        if let Ok(cache) = self.validators.lock()
            && let Some(v) = cache.get(&key)
        {
            return Ok(Arc::clone(v));
        }
        let schema = build().map_err(|message| SchemaError::Compile {
            what: key.clone(),
            message,
        })?;
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|e| SchemaError::Compile {
                what: key.clone(),
                message: e.to_string(),
            })?;
        let validator = Arc::new(validator);
        if let Ok(mut cache) = self.validators.lock() {
            cache.insert(key, Arc::clone(&validator));
        }
        Ok(validator)
    }

    /// Validator of an OpenAPI schema object in a mode.
    pub fn spec_validator(&self, node: &Value, mode: Mode) -> Result<Arc<Validator>, SchemaError> {
        let key = format!("spec:{mode:?}:{node}");
        self.cached_validator(key, || Ok(self.json_schema(node, mode)))
    }
}

/// `#/components/…` references resolved once (parameters, request bodies, responses).
fn resolve_local<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix('#')
            .and_then(|p| doc.pointer(p))
            .unwrap_or(node),
        None => node,
    }
}
