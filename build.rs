//! Generates the typed client from `spec/openapi.yaml` with progenitor.
//!
//! Steps: parse the YAML, check the spec for what progenitor cannot take (naming the operation or
//! schema at fault), turn every string enum into an open enum (known variants + `Other(String)`),
//! give `x-okta-mgmt-lossless` schemas a raw-preserving wrapper, derive the `Policy`/`PolicyRule`
//! unions from their pinned `oneOf` branches (`build/unions.rs`), wire the hand-written model types
//! in with `with_replacement`, make generated structs constructible (`build/postprocess.rs`), box
//! the link objects every response carries (`build/boxed.rs`), then
//! write `$OUT_DIR/codegen.rs`, `$OUT_DIR/extras.rs` and `$OUT_DIR/unions.rs`.

#[path = "build/api_listing.rs"]
mod api_listing;
#[path = "build/boxed.rs"]
mod boxed;
#[path = "build/call_layer.rs"]
mod call_layer;
#[path = "build/decoders.rs"]
mod decoders;
#[path = "build/postprocess.rs"]
mod postprocess;
#[path = "build/unions.rs"]
mod unions;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use serde_json::{Map, Value};

const SPEC: &str = "spec/openapi.yaml";

/// Schemas decoded by hand-written types (progenitor drops `discriminator`, and the error body and
/// timestamps need exact round trips).
const HAND_WRITTEN: &[(&str, &str)] = &[
    ("Policy", "crate::model::Policy"),
    ("PolicyRule", "crate::model::PolicyRule"),
    ("Error", "crate::error::OktaError"),
    ("Timestamp", "crate::model::Timestamp"),
];

/// The module (inside the crate) where `extras.rs` is included.
const EXTRAS_PATH: &str = "crate::generated::extras";

const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");
    if let Err(problems) = run() {
        for p in &problems {
            eprintln!("error: {SPEC}: {p}");
            println!("cargo::error={SPEC}: {p}");
        }
        std::process::exit(1);
    }
}

fn run() -> Result<(), Vec<String>> {
    let text = std::fs::read_to_string(SPEC).map_err(|e| vec![format!("cannot read: {e}")])?;
    let mut raw: Value =
        serde_yaml_ng::from_str(&text).map_err(|e| vec![format!("not valid YAML: {e}")])?;
    validate(&raw)?;

    let mut union_code = String::new();
    let mut union_variants = Vec::new();
    let mut union_problems = Vec::new();
    for union in unions::UNIONS {
        match unions::read_union(&raw, union) {
            Ok(variants) => {
                union_code.push_str(&unions::union_source(union, &variants));
                union_variants.push((union.schema, variants));
            }
            Err(p) => union_problems.extend(p),
        }
    }
    if !union_problems.is_empty() {
        return Err(union_problems);
    }
    strip_build_extensions(&mut raw);
    route_date_times(&mut raw, false);
    hoist_inline_enums(&mut raw)?;
    nullable_objects_as_options(&mut raw);

    let paginated = call_layer::paginated_builders(&raw);
    let open_enums = collect_open_enums(&raw)?;
    let lossless = add_lossless_shadows(&mut raw)?;

    let spec: openapiv3::OpenAPI = serde_json::from_value(raw).map_err(|e| {
        vec![format!(
            "not an OpenAPI 3.0 document openapiv3 can read: {e}"
        )]
    })?;

    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(tokens("crate::config::ClientState")?)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    for (schema, path) in HAND_WRITTEN {
        settings.with_replacement(schema, path, std::iter::empty::<TypeImpl>());
    }
    for e in &open_enums {
        settings.with_replacement(
            &e.name,
            format!("{EXTRAS_PATH}::{}", e.name),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    for name in &lossless {
        settings.with_replacement(name, format!("{EXTRAS_PATH}::{name}"), std::iter::empty());
    }

    let mut generator = Generator::new(&settings);
    let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        generator.generate_tokens(&spec)
    }))
    .map_err(|panic| {
        let msg = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into());
        vec![format!(
            "progenitor panicked while generating the client: {msg}"
        )]
    })?
    .map_err(|e| vec![format!("progenitor rejected the spec: {e}")])?;

    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| vec![format!("OUT_DIR: {e}")])?);
    let codegen = write_formatted(&out.join("codegen.rs"), generated, Some(&paginated))?;
    let extras = extras_source(&open_enums, &lossless);
    let extras_tokens: proc_macro2::TokenStream = extras
        .parse()
        .map_err(|e| vec![format!("internal: extras do not tokenize: {e}")])?;
    let extras = write_formatted(&out.join("extras.rs"), extras_tokens, None)?;
    let unions: syn::File = syn::parse_str(&union_listing_source(&union_variants))
        .map_err(|e| vec![format!("internal: union listing does not parse: {e}")])?;
    std::fs::write(
        out.join("api.txt"),
        api_listing::listing(&[&codegen, &extras, &unions]),
    )
    .map_err(|e| vec![format!("cannot write api.txt: {e}")])?;
    std::fs::write(out.join("unions.rs"), union_code)
        .map_err(|e| vec![format!("cannot write unions.rs: {e}")])?;
    Ok(())
}

/// Every `type: string, format: date-time` outside `Timestamp` itself becomes a `$ref` to
/// `Timestamp` (nullable through `allOf`), so every timestamp re-encodes the exact text it read.
fn route_date_times(v: &mut Value, inside_timestamp: bool) {
    match v {
        Value::Object(m) => {
            let is_date_time = m.get("type").and_then(Value::as_str) == Some("string")
                && m.get("format").and_then(Value::as_str) == Some("date-time");
            if is_date_time && !inside_timestamp {
                let nullable = m.get("nullable").cloned();
                let description = m.get("description").cloned();
                m.clear();
                m.insert(
                    "allOf".into(),
                    serde_json::json!([{"$ref": "#/components/schemas/Timestamp"}]),
                );
                if let Some(n) = nullable {
                    m.insert("nullable".into(), n);
                }
                if let Some(d) = description {
                    m.insert("description".into(), d);
                }
                return;
            }
            for (k, child) in m.iter_mut() {
                route_date_times(child, inside_timestamp || k == "Timestamp");
            }
        }
        Value::Array(a) => a
            .iter_mut()
            .for_each(|x| route_date_times(x, inside_timestamp)),
        _ => {}
    }
}

/// Inline `type: string` + `enum` property schemas become components named `<Schema><Property>`,
/// so that they are generated as open enums like every named one (typify would close them).
fn hoist_inline_enums(raw: &mut Value) -> Result<(), Vec<String>> {
    let Some(schemas) = raw
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    let mut hoisted = Map::new();
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in names {
        if let Some(schema) = schemas.get_mut(&name) {
            hoist_in(schema, &name, &mut hoisted);
        }
    }
    let mut problems = Vec::new();
    for (name, schema) in hoisted {
        if schemas.contains_key(&name) {
            problems.push(format!(
                "schema {name}: an inline enum would be generated under this name, which is taken; name the enum in components"
            ));
        } else {
            schemas.insert(name, schema);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn hoist_in(schema: &mut Value, owner: &str, out: &mut Map<String, Value>) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    for key in ["allOf", "oneOf"] {
        if let Some(Value::Array(members)) = obj.get_mut(key) {
            members.iter_mut().for_each(|m| hoist_in(m, owner, out));
        }
    }
    if let Some(items) = obj.get_mut("items") {
        hoist_in(items, owner, out);
    }
    let Some(Value::Object(props)) = obj.get_mut("properties") else {
        return;
    };
    for (prop, child) in props.iter_mut() {
        let is_enum = child.get("type").and_then(Value::as_str) == Some("string")
            && child.get("enum").is_some();
        let is_enum_list = child.get("type").and_then(Value::as_str) == Some("array")
            && child.pointer("/items/type").and_then(Value::as_str) == Some("string")
            && child.pointer("/items/enum").is_some();
        let name = format!("{owner}{}", upper_first(prop));
        if is_enum {
            *child = hoisted_ref(child, &name, out);
        } else if is_enum_list {
            if let Some(items) = child.get_mut("items") {
                *items = hoisted_ref(items, &name, out);
            }
        } else {
            hoist_in(child, &name, out);
        }
    }
}

/// `transitioningToStatus` → `TransitioningToStatus` (keeps the camel case humps).
fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn hoisted_ref(inline: &Value, name: &str, out: &mut Map<String, Value>) -> Value {
    let mut component = inline.clone();
    let nullable = component.as_object_mut().and_then(|m| m.remove("nullable"));
    out.insert(name.to_string(), component);
    let reference = serde_json::json!({"$ref": format!("#/components/schemas/{name}")});
    match nullable {
        Some(n) => serde_json::json!({"allOf": [reference], "nullable": n}),
        None => reference,
    }
}

/// A `nullable` object component would be generated as a newtype around `Option<Inner>`
/// (`conditions.0.as_ref()…`). The component loses `nullable` and every reference to it becomes
/// `allOf: [$ref], nullable: true`, so fields are plain `Option<X>` and `null` still decodes.
fn nullable_objects_as_options(raw: &mut Value) {
    let Some(schemas) = raw
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut refs = BTreeSet::new();
    for (name, schema) in schemas.iter_mut() {
        let is_object = schema.get("type").and_then(Value::as_str) == Some("object")
            || schema.get("properties").is_some();
        if is_object
            && let Some(m) = schema.as_object_mut()
            && m.remove("nullable") == Some(Value::Bool(true))
        {
            refs.insert(format!("#/components/schemas/{name}"));
        }
    }
    wrap_refs(raw, &refs);
}

fn wrap_refs(v: &mut Value, refs: &BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            let target = m.get("$ref").and_then(Value::as_str).map(str::to_owned);
            if m.len() == 1 && target.as_ref().is_some_and(|t| refs.contains(t)) {
                *v = serde_json::json!({"allOf": [{"$ref": target}], "nullable": true});
                return;
            }
            m.values_mut().for_each(|x| wrap_refs(x, refs));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| wrap_refs(x, refs)),
        _ => {}
    }
}

/// Removes the `x-okta-mgmt-variant` hints (read by `unions`) before progenitor sees the spec.
fn strip_build_extensions(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("x-okta-mgmt-variant");
            m.values_mut().for_each(strip_build_extensions);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_build_extensions),
        _ => {}
    }
}

fn tokens(s: &str) -> Result<proc_macro2::TokenStream, Vec<String>> {
    s.parse().map_err(|e| vec![format!("internal: {s}: {e}")])
}

/// Formats, post-processes and writes generated code; returns what the API listing reads of it:
/// the written file without function bodies and trait impls.
fn write_formatted(
    path: &Path,
    tokens: proc_macro2::TokenStream,
    call_layer_for: Option<&BTreeSet<String>>,
) -> Result<syn::File, Vec<String>> {
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| vec![format!("generated code does not parse: {e}")])?;
    postprocess::derive_defaults(&mut file);
    postprocess::constrained_strings_keep_their_string(&mut file);
    boxed::box_fields(&mut file, boxed::BOXED_TYPES).map_err(|e| vec![format!("boxed: {e}")])?;
    decoders::stream_flattened_structs(&mut file).map_err(|e| vec![format!("decoders: {e}")])?;
    if let Some(paginated) = call_layer_for {
        call_layer::add(&mut file, paginated).map_err(|e| vec![format!("call layer: {e}")])?;
    }
    let code = postprocess::builder_extra_starts_empty(&prettyplease::unparse(&file))
        .map_err(|e| vec![e])?;
    std::fs::write(path, &code)
        .map_err(|e| vec![format!("cannot write {}: {e}", path.display())])?;
    // The API listing reads signatures as prettyplease prints them. Function bodies and trait
    // impls, which it does not read, are most of the text: re-reading the printed file without
    // them gives the same listing for a third of the build script's time less.
    without_bodies(&mut file.items);
    syn::parse_file(&prettyplease::unparse(&file))
        .map_err(|e| vec![format!("written code does not parse: {e}")])
}

/// Drops trait impls and empties function bodies (what the API listing does not read).
fn without_bodies(items: &mut Vec<syn::Item>) {
    items.retain(|item| !matches!(item, syn::Item::Impl(i) if i.trait_.is_some()));
    for item in items {
        match item {
            syn::Item::Fn(f) => f.block.stmts.clear(),
            syn::Item::Impl(i) => {
                for member in &mut i.items {
                    if let syn::ImplItem::Fn(f) = member {
                        f.block.stmts.clear();
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &mut m.content {
                    without_bodies(inner);
                }
            }
            _ => {}
        }
    }
}

/// The unions as plain enums, only for the API listing (the real ones come from the macro).
fn union_listing_source(unions: &[(&str, Vec<unions::Variant>)]) -> String {
    let mut s = String::new();
    for (name, variants) in unions {
        let _ = write!(s, "pub mod types {{ pub enum {name} {{");
        for v in variants {
            let _ = write!(s, "{}(Box<Lossless<types::{}>>),", v.name, v.subtype);
        }
        s.push_str("Other(UnknownObject), } }\n");
    }
    s
}

// ------------------------------------------------------------------------------------------
// Validation: what progenitor needs, reported with the operation or schema at fault.

fn validate(raw: &Value) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    match raw.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) => problems.push(format!("openapi version {v}: progenitor needs 3.0.x")),
        None => problems.push("missing `openapi` version".into()),
    }
    let schemas = raw
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();

    let mut seen_ids = BTreeMap::new();
    let paths = raw
        .get("paths")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (path, item) in &paths {
        if item.get("$ref").is_some() {
            problems.push(format!(
                "path {path}: path-item $ref is not supported by progenitor"
            ));
        }
        for method in HTTP_METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let where_ = format!("{} {path}", method.to_uppercase());
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                problems.push(format!("operation {where_}: missing operationId"));
                continue;
            };
            if let Some(prev) = seen_ids.insert(id.to_string(), where_.clone()) {
                problems.push(format!(
                    "operation {id}: operationId used by both {prev} and {where_}"
                ));
            }
            check_responses(raw, id, op, &mut problems);
            for param in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let param = resolve(raw, param).unwrap_or(param);
                match param.get("in").and_then(Value::as_str) {
                    Some("cookie") => problems.push(format!(
                        "operation {id}: cookie parameters are not supported"
                    )),
                    Some("query")
                        if param.get("style").and_then(Value::as_str) == Some("deepObject") =>
                    {
                        problems.push(format!(
                            "operation {id}: deepObject query parameters are not supported"
                        ))
                    }
                    _ => {}
                }
            }
        }
    }

    let mut refs = BTreeSet::new();
    collect_refs(raw, &mut refs);
    for r in refs {
        if resolve_pointer(raw, &r).is_none() {
            problems.push(format!("$ref {r} does not resolve"));
        }
    }
    for (name, schema) in &schemas {
        check_documented(name, schema, &mut problems);
        if schema.get("anyOf").is_some() {
            problems.push(format!(
                "schema {name}: anyOf generates broken types (typify#895); use oneOf"
            ));
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let mut unique = BTreeSet::new();
            for v in values {
                if !unique.insert(v.to_string()) {
                    problems.push(format!("schema {name}: duplicate enum value {v}"));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Every schema and every property that is not a bare `$ref` carries a description: it becomes
/// the rustdoc of the generated type or field. (The `type`/`name` pins of the union branches are
/// not generated and need none.)
fn check_documented(name: &str, schema: &Value, problems: &mut Vec<String>) {
    if schema.get("description").is_none() {
        problems.push(format!(
            "schema {name}: no description (it becomes the type's rustdoc)"
        ));
    }
    if name == "Policy" || name == "PolicyRule" {
        return;
    }
    let mut objects = vec![schema];
    objects.extend(
        schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    for object in objects {
        for (prop, child) in object
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let bare_ref = child.get("$ref").is_some() || child.get("allOf").is_some();
            if !bare_ref && child.get("description").is_none() {
                problems.push(format!(
                    "schema {name}: property {prop} has no description (it becomes the field's rustdoc)"
                ));
            }
        }
    }
}

/// One success body kind and one error body schema per operation (progenitor panics otherwise).
fn check_responses(raw: &Value, id: &str, op: &Value, problems: &mut Vec<String>) {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        problems.push(format!("operation {id}: no responses"));
        return;
    };
    let mut success = BTreeSet::new();
    let mut errors = BTreeSet::new();
    for (code, response) in responses {
        if code == "default" {
            problems.push(format!(
                "operation {id}: `default` responses are not supported; list the codes"
            ));
            continue;
        }
        let response = resolve(raw, response).unwrap_or(response);
        let body = response
            .pointer("/content/application~1json/schema")
            .map(|s| s.to_string())
            .unwrap_or_else(|| "<empty>".into());
        if code.starts_with('2') {
            success.insert(body);
        } else {
            errors.insert(body);
        }
    }
    if success.len() > 1 {
        problems.push(format!(
            "operation {id}: success responses have {} different body kinds ({}); progenitor takes one",
            success.len(),
            success.into_iter().collect::<Vec<_>>().join(" vs ")
        ));
    }
    if errors.len() > 1 {
        problems.push(format!(
            "operation {id}: error responses use {} different schemas; use one Error schema",
            errors.len()
        ));
    }
}

fn collect_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                if k == "$ref" {
                    if let Some(s) = val.as_str() {
                        out.insert(s.to_string());
                    }
                } else {
                    collect_refs(val, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

fn resolve_pointer<'a>(raw: &'a Value, r: &str) -> Option<&'a Value> {
    r.strip_prefix('#').and_then(|p| raw.pointer(p))
}

fn resolve<'a>(raw: &'a Value, v: &'a Value) -> Option<&'a Value> {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve_pointer(raw, r),
        None => Some(v),
    }
}

// ------------------------------------------------------------------------------------------
// Open enums: every `type: string` + `enum` component becomes `enum X { Known…, Other(String) }`.

struct OpenEnum {
    name: String,
    description: Option<String>,
    values: Vec<(String, String)>, // (wire value, variant name)
}

fn collect_open_enums(raw: &Value) -> Result<Vec<OpenEnum>, Vec<String>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let schemas = raw
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    for (name, schema) in schemas.into_iter().flatten() {
        let Some(values) = schema.get("enum").and_then(Value::as_array) else {
            continue;
        };
        if schema.get("type").and_then(Value::as_str) != Some("string") {
            problems.push(format!("schema {name}: only string enums are supported"));
            continue;
        }
        let wire: Vec<String> = values
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        let names: Vec<String> = match schema.get("x-enum-varnames").and_then(Value::as_array) {
            Some(n) => n
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            None => wire.iter().map(|w| pascal_case(w)).collect(),
        };
        if names.len() != wire.len() {
            problems.push(format!(
                "schema {name}: x-enum-varnames has {} names for {} values",
                names.len(),
                wire.len()
            ));
            continue;
        }
        let mut seen = BTreeSet::new();
        for (w, n) in wire.iter().zip(&names) {
            if !is_ident(n) {
                problems.push(format!("schema {name}: value {w:?} gives variant {n:?}, not a Rust identifier; add x-enum-varnames"));
            }
            if n == "Other" || !seen.insert(n.clone()) {
                problems.push(format!(
                    "schema {name}: variant name {n} is taken; add x-enum-varnames"
                ));
            }
        }
        out.push(OpenEnum {
            name: name.clone(),
            description: schema
                .get("description")
                .and_then(Value::as_str)
                .map(String::from),
            values: wire.into_iter().zip(names).collect(),
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn pascal_case(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lower = p.to_ascii_lowercase();
            let mut c = lower.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic())
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

// ------------------------------------------------------------------------------------------
// Lossless schemas: `X` becomes `Lossless<XFields>`, which re-encodes nulls and empty lists it read.

fn add_lossless_shadows(raw: &mut Value) -> Result<Vec<String>, Vec<String>> {
    let Some(schemas) = raw
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = schemas
        .iter()
        .filter(|(_, s)| s.get("x-okta-mgmt-lossless").and_then(Value::as_bool) == Some(true))
        .map(|(n, _)| n.clone())
        .collect();
    for name in &names {
        let fields = format!("{name}Fields");
        if schemas.contains_key(&fields) {
            return Err(vec![format!("schema {name}: {fields} already exists")]);
        }
        let mut shadow: Map<String, Value> = schemas[name].as_object().cloned().unwrap_or_default();
        shadow.remove("x-okta-mgmt-lossless");
        schemas.insert(fields, Value::Object(shadow));
    }
    Ok(names)
}

// ------------------------------------------------------------------------------------------
// extras.rs

fn extras_source(enums: &[OpenEnum], lossless: &[String]) -> String {
    let mut s = String::new();
    s.push_str("#[allow(unused_imports)] use super::types;\n");
    for name in lossless {
        let _ = writeln!(
            s,
            "#[doc = \"`{name}` as the API sends it: typed fields (through `Deref`) plus the JSON it was read from, \
             so re-encoding keeps nulls, empty lists and unknown fields.\"]\n\
             pub type {name} = crate::model::Lossless<types::{name}Fields>;"
        );
    }
    for e in enums {
        write_open_enum(&mut s, e);
    }
    s
}

fn write_open_enum(s: &mut String, e: &OpenEnum) {
    let name = &e.name;
    let known: Vec<String> = e.values.iter().map(|(w, _)| format!("`{w}`")).collect();
    let doc = format!(
        "{}\n\nOpen enum: known values are {}; any other value decodes as `Other` and re-encodes unchanged. Values compare by their wire text, so `Other` holding a known value equals that variant.",
        e.description
            .clone()
            .unwrap_or_else(|| format!("The `{name}` values.")),
        known.join(", ")
    );
    let _ = writeln!(s, "#[doc = {doc:?}]");
    s.push_str("#[derive(Clone, Debug)]\n#[non_exhaustive]\n");
    let _ = writeln!(s, "pub enum {name} {{");
    for (w, v) in &e.values {
        let _ = writeln!(s, "    #[doc = {:?}] {v},", format!("`{w}`"));
    }
    s.push_str("    /// A value this version of the crate does not know, kept verbatim.\n    Other(String),\n}\n");
    let arms_to: String = e
        .values
        .iter()
        .map(|(w, v)| format!("Self::{v} => {w:?},"))
        .collect();
    let arms_from: String = e
        .values
        .iter()
        .map(|(w, v)| format!("{w:?} => Self::{v},"))
        .collect();
    let consts: String = e.values.iter().map(|(w, _)| format!("{w:?},")).collect();
    let _ = writeln!(
        s,
        r#"impl {name} {{
    /// Every value this version of the crate knows.
    pub const KNOWN: &'static [&'static str] = &[{consts}];
    /// The value as it goes over the wire.
    pub fn as_str(&self) -> &str {{ match self {{ {arms_to} Self::Other(s) => s.as_str(), }} }}
    /// `false` for a value this version of the crate does not know.
    pub fn is_known(&self) -> bool {{ Self::KNOWN.contains(&self.as_str()) }}
    /// The same value with a known value held in `Other` turned into its variant.
    pub fn normalized(self) -> Self {{ match self {{ Self::Other(s) => Self::from(s.as_str()), known => known, }} }}
}}
impl ::std::cmp::PartialEq for {name} {{
    fn eq(&self, other: &Self) -> bool {{ self.as_str() == other.as_str() }}
}}
impl ::std::cmp::Eq for {name} {{}}
impl ::std::hash::Hash for {name} {{
    fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {{ self.as_str().hash(state) }}
}}
impl ::std::cmp::PartialOrd for {name} {{
    fn partial_cmp(&self, other: &Self) -> ::std::option::Option<::std::cmp::Ordering> {{ Some(self.cmp(other)) }}
}}
impl ::std::cmp::Ord for {name} {{
    fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {{ self.as_str().cmp(other.as_str()) }}
}}
impl {name} {{
    fn known(s: &str) -> ::std::option::Option<Self> {{ Some(match s {{ {arms_from} _ => return None, }}) }}
}}
impl ::std::convert::From<&str> for {name} {{
    fn from(s: &str) -> Self {{ Self::known(s).unwrap_or_else(|| Self::Other(s.to_string())) }}
}}
impl ::std::convert::From<::std::string::String> for {name} {{
    fn from(s: ::std::string::String) -> Self {{ Self::known(&s).unwrap_or(Self::Other(s)) }}
}}
impl ::std::str::FromStr for {name} {{
    type Err = ::std::convert::Infallible;
    fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {{ Ok(Self::from(s)) }}
}}
impl ::std::fmt::Display for {name} {{
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {{ f.write_str(self.as_str()) }}
}}
impl ::serde::Serialize for {name} {{
    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {{
        serializer.serialize_str(self.as_str())
    }}
}}
impl<'de> ::serde::Deserialize<'de> for {name} {{
    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {{
        crate::model::decode::open_enum(deserializer)
    }}
}}
impl ::schemars::JsonSchema for {name} {{
    fn schema_name() -> ::std::string::String {{ {name:?}.to_string() }}
    fn json_schema(_: &mut ::schemars::r#gen::SchemaGenerator) -> ::schemars::schema::Schema {{
        crate::model::open_enum_schema(Self::KNOWN)
    }}
}}"#
    );
}
