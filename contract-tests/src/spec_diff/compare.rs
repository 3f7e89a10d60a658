//! Comparing operations and flattened schemas.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use crate::json::strings_under;

use super::classify::{Class, Findings, Kind, RawDiff};
use super::flatten::{Flat, Flattener, Node, OPEN_BRANCH};
use super::load::{Doc, ref_name};

/// HTTP methods of a path item.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// Upstream path prefixes of "our operations".
const SCOPE_PREFIXES: [&str; 2] = ["/api/v1/policies", "/api/v1/devices"];
/// Upstream paths of "our operations" besides the prefixes.
const SCOPE_PATHS: [&str; 1] = ["/api/v1/users/{userId}/devices"];

/// One operation of a document.
#[derive(Debug, Clone)]
pub struct Operation<'a> {
    /// operationId (or `METHOD path` without one).
    pub id: String,
    /// Upper-case method.
    pub method: String,
    /// Path template.
    pub path: String,
    path_item: &'a Value,
    op: &'a Value,
}

/// The operations of a document, by id.
pub fn operations<'a>(doc: Doc<'a>) -> BTreeMap<String, Operation<'a>> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc.root().get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let item = doc.deref(item);
        for method in METHODS {
            let Some(op) = item.get(method).filter(|o| o.is_object()) else {
                continue;
            };
            let upper = method.to_uppercase();
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{upper} {path}"));
            out.insert(
                id.clone(),
                Operation {
                    id,
                    method: upper,
                    path: path.clone(),
                    path_item: item,
                    op,
                },
            );
        }
    }
    out
}

/// Whether an upstream path belongs to "our operations".
pub fn in_scope(path: &str) -> bool {
    SCOPE_PATHS.contains(&path)
        || SCOPE_PREFIXES
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// Compares two documents; returns the raw differences.
pub fn compare_documents(upstream: Doc<'_>, ours: Doc<'_>) -> Vec<RawDiff> {
    let mut cmp = Comparer {
        up: Side::new(upstream),
        ours: Side::new(ours),
        out: Vec::new(),
    };
    let up_ops = operations(upstream);
    let our_ops = operations(ours);
    let mut ids: BTreeSet<&String> = up_ops
        .iter()
        .filter(|(_, o)| in_scope(&o.path))
        .map(|(id, _)| id)
        .collect();
    // Ours is filtered too, so that two published releases can be compared on our resources.
    ids.extend(
        our_ops
            .iter()
            .filter(|(_, o)| in_scope(&o.path))
            .map(|(id, _)| id),
    );
    for id in ids {
        match (up_ops.get(id), our_ops.get(id)) {
            (Some(u), Some(o)) => cmp.operation(u, o),
            (Some(u), None) => cmp.findings(id).upstream_only(
                Kind::MissingOperation,
                format!("op:{id}"),
                format!("{} {}", u.method, u.path),
            ),
            (None, Some(o)) => cmp.findings(id).ours_only(
                Kind::ExtraOperation,
                format!("op:{id}"),
                format!("{} {}", o.method, o.path),
            ),
            (None, None) => {}
        }
    }
    cmp.out
}

/// One document with its flattened-schema cache.
struct Side<'a> {
    doc: Doc<'a>,
    flattener: Flattener<'a>,
    cache: HashMap<(String, usize), Flat>,
}

impl<'a> Side<'a> {
    fn new(doc: Doc<'a>) -> Self {
        Self {
            doc,
            flattener: Flattener::new(doc),
            cache: HashMap::new(),
        }
    }

    /// Flattens `schema` under `root` once.
    fn flat(&mut self, schema: &'a Value, root: &str) -> &Flat {
        let key = (root.to_owned(), std::ptr::from_ref(schema) as usize);
        self.cache
            .entry(key)
            .or_insert_with(|| self.flattener.flatten(schema, root))
    }
}

/// A body schema, with a top-level array unwrapped.
struct Body<'a> {
    schema: &'a Value,
    array: bool,
}

struct Comparer<'a, 'b> {
    up: Side<'a>,
    ours: Side<'b>,
    out: Vec<RawDiff>,
}

impl<'a, 'b> Comparer<'a, 'b> {
    /// Where the differences found through operation `op` go.
    fn findings<'s>(&'s mut self, op: &'s str) -> Findings<'s> {
        Findings {
            operation: op,
            out: &mut self.out,
        }
    }

    fn operation(&mut self, u: &Operation<'a>, o: &Operation<'b>) {
        let id = u.id.as_str();
        let base = format!("op:{id}");
        if u.method != o.method || u.path != o.path {
            self.findings(id).push(
                Class::Gap,
                Kind::MethodPath,
                format!("{base}/path"),
                Some(format!("{} {}", u.method, u.path)),
                Some(format!("{} {}", o.method, o.path)),
            );
        }
        self.parameters(u, o, &base);
        self.responses(u, o, &base);
        self.scopes(u, o, &base);
        let ud = u.op.get("deprecated").and_then(Value::as_bool) == Some(true);
        let od = o.op.get("deprecated").and_then(Value::as_bool) == Some(true);
        if ud != od {
            self.findings(id).push(
                Class::Gap,
                Kind::Deprecated,
                format!("{base}/deprecated"),
                Some(ud.to_string()),
                Some(od.to_string()),
            );
        }
        let ub = u.op.get("requestBody").map(|b| self.up.doc.deref(b));
        let ob = o.op.get("requestBody").map(|b| self.ours.doc.deref(b));
        match (ub, ob) {
            (Some(_), None) => self.findings(id).upstream_only(
                Kind::Body,
                format!("{base}/requestBody"),
                "request body".to_owned(),
            ),
            (None, Some(_)) => self.findings(id).ours_only(
                Kind::Body,
                format!("{base}/requestBody"),
                "request body".to_owned(),
            ),
            (Some(ub), Some(ob)) => {
                let us = json_schema(ub).map(|s| unwrap_array(self.up.doc, s));
                let os = json_schema(ob).map(|s| unwrap_array(self.ours.doc, s));
                self.bodies(us, os, &format!("{base}/requestBody"), true, id);
            }
            (None, None) => {}
        }
    }

    fn parameters(&mut self, u: &Operation<'a>, o: &Operation<'b>, base: &str) {
        let up = params(self.up.doc, u);
        let ours = params(self.ours.doc, o);
        let id = u.id.as_str();
        for (name, up_param) in &up {
            let pointer = format!("{base}/parameters/{name}");
            let Some(our_param) = ours.get(name) else {
                self.findings(id).upstream_only(
                    Kind::MissingParameter,
                    pointer,
                    param_where(up_param),
                );
                continue;
            };
            let ur = up_param.get("required").and_then(Value::as_bool) == Some(true);
            let or = our_param.get("required").and_then(Value::as_bool) == Some(true);
            if ur != or {
                self.findings(id).push(
                    if ur { Class::Gap } else { Class::OursOnly },
                    Kind::Required,
                    pointer.clone(),
                    Some(required_text(ur)),
                    Some(required_text(or)),
                );
            }
            if let (Some(us), Some(os)) = (up_param.get("schema"), our_param.get("schema")) {
                let uf = self.up.flat(us, &pointer);
                let of = self.ours.flat(os, &pointer);
                let mut walker = Walker {
                    up: uf,
                    ours: of,
                    request: true,
                    found: Findings {
                        operation: id,
                        out: &mut self.out,
                    },
                    read_only_depth: 0,
                };
                walker.walk(&pointer, &pointer, &pointer, None, false);
            }
        }
        for (name, our_param) in &ours {
            if !up.contains_key(name) {
                self.findings(id).ours_only(
                    Kind::ExtraParameter,
                    format!("{base}/parameters/{name}"),
                    param_where(our_param),
                );
            }
        }
    }

    fn responses(&mut self, u: &Operation<'a>, o: &Operation<'b>, base: &str) {
        let id = u.id.as_str();
        let ur = u.op.get("responses").and_then(Value::as_object);
        let or = o.op.get("responses").and_then(Value::as_object);
        for (code, ures) in ur.into_iter().flatten() {
            let pointer = format!("{base}/responses/{code}");
            let Some(ores) = or.and_then(|m| m.get(code)) else {
                self.findings(id)
                    .upstream_only(Kind::MissingStatus, pointer, code.clone());
                continue;
            };
            if !code.starts_with('2') {
                continue;
            }
            let us = json_schema(self.up.doc.deref(ures)).map(|s| unwrap_array(self.up.doc, s));
            let os = json_schema(self.ours.doc.deref(ores)).map(|s| unwrap_array(self.ours.doc, s));
            self.bodies(us, os, &pointer, false, id);
        }
        for code in or.into_iter().flat_map(|m| m.keys()) {
            if !ur.is_some_and(|m| m.contains_key(code)) {
                self.findings(id).ours_only(
                    Kind::ExtraStatus,
                    format!("{base}/responses/{code}"),
                    code.clone(),
                );
            }
        }
    }

    fn bodies(
        &mut self,
        up: Option<Body<'a>>,
        ours: Option<Body<'b>>,
        pointer: &str,
        request: bool,
        id: &str,
    ) {
        let (up, ours) = match (up, ours) {
            (Some(u), Some(o)) => (u, o),
            (Some(_), None) => {
                return self.findings(id).upstream_only(
                    Kind::Body,
                    format!("{pointer}/body"),
                    "JSON body".to_owned(),
                );
            }
            (None, Some(_)) => {
                return self.findings(id).ours_only(
                    Kind::Body,
                    format!("{pointer}/body"),
                    "JSON body".to_owned(),
                );
            }
            (None, None) => return,
        };
        if up.array != ours.array {
            // Reported, then the item schemas are still compared.
            let text = |a: bool| if a { "array" } else { "single value" }.to_owned();
            self.findings(id).push(
                Class::Gap,
                Kind::Body,
                format!("{pointer}/body"),
                Some(text(up.array)),
                Some(text(ours.array)),
            );
        }
        let root = match up.schema.get("$ref").and_then(Value::as_str) {
            Some(r) => ref_name(r).to_owned(),
            None => format!("{pointer}/body"),
        };
        let uf = self.up.flat(up.schema, &root);
        let of = self.ours.flat(ours.schema, &root);
        let mut walker = Walker {
            up: uf,
            ours: of,
            request,
            found: Findings {
                operation: id,
                out: &mut self.out,
            },
            read_only_depth: 0,
        };
        walker.walk(&root, &root, &root, None, false);
    }

    fn scopes(&mut self, u: &Operation<'a>, o: &Operation<'b>, base: &str) {
        let us = oauth_scopes(self.up.doc, u);
        let os = oauth_scopes(self.ours.doc, o);
        let id = u.id.as_str();
        for s in us.difference(&os) {
            self.findings(id).upstream_only(
                Kind::MissingScope,
                format!("{base}/security/oauth2/{s}"),
                s.clone(),
            );
        }
        for s in os.difference(&us) {
            self.findings(id).ours_only(
                Kind::ExtraScope,
                format!("{base}/security/oauth2/{s}"),
                s.clone(),
            );
        }
    }
}

fn required_text(required: bool) -> String {
    if required { "required" } else { "optional" }.to_owned()
}

fn param_where(p: &Value) -> String {
    format!(
        "in {}",
        p.get("in").and_then(Value::as_str).unwrap_or("query")
    )
}

/// Query and path parameters of an operation (path-item ones overridden by the operation's).
fn params<'a>(doc: Doc<'a>, op: &Operation<'a>) -> BTreeMap<String, &'a Value> {
    let mut out = BTreeMap::new();
    for list in [op.path_item.get("parameters"), op.op.get("parameters")] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let p = doc.deref(p);
            let location = p.get("in").and_then(Value::as_str).unwrap_or_default();
            if location != "query" && location != "path" {
                continue;
            }
            if let Some(name) = p.get("name").and_then(Value::as_str) {
                out.insert(name.to_owned(), p);
            }
        }
    }
    out
}

/// The scopes of the `oauth2` requirement (the operation's, else the document's).
fn oauth_scopes(doc: Doc<'_>, op: &Operation<'_>) -> BTreeSet<String> {
    let security = op.op.get("security").or_else(|| doc.root().get("security"));
    let requirements = security.and_then(Value::as_array).into_iter().flatten();
    strings_under(requirements, "oauth2").collect()
}

/// The `application/json` (or first JSON-ish) schema of a request body or response.
fn json_schema(holder: &Value) -> Option<&Value> {
    let content = holder.get("content")?.as_object()?;
    content
        .get("application/json")
        .or_else(|| {
            content
                .iter()
                .find(|(k, _)| k.contains("json"))
                .map(|(_, v)| v)
        })?
        .get("schema")
}

fn unwrap_array<'a>(doc: Doc<'a>, schema: &'a Value) -> Body<'a> {
    let target = doc.deref(schema);
    if target.get("type").and_then(Value::as_str) == Some("array")
        && let Some(items) = target.get("items")
    {
        return Body {
            schema: items,
            array: true,
        };
    }
    Body {
        schema,
        array: false,
    }
}

/// Walks two flattened schemas side by side.
pub struct Walker<'f> {
    /// Upstream.
    pub up: &'f Flat,
    /// Ours.
    pub ours: &'f Flat,
    /// Request body (required fields matter) or response body (cosmetic).
    pub request: bool,
    /// Where differences go, with the operation they are found through.
    pub found: Findings<'f>,
    /// How many readOnly nodes enclose the current one (required fields there are cosmetic).
    pub read_only_depth: usize,
}

fn real_branches(n: &Node) -> impl Iterator<Item = &String> {
    n.branches.iter().filter(|b| b.as_str() != OPEN_BRANCH)
}

impl Walker<'_> {
    /// Compares the upstream node at `up` with ours at `ours`, reporting at `rep`. `disc` is the
    /// property the enclosing branch is keyed on (its enum is not compared: the branch is).
    pub fn walk(&mut self, up: &str, ours: &str, rep: &str, disc: Option<&str>, skip_enum: bool) {
        let (Some(u), Some(o)) = (self.up.get(up), self.ours.get(ours)) else {
            return;
        };
        self.attributes(u, o, rep, skip_enum);
        if u.cycle.is_some() || o.cycle.is_some() {
            return;
        }
        let read_only = u.read_only || o.read_only;
        if read_only {
            self.read_only_depth += 1;
        }
        self.descend(u, o, up, ours, rep, disc);
        if read_only {
            self.read_only_depth -= 1;
        }
    }

    fn descend(&mut self, u: &Node, o: &Node, up: &str, ours: &str, rep: &str, disc: Option<&str>) {
        let ub = real_branches(u).next().is_some();
        let ob = real_branches(o).next().is_some();
        match (ub, ob) {
            (true, true) => {
                for b in real_branches(u) {
                    let rep_b = u.branch_pointer(rep, b);
                    if o.branches.contains(b) {
                        self.walk(
                            &u.branch_pointer(up, b),
                            &o.branch_pointer(ours, b),
                            &rep_b,
                            u.branch_prop.as_deref(),
                            false,
                        );
                    } else {
                        self.found
                            .upstream_only(Kind::MissingBranch, rep_b, b.clone());
                    }
                }
                for b in real_branches(o) {
                    if !u.branches.contains(b) {
                        self.found.ours_only(
                            Kind::ExtraBranch,
                            o.branch_pointer(rep, b),
                            b.clone(),
                        );
                    }
                }
                if !u.properties.is_empty() && !o.properties.is_empty() {
                    self.children(u, o, up, ours, rep, disc);
                }
            }
            (true, false) => {
                for b in real_branches(u) {
                    self.walk(
                        &u.branch_pointer(up, b),
                        ours,
                        &u.branch_pointer(rep, b),
                        u.branch_prop.as_deref(),
                        false,
                    );
                }
            }
            (false, true) => {
                for b in real_branches(o) {
                    self.walk(
                        up,
                        &o.branch_pointer(ours, b),
                        &o.branch_pointer(rep, b),
                        o.branch_prop.as_deref(),
                        false,
                    );
                }
            }
            (false, false) => self.children(u, o, up, ours, rep, disc),
        }
    }

    fn children(
        &mut self,
        u: &Node,
        o: &Node,
        up: &str,
        ours: &str,
        rep: &str,
        disc: Option<&str>,
    ) {
        for name in &u.properties {
            if o.properties.contains(name) {
                self.walk(
                    &format!("{up}/{name}"),
                    &format!("{ours}/{name}"),
                    &format!("{rep}/{name}"),
                    None,
                    disc == Some(name.as_str()),
                );
            } else if o.additional {
                // Our map's value schema covers the named property.
                self.walk(
                    &format!("{up}/{name}"),
                    &format!("{ours}{{}}"),
                    &format!("{rep}/{name}"),
                    None,
                    false,
                );
            } else {
                self.found.upstream_only(
                    Kind::MissingProperty,
                    format!("{rep}/{name}"),
                    "declared".to_owned(),
                );
            }
        }
        for name in &o.properties {
            if u.properties.contains(name) {
                continue;
            }
            if u.additional {
                // Upstream's map value schema covers our named property.
                self.walk(
                    &format!("{up}{{}}"),
                    &format!("{ours}/{name}"),
                    &format!("{rep}/{name}"),
                    None,
                    false,
                );
            } else {
                self.found.ours_only(
                    Kind::ExtraProperty,
                    format!("{rep}/{name}"),
                    "declared".to_owned(),
                );
            }
        }
        let request = self.request && self.read_only_depth == 0;
        let wire = |request: bool, class: Class| if request { class } else { Class::Cosmetic };
        // Required upstream only (a gap), then required by ours only.
        for (upstream, (from, to), class) in
            [(true, (u, o), Class::Gap), (false, (o, u), Class::OursOnly)]
        {
            for r in from.required.difference(&to.required) {
                if to.properties.contains(r) {
                    self.found.push(
                        wire(request, class),
                        Kind::Required,
                        format!("{rep}/{r}"),
                        Some(required_text(upstream)),
                        Some(required_text(!upstream)),
                    );
                }
            }
        }
        if u.items && o.items {
            self.walk(
                &format!("{up}[]"),
                &format!("{ours}[]"),
                &format!("{rep}[]"),
                None,
                false,
            );
        }
        if u.additional && o.additional {
            self.walk(
                &format!("{up}{{}}"),
                &format!("{ours}{{}}"),
                &format!("{rep}{{}}"),
                None,
                false,
            );
        }
    }

    fn attributes(&mut self, u: &Node, o: &Node, rep: &str, skip_enum: bool) {
        if !u.types.is_empty() && !o.types.is_empty() && u.types != o.types {
            self.found.push(
                Class::Gap,
                Kind::Type,
                rep.to_owned(),
                Some(join(&u.types)),
                Some(join(&o.types)),
            );
        }
        if !skip_enum {
            match (u.enum_values.is_empty(), o.enum_values.is_empty()) {
                (false, false) => {
                    for v in u.enum_values.difference(&o.enum_values) {
                        self.found.upstream_only(
                            Kind::MissingEnum,
                            format!("{rep}#enum={v}"),
                            v.clone(),
                        );
                    }
                    for v in o.enum_values.difference(&u.enum_values) {
                        self.found
                            .ours_only(Kind::ExtraEnum, format!("{rep}#enum={v}"), v.clone());
                    }
                }
                (true, true) => {}
                (ue, oe) => {
                    let text = |empty: bool| if empty { "free value" } else { "enum" }.to_owned();
                    self.found.push(
                        Class::Cosmetic,
                        Kind::EnumPresence,
                        rep.to_owned(),
                        Some(text(ue)),
                        Some(text(oe)),
                    );
                }
            }
        }
        if u.format != o.format {
            self.found.push(
                Class::Cosmetic,
                Kind::Format,
                rep.to_owned(),
                u.format.clone(),
                o.format.clone(),
            );
        }
        let keys: BTreeSet<&String> = u.constraints.keys().chain(o.constraints.keys()).collect();
        for k in keys {
            let (uc, oc) = (u.constraints.get(k), o.constraints.get(k));
            if uc != oc {
                self.found.push(
                    Class::Cosmetic,
                    Kind::Constraint,
                    rep.to_owned(),
                    uc.map(|v| format!("{k}={v}")),
                    oc.map(|v| format!("{k}={v}")),
                );
            }
        }
        let flag = |b: bool| Some(b.to_string());
        if u.read_only != o.read_only {
            self.found.push(
                Class::Cosmetic,
                Kind::ReadOnly,
                rep.to_owned(),
                flag(u.read_only),
                flag(o.read_only),
            );
        }
        if u.nullable != o.nullable {
            self.found.push(
                Class::Cosmetic,
                Kind::Nullable,
                rep.to_owned(),
                flag(u.nullable),
                flag(o.nullable),
            );
        }
        if u.has_description != o.has_description {
            self.found.push(
                Class::Cosmetic,
                Kind::Description,
                rep.to_owned(),
                flag(u.has_description),
                flag(o.has_description),
            );
        }
        if let (Some(un), Some(on)) = (&u.schema_name, &o.schema_name)
            && un != on
        {
            self.found.push(
                Class::Cosmetic,
                Kind::SchemaName,
                rep.to_owned(),
                Some(un.clone()),
                Some(on.clone()),
            );
        }
    }
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join("|")
}
