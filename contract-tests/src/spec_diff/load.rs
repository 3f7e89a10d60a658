//! Loading a spec (YAML or JSON, parsed once into a `serde_json::Value`) and resolving local
//! `$ref`s without copying subtrees.

use std::path::Path;

use serde_json::Value;

use super::{SpecDiffError, read_and_parse};

/// Reads and parses an OpenAPI document.
pub fn load_spec(path: &Path) -> Result<Value, SpecDiffError> {
    read_and_parse(path, parse_spec)
}

/// Parses an OpenAPI document from text (YAML, which includes JSON).
pub fn parse_spec(text: &str) -> Result<Value, String> {
    let value: Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    if !value.is_object() || value.get("paths").is_none() {
        return Err("not an OpenAPI document (no `paths`)".to_owned());
    }
    Ok(value)
}

/// A parsed document with reference resolution.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    root: &'a Value,
}

impl<'a> Doc<'a> {
    /// Wraps a parsed document.
    pub fn new(root: &'a Value) -> Self {
        Self { root }
    }

    /// The document root.
    pub fn root(&self) -> &'a Value {
        self.root
    }

    /// `info.version`, or an empty string.
    pub fn version(&self) -> String {
        self.root
            .pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    /// Resolves a local reference (`#/components/...`); `None` for remote or dangling ones.
    pub fn resolve_ref(&self, reference: &str) -> Option<&'a Value> {
        let pointer = reference.strip_prefix('#')?;
        self.root.pointer(pointer)
    }

    /// Follows `$ref`s (local only, at most 32 hops) to the object they name.
    pub fn deref(&self, mut value: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.resolve_ref(r) {
                    Some(target) => value = target,
                    None => return value,
                },
                None => return value,
            }
        }
        value
    }
}

/// The last segment of a reference: `#/components/schemas/Policy` -> `Policy`.
pub fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}
