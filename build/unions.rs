//! The `Policy` and `PolicyRule` unions, derived from the spec's pinned `oneOf` branches.
//!
//! Each union schema is a `oneOf` whose typed branches are `allOf: [$ref Subtype, {properties:
//! {type: {enum: [values]}}}]` and whose last branch accepts any other `type` (`not: {enum: […]}`).
//! From that this module emits one `polymorphic!` invocation per union (the macro lives in
//! `src/model/polymorphic.rs`), so adding a branch to the spec is the whole change. It refuses a
//! spec in which the branches, the open branch and the type enum disagree: a type value without
//! a branch would otherwise decode as `Other` without anyone noticing.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

/// A union schema and the open enum naming its `type` values.
pub struct UnionSpec {
    /// The union schema (and Rust enum) name.
    pub schema: &'static str,
    /// The open enum of its `type` values.
    pub type_enum: &'static str,
    /// The suffix stripped from a subtype's name to name its variant.
    pub suffix: &'static str,
}

/// The unions build.rs derives.
pub const UNIONS: &[UnionSpec] = &[
    UnionSpec {
        schema: "Policy",
        type_enum: "PolicyType",
        suffix: "Policy",
    },
    UnionSpec {
        schema: "PolicyRule",
        type_enum: "PolicyRuleType",
        suffix: "PolicyRule",
    },
];

/// One typed branch.
#[derive(Debug, PartialEq)]
pub struct Variant {
    pub name: String,
    pub subtype: String,
    pub values: Vec<String>,
    pub doc: String,
}

/// Reads the typed branches of `union`, checking them against the open branch and the type enum.
pub fn read_union(raw: &Value, union: &UnionSpec) -> Result<Vec<Variant>, Vec<String>> {
    let schemas = raw.pointer("/components/schemas");
    let get = |name: &str| schemas.and_then(|s| s.get(name));
    let schema = union.schema;
    let Some(branches) = get(schema)
        .and_then(|s| s.get("oneOf"))
        .and_then(Value::as_array)
    else {
        return Err(vec![format!(
            "schema {schema}: must be a oneOf of pinned branches"
        )]);
    };
    let mut problems = Vec::new();
    let mut variants = Vec::new();
    let mut open: Option<BTreeSet<String>> = None;
    for (i, branch) in branches.iter().enumerate() {
        if let Some(values) = branch.pointer("/properties/type/not/enum") {
            open = Some(strings(values).into_iter().collect());
            continue;
        }
        match read_branch(raw, union, branch) {
            Ok(v) => variants.push(v),
            Err(e) => problems.push(format!("schema {schema}: oneOf[{i}]: {e}")),
        }
    }
    let pinned: BTreeSet<String> = variants.iter().flat_map(|v| v.values.clone()).collect();
    check_open_branch(schema, open.as_ref(), &pinned, &mut problems);
    check_type_enum(raw, union, &pinned, &mut problems);
    check_names(schema, &variants, &mut problems);
    if problems.is_empty() {
        Ok(variants)
    } else {
        Err(problems)
    }
}

fn read_branch(raw: &Value, union: &UnionSpec, branch: &Value) -> Result<Variant, String> {
    let members = branch
        .get("allOf")
        .and_then(Value::as_array)
        .ok_or("a typed branch must be `allOf: [$ref Subtype, {type pin}]`")?;
    let subtype = members
        .iter()
        .find_map(|m| m.get("$ref").and_then(Value::as_str))
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .ok_or("no `$ref` to a subtype schema")?
        .to_string();
    let values = members
        .iter()
        .find_map(|m| m.pointer("/properties/type/enum"))
        .map(strings)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("branch of {subtype} pins no `type` values"))?;
    let name = match branch.get("x-okta-mgmt-variant").and_then(Value::as_str) {
        Some(n) => n.to_string(),
        None => subtype
            .strip_suffix(union.suffix)
            .filter(|n| !n.is_empty())
            .unwrap_or(&subtype)
            .to_string(),
    };
    let doc = raw
        .pointer(&format!("/components/schemas/{subtype}/description"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Ok(Variant {
        name,
        subtype,
        values,
        doc,
    })
}

fn check_open_branch(
    schema: &str,
    open: Option<&BTreeSet<String>>,
    pinned: &BTreeSet<String>,
    problems: &mut Vec<String>,
) {
    let Some(open) = open else {
        problems.push(format!(
            "schema {schema}: no open branch (`properties.type.not.enum`) for types this crate does not model"
        ));
        return;
    };
    let missing: Vec<_> = pinned.difference(open).cloned().collect();
    let extra: Vec<_> = open.difference(pinned).cloned().collect();
    if !missing.is_empty() {
        problems.push(format!(
            "schema {schema}: the open branch's `not.enum` lacks the pinned types {missing:?}"
        ));
    }
    if !extra.is_empty() {
        problems.push(format!(
            "schema {schema}: the open branch's `not.enum` lists {extra:?}, which no typed branch pins"
        ));
    }
}

/// Every pinned value must be a known type, and every known type must have a branch, unless the
/// enum lists it under `x-okta-mgmt-untyped` (decoded as `Other` on purpose).
fn check_type_enum(
    raw: &Value,
    union: &UnionSpec,
    pinned: &BTreeSet<String>,
    problems: &mut Vec<String>,
) {
    let enum_schema = raw.pointer(&format!("/components/schemas/{}", union.type_enum));
    let list = |key: &str| -> BTreeSet<String> {
        enum_schema
            .and_then(|s| s.get(key))
            .map(strings)
            .unwrap_or_default()
            .into_iter()
            .collect()
    };
    let (known, untyped) = (list("enum"), list("x-okta-mgmt-untyped"));
    for value in pinned.difference(&known) {
        problems.push(format!(
            "schema {}: branch pins type {value:?}, which is not a {} value",
            union.schema, union.type_enum
        ));
    }
    for value in known.difference(pinned) {
        if !untyped.contains(value) {
            problems.push(format!(
                "schema {}: {} value {value:?} has no typed branch (add one, or list it under x-okta-mgmt-untyped)",
                union.schema, union.type_enum
            ));
        }
    }
}

fn check_names(schema: &str, variants: &[Variant], problems: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    for v in variants {
        if v.name == "Other" || !seen.insert(v.name.as_str()) {
            problems.push(format!(
                "schema {schema}: variant name {} is taken; set x-okta-mgmt-variant on the branch of {}",
                v.name, v.subtype
            ));
        }
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(String::from))
        .collect()
}

/// The `polymorphic!` invocation of one union.
pub fn union_source(union: &UnionSpec, variants: &[Variant]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "polymorphic! {{\n    #[doc = {:?}]\n    {name}, {name:?}, types::{} {{",
        format!(
            "A {} of any type, decoded by its `type`; types without a variant are kept raw in `Other`.",
            if union.schema == "Policy" {
                "policy"
            } else {
                "policy rule"
            }
        ),
        union.type_enum,
        name = union.schema,
    );
    for v in variants {
        let values: Vec<String> = v.values.iter().map(|x| format!("{x:?}")).collect();
        let wire: Vec<String> = v.values.iter().map(|x| format!("`{x}`")).collect();
        let doc = format!("{}: {}", wire.join(", "), v.doc);
        let _ = writeln!(
            s,
            "        #[doc = {doc:?}]\n        {}(types::{}) = [{}],",
            v.name,
            v.subtype,
            values.join(", ")
        );
    }
    s.push_str("    }\n}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(open: &[&str], known: &[&str]) -> Value {
        json!({"components": {"schemas": {
            "PolicyType": {"type": "string", "enum": known},
            "APolicy": {"description": "A."},
            "Policy": {"oneOf": [
                {"allOf": [{"$ref": "#/components/schemas/APolicy"},
                           {"properties": {"type": {"enum": ["A"]}}}]},
                {"type": "object", "properties": {"type": {"not": {"enum": open}}}}
            ]}
        }}})
    }

    #[test]
    fn reads_consistent_union() {
        let v = read_union(&spec(&["A"], &["A"]), &UNIONS[0]).unwrap();
        assert_eq!(v[0].name, "A");
        assert_eq!(v[0].values, vec!["A"]);
    }

    #[test]
    fn refuses_type_value_without_branch() {
        let e = read_union(&spec(&["A"], &["A", "B"]), &UNIONS[0]).unwrap_err();
        assert!(e[0].contains("\"B\" has no typed branch"), "{e:?}");
    }

    #[test]
    fn refuses_open_branch_out_of_step() {
        let e = read_union(&spec(&[], &["A"]), &UNIONS[0]).unwrap_err();
        assert!(e[0].contains("lacks the pinned types"), "{e:?}");
    }
}
