//! Flattening a schema into `pointer -> Node`.
//!
//! A node collects everything the schemas at one place say about it: `$ref`s are followed
//! (local only), `allOf` members are merged (union of properties, required and enum values),
//! `oneOf`/`anyOf` without pins are merged too, and polymorphic unions become branches:
//! a `discriminator.mapping` (upstream style) or `oneOf` branches pinned by
//! `allOf: [$ref X, {properties: {type: {enum: [...]}}}]` (our style; a branch with
//! `properties.type.not.enum` is the open `*` branch). A `$ref` already being expanded on the
//! current path is not expanded again (the node records the cycle).
//!
//! Pointer segments: `/name` for a property, `[]` for array items, `{}` for an
//! `additionalProperties` schema, `[type=VALUE]` for a branch.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::load::{Doc, ref_name};

/// Deepest pointer flattened (guards against pathological non-cyclic nesting).
const MAX_DEPTH: usize = 48;

/// The open "any other type" branch of a pinned `oneOf`.
pub const OPEN_BRANCH: &str = "*";

/// The numeric and string constraints compared as cosmetic differences.
pub const CONSTRAINTS: [&str; 5] = ["minLength", "maxLength", "minimum", "maximum", "pattern"];

/// Everything the schemas at one pointer declare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// `type` values.
    pub types: BTreeSet<String>,
    /// `format`.
    pub format: Option<String>,
    /// `enum` values (strings as is, anything else as JSON text).
    pub enum_values: BTreeSet<String>,
    /// `required` property names.
    pub required: BTreeSet<String>,
    /// `nullable: true`.
    pub nullable: bool,
    /// `minLength`, `maxLength`, `minimum`, `maximum`, `pattern` (as JSON text).
    pub constraints: BTreeMap<String, String>,
    /// `readOnly: true`.
    pub read_only: bool,
    /// Has a `description`.
    pub has_description: bool,
    /// Property names, in declaration order.
    pub properties: Vec<String>,
    /// Has an `items` schema (child `[]`).
    pub items: bool,
    /// Has an `additionalProperties` schema (child `{}`).
    pub additional: bool,
    /// `additionalProperties: true` or `{}`.
    pub open: bool,
    /// Branch values (child `[prop=VALUE]`); may include [`OPEN_BRANCH`], which has no child.
    pub branches: Vec<String>,
    /// The property the branches are keyed on (`type`).
    pub branch_prop: Option<String>,
    /// The first component schema this node refers to.
    pub schema_name: Option<String>,
    /// The `$ref` that was not expanded because it is already being expanded on this path.
    pub cycle: Option<String>,
}

impl Node {
    /// The pointer of a branch of this node.
    pub fn branch_pointer(&self, pointer: &str, value: &str) -> String {
        let prop = self.branch_prop.as_deref().unwrap_or("type");
        format!("{pointer}[{prop}={value}]")
    }
}

/// A flattened schema: pointer -> node.
pub type Flat = BTreeMap<String, Node>;

/// One schema contributing to a node.
#[derive(Debug, Clone, Copy)]
struct Member<'a> {
    schema: &'a Value,
    /// The component name of a mapped subtype (its branch is named after it).
    name: Option<&'a str>,
    /// Set when flattening a mapped subtype: its discriminator base and property. At this
    /// level, a discriminator on that property is not expanded again (the branch already chose
    /// its value), and the `$ref` back to the base is merged even though it is on the stack.
    suppress: Option<Suppress<'a>>,
}

/// See [`Member::suppress`].
#[derive(Debug, Clone, Copy)]
struct Suppress<'a> {
    base: &'a Value,
    prop: &'a str,
}

impl Suppress<'_> {
    /// Whether the discriminator of `schema` is the one already branched on.
    fn covers(&self, schema: &Value) -> bool {
        std::ptr::eq(self.base, schema)
            || schema
                .pointer("/discriminator/propertyName")
                .and_then(Value::as_str)
                == Some(self.prop)
    }
}

/// The members listed under `key`, the list added (last) if there is none yet.
fn keyed<'l, 'a>(
    lists: &'l mut Vec<(String, Vec<Member<'a>>)>,
    key: &str,
) -> &'l mut Vec<Member<'a>> {
    let index = match lists.iter().position(|(k, _)| k == key) {
        Some(i) => i,
        None => {
            lists.push((key.to_owned(), Vec::new()));
            lists.len() - 1
        }
    };
    &mut lists[index].1
}

/// What the members of one node say, before the children are flattened.
struct Collected<'a, 's> {
    node: Node,
    props: Vec<(String, Vec<Member<'a>>)>,
    items: Vec<Member<'a>>,
    additional: Vec<Member<'a>>,
    branches: Vec<(String, Vec<Member<'a>>)>,
    /// References expanded at this level (pushed on the stack).
    pushed: usize,
    /// The references being expanded on the path to this node (shared by the whole walk).
    stack: &'s mut Vec<&'a str>,
}

impl<'a, 's> Collected<'a, 's> {
    fn new(stack: &'s mut Vec<&'a str>) -> Self {
        Collected {
            node: Node::default(),
            props: Vec::new(),
            items: Vec::new(),
            additional: Vec::new(),
            branches: Vec::new(),
            pushed: 0,
            stack,
        }
    }

    fn prop(&mut self, name: &str) -> &mut Vec<Member<'a>> {
        keyed(&mut self.props, name)
    }

    fn branch(&mut self, value: &str) -> &mut Vec<Member<'a>> {
        keyed(&mut self.branches, value)
    }

    fn set_branch_prop(&mut self, prop: &str) {
        if self.node.branch_prop.is_none() {
            self.node.branch_prop = Some(prop.to_owned());
        }
    }
}

/// How a `oneOf` branch is pinned to discriminator values.
enum Pin {
    Values(String, Vec<String>),
    Open(String),
    None,
}

/// Adds the facets of one schema object (types, format, enum, required, flags, constraints)
/// to `n`.
fn collect_facets(obj: &Map<String, Value>, n: &mut Node) {
    match obj.get("type") {
        Some(Value::String(t)) => {
            n.types.insert(t.clone());
        }
        Some(Value::Array(ts)) => {
            n.types
                .extend(ts.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        _ => {}
    }
    if let Some(f) = obj.get("format").and_then(Value::as_str) {
        n.format.get_or_insert_with(|| f.to_owned());
    }
    if let Some(values) = obj.get("enum").and_then(Value::as_array) {
        n.enum_values.extend(values.iter().map(value_text));
    }
    if let Some(req) = obj.get("required").and_then(Value::as_array) {
        n.required
            .extend(req.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    n.nullable |= obj.get("nullable").and_then(Value::as_bool) == Some(true);
    n.read_only |= obj.get("readOnly").and_then(Value::as_bool) == Some(true);
    n.has_description |= obj.get("description").is_some_and(|d| d.is_string());
    for key in CONSTRAINTS {
        if let Some(v) = obj.get(key) {
            n.constraints
                .entry(key.to_owned())
                .or_insert_with(|| value_text(v));
        }
    }
}

/// Adds the properties, items and additional properties of one schema object to `c`.
fn collect_members<'a>(obj: &'a Map<String, Value>, c: &mut Collected<'a, '_>) {
    let plain = |schema| Member {
        schema,
        name: None,
        suppress: None,
    };
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        for (name, s) in props {
            c.prop(name).push(plain(s));
        }
    }
    if let Some(items) = obj.get("items") {
        c.items.push(plain(items));
    }
    match obj.get("additionalProperties") {
        Some(Value::Bool(true)) => c.node.open = true,
        Some(Value::Object(m)) if m.is_empty() => c.node.open = true,
        Some(s @ Value::Object(_)) => c.additional.push(plain(s)),
        _ => {}
    }
}

/// Flattens schemas of one document.
pub struct Flattener<'a> {
    doc: Doc<'a>,
}

impl<'a> Flattener<'a> {
    /// A flattener over `doc`.
    pub fn new(doc: Doc<'a>) -> Self {
        Self { doc }
    }

    /// Flattens `schema` with the root pointer `root`.
    pub fn flatten(&self, schema: &'a Value, root: &str) -> Flat {
        let mut flat = Flat::new();
        let mut stack = Vec::new();
        self.flatten_node(
            root,
            &[Member {
                schema,
                name: None,
                suppress: None,
            }],
            &mut stack,
            &mut flat,
            0,
        );
        flat
    }

    fn flatten_node(
        &self,
        pointer: &str,
        members: &[Member<'a>],
        stack: &mut Vec<&'a str>,
        flat: &mut Flat,
        depth: usize,
    ) {
        let mut c = Collected::new(stack);
        if let Some(name) = members.iter().find_map(|m| m.name) {
            c.node.schema_name = Some(name.to_owned());
        }
        for m in members {
            self.collect(m.schema, m.suppress, &mut c);
        }
        let Collected {
            mut node,
            props,
            items,
            additional,
            branches,
            pushed,
            ..
        } = c;
        node.properties = props.iter().map(|(n, _)| n.clone()).collect();
        node.items = !items.is_empty();
        node.additional = !additional.is_empty();
        node.branches = branches.iter().map(|(v, _)| v.clone()).collect();
        let deeper = depth < MAX_DEPTH;
        let branch_pointers: Vec<(String, Vec<Member<'a>>)> = branches
            .into_iter()
            .filter(|(v, _)| v != OPEN_BRANCH)
            .map(|(v, ms)| (node.branch_pointer(pointer, &v), ms))
            .collect();
        flat.insert(pointer.to_owned(), node);
        if deeper {
            for (name, ms) in &props {
                self.flatten_node(&format!("{pointer}/{name}"), ms, stack, flat, depth + 1);
            }
            if !items.is_empty() {
                self.flatten_node(&format!("{pointer}[]"), &items, stack, flat, depth + 1);
            }
            if !additional.is_empty() {
                self.flatten_node(
                    &format!("{pointer}{{}}"),
                    &additional,
                    stack,
                    flat,
                    depth + 1,
                );
            }
            for (p, ms) in &branch_pointers {
                self.flatten_node(p, ms, stack, flat, depth + 1);
            }
        }
        let keep = stack.len().saturating_sub(pushed);
        stack.truncate(keep);
    }

    /// Adds what `schema` says to `c`.
    fn collect(
        &self,
        schema: &'a Value,
        suppress: Option<Suppress<'a>>,
        c: &mut Collected<'a, '_>,
    ) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            self.collect_ref(reference, suppress, c);
            return;
        }
        let Some(obj) = schema.as_object() else {
            // `true` / `false` schemas say nothing comparable.
            return;
        };
        collect_facets(obj, &mut c.node);
        collect_members(obj, c);
        if let Some(members) = obj.get("allOf").and_then(Value::as_array) {
            for m in members {
                self.collect(m, suppress, c);
            }
        }
        let suppressed = suppress.is_some_and(|s| s.covers(schema));
        if !suppressed && self.collect_mapping(schema, obj, c) {
            // With a mapping, oneOf/anyOf only list the same subtypes.
            return;
        }
        self.collect_alternatives(obj, suppress, c);
    }

    /// Adds a branch per value of the discriminator mapping of `schema`; whether it has one.
    fn collect_mapping(
        &self,
        schema: &'a Value,
        obj: &'a Map<String, Value>,
        c: &mut Collected<'a, '_>,
    ) -> bool {
        let mapping = obj.get("discriminator").and_then(|d| {
            Some((
                d.get("propertyName")?.as_str()?,
                d.get("mapping")?.as_object()?,
            ))
        });
        let Some((prop, mapping)) = mapping else {
            return false;
        };
        c.set_branch_prop(prop);
        for (value, target) in mapping {
            let Some(reference) = target.as_str() else {
                continue;
            };
            let Some(sub) = self.doc.resolve_ref(reference) else {
                continue;
            };
            c.branch(value).push(Member {
                schema: sub,
                name: Some(ref_name(reference)),
                suppress: Some(Suppress { base: schema, prop }),
            });
        }
        true
    }

    /// Adds the `oneOf`/`anyOf` alternatives: as branches where they pin the branch property,
    /// else merged.
    fn collect_alternatives(
        &self,
        obj: &'a Map<String, Value>,
        suppress: Option<Suppress<'a>>,
        c: &mut Collected<'a, '_>,
    ) {
        for key in ["oneOf", "anyOf"] {
            let Some(alts) = obj.get(key).and_then(Value::as_array) else {
                continue;
            };
            let pins: Vec<Pin> = alts.iter().map(|a| self.pin_of(a)).collect();
            let pinned = pins.iter().any(|p| !matches!(p, Pin::None));
            for (alt, pin) in alts.iter().zip(pins) {
                match pin {
                    Pin::Values(prop, values) if pinned => {
                        c.set_branch_prop(&prop);
                        for v in values {
                            c.branch(&v).push(Member {
                                schema: alt,
                                name: None,
                                suppress,
                            });
                        }
                    }
                    Pin::Open(prop) => {
                        c.set_branch_prop(&prop);
                        c.branch(OPEN_BRANCH);
                    }
                    _ => self.collect(alt, suppress, c),
                }
            }
        }
    }

    fn collect_ref(
        &self,
        reference: &'a str,
        suppress: Option<Suppress<'a>>,
        c: &mut Collected<'a, '_>,
    ) {
        let name = ref_name(reference);
        let Some(target) = self.doc.resolve_ref(reference) else {
            c.node.schema_name.get_or_insert_with(|| name.to_owned());
            return;
        };
        if reference.starts_with("#/components/schemas/") {
            c.node.schema_name.get_or_insert_with(|| name.to_owned());
        }
        let base = suppress.is_some_and(|s| s.covers(target));
        if c.stack.contains(&reference) && !base {
            if c.stack[c.stack.len() - c.pushed..].contains(&reference) {
                // Already merged at this level (e.g. two allOf members sharing a base).
                return;
            }
            c.node.cycle.get_or_insert_with(|| name.to_owned());
            return;
        }
        c.stack.push(reference);
        c.pushed += 1;
        self.collect(target, suppress, c);
    }

    /// Whether `alt` (a `oneOf` branch) pins the `type` property: an inline `properties.type`
    /// (directly or in an inline `allOf` member) with `enum` values, or with `not.enum` (open).
    fn pin_of(&self, alt: &'a Value) -> Pin {
        let mut inline: Vec<&Value> = vec![alt];
        if let Some(members) = alt.get("allOf").and_then(Value::as_array) {
            inline.extend(members.iter().filter(|m| m.get("$ref").is_none()));
        }
        for s in inline {
            let Some(t) = s.pointer("/properties/type") else {
                continue;
            };
            if t.get("$ref").is_some() {
                continue;
            }
            if let Some(values) = t.get("enum").and_then(Value::as_array) {
                return Pin::Values("type".to_owned(), values.iter().map(value_text).collect());
            }
            if t.pointer("/not/enum").is_some() {
                return Pin::Open("type".to_owned());
            }
        }
        Pin::None
    }
}

/// A JSON value as text: strings as is, anything else as JSON.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
