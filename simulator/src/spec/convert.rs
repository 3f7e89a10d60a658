//! OpenAPI 3.0 schema objects → JSON Schema (draft 7).
//!
//! - `$ref: '#/components/schemas/X'` becomes `$ref: '#/definitions/X'` (siblings of `$ref` are
//!   ignored, as in OpenAPI 3.0);
//! - `nullable: true` adds `"null"` to `type` (and to `enum`), or wraps a schema without `type`
//!   in `anyOf: [schema, {type: null}]`;
//! - `discriminator`, `readOnly`, `writeOnly`, `example(s)`, `externalDocs`, `xml`,
//!   `deprecated` and every `x-*` extension are dropped. A `oneOf` with a discriminator mapping
//!   is first compiled into branches pinned to their discriminator values (`allOf: [branch,
//!   {properties: {type: {enum: [values]}}, required: [type]}]`), since without the pins every
//!   branch would match and `oneOf` would reject every instance. The pins carry the annotation
//!   `x-discriminator-values` (and the `oneOf` parent `x-discriminator`) for the drift walk.
//!
//! [`Mode::Tolerant`] converts the spec the way the Rust client reads it: string enums are open
//! (any string, known values kept as `x-known-values`), a discriminated `oneOf` gets one more
//! branch for objects of any other `type`, and optional properties also accept `null`. The
//! difference between the two modes is exactly what the drift pass reports.

use serde_json::{Map, Value, json};

/// How closely to follow the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// As written: closed enums, closed discriminators, `null` only where `nullable`.
    Strict,
    /// As the Rust client reads it: open enums, open discriminators, `null` for optional fields.
    Tolerant,
}

/// JSON Schema draft 7 identifier.
pub const DRAFT7: &str = "http://json-schema.org/draft-07/schema#";

const DROPPED: &[&str] = &[
    "discriminator",
    "readOnly",
    "writeOnly",
    "example",
    "examples",
    "externalDocs",
    "xml",
    "deprecated",
    "nullable",
];

/// Converts one OpenAPI schema object.
pub fn convert(node: &Value, mode: Mode) -> Value {
    let Value::Object(obj) = node else {
        return node.clone();
    };
    if let Some(Value::String(r)) = obj.get("$ref") {
        return json!({ "$ref": convert_ref(r) });
    }
    let mut out = Map::new();
    for (key, value) in obj {
        if DROPPED.contains(&key.as_str()) || key.starts_with("x-") {
            continue;
        }
        let converted = match key.as_str() {
            "properties" => match value {
                Value::Object(props) => Value::Object(
                    props
                        .iter()
                        .map(|(k, v)| (k.clone(), convert(v, mode)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "not" => convert(value, mode),
            "additionalProperties" => match value {
                Value::Object(_) => convert(value, mode),
                other => other.clone(),
            },
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(items) => {
                    Value::Array(items.iter().map(|v| convert(v, mode)).collect())
                }
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }

    if let (Some(Value::Array(branches)), Some(disc)) = (out.get("oneOf"), obj.get("discriminator"))
    {
        let pinned = pin_branches(branches, disc, mode);
        out.insert("oneOf".into(), Value::Array(pinned));
        if let Some(prop) = disc.get("propertyName") {
            out.insert("x-discriminator".into(), prop.clone());
        }
    }

    annotate_spec_pins(&mut out);

    if mode == Mode::Tolerant {
        let is_string = out.get("type").and_then(Value::as_str) == Some("string");
        if is_string && let Some(values) = out.remove("enum") {
            out.insert("x-known-values".into(), values);
        }
        let required: Vec<String> = out
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            for (name, schema) in props.iter_mut() {
                if !required.contains(name) {
                    *schema = json!({ "anyOf": [schema.clone(), { "type": "null" }] });
                }
            }
        }
    }

    if obj.get("nullable").and_then(Value::as_bool) == Some(true) {
        return make_nullable(out);
    }
    Value::Object(out)
}

/// `#/components/schemas/X` → `#/definitions/X`.
pub fn convert_ref(r: &str) -> String {
    match r.strip_prefix("#/components/schemas/") {
        Some(name) => format!("#/definitions/{name}"),
        None => r.to_string(),
    }
}

fn make_nullable(mut out: Map<String, Value>) -> Value {
    match out.get("type").cloned() {
        Some(Value::String(t)) => {
            out.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(values)) = out.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
            Value::Object(out)
        }
        Some(Value::Array(mut types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            out.insert("type".into(), Value::Array(types));
            Value::Object(out)
        }
        _ => json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
    }
}

/// A `oneOf` whose branches the spec itself pins to `type` values (`allOf: [$ref, {properties:
/// {type: {enum: [...]}}}]`, the form the curated spec uses instead of `discriminator`, since the
/// API keeps adding types) is annotated like a discriminated one, so the drift walk picks the
/// branch by `type` and reports a type no branch names as `UnknownDiscriminator`.
fn annotate_spec_pins(out: &mut Map<String, Value>) {
    if out.contains_key("x-discriminator") {
        return;
    }
    let Some(Value::Array(branches)) = out.get_mut("oneOf") else {
        return;
    };
    let mut pinned = false;
    for branch in branches.iter_mut() {
        let values = branch
            .get("allOf")
            .and_then(Value::as_array)
            .and_then(|parts| {
                parts
                    .iter()
                    .find_map(|p| p.pointer("/properties/type/enum").cloned())
            });
        if let (Some(values), Value::Object(b)) = (values, branch) {
            b.insert("x-discriminator-values".into(), values);
            pinned = true;
        }
    }
    if pinned {
        out.insert("x-discriminator".into(), Value::String("type".into()));
    }
}

/// Pins each `oneOf` branch to the discriminator values that map to it.
fn pin_branches(branches: &[Value], disc: &Value, mode: Mode) -> Vec<Value> {
    let prop = disc
        .get("propertyName")
        .and_then(Value::as_str)
        .unwrap_or("type");
    let mapping = disc.get("mapping").and_then(Value::as_object);
    let mut all_values = Vec::new();
    let mut out: Vec<Value> = branches
        .iter()
        .map(|branch| {
            let target = branch.get("$ref").and_then(Value::as_str);
            let values: Vec<Value> = match (mapping, target) {
                (Some(m), Some(t)) => m
                    .iter()
                    .filter(|(_, v)| v.as_str().map(convert_ref).as_deref() == Some(t))
                    .map(|(k, _)| Value::String(k.clone()))
                    .collect(),
                _ => Vec::new(),
            };
            if values.is_empty() {
                return branch.clone();
            }
            all_values.extend(values.iter().cloned());
            json!({
                "allOf": [
                    branch,
                    {
                        "type": "object",
                        "required": [prop],
                        "properties": { prop: { "enum": values } }
                    }
                ],
                "x-discriminator-values": values,
            })
        })
        .collect();
    if mode == Mode::Tolerant && !all_values.is_empty() {
        out.push(json!({
            "type": "object",
            "required": [prop],
            "properties": { prop: { "not": { "enum": all_values } } },
            "x-discriminator-other": true,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_and_refs() {
        let s = json!({"type": "string", "nullable": true, "readOnly": true, "x-a": 1});
        assert_eq!(
            convert(&s, Mode::Strict),
            json!({"type": ["string", "null"]})
        );
        let r = json!({"$ref": "#/components/schemas/P", "description": "d"});
        assert_eq!(
            convert(&r, Mode::Strict),
            json!({"$ref": "#/definitions/P"})
        );
        let a = json!({"allOf": [{"$ref": "#/components/schemas/P"}], "nullable": true});
        assert_eq!(
            convert(&a, Mode::Strict),
            json!({"anyOf": [{"allOf": [{"$ref": "#/definitions/P"}]}, {"type": "null"}]})
        );
    }

    #[test]
    fn tolerant_opens_enums_and_optional_fields() {
        let s = json!({"type": "object", "required": ["a"], "properties": {
            "a": {"type": "string", "enum": ["X"]}, "b": {"type": "integer"}}});
        let t = convert(&s, Mode::Tolerant);
        assert_eq!(
            t["properties"]["a"],
            json!({"type": "string", "x-known-values": ["X"]})
        );
        assert_eq!(
            t["properties"]["b"],
            json!({"anyOf": [{"type": "integer"}, {"type": "null"}]})
        );
    }

    #[test]
    fn discriminator_pins_branches() {
        let s = json!({
            "oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
            "discriminator": {"propertyName": "type", "mapping": {
                "A1": "#/components/schemas/A", "A2": "#/components/schemas/A", "B": "#/components/schemas/B"}}
        });
        let strict = convert(&s, Mode::Strict);
        let branches = strict["oneOf"].as_array().cloned().unwrap_or_default();
        assert_eq!(branches.len(), 2);
        assert_eq!(branches[0]["x-discriminator-values"], json!(["A1", "A2"]));
        assert_eq!(
            convert(&s, Mode::Tolerant)["oneOf"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
    }
}
