//! The strict pass: walks a body alongside the strict JSON Schema of the spec and lists what the
//! spec does not declare (fields, enum values, discriminator values, nulls).

use serde_json::{Map, Value};

use super::DriftKind;
use crate::json::strings_under;

/// One finding of the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) pointer: String,
    pub(crate) kind: DriftKind,
    pub(crate) message: String,
}

/// Properties and map values an object schema declares (merged over `allOf`).
#[derive(Default)]
struct View<'a> {
    properties: Vec<(&'a str, &'a Value)>,
    additional: Option<&'a Value>,
}

impl<'a> View<'a> {
    fn property(&self, name: &str) -> Option<&'a Value> {
        self.properties
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }
}

/// Walks instances against schemas whose `$ref`s point into `definitions`.
pub(crate) struct Walker<'a> {
    defs: &'a Map<String, Value>,
    pub(crate) found: Vec<Found>,
}

const MAX_DEPTH: usize = 64;

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

impl<'a> Walker<'a> {
    pub(crate) fn new(defs: &'a Map<String, Value>) -> Self {
        Walker {
            defs,
            found: Vec::new(),
        }
    }

    fn resolve(&self, mut s: &'a Value) -> &'a Value {
        for _ in 0..MAX_DEPTH {
            let Some(r) = s.get("$ref").and_then(Value::as_str) else {
                return s;
            };
            match r
                .strip_prefix("#/definitions/")
                .and_then(|n| self.defs.get(n))
            {
                Some(next) => s = next,
                None => return s,
            }
        }
        s
    }

    fn push(&mut self, pointer: &str, kind: DriftKind, message: String) {
        self.found.push(Found {
            pointer: if pointer.is_empty() {
                "/".into()
            } else {
                pointer.into()
            },
            kind,
            message,
        });
    }

    /// Walks `v` against `s`; `ptr` is `v`'s JSON pointer.
    pub(crate) fn walk(&mut self, v: &Value, s: &'a Value, ptr: &str) {
        self.walk_at(v, s, ptr, 0);
    }

    fn walk_at(&mut self, v: &Value, s: &'a Value, ptr: &str, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let s = self.resolve(s);
        if v.is_null() {
            if !self.allows_null(s, 0) {
                self.push(
                    ptr,
                    DriftKind::UnexpectedNull,
                    "null where the spec does not declare the field nullable".into(),
                );
            }
            return;
        }
        let branches = s
            .get("oneOf")
            .or_else(|| s.get("anyOf"))
            .and_then(Value::as_array);
        if let Some(branches) = branches {
            if let Some(prop) = s.get("x-discriminator").and_then(Value::as_str) {
                let value = v.get(prop);
                let chosen = branches.iter().find(|b| {
                    b.get("x-discriminator-values")
                        .and_then(Value::as_array)
                        .is_some_and(|vals| value.is_some_and(|x| vals.contains(x)))
                });
                match chosen {
                    Some(b) => self.walk_at(v, b, ptr, depth + 1),
                    // A missing discriminator is a missing required field: validation reports it.
                    None if value.is_none() => {}
                    None => {
                        let known: Vec<String> =
                            strings_under(branches, "x-discriminator-values").collect();
                        self.push(
                            &format!("{ptr}/{}", escape(prop)),
                            DriftKind::UnknownDiscriminator,
                            format!(
                                "{prop} {} selects no schema of the spec (known: {})",
                                value.map(crate::corpus::short).unwrap_or_default(),
                                known.join(", ")
                            ),
                        );
                    }
                }
                return;
            }
            if let Some(b) = branches.iter().find(|b| self.kind_matches(v, b, 0)) {
                self.walk_at(v, b, ptr, depth + 1);
            }
            return;
        }
        match v {
            Value::Object(map) => {
                let mut view = View::default();
                self.collect(s, &mut view, 0);
                for (key, x) in map {
                    let p = format!("{ptr}/{}", escape(key));
                    if let Some(ps) = view.property(key) {
                        self.walk_at(x, ps, &p, depth + 1);
                    } else if let Some(ap) = view.additional {
                        self.walk_at(x, ap, &p, depth + 1);
                    } else if !view.properties.is_empty() {
                        self.push(
                            &p,
                            DriftKind::UndeclaredField,
                            format!("field `{key}` is not declared by the spec"),
                        );
                    }
                }
            }
            Value::Array(items) => {
                if let Some(is) = self.find(s, "items", 0) {
                    for (i, x) in items.iter().enumerate() {
                        self.walk_at(x, is, &format!("{ptr}/{i}"), depth + 1);
                    }
                }
            }
            Value::String(text) => {
                if let Some(values) = self.find(s, "enum", 0).and_then(Value::as_array)
                    && !values.contains(v)
                {
                    let known: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
                    self.push(
                        ptr,
                        DriftKind::UnknownEnumValue,
                        format!(
                            "{text:?} is not a value the spec knows ({})",
                            known.join(", ")
                        ),
                    );
                }
            }
            _ => {}
        }
    }

    /// Merges `properties` and map-like `additionalProperties` over `allOf`.
    fn collect(&self, s: &'a Value, view: &mut View<'a>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let s = self.resolve(s);
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (k, p) in props {
                if view.property(k).is_none() {
                    view.properties.push((k.as_str(), p));
                }
            }
        }
        if let Some(ap) = s.get("additionalProperties")
            && ap.as_object().is_some_and(|o| !o.is_empty())
            && view.additional.is_none()
        {
            view.additional = Some(ap);
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for b in all {
                self.collect(b, view, depth + 1);
            }
        }
    }

    /// The first `key` of `s` or of its `allOf` branches.
    fn find(&self, s: &'a Value, key: &str, depth: usize) -> Option<&'a Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let s = self.resolve(s);
        if let Some(v) = s.get(key) {
            return Some(v);
        }
        s.get("allOf")
            .and_then(Value::as_array)?
            .iter()
            .find_map(|b| self.find(b, key, depth + 1))
    }

    fn allows_null(&self, s: &'a Value, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return true;
        }
        let s = self.resolve(s);
        match s.get("type") {
            Some(Value::String(t)) => return t == "null",
            Some(Value::Array(ts)) => return ts.iter().any(|t| t == "null"),
            _ => {}
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            return values.contains(&Value::Null);
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(bs) = s.get(key).and_then(Value::as_array) {
                return bs.iter().any(|b| self.allows_null(b, depth + 1));
            }
        }
        if let Some(bs) = s.get("allOf").and_then(Value::as_array) {
            return bs.iter().all(|b| self.allows_null(b, depth + 1));
        }
        !s.get("properties").is_some_and(Value::is_object)
    }

    fn kind_matches(&self, v: &Value, s: &'a Value, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return true;
        }
        let s = self.resolve(s);
        let kind = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let accepts = |t: &str| t == kind || (t == "number" && kind == "integer");
        match s.get("type") {
            Some(Value::String(t)) => accepts(t),
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(accepts),
            _ => {
                if let Some(bs) = s.get("allOf").and_then(Value::as_array) {
                    bs.iter().all(|b| self.kind_matches(v, b, depth + 1))
                } else if s.get("properties").is_some() {
                    kind == "object"
                } else {
                    true
                }
            }
        }
    }
}
