//! The drift report: live response bodies checked against the spec.
//!
//! Each body of a spec operation is walked by the strict pass of [`crate::schema_check`]
//! (`CorpusChecks::check_body`); every field the spec does not declare, every unknown enum value
//! and every unknown policy/rule `type` is listed once per (operation, pointer pattern, kind,
//! message) with how often it was seen. Array indices in the pattern are written `*`; the
//! pointer shown is the first occurrence. Where the JSON type is clear, a YAML snippet for
//! `spec/openapi.yaml` is suggested (a property with its type, or the enum value).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Exchange, resolve_operation};
use crate::schema_check::{CorpusChecks as _, DriftKind, Mode, Spec, body_target, convert};

/// One kind of difference between the org's answers and the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftItem {
    /// operationId of the answers.
    pub operation: String,
    /// The response status.
    pub status: u16,
    /// What kind of drift.
    pub kind: DriftKind,
    /// JSON pointer of the first occurrence in the response body.
    pub pointer: String,
    /// The pointer with array indices written `*` (what occurrences have in common).
    pub pattern: String,
    /// Details (the field, or the value and the values the spec knows).
    pub message: String,
    /// How many times it was seen.
    pub count: usize,
    /// A spec patch to review, when the type is clear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// Collects drift over many exchanges.
#[derive(Debug, Default)]
pub struct DriftCollector {
    items: BTreeMap<(String, u16, DriftKind, String, String), DriftItem>,
}

/// Drift kinds the report lists (nulls and other strict-only findings are left to the corpus
/// checks: they are about nullability, not about what the org has that the spec lacks).
const LISTED: &[DriftKind] = &[
    DriftKind::UndeclaredField,
    DriftKind::UnknownEnumValue,
    DriftKind::UnknownDiscriminator,
];

fn pattern_of(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                "*"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl DriftCollector {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the response body of one exchange (ignored when it is not a JSON body of a spec
    /// operation's declared response).
    pub fn add(&mut self, spec: &Spec, exchange: &Exchange) {
        let Some(body) = exchange.response_body.as_ref() else {
            return;
        };
        let Some(resolved) = resolve_operation(spec, &exchange.method, &exchange.path()) else {
            return;
        };
        let Some(node) = spec
            .operation(&resolved.operation)
            .and_then(|op| op.response(exchange.status))
            .and_then(|r| r.body.clone())
        else {
            return;
        };
        let part = format!("response {} body", exchange.status);
        let (_, _, found) =
            spec.check_body(&resolved.operation, &part, body, &node, body_target(&node));
        for d in found {
            if !LISTED.contains(&d.kind) {
                continue;
            }
            let pattern = pattern_of(&d.pointer);
            let key = (
                resolved.operation.clone(),
                exchange.status,
                d.kind,
                pattern.clone(),
                d.message.clone(),
            );
            if let Some(item) = self.items.get_mut(&key) {
                item.count += 1;
                continue;
            }
            let suggestion = suggest(spec, &node, body, &d.pointer, d.kind);
            self.items.insert(
                key,
                DriftItem {
                    operation: resolved.operation.clone(),
                    status: exchange.status,
                    kind: d.kind,
                    pointer: d.pointer,
                    pattern,
                    message: d.message,
                    count: 1,
                    suggestion,
                },
            );
        }
    }

    /// The items, ordered by operation, status, kind and pointer.
    pub fn finish(self) -> Vec<DriftItem> {
        self.items.into_values().collect()
    }
}

/// The drift of every exchange (see [`DriftCollector`]).
pub fn drift_of(spec: &Spec, exchanges: &[Exchange]) -> Vec<DriftItem> {
    let mut c = DriftCollector::new();
    for e in exchanges {
        c.add(spec, e);
    }
    c.finish()
}

/// Where a value sits in the spec: the named schema that owns it and the YAML path below it.
#[derive(Debug, Clone, Default)]
struct Place {
    owner: Option<String>,
    rel: Vec<String>,
}

struct Resolver<'a> {
    defs: &'a serde_json::Map<String, Value>,
}

const MAX_STEPS: usize = 64;

impl<'a> Resolver<'a> {
    /// Follows `$ref`s, a discriminated (or kind-matched) `oneOf` and nullable `anyOf`
    /// wrappers down to the schema that describes `value`, updating the owner.
    fn settle(&self, mut node: Value, value: &Value, place: &mut Place) -> Value {
        for _ in 0..MAX_STEPS {
            if let Some(r) = node.get("$ref").and_then(Value::as_str) {
                let name = r.rsplit('/').next().unwrap_or(r).to_owned();
                let Some(next) = self.defs.get(&name) else {
                    return node;
                };
                place.owner = Some(name);
                place.rel.clear();
                node = next.clone();
                continue;
            }
            if let Some(branches) = node.get("oneOf").and_then(Value::as_array).cloned() {
                let chosen = match node.get("x-discriminator").and_then(Value::as_str) {
                    Some(prop) => branches.into_iter().find(|b| {
                        b.get("x-discriminator-values")
                            .and_then(Value::as_array)
                            .is_some_and(|vals| value.get(prop).is_some_and(|x| vals.contains(x)))
                    }),
                    None => branches.into_iter().next(),
                };
                let Some(branch) = chosen else {
                    return node;
                };
                // A pinned branch `allOf: [$ref X, pin]` belongs to X.
                if let Some(first) = branch
                    .get("allOf")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .and_then(|f| f.get("$ref"))
                    .and_then(Value::as_str)
                {
                    place.owner = Some(first.rsplit('/').next().unwrap_or(first).to_owned());
                    place.rel.clear();
                }
                node = branch;
                continue;
            }
            if let Some(branches) = node.get("anyOf").and_then(Value::as_array).cloned() {
                match branches
                    .into_iter()
                    .find(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                {
                    Some(b) => {
                        node = b;
                        continue;
                    }
                    None => return node,
                }
            }
            return node;
        }
        node
    }

    /// `key` of `node` or of its `allOf` branches (resolved), with the schema found there.
    fn find(&self, node: &Value, key: &str) -> Option<Value> {
        self.search(node, 0, &|n| n.get(key))
    }

    /// The schema of property `name` of `node` or of its `allOf` branches (resolved).
    fn property(&self, node: &Value, name: &str) -> Option<Value> {
        self.search(node, 0, &|n| n.get("properties").and_then(|p| p.get(name)))
    }

    /// What `get` finds in `node` (its `$ref` resolved) or, failing that, in its `allOf`
    /// branches, depth first.
    fn search(
        &self,
        node: &Value,
        depth: usize,
        get: &impl Fn(&Value) -> Option<&Value>,
    ) -> Option<Value> {
        if depth > MAX_STEPS {
            return None;
        }
        let node = match node.get("$ref").and_then(Value::as_str) {
            Some(r) => self.defs.get(r.rsplit('/').next().unwrap_or(r))?,
            None => node,
        };
        if let Some(v) = get(node) {
            return Some(v.clone());
        }
        node.get("allOf")
            .and_then(Value::as_array)?
            .iter()
            .find_map(|b| self.search(b, depth + 1, get))
    }

    /// The place and schema of the value at `pointer` (segments already split).
    fn locate(&self, root: Value, body: &Value, segments: &[String]) -> Option<(Place, Value)> {
        let mut place = Place::default();
        let mut node = self.settle(root, body, &mut place);
        let mut value = body;
        for seg in segments {
            let (next_value, next_node) = match value {
                Value::Object(map) => {
                    let v = map.get(seg)?;
                    let node = match self.property(&node, seg) {
                        Some(p) => {
                            place.rel.push("properties".into());
                            place.rel.push(seg.clone());
                            p
                        }
                        None => {
                            let ap = self.find(&node, "additionalProperties")?;
                            place.rel.push("additionalProperties".into());
                            ap
                        }
                    };
                    (v, node)
                }
                Value::Array(items) => {
                    let v = items.get(seg.parse::<usize>().ok()?)?;
                    place.rel.push("items".into());
                    (v, self.find(&node, "items")?)
                }
                _ => return None,
            };
            value = next_value;
            node = self.settle(next_node, value, &mut place);
        }
        Some((place, node))
    }
}

impl Resolver<'_> {
    /// `required` of `node` and of its `allOf` branches (resolved).
    fn required(&self, node: &Value, out: &mut Vec<String>, depth: usize) {
        if depth > MAX_STEPS {
            return;
        }
        let node = match node.get("$ref").and_then(Value::as_str) {
            Some(r) => match self.defs.get(r.rsplit('/').next().unwrap_or(r)) {
                Some(n) => n,
                None => return,
            },
            None => node,
        };
        if let Some(req) = node.get("required").and_then(Value::as_array) {
            out.extend(req.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        for b in node
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.required(b, out, depth + 1);
        }
    }
}

/// A resolver over the spec's strict definitions and the unescaped segments of `pointer`.
fn strict_resolver<'a>(spec: &'a Spec, pointer: &str) -> (Resolver<'a>, Vec<String>) {
    let segments = pointer
        .trim_start_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(unescape)
        .collect();
    let resolver = Resolver {
        defs: spec.definitions(Mode::Strict),
    };
    (resolver, segments)
}

/// The fields the spec requires of the object at `pointer` of `body`, the response body of
/// an operation whose schema is `node` (OpenAPI form); `None` if the place is not found.
pub(crate) fn required_at(
    spec: &Spec,
    node: &Value,
    body: &Value,
    pointer: &str,
) -> Option<Vec<String>> {
    let (resolver, segments) = strict_resolver(spec, pointer);
    let (_, schema) = resolver.locate(convert::convert(node, Mode::Strict), body, &segments)?;
    let mut out = Vec::new();
    resolver.required(&schema, &mut out, 0);
    Some(out)
}

fn unescape(seg: &str) -> String {
    seg.replace("~1", "/").replace("~0", "~")
}

/// The JSON type of a value for the spec (`None` for `null`).
fn json_type(v: &Value) -> Option<String> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(_) => "type: boolean".into(),
        Value::Number(n) if n.is_i64() || n.is_u64() => "type: integer".into(),
        Value::Number(_) => "type: number".into(),
        Value::String(_) => "type: string".into(),
        Value::Object(_) => "type: object".into(),
        Value::Array(items) => {
            let kinds: Vec<Option<String>> = items.iter().map(json_type).collect();
            match kinds.first() {
                Some(Some(first)) if kinds.iter().all(|k| k.as_ref() == Some(first)) => {
                    format!("type: array\nitems:\n  {first}")
                }
                _ => return None,
            }
        }
    })
}

/// A YAML snippet nesting `leaf` under `components.schemas.<owner>.<rel…>`.
fn snippet(owner: &str, rel: &[String], leaf: &str) -> String {
    let mut out = String::from("# spec/openapi.yaml\ncomponents:\n  schemas:\n");
    out.push_str(&format!("    {owner}:\n"));
    let mut indent = 6;
    for key in rel {
        out.push_str(&format!("{}{key}:\n", " ".repeat(indent)));
        indent += 2;
    }
    for line in leaf.lines() {
        out.push_str(&format!("{}{line}\n", " ".repeat(indent)));
    }
    out
}

/// A spec patch for one finding, when the owner schema and the JSON type are clear.
fn suggest(
    spec: &Spec,
    node: &Value,
    body: &Value,
    pointer: &str,
    kind: DriftKind,
) -> Option<String> {
    let (resolver, segments) = strict_resolver(spec, pointer);
    let root = convert::convert(node, Mode::Strict);
    let value = body.pointer(pointer)?;
    match kind {
        DriftKind::UndeclaredField => {
            let (field, parent) = segments.split_last()?;
            let (place, _) = resolver.locate(root, body, parent)?;
            let owner = place.owner?;
            let mut rel = place.rel;
            rel.push("properties".into());
            let ty = json_type(value)?;
            let leaf = format!(
                "{field}:\n{}",
                ty.lines()
                    .map(|l| format!("  {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            Some(snippet(&owner, &rel, &leaf))
        }
        DriftKind::UnknownEnumValue => {
            let (place, _) = resolver.locate(root, body, &segments)?;
            let owner = place.owner?;
            let text = value.as_str()?;
            Some(snippet(
                &owner,
                &place.rel,
                &format!("enum:\n  # … the values already listed, then:\n  - {text}"),
            ))
        }
        DriftKind::UnknownDiscriminator => {
            let (_, parent) = segments.split_last()?;
            let (place, _) = resolver.locate(root, body, parent)?;
            let owner = place.owner?;
            let text = value.as_str()?;
            Some(snippet(
                &owner,
                &place.rel,
                &format!(
                    "oneOf:\n  # … the branches already listed, then (name the new schema):\n  - allOf:\n      - $ref: '#/components/schemas/TODO'\n      - type: object\n        properties:\n          type:\n            type: string\n            enum: [{text}]"
                ),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exchange(method: &str, path: &str, status: u16, body: Value) -> Exchange {
        Exchange {
            method: method.into(),
            url: format!("https://example.okta.com{path}"),
            request_body: None,
            status,
            response_headers: vec![],
            response_body: Some(body),
        }
    }

    fn policy(extra: Value) -> Value {
        let mut p = json!({
            "id": "00p1", "type": "PASSWORD", "name": "Default", "status": "ACTIVE",
            "system": true, "priority": 1,
            "created": "2024-01-01T00:00:00.000Z", "lastUpdated": "2024-01-01T00:00:00.000Z"
        });
        if let (Some(p), Some(e)) = (p.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                p.insert(k.clone(), v.clone());
            }
        }
        p
    }

    #[test]
    fn undeclared_fields_are_counted_with_a_property_suggestion() {
        let spec = crate::schema_check::spec().unwrap();
        let list = json!([
            policy(json!({"plantedField": "x"})),
            policy(json!({"plantedField": "y"}))
        ]);
        let items = drift_of(spec, &[exchange("GET", "/api/v1/policies", 200, list)]);
        let item = items
            .iter()
            .find(|i| i.message.contains("plantedField"))
            .unwrap_or_else(|| panic!("{items:#?}"));
        assert_eq!(item.kind, DriftKind::UndeclaredField);
        assert_eq!(item.operation, "listPolicies");
        assert_eq!(item.pointer, "/0/plantedField");
        assert_eq!(item.pattern, "/*/plantedField");
        assert_eq!(item.count, 2);
        let s = item.suggestion.as_deref().unwrap();
        assert!(s.contains("PasswordPolicy:"), "{s}");
        assert!(
            s.contains("plantedField:\n") && s.contains("type: string"),
            "{s}"
        );
    }

    #[test]
    fn unknown_enum_values_and_types_are_listed() {
        let spec = crate::schema_check::spec().unwrap();
        let items = drift_of(
            spec,
            &[
                exchange(
                    "GET",
                    "/api/v1/policies/00p1",
                    200,
                    policy(json!({"status": "PAUSED"})),
                ),
                exchange(
                    "GET",
                    "/api/v1/policies/00p2",
                    200,
                    policy(json!({"type": "BRAND_NEW_POLICY"})),
                ),
            ],
        );
        let kinds: Vec<DriftKind> = items.iter().map(|i| i.kind).collect();
        assert!(kinds.contains(&DriftKind::UnknownEnumValue), "{items:#?}");
        assert!(
            kinds.contains(&DriftKind::UnknownDiscriminator),
            "{items:#?}"
        );
        let e = items
            .iter()
            .find(|i| i.kind == DriftKind::UnknownEnumValue)
            .unwrap();
        assert_eq!(e.pointer, "/status");
        assert!(
            e.suggestion
                .as_deref()
                .is_some_and(|s| s.contains("- PAUSED")),
            "{e:#?}"
        );
    }
}
