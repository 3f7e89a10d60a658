//! The second documented source of the corpus: the named examples of Okta's published
//! management spec (`../shared/upstream/management-minimal-<release>.yaml`).
//!
//! For every operation of the curated spec, [`extract_upstream`] reads the published
//! operation's named request examples (`requestBody.content.application/json.examples`) and
//! response examples (the same under each response, following `$ref`s to
//! `#/components/responses/…` and `#/components/examples/…`), applies the `example` errata of
//! `errata.yaml`, and builds cases under `cases/upstream-<release>/`:
//!
//! - a request example with a 200 response example of the same name: an exchange case;
//! - a request example without one: a request-only case (like the documents' request bodies
//!   shown without a response);
//! - a response example without a request partner: when the operation takes no request body,
//!   an exchange with the request derived from the operation (like a document response shown
//!   under an operation heading only); when it takes one, a response-only case (the body is
//!   decoded into the operation's typed response without a call).
//!
//! Path parameters get fixed placeholder ids ([`placeholder_id`]); the published examples carry
//! no headers, query or auth, so SSWS is assumed. Every case records its provenance in
//! `source` (file, release, operationId, status, example names and `$ref`s).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{ExtractError, io};
use crate::corpus::{
    self, Auth, Case, CaseSource, Errata, Request, Response, Source, Target, UPSTREAM_DIR_PREFIX,
    UpstreamExample,
};
use crate::schema_check::{OperationSpec, Spec};

/// Cases drawn from one published spec.
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamExtraction {
    /// File name of the published spec.
    pub file: String,
    /// Its `info.version`.
    pub release: String,
    /// The cases, operation by operation in curated-spec order.
    pub cases: Vec<Case>,
}

impl UpstreamExtraction {
    /// Sub-directory of the cases directory holding these cases (`upstream-<release>`).
    pub fn dir(&self) -> String {
        format!("{UPSTREAM_DIR_PREFIX}{}", self.release)
    }
}

/// The fixed id a path parameter gets in the published-spec cases.
pub fn placeholder_id(param: &str) -> String {
    match param {
        "policyId" => "rstUpstreamPolicy001".into(),
        "ruleId" => "rulUpstreamRule00001".into(),
        "mappingId" => "rsmUpstreamMapping01".into(),
        "deviceId" => "guoUpstreamDevice001".into(),
        "userId" => "00uUpstreamUser00001".into(),
        other => format!("upstream-{other}"),
    }
}

fn invalid(file: &str, at: &str, message: impl Into<String>) -> ExtractError {
    ExtractError::InvalidBlock {
        doc: file.to_string(),
        lines: at.to_string(),
        message: message.into(),
    }
}

/// JSON-pointer escaping of one reference token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Follows `$ref`s (local `#/…` only) from `node`; returns the target and the last reference
/// followed.
fn resolve<'a>(
    doc: &'a Value,
    node: &'a Value,
    file: &str,
) -> Result<(&'a Value, Option<String>), ExtractError> {
    let mut cur = node;
    let mut last = None;
    for _ in 0..16 {
        let Some(r) = cur.get("$ref").and_then(Value::as_str) else {
            return Ok((cur, last));
        };
        let pointer = r
            .strip_prefix('#')
            .ok_or_else(|| invalid(file, r, "only local references are supported"))?;
        cur = doc
            .pointer(pointer)
            .ok_or_else(|| invalid(file, r, "the reference points nowhere"))?;
        last = Some(r.to_string());
    }
    Err(invalid(file, "$ref", "reference chain too long"))
}

/// A named example of a published operation, its value resolved.
struct Named {
    name: String,
    /// `#/components/examples/…` when the entry is a reference.
    reference: Option<String>,
    /// Where errata address the example: its reference, or the entry's own pointer.
    address: String,
    value: Value,
}

/// The named `application/json` examples of a request body or response object.
fn named_examples(
    doc: &Value,
    holder: &Value,
    holder_pointer: &str,
    file: &str,
) -> Result<Vec<Named>, ExtractError> {
    let (holder, holder_ref) = resolve(doc, holder, file)?;
    let base = holder_ref
        .clone()
        .unwrap_or_else(|| format!("#{holder_pointer}"));
    let Some(examples) = holder
        .pointer("/content/application~1json/examples")
        .and_then(Value::as_object)
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, entry) in examples {
        let entry_pointer = format!("{base}/content/application~1json/examples/{}", escape(name));
        let (target, reference) = resolve(doc, entry, file)?;
        let value = target.get("value").cloned().ok_or_else(|| {
            invalid(
                file,
                &entry_pointer,
                "the example has no inline `value` (externalValue is not supported)",
            )
        })?;
        out.push(Named {
            name: name.clone(),
            address: reference.clone().unwrap_or_else(|| entry_pointer.clone()),
            reference,
            value,
        });
    }
    Ok(out)
}

/// Applies the `example` errata of `file` addressed to `ex`; returns the ids applied.
fn apply_errata(
    ex: &mut Named,
    file: &str,
    errata: &Errata,
    used: &mut BTreeSet<String>,
) -> Result<Vec<String>, ExtractError> {
    let mut list: Vec<_> = errata
        .errata
        .iter()
        .filter(|e| {
            e.target == Target::Example
                && e.doc == file
                && (e.section == ex.address || e.affects.contains(&ex.address))
        })
        .collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    let mut applied = Vec::new();
    for e in list {
        for p in e.patches() {
            let pointer = p.pointer.as_deref().unwrap_or("");
            patch_value(&mut ex.value, pointer, &p.says, &p.uses).map_err(|message| {
                ExtractError::Patch {
                    id: e.id.clone(),
                    message: format!("{}: {message}", ex.address),
                }
            })?;
        }
        used.insert(e.id.clone());
        applied.push(e.id.clone());
    }
    Ok(applied)
}

/// Splits a JSON pointer into its parent pointer and its last (unescaped) reference token.
fn split_pointer(pointer: &str) -> Option<(&str, String)> {
    let i = pointer.rfind('/')?;
    let key = pointer[i + 1..].replace("~1", "/").replace("~0", "~");
    Some((&pointer[..i], key))
}

/// Adds the JSON text `uses` at `pointer`, where the example has nothing: a new member of an
/// object, or a new item of an array (at an index up to its length).
fn insert_value(root: &mut Value, pointer: &str, uses: &str) -> Result<(), String> {
    if root.pointer(pointer).is_some() {
        return Err(format!(
            "says is empty (an addition) but the example has a value at {pointer:?}"
        ));
    }
    let new: Value =
        serde_json::from_str(uses).map_err(|e| format!("uses is not JSON text ({e}): {uses:?}"))?;
    let (parent, key) =
        split_pointer(pointer).ok_or_else(|| "cannot add the whole example".to_string())?;
    match root.pointer_mut(parent) {
        Some(Value::Object(o)) => {
            o.insert(key, new);
            Ok(())
        }
        Some(Value::Array(a)) => {
            let i: usize = key
                .parse()
                .map_err(|_| format!("{key:?} is not an array index"))?;
            if i > a.len() {
                return Err(format!("index {i} out of range"));
            }
            a.insert(i, new);
            Ok(())
        }
        _ => Err(format!("nothing to add to at {parent:?}")),
    }
}

/// Replaces the value at `pointer` (which must equal the JSON text `says`) by the JSON text
/// `uses`; an empty `uses` removes the member or item, an empty `says` adds `uses` where the
/// example has nothing.
pub fn patch_value(root: &mut Value, pointer: &str, says: &str, uses: &str) -> Result<(), String> {
    if says.trim().is_empty() {
        if uses.trim().is_empty() {
            return Err("says and uses are both empty".into());
        }
        return insert_value(root, pointer, uses);
    }
    let want: Value =
        serde_json::from_str(says).map_err(|e| format!("says is not JSON text ({e}): {says:?}"))?;
    let current = root
        .pointer(pointer)
        .ok_or_else(|| format!("nothing at {pointer:?}"))?;
    if current != &want {
        return Err(format!(
            "the example has {} at {pointer:?}, not {says}",
            serde_json::to_string(current).unwrap_or_default()
        ));
    }
    if uses.trim().is_empty() {
        let (parent, key) =
            split_pointer(pointer).ok_or_else(|| "cannot remove the whole example".to_string())?;
        match root.pointer_mut(parent) {
            Some(Value::Object(o)) => {
                o.remove(&key);
            }
            Some(Value::Array(a)) => {
                let i: usize = key
                    .parse()
                    .map_err(|_| format!("{key:?} is not an array index"))?;
                if i >= a.len() {
                    return Err(format!("index {i} out of range"));
                }
                a.remove(i);
            }
            _ => return Err(format!("nothing to remove from at {parent:?}")),
        }
        return Ok(());
    }
    let new: Value =
        serde_json::from_str(uses).map_err(|e| format!("uses is not JSON text ({e}): {uses:?}"))?;
    if let Some(slot) = root.pointer_mut(pointer) {
        *slot = new;
    }
    Ok(())
}

/// `Access Denied` → `Access-Denied`: a file-name-safe form of an example name.
fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    s.trim_matches('-').to_string()
}

/// The published operation with this id: (path, method, operation object, path item).
fn find_operation<'a>(doc: &'a Value, id: &str) -> Option<(String, String, &'a Value)> {
    let paths = doc.get("paths")?.as_object()?;
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            if op.get("operationId").and_then(Value::as_str) == Some(id) {
                return Some((path.clone(), method.clone(), op));
            }
        }
    }
    None
}

fn path_params(path: &str) -> BTreeMap<String, String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|p| (p.to_string(), placeholder_id(p)))
        .collect()
}

struct OpContext<'a> {
    file: &'a str,
    release: &'a str,
    dir: String,
    ours: &'a OperationSpec,
    section: String,
}

impl OpContext<'_> {
    fn request(&self, body: Option<Value>, source: Source) -> Request {
        self.request_with(body, source, BTreeMap::new())
    }

    fn request_with(
        &self,
        body: Option<Value>,
        source: Source,
        query: BTreeMap<String, String>,
    ) -> Request {
        Request {
            method: self.ours.method.clone(),
            path: self.ours.path.clone(),
            path_params: path_params(&self.ours.path),
            query,
            raw_url: None,
            auth: Auth::Ssws,
            headers: Vec::new(),
            body,
            source,
        }
    }

    fn example_ref(role: &str, ex: &Named, raw: Option<Value>) -> UpstreamExample {
        UpstreamExample {
            role: role.to_string(),
            name: ex.name.clone(),
            reference: ex.reference.clone(),
            raw,
        }
    }

    fn case(
        &self,
        kind: &str,
        name: &str,
        status: Option<u16>,
        examples: Vec<UpstreamExample>,
    ) -> Case {
        Case {
            id: format!("{}.{}.{kind}.{}", self.dir, self.ours.id, slug(name)),
            source: Some(CaseSource::Upstream {
                file: self.file.to_string(),
                release: self.release.to_string(),
                operation: self.ours.id.clone(),
                status,
                examples,
            }),
            operation: Some(self.ours.id.clone()),
            ..Case::new(self.file.to_string(), self.section.clone())
        }
    }
}

const REQUEST_NOTE: &str = "the published example is the request body only: method and path from the operation, path parameters are placeholder ids, SSWS auth assumed";

/// Required query parameters of a derived request: listPolicies needs `type`, taken from the
/// listed policies when they share one, else `OKTA_SIGN_ON` (any value gives the same error).
fn required_query(operation: &str, body: &Value) -> (BTreeMap<String, String>, Option<String>) {
    let mut query = BTreeMap::new();
    if operation != "listPolicies" {
        return (query, None);
    }
    let types: BTreeSet<&str> = body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("type").and_then(Value::as_str))
        .collect();
    let (value, note) = match types.iter().next() {
        Some(t) if types.len() == 1 => (
            (*t).to_string(),
            format!("query type={t} (required) taken from the listed policies"),
        ),
        _ => (
            "OKTA_SIGN_ON".to_string(),
            "query type=OKTA_SIGN_ON (required) is a placeholder; the example lists no policy"
                .to_string(),
        ),
    };
    query.insert("type".into(), value);
    (query, Some(note))
}

/// One prepared example: the example, the value as published when errata changed it, and the
/// errata applied.
struct Prepared {
    ex: Named,
    raw: Option<Value>,
    errata: Vec<String>,
}

fn prepare(
    mut ex: Named,
    file: &str,
    errata: &Errata,
    used: &mut BTreeSet<String>,
) -> Result<Prepared, ExtractError> {
    let published = ex.value.clone();
    let applied = apply_errata(&mut ex, file, errata, used)?;
    let raw = (!applied.is_empty()).then_some(published);
    Ok(Prepared {
        ex,
        raw,
        errata: applied,
    })
}

/// Reads a published spec and derives the cases of the curated spec's operations.
pub fn extract_upstream(
    upstream: &Path,
    spec: &Spec,
    errata: &Errata,
) -> Result<UpstreamExtraction, ExtractError> {
    let file = upstream
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let text = fs::read_to_string(upstream).map_err(io(upstream))?;
    let doc: Value = serde_yaml_ng::from_str(&text)?;
    let release = doc
        .pointer("/info/version")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(&file, "/info/version", "the spec has no info.version"))?
        .to_string();
    let dir = format!("{UPSTREAM_DIR_PREFIX}{release}");
    let mut used = BTreeSet::new();
    let mut cases = Vec::new();
    for ours in &spec.operations {
        let (path, method, op) = find_operation(&doc, &ours.id).ok_or_else(|| {
            invalid(
                &file,
                &ours.id,
                "the published spec has no operation with this id",
            )
        })?;
        let op_pointer = format!("/paths/{}/{method}", escape(&path));
        let ctx = OpContext {
            file: &file,
            release: &release,
            dir: dir.clone(),
            ours,
            section: op
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or(&ours.id)
                .to_string(),
        };
        let requests = match op.get("requestBody") {
            Some(rb) => named_examples(&doc, rb, &format!("{op_pointer}/requestBody"), &file)?,
            None => Vec::new(),
        };
        let responses = response_examples(&doc, op, &op_pointer, &file)?;
        // Request examples, each with the 200 example of the same name when there is one.
        let mut partnered = BTreeSet::new();
        for req in requests {
            let partner = responses
                .iter()
                .find(|(code, _)| *code == 200)
                .and_then(|(_, list)| list.iter().find(|r| r.name == req.name));
            if let Some(resp) = partner {
                partnered.insert(resp.name.clone());
            }
            cases.push(request_case(&ctx, req, partner, errata, &mut used)?);
        }
        // Response examples without a request partner.
        for (code, list) in responses {
            for resp in list {
                if code == 200 && partnered.contains(&resp.name) {
                    continue;
                }
                cases.push(response_case(&ctx, code, resp, errata, &mut used)?);
            }
        }
    }
    let mut ids = BTreeSet::new();
    for c in &cases {
        if !ids.insert(c.id.clone()) {
            return Err(invalid(&file, &c.id, "two examples give the same case id"));
        }
    }
    if let Some(e) = errata
        .errata
        .iter()
        .find(|e| e.target == Target::Example && e.doc == file && !used.contains(&e.id))
    {
        return Err(ExtractError::UnusedErratum(e.id.clone()));
    }
    Ok(UpstreamExtraction {
        file,
        release,
        cases,
    })
}

/// The named examples of every numeric response status of `op`, by status.
fn response_examples(
    doc: &Value,
    op: &Value,
    op_pointer: &str,
    file: &str,
) -> Result<Vec<(u16, Vec<Named>)>, ExtractError> {
    let mut responses: Vec<(u16, Vec<Named>)> = Vec::new();
    if let Some(map) = op.get("responses").and_then(Value::as_object) {
        for (status, resp) in map {
            let Ok(code) = status.parse::<u16>() else {
                continue;
            };
            let named = named_examples(
                doc,
                resp,
                &format!("{op_pointer}/responses/{}", escape(status)),
                file,
            )?;
            if !named.is_empty() {
                responses.push((code, named));
            }
        }
    }
    responses.sort_by_key(|(code, _)| *code);
    Ok(responses)
}

/// A documented response of an example body.
fn example_response(status: u16, body: Value) -> Response {
    Response {
        status,
        status_source: Source::Example,
        headers: Vec::new(),
        body: Some(body),
        body_schema: None,
    }
}

/// The case of a request example, with its 200 partner of the same name when there is one.
fn request_case(
    ctx: &OpContext<'_>,
    req: Named,
    partner: Option<&Named>,
    errata: &Errata,
    used: &mut BTreeSet<String>,
) -> Result<Case, ExtractError> {
    let req = prepare(req, ctx.file, errata, used)?;
    let mut examples = vec![OpContext::example_ref("request", &req.ex, req.raw.clone())];
    let mut errata_ids = req.errata.clone();
    let mut notes = vec![REQUEST_NOTE.to_string()];
    let (kind, status, response) = match partner {
        Some(resp) => {
            let resp = prepare(
                Named {
                    name: resp.name.clone(),
                    reference: resp.reference.clone(),
                    address: resp.address.clone(),
                    value: resp.value.clone(),
                },
                ctx.file,
                errata,
                used,
            )?;
            examples.push(OpContext::example_ref(
                "response",
                &resp.ex,
                resp.raw.clone(),
            ));
            errata_ids.extend(resp.errata.clone());
            (
                "200".to_string(),
                Some(200),
                Some(example_response(200, resp.ex.value)),
            )
        }
        None => {
            notes.push(
                "no response example of the same name: only the request is documented".to_string(),
            );
            ("request".to_string(), None, None)
        }
    };
    let mut case = ctx.case(&kind, &req.ex.name, status, examples);
    case.request = Some(ctx.request(Some(req.ex.value), Source::Example));
    case.response = response;
    errata_ids.sort();
    errata_ids.dedup();
    case.errata = errata_ids;
    case.notes = notes;
    Ok(case)
}

/// The case of a response example without a request partner: the request is derived from the
/// operation when it takes no body.
fn response_case(
    ctx: &OpContext<'_>,
    code: u16,
    resp: Named,
    errata: &Errata,
    used: &mut BTreeSet<String>,
) -> Result<Case, ExtractError> {
    let ours = ctx.ours;
    let resp = prepare(resp, ctx.file, errata, used)?;
    let mut case = ctx.case(
        &code.to_string(),
        &resp.ex.name,
        Some(code),
        vec![OpContext::example_ref(
            "response",
            &resp.ex,
            resp.raw.clone(),
        )],
    );
    if ours.request_body.is_none() {
        let (query, note) = required_query(&ours.id, &resp.ex.value);
        case.request = Some(ctx.request_with(None, Source::Derived, query));
        case.notes.push(
            "request not shown; derived from the operation (method, path, placeholder ids), SSWS auth assumed"
                .into(),
        );
        case.notes.extend(note);
    } else {
        case.notes.push(format!(
            "no request example of this name and {} takes a request body: response only (decoded into the operation's typed response, no call)",
            ours.id
        ));
    }
    case.response = Some(example_response(code, resp.ex.value));
    case.errata = resp.errata;
    Ok(case)
}

/// Rendered case files: path relative to the cases directory → YAML text.
pub(super) fn render(
    extraction: &UpstreamExtraction,
) -> Result<BTreeMap<PathBuf, String>, ExtractError> {
    let mut files = BTreeMap::new();
    for case in &extraction.cases {
        files.insert(case.relative_path(), corpus::to_yaml(case)?);
    }
    Ok(files)
}

/// Committed case files under `cases_dir/<dir>` (relative to `cases_dir`).
pub(super) fn existing(
    cases_dir: &Path,
    dir: &str,
) -> Result<BTreeMap<PathBuf, String>, ExtractError> {
    let mut out = BTreeMap::new();
    let root = cases_dir.join(dir);
    if !root.exists() {
        return Ok(out);
    }
    for path in corpus::case_files(&root)? {
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        let rel = path.strip_prefix(cases_dir).unwrap_or(&path).to_path_buf();
        out.insert(rel, text);
    }
    Ok(out)
}

/// The curated spec the published one is mapped onto.
pub(super) fn load_spec() -> Result<&'static Spec, ExtractError> {
    crate::schema_check::spec().map_err(|e| invalid("spec/openapi.yaml", "", e.to_string()))
}
