//! Turning the blocks of one document into cases: errata patches, request/response pairing,
//! operations, variables, lints and ids.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::ExtractError;
use super::curl::parse_curl;
use super::doc::{Block, BlockKind, Doc};
use super::http::{parse_prose_status, split_response};
use super::json::{lint, parse_json_block, strings};
use super::ops::{OpMatch, match_endpoint, placeholder_name, query_of};
use crate::corpus::{
    Auth, BlockRef, Case, Errata, Header, ManifestBlock, ManifestDoc, Request, Response, Source,
    Target, doc_number,
};

/// Example values of placeholders: `(doc number or "*", name, value)`; a doc-specific row wins.
/// Ids come from the documents' own examples where one exists.
const VARIABLE_DEFAULTS: &[(&str, &str, &str)] = &[
    ("*", "yourOktaDomain", "example.okta.com"),
    ("*", "yourSubdomain", "subdomain.okta.com"),
    ("*", "org", "example"),
    ("*", "api_token", "example-api-token"),
    ("*", "oauth_token", "example-oauth-token"),
    // 002 "Get Device by ID" usage example.
    ("*", "deviceId", "guo4a5u7JHHhjXrMK0g4"),
    // 003 rule condition `Okta:User` value.
    ("*", "userId", "00u1pdsiceJZLRJMSEUA"),
    // 003 "Conditions JSON example" group id.
    ("*", "groupId", "00g1emaKYZTWRYYRRTSK"),
    // 000 never shows the authentication policy's id: an example value.
    ("*", "AuthenticationPolicyId", "rst1authnpolicy00g7x"),
    ("000", "policyId", "rst1authnpolicy00g7x"),
    // 004: the password policy and rule of "Rules Message Example (Password Policy)".
    ("004", "policyId", "00plmpDXfWU34nb280g3"),
    ("004", "ruleId", "0prlmqTXCzP5SegYJ0g3"),
    ("004", "type", "OKTA_SIGN_ON"),
    // 003 ids.
    ("*", "policyId", "rst30qv3igD5OpiL50g7"),
    ("*", "ruleId", "rul30qv3ijfXq1OPP0g7"),
    ("*", "mappingId", "rsm30qv3iirGzUyaM0g7"),
    ("*", "type", "ACCESS_POLICY"),
];

/// Schema of a standalone example: `(heading substring, fragment member or "" for a whole
/// value, schema, pointer)`, tried on the enclosing headings innermost first.
const SCHEMA_RULES: &[(&str, &str, &str, &str)] = &[
    ("Verification Method", "", "VerificationMethod", ""),
    ("Mapping JSON example", "", "PolicyMapping", ""),
    ("Policy JSON example", "", "Policy", ""),
    ("Rule JSON example", "", "PolicyRule", ""),
    ("Rules Message Example", "", "PolicyRule", ""),
    ("Conditions JSON example", "", "RuleConditionList", ""),
    (
        "Requirement JSON example",
        "requirement",
        "ProfileEnrollmentRuleRequirement",
        "/requirement",
    ),
    ("Device profile example", "", "DeviceProfile", "/profile"),
    ("Device example", "", "Device", ""),
    ("Device", "_links", "DeviceLinks", "/_links"),
    (
        "Signon Action Example",
        "actions",
        "OktaSignOnPolicyRuleSignonActions",
        "/actions/signon",
    ),
    (
        "Password",
        "settings",
        "PasswordPolicySettings",
        "/settings",
    ),
    (
        "Password",
        "actions",
        "PasswordPolicyRuleActions",
        "/actions",
    ),
    (
        "Multifactor",
        "settings",
        "MultifactorEnrollmentPolicySettings",
        "/settings",
    ),
    ("Multifactor", "actions", "PolicyRuleActions", "/actions"),
];

static PLACEHOLDER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\{([A-Za-z_][A-Za-z0-9_]*)\}").ok()
});
static NOT_FOUND_ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"Resource not found: (\S+)").ok());

/// Whether the builder's patterns compile (used by tests).
pub fn patterns_compile() -> bool {
    PLACEHOLDER.is_some() && NOT_FOUND_ID.is_some()
}

#[derive(Debug, Clone)]
struct Req {
    block: usize,
    op: Option<OpMatch>,
    method: String,
    url: Option<String>,
    headers: Vec<Header>,
    body: Option<Value>,
    auth: Auth,
    source: Source,
    notes: Vec<String>,
}

#[derive(Debug, Clone)]
struct Resp {
    block: usize,
    status: u16,
    status_source: Source,
    headers: Vec<Header>,
    body: Option<Value>,
    body_schema: Option<String>,
    /// Last endpoint mention before the block, with its line.
    context: Option<(OpMatch, usize)>,
    notes: Vec<String>,
}

#[derive(Debug, Clone)]
struct Example {
    block: usize,
    schema: String,
    pointer: Option<String>,
    value: Value,
}

#[derive(Debug, Clone)]
enum Item {
    Req(Req),
    Resp(Resp),
    Ex(Example),
}

#[derive(Debug, Clone)]
struct Proto {
    req: Option<Req>,
    resp: Option<Resp>,
    example: Option<Example>,
    blocks: Vec<usize>,
}

/// A block after errata: its text and what was applied.
struct Patched {
    text: String,
    errata: Vec<String>,
    raw: Option<String>,
}

struct Ctx<'a> {
    doc: &'a Doc,
    errata: &'a Errata,
    num: String,
}

impl Ctx<'_> {
    fn err(&self, block: &Block, message: impl Into<String>) -> ExtractError {
        ExtractError::InvalidBlock {
            doc: self.doc.name.clone(),
            lines: block.lines(),
            message: message.into(),
        }
    }

    fn lint_err(&self, block: &Block, message: impl Into<String>) -> ExtractError {
        ExtractError::Lint {
            doc: self.doc.name.clone(),
            lines: block.lines(),
            message: message.into(),
        }
    }

    fn unaccounted(&self, block: &Block, reason: impl Into<String>) -> ExtractError {
        ExtractError::Unaccounted {
            doc: self.doc.name.clone(),
            lines: block.lines(),
            reason: reason.into(),
        }
    }

    fn patch(&self, block: &Block, used: &mut BTreeSet<String>) -> Result<Patched, ExtractError> {
        let lines = block.lines();
        let mut text = block.content.clone();
        let mut applied = Vec::new();
        let mut list: Vec<_> = self
            .errata
            .errata
            .iter()
            .filter(|e| e.target == Target::Block && e.doc == self.doc.name && e.lines == lines)
            .collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        for e in list {
            for p in e.patches() {
                let count = text.matches(p.says.as_str()).count();
                if count != 1 {
                    return Err(ExtractError::Patch {
                        id: e.id.clone(),
                        message: format!(
                            "{:?} occurs {count} times in {} lines {lines} (must occur once)",
                            p.says, self.doc.name
                        ),
                    });
                }
                text = text.replacen(p.says.as_str(), &p.uses, 1);
            }
            used.insert(e.id.clone());
            applied.push(e.id.clone());
        }
        let raw = (!applied.is_empty()).then(|| block.content.clone());
        Ok(Patched {
            text,
            errata: applied,
            raw,
        })
    }

    fn item(&self, idx: usize, block: &Block, text: &str) -> Result<Item, ExtractError> {
        match &block.kind {
            BlockKind::Fenced { lang, .. } => match lang.as_str() {
                "bash" | "sh" | "shell" | "curl" | "zsh" => self.curl_item(idx, block, text),
                "json" => self.json_item(idx, block, text, true),
                "http" => self.response_item(idx, block, text),
                other => {
                    Err(self.unaccounted(block, format!("fenced block with language {other:?}")))
                }
            },
            BlockKind::PlainCurl => self.curl_item(idx, block, text),
            BlockKind::PlainResponse | BlockKind::PlainHttp => self.response_item(idx, block, text),
            BlockKind::PlainJson | BlockKind::PlainFragment => {
                self.json_item(idx, block, text, false)
            }
            BlockKind::ProseStatus => {
                let entries =
                    parse_prose_status(text).map_err(|e| self.err(block, e.to_string()))?;
                let [entry] = entries.as_slice() else {
                    let codes: Vec<String> = entries.iter().map(|e| e.code.to_string()).collect();
                    return Err(self.lint_err(
                        block,
                        format!("several statuses for one call: {}", codes.join(", ")),
                    ));
                };
                if entry.no_content && entry.schema.is_some() {
                    return Err(self.err(block, "both a body and no content"));
                }
                Ok(Item::Resp(Resp {
                    block: idx,
                    status: entry.code,
                    status_source: Source::Prose,
                    headers: Vec::new(),
                    body: None,
                    body_schema: entry.schema.clone(),
                    context: self.context(block),
                    notes: Vec::new(),
                }))
            }
        }
    }

    fn context(&self, block: &Block) -> Option<(OpMatch, usize)> {
        self.doc
            .endpoint_before(block.start)
            .and_then(|e| match_endpoint(&e.method, &e.path).map(|m| (m, e.line)))
    }

    fn curl_item(&self, idx: usize, block: &Block, text: &str) -> Result<Item, ExtractError> {
        if !text.trim_start().starts_with("curl") {
            return Err(self.unaccounted(block, "shell block that is not a curl command"));
        }
        let curl = parse_curl(text).map_err(|e| self.err(block, format!("curl: {e}")))?;
        let body = match &curl.data {
            Some(d) => Some(
                serde_json::from_str::<Value>(d)
                    .map_err(|e| self.err(block, format!("request body: {e}")))?,
            ),
            None => None,
        };
        let mut auth = Auth::None;
        for h in &curl.headers {
            if h.name.eq_ignore_ascii_case("authorization") {
                auth = if h.value.starts_with("SSWS ") {
                    Auth::Ssws
                } else if h.value.starts_with("Bearer ") {
                    Auth::Bearer
                } else {
                    return Err(self.lint_err(
                        block,
                        format!(
                            "Authorization header {:?} names no scheme (SSWS or Bearer)",
                            h.value
                        ),
                    ));
                };
            }
        }
        Ok(Item::Req(Req {
            block: idx,
            op: match_endpoint(&curl.method, &curl.url),
            method: curl.method.clone(),
            url: Some(curl.url.clone()),
            headers: curl.headers,
            body,
            auth,
            source: Source::Block,
            notes: Vec::new(),
        }))
    }

    fn response_item(&self, idx: usize, block: &Block, text: &str) -> Result<Item, ExtractError> {
        let raw = split_response(text).map_err(|e| self.err(block, e.to_string()))?;
        let body = match &raw.body {
            Some(b) => Some(
                parse_json_block(b)
                    .map_err(|e| self.err(block, format!("response body: {e}")))?
                    .value,
            ),
            None => None,
        };
        let (status, status_source, notes) = match &raw.status {
            Some(s) => (s.code, Source::Block, Vec::new()),
            None => (
                200,
                Source::Derived,
                vec!["status not shown; 200 implied by the body".to_string()],
            ),
        };
        Ok(Item::Resp(Resp {
            block: idx,
            status,
            status_source,
            headers: raw.headers,
            body,
            body_schema: None,
            context: self.context(block),
            notes,
        }))
    }

    fn json_item(
        &self,
        idx: usize,
        block: &Block,
        text: &str,
        fenced: bool,
    ) -> Result<Item, ExtractError> {
        let parsed = parse_json_block(text).map_err(|e| self.err(block, format!("JSON: {e}")))?;
        let label = self
            .doc
            .label(block.start)
            .map(|h| h.text.to_ascii_lowercase())
            .unwrap_or_default();
        let role = if !fenced || parsed.fragment.is_some() {
            "example"
        } else if label.contains("response") {
            "response"
        } else if label.contains("request") {
            "request"
        } else {
            "example"
        };
        match role {
            "response" => Ok(Item::Resp(Resp {
                block: idx,
                status: 200,
                status_source: Source::Derived,
                headers: Vec::new(),
                body: Some(parsed.value),
                body_schema: None,
                context: self.context(block),
                notes: vec!["status not shown; 200 implied by the body".to_string()],
            })),
            "request" => {
                let ep = self.doc.endpoint_before(block.start).ok_or_else(|| {
                    self.unaccounted(block, "request body with no endpoint mentioned before it")
                })?;
                Ok(Item::Req(Req {
                    block: idx,
                    op: match_endpoint(&ep.method, &ep.path),
                    method: ep.method.clone(),
                    url: Some(ep.path.clone()),
                    headers: Vec::new(),
                    body: Some(parsed.value),
                    auth: Auth::Ssws,
                    source: Source::Block,
                    notes: vec![format!(
                        "request body only; method and path from line {} ({} {}); SSWS auth assumed",
                        ep.line, ep.method, ep.path
                    )],
                }))
            }
            _ => {
                let key = parsed.fragment.clone().unwrap_or_default();
                let path = self.doc.heading_path(block.start);
                let rule = path.iter().find_map(|h| {
                    let heading = h.text.to_ascii_lowercase();
                    SCHEMA_RULES.iter().find(|(pat, member, _, _)| {
                        heading.contains(&pat.to_ascii_lowercase()) && *member == key
                    })
                });
                let Some((_, _, schema, pointer)) = rule else {
                    return Err(self.unaccounted(
                        block,
                        format!("standalone JSON with no known schema (member {key:?})"),
                    ));
                };
                Ok(Item::Ex(Example {
                    block: idx,
                    schema: (*schema).to_string(),
                    pointer: (!pointer.is_empty()).then(|| (*pointer).to_string()),
                    value: parsed.value,
                }))
            }
        }
    }
}

fn same_endpoint(a: &Req, b: &Req) -> bool {
    match (&a.op, &b.op) {
        (Some(x), Some(y)) => x.def.id == y.def.id,
        (None, None) => a.method == b.method && a.url == b.url,
        _ => false,
    }
}

/// Whether a response may answer a request: unless an endpoint mention naming another
/// operation appears between the request block and the response, it does.
fn compatible(context: &Option<(OpMatch, usize)>, req: &Req, blocks: &[Block]) -> bool {
    match (context, &req.op) {
        (None, _) => true,
        (Some((_, line)), _) if *line < blocks[req.block].start => true,
        (Some((c, _)), Some(r)) => c.def.id == r.def.id,
        (Some(_), None) => false,
    }
}

fn pair(protos: &mut Vec<Proto>, group: &[Req], resp: Option<&Resp>, spec: Option<&Resp>) {
    for r in group {
        let mut blocks = vec![r.block];
        if let Some(s) = spec {
            blocks.push(s.block);
        }
        let resp = resp.or(spec).cloned();
        if let Some(x) = &resp {
            blocks.push(x.block);
        }
        blocks.sort_unstable();
        blocks.dedup();
        protos.push(Proto {
            req: Some(r.clone()),
            resp,
            example: None,
            blocks,
        });
    }
}

fn group_items(items: &[Item], ctx: &Ctx, blocks: &[Block]) -> Result<Vec<Proto>, ExtractError> {
    let mut protos = Vec::new();
    let mut group: Vec<Req> = Vec::new();
    let mut answered = false;
    let mut spec: Option<Resp> = None;
    for (pos, item) in items.iter().enumerate() {
        match item {
            Item::Req(r) => {
                if !group.is_empty() && (answered || !same_endpoint(&group[0], r)) {
                    if !answered {
                        pair(&mut protos, &group, None, spec.take().as_ref());
                    }
                    group.clear();
                    answered = false;
                }
                group.push(r.clone());
            }
            Item::Resp(resp) => {
                if !group.is_empty() && !answered && compatible(&resp.context, &group[0], blocks) {
                    if let Some(s) = &spec
                        && s.status != resp.status
                    {
                        return Err(ctx.lint_err(
                            &blocks[resp.block],
                            format!(
                                "status {} disagrees with {} at lines {}",
                                resp.status,
                                s.status,
                                blocks[s.block].lines()
                            ),
                        ));
                    }
                    pair(&mut protos, &group, Some(resp), spec.take().as_ref());
                    answered = true;
                    continue;
                }
                if !group.is_empty() && !answered {
                    pair(&mut protos, &group, None, spec.take().as_ref());
                }
                group.clear();
                answered = false;
                let section = ctx.doc.section(blocks[resp.block].start).map(|h| h.line);
                let next_is_req = match items.get(pos + 1) {
                    Some(Item::Req(n)) => {
                        ctx.doc.section(blocks[n.block].start).map(|h| h.line) == section
                            && compatible(&resp.context, n, blocks)
                    }
                    _ => false,
                };
                if next_is_req && spec.is_none() {
                    spec = Some(resp.clone());
                    continue;
                }
                let ctx_op = resp.context.clone().map(|(m, _)| m).ok_or_else(|| {
                    ctx.unaccounted(
                        &blocks[resp.block],
                        "response with no request and no endpoint",
                    )
                })?;
                let req = Req {
                    block: resp.block,
                    method: ctx_op.def.method.to_string(),
                    url: None,
                    op: Some(ctx_op),
                    headers: Vec::new(),
                    body: None,
                    auth: Auth::Ssws,
                    source: Source::Derived,
                    notes: vec![
                        "request not shown; derived from the operation heading, SSWS auth assumed"
                            .into(),
                    ],
                };
                protos.push(Proto {
                    req: Some(req),
                    resp: Some(resp.clone()),
                    example: None,
                    blocks: vec![resp.block],
                });
            }
            Item::Ex(e) => {
                if !group.is_empty() && !answered {
                    pair(&mut protos, &group, None, spec.take().as_ref());
                }
                group.clear();
                answered = false;
                protos.push(Proto {
                    req: None,
                    resp: None,
                    example: Some(e.clone()),
                    blocks: vec![e.block],
                });
            }
        }
    }
    if !group.is_empty() && !answered {
        pair(&mut protos, &group, None, spec.take().as_ref());
    }
    if let Some(s) = spec {
        return Err(ctx.unaccounted(
            &blocks[s.block],
            "response description never paired with a request",
        ));
    }
    Ok(protos)
}

fn default_value(num: &str, name: &str) -> String {
    VARIABLE_DEFAULTS
        .iter()
        .find(|(d, n, _)| *d == num && *n == name)
        .or_else(|| {
            VARIABLE_DEFAULTS
                .iter()
                .find(|(d, n, _)| *d == "*" && *n == name)
        })
        .map(|(_, _, v)| (*v).to_string())
        .unwrap_or_else(|| format!("example-{name}"))
}

fn placeholders_in(text: &str, out: &mut BTreeSet<String>) {
    if let Some(re) = &*PLACEHOLDER {
        for c in re.captures_iter(text) {
            if let Some(m) = c.get(1).or_else(|| c.get(2)) {
                out.insert(m.as_str().to_string());
            }
        }
    }
}

fn substitute(text: &str, vars: &BTreeMap<String, String>) -> String {
    let Some(re) = &*PLACEHOLDER else {
        return text.to_string();
    };
    re.replace_all(text, |c: &regex::Captures| {
        let name = c
            .get(1)
            .or_else(|| c.get(2))
            .map(|m| m.as_str())
            .unwrap_or("");
        vars.get(name).cloned().unwrap_or_else(|| c[0].to_string())
    })
    .into_owned()
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn chain_key(op: &str) -> Option<&'static str> {
    Some(match op {
        "createPolicy" | "getPolicy" | "replacePolicy" => "policyId",
        "createPolicyRule" | "getPolicyRule" | "replacePolicyRule" => "ruleId",
        "mapResourceToPolicy" | "getPolicyMapping" => "mappingId",
        "getDevice" => "deviceId",
        _ => return None,
    })
}

/// A prose or heading erratum's reach: `(first line, end line, erratum id, affected cases)`.
type SectionErratum<'a> = (usize, usize, &'a str, &'a Vec<String>);

/// Builds the cases and the manifest entry of one document.
pub(crate) fn build_doc(
    doc: &Doc,
    errata: &Errata,
    used: &mut BTreeSet<String>,
) -> Result<(Vec<Case>, ManifestDoc), ExtractError> {
    let ctx = Ctx {
        doc,
        errata,
        num: doc_number(&doc.name).to_string(),
    };
    let non_example = non_examples(doc, errata)?;
    // Errata and items.
    let mut patched: BTreeMap<usize, Patched> = BTreeMap::new();
    let mut items = Vec::new();
    for (idx, block) in doc.blocks.iter().enumerate() {
        if non_example.contains_key(&idx) {
            continue;
        }
        let p = ctx.patch(block, used)?;
        items.push(ctx.item(idx, block, &p.text)?);
        patched.insert(idx, p);
    }
    let section_errata = section_errata(doc, errata, used)?;

    let protos = group_items(&items, &ctx, &doc.blocks)?;
    let mut chain: BTreeMap<String, String> = BTreeMap::new();
    let mut cases = Vec::new();
    for proto in protos {
        let start = doc.blocks[proto.blocks[0]].start;
        let spanning: Vec<String> = section_errata
            .iter()
            .filter(|(a, z, _, _)| *a < start && start < *z)
            .map(|(_, _, id, _)| (*id).to_string())
            .collect();
        let case = build_case(&ctx, &proto, &patched, &chain, &spanning)?;
        if let (Some(op), Some(resp)) = (&case.operation, &case.response)
            && let Some(key) = chain_key(op)
            && (200..300).contains(&resp.status)
            && let Some(id) = resp
                .body
                .as_ref()
                .and_then(|b| b.get("id"))
                .and_then(Value::as_str)
        {
            chain.insert(key.to_string(), id.to_string());
        }
        cases.push((proto.blocks.clone(), case));
    }
    assign_ids(&mut cases);
    apply_section_errata(&section_errata, &mut cases)?;

    let manifest_blocks = manifest_blocks(doc, &cases, &patched, &non_example);
    let cases: Vec<Case> = cases.into_iter().map(|(_, c)| c).collect();
    let manifest = ManifestDoc {
        doc: doc.name.clone(),
        block_count: doc.blocks.len(),
        case_count: cases.len(),
        blocks: manifest_blocks,
    };
    Ok((cases, manifest))
}

/// The blocks of `doc` the errata declare non-examples, by index, with the reason.
fn non_examples(doc: &Doc, errata: &Errata) -> Result<BTreeMap<usize, String>, ExtractError> {
    let mut non_example: BTreeMap<usize, String> = BTreeMap::new();
    for ne in errata.non_examples.iter().filter(|n| n.doc == doc.name) {
        let idx = doc
            .blocks
            .iter()
            .position(|b| b.lines() == ne.lines)
            .ok_or_else(|| ExtractError::NonExample {
                doc: doc.name.clone(),
                lines: ne.lines.clone(),
            })?;
        non_example.insert(idx, ne.reason.clone());
    }
    Ok(non_example)
}

/// The prose and heading errata of `doc`, each with the section it spans; checks that every
/// patch's text is there and marks the erratum used.
fn section_errata<'a>(
    doc: &Doc,
    errata: &'a Errata,
    used: &mut BTreeSet<String>,
) -> Result<Vec<SectionErratum<'a>>, ExtractError> {
    let mut section_errata: Vec<SectionErratum<'a>> = Vec::new();
    for e in errata
        .errata
        .iter()
        .filter(|e| e.doc == doc.name && matches!(e.target, Target::Prose | Target::Heading))
    {
        let (a, b) = crate::corpus::parse_lines(&e.lines).ok_or_else(|| ExtractError::Patch {
            id: e.id.clone(),
            message: format!("bad line range {:?}", e.lines),
        })?;
        let text = doc.text(a, b);
        for p in e.patches() {
            if !text.contains(p.says.as_str()) {
                return Err(ExtractError::Patch {
                    id: e.id.clone(),
                    message: format!("{:?} not found in {} lines {}", p.says, doc.name, e.lines),
                });
            }
        }
        used.insert(e.id.clone());
        // The erratum's section spans from its heading to the next heading of the same or a
        // higher level.
        let heading = doc
            .headings
            .iter()
            .rfind(|h| h.text == e.section && h.line <= b)
            .ok_or_else(|| ExtractError::Patch {
                id: e.id.clone(),
                message: format!("no heading {:?} at or before line {b}", e.section),
            })?;
        let end = doc
            .headings
            .iter()
            .find(|h| h.line > heading.line && h.level <= heading.level)
            .map(|h| h.line)
            .unwrap_or(usize::MAX);
        section_errata.push((heading.line, end, e.id.as_str(), &e.affects));
    }
    Ok(section_errata)
}

/// Adds each section erratum to the cases it names as affected.
fn apply_section_errata(
    section_errata: &[SectionErratum<'_>],
    cases: &mut [(Vec<usize>, Case)],
) -> Result<(), ExtractError> {
    for (_, _, id, affects) in section_errata {
        for target in affects.iter() {
            let (_, case) = cases
                .iter_mut()
                .find(|(_, c)| &c.id == target)
                .ok_or_else(|| ExtractError::Patch {
                    id: (*id).to_string(),
                    message: format!("affects unknown case {target}"),
                })?;
            if !case.errata.iter().any(|x| x == id) {
                case.errata.push((*id).to_string());
                case.errata.sort();
            }
        }
    }
    Ok(())
}

/// The manifest rows of every block of `doc`: its cases, errata and non-example reason.
fn manifest_blocks(
    doc: &Doc,
    cases: &[(Vec<usize>, Case)],
    patched: &BTreeMap<usize, Patched>,
    non_example: &BTreeMap<usize, String>,
) -> Vec<ManifestBlock> {
    let mut manifest_blocks = Vec::new();
    for (idx, block) in doc.blocks.iter().enumerate() {
        let section = doc
            .section(block.start)
            .map(|h| h.text.clone())
            .unwrap_or_default();
        manifest_blocks.push(ManifestBlock {
            lines: block.lines(),
            kind: block.kind.name(),
            section,
            cases: cases
                .iter()
                .filter(|(b, _)| b.contains(&idx))
                .map(|(_, c)| c.id.clone())
                .collect(),
            errata: patched
                .get(&idx)
                .map(|p| p.errata.clone())
                .unwrap_or_default(),
            non_example: non_example.get(&idx).cloned(),
        });
    }
    manifest_blocks
}

fn build_case(
    ctx: &Ctx,
    proto: &Proto,
    patched: &BTreeMap<usize, Patched>,
    chain: &BTreeMap<String, String>,
    section_errata: &[String],
) -> Result<Case, ExtractError> {
    let doc = ctx.doc;
    let first = &doc.blocks[proto.blocks[0]];
    let section = doc
        .section(first.start)
        .map(|h| h.text.clone())
        .ok_or_else(|| ctx.unaccounted(first, "block under no heading"))?;

    let (mut errata, block_refs) = block_refs(doc, proto, patched);
    errata.extend(section_errata.iter().cloned());
    let mut variables = case_variables(ctx, proto, chain);
    lint_values(ctx, proto, first)?;

    let mut notes = Vec::new();
    let mut case = Case {
        errata: errata.into_iter().collect(),
        blocks: block_refs,
        ..Case::new(doc.name.clone(), section)
    };

    if let Some(ex) = &proto.example {
        apply_example(ctx, first, ex, &mut case)?;
    }
    if let Some(r) = &proto.req {
        notes.extend(r.notes.iter().cloned());
        apply_request(ctx, proto, r, &mut variables, &mut case);
    }
    if let Some(x) = &proto.resp {
        notes.extend(x.notes.iter().cloned());
        case.response = Some(checked_response(ctx, proto, x)?);
    }
    case.variables = variables;
    notes.dedup();
    case.notes = notes;
    Ok(case)
}

/// The errata applied to the blocks of `proto` and a reference to each block with its role.
fn block_refs(
    doc: &Doc,
    proto: &Proto,
    patched: &BTreeMap<usize, Patched>,
) -> (BTreeSet<String>, Vec<BlockRef>) {
    let mut errata: BTreeSet<String> = BTreeSet::new();
    let mut block_refs = Vec::new();
    for &b in &proto.blocks {
        let block = &doc.blocks[b];
        let p = patched.get(&b);
        errata.extend(p.map(|p| p.errata.clone()).unwrap_or_default());
        let role = match (&proto.req, &proto.resp) {
            _ if proto.example.is_some() => "example",
            (Some(r), _) if r.block == b && r.source == Source::Block => "request",
            _ => "response",
        };
        block_refs.push(BlockRef {
            lines: block.lines(),
            kind: block.kind.name(),
            role: role.to_string(),
            raw: p.and_then(|p| p.raw.clone()),
        });
    }
    (errata, block_refs)
}

/// Every placeholder of `proto` with its value: from the chain of earlier cases, else the
/// default.
fn case_variables(
    ctx: &Ctx,
    proto: &Proto,
    chain: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut names = BTreeSet::new();
    if let Some(r) = &proto.req {
        if let Some(u) = &r.url {
            placeholders_in(u, &mut names);
        }
        for h in &r.headers {
            placeholders_in(&h.value, &mut names);
        }
    }
    let mut texts = Vec::new();
    for v in [
        proto.req.as_ref().and_then(|r| r.body.as_ref()),
        proto.resp.as_ref().and_then(|r| r.body.as_ref()),
        proto.example.as_ref().map(|e| &e.value),
    ]
    .into_iter()
    .flatten()
    {
        strings(v, &mut texts);
    }
    if let Some(r) = &proto.resp {
        texts.extend(r.headers.iter().map(|h| h.value.clone()));
    }
    for t in &texts {
        placeholders_in(t, &mut names);
    }
    if let Some(r) = proto.req.as_ref().filter(|r| r.source == Source::Derived)
        && let Some(op) = &r.op
    {
        names.extend(op.params.iter().map(|(n, _)| n.clone()));
    }
    names
        .into_iter()
        .map(|n| {
            let v = chain
                .get(&n)
                .cloned()
                .unwrap_or_else(|| default_value(&ctx.num, &n));
            (n, v)
        })
        .collect()
}

/// Lints on every JSON value of `proto`.
fn lint_values(ctx: &Ctx, proto: &Proto, first: &Block) -> Result<(), ExtractError> {
    for (what, v) in [
        (
            "request body",
            proto.req.as_ref().and_then(|r| r.body.as_ref()),
        ),
        (
            "response body",
            proto.resp.as_ref().and_then(|r| r.body.as_ref()),
        ),
        ("example", proto.example.as_ref().map(|e| &e.value)),
    ] {
        if let Some(l) = v.and_then(|v| lint(v).into_iter().next()) {
            return Err(ctx.lint_err(first, format!("{what} {}: {}", l.pointer, l.message)));
        }
    }
    Ok(())
}

/// Checks a standalone example's shape against its schema and records it on `case`.
fn apply_example(
    ctx: &Ctx,
    first: &Block,
    ex: &Example,
    case: &mut Case,
) -> Result<(), ExtractError> {
    let wants_array = ex.schema.ends_with("List");
    let target = match &ex.pointer {
        Some(p) => ex.value.pointer(p),
        None => Some(&ex.value),
    };
    let ok = target.is_some_and(|t| {
        if wants_array {
            t.is_array()
        } else {
            t.is_object()
        }
    });
    if !ok {
        return Err(ctx.lint_err(
            first,
            format!(
                "{} example must be {}",
                ex.schema,
                if wants_array { "an array" } else { "an object" }
            ),
        ));
    }
    case.schema = Some(ex.schema.clone());
    case.schema_pointer = ex.pointer.clone();
    case.example = Some(ex.value.clone());
    Ok(())
}

/// The path and path parameters of a request: the matched operation's, else the URL's path.
fn request_path(
    ctx: &Ctx,
    r: &Req,
    variables: &BTreeMap<String, String>,
) -> (String, BTreeMap<String, String>) {
    match &r.op {
        Some(m) => {
            let mut pp = BTreeMap::new();
            for (name, seg) in &m.params {
                let value = match placeholder_name(seg) {
                    Some(ph) => variables
                        .get(ph)
                        .cloned()
                        .unwrap_or_else(|| default_value(&ctx.num, ph)),
                    None => seg.clone(),
                };
                pp.insert(name.clone(), value);
            }
            (m.def.path.to_string(), pp)
        }
        None => (
            r.url
                .as_deref()
                .map(super::ops::path_of)
                .unwrap_or("")
                .to_string(),
            BTreeMap::new(),
        ),
    }
}

/// The path parameters of a request derived from an operation (no request block): from the
/// variables, or the id an error example names as missing.
fn derived_path_params(
    ctx: &Ctx,
    proto: &Proto,
    m: &OpMatch,
    variables: &mut BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut path_params: BTreeMap<String, String> = m
        .def
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|n| {
            (
                n.to_string(),
                variables
                    .get(n)
                    .cloned()
                    .unwrap_or_else(|| default_value(&ctx.num, n)),
            )
        })
        .collect();
    // An error example naming the missing id: use that id.
    let summary = proto
        .resp
        .as_ref()
        .and_then(|x| x.body.as_ref())
        .and_then(|b| b.get("errorSummary"))
        .and_then(Value::as_str);
    if let (Some(s), Some(re), Some(last)) = (summary, &*NOT_FOUND_ID, m.params.last())
        && let Some(c) = re.captures(s)
    {
        path_params.insert(last.0.clone(), c[1].to_string());
        variables.insert(last.0.clone(), c[1].to_string());
    }
    path_params
}

/// The query of a request's URL with its placeholders substituted (new ones get defaults).
fn request_query(
    ctx: &Ctx,
    r: &Req,
    variables: &mut BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut query = BTreeMap::new();
    if let Some(q) = r.url.as_deref().and_then(query_of) {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            let mut found = BTreeSet::new();
            placeholders_in(&v, &mut found);
            for n in found {
                variables
                    .entry(n.clone())
                    .or_insert_with(|| default_value(&ctx.num, &n));
            }
            query.insert(k.into_owned(), substitute(&v, variables));
        }
    }
    query
}

/// Records the request of `proto` on `case`: its operation (or why there is none) and the
/// request itself.
fn apply_request(
    ctx: &Ctx,
    proto: &Proto,
    r: &Req,
    variables: &mut BTreeMap<String, String>,
    case: &mut Case,
) {
    let (path, mut path_params) = request_path(ctx, r, variables);
    if r.source == Source::Derived
        && let Some(m) = &r.op
    {
        path_params = derived_path_params(ctx, proto, m, variables);
    }
    let query = request_query(ctx, r, variables);
    match &r.op {
        Some(m) if m.in_spec => case.operation = Some(m.def.id.to_string()),
        Some(m) => {
            case.reason = Some(format!(
                "{} {} ({}) is outside the 25 operations of the spec",
                m.def.method, m.def.path, m.def.id
            ))
        }
        None => case.reason = Some(format!("{} {} matches no known endpoint", r.method, path)),
    }
    case.request = Some(Request {
        method: r.method.clone(),
        path,
        path_params,
        query,
        raw_url: r.url.clone().filter(|_| r.source == Source::Block),
        auth: r.auth,
        headers: r.headers.clone(),
        body: r.body.clone(),
        source: r.source,
    });
}

/// The response of `proto`, checked against the status and shape of its operation.
fn checked_response(ctx: &Ctx, proto: &Proto, x: &Resp) -> Result<Response, ExtractError> {
    let response = Response {
        status: x.status,
        status_source: x.status_source,
        headers: x.headers.clone(),
        body: x.body.clone(),
        body_schema: x.body_schema.clone(),
    };
    let block = &ctx.doc.blocks[x.block];
    if response.status == 204 && response.body.is_some() {
        return Err(ctx.lint_err(block, "204 No Content with a body"));
    }
    let Some(def) = proto
        .req
        .as_ref()
        .and_then(|r| r.op.as_ref())
        .filter(|m| m.in_spec)
        .map(|m| m.def)
    else {
        return Ok(response);
    };
    if !(200..300).contains(&response.status) {
        return Ok(response);
    }
    if response.status != def.success {
        return Err(ctx.lint_err(
            block,
            format!(
                "{} answers {} on the real API, the document shows {}",
                def.id, def.success, response.status
            ),
        ));
    }
    if let Some(b) = &response.body
        && def.list != b.is_array()
    {
        return Err(ctx.lint_err(
            block,
            format!(
                "{} returns {}",
                def.id,
                if def.list { "an array" } else { "an object" }
            ),
        ));
    }
    if let Some(s) = &response.body_schema
        && def.list != s.ends_with("[]")
    {
        return Err(ctx.lint_err(
            block,
            format!(
                "{} returns {}, the document names {s}",
                def.id,
                if def.list { "an array" } else { "one object" }
            ),
        ));
    }
    Ok(response)
}

fn base_id(num: &str, case: &Case) -> String {
    if let Some(schema) = &case.schema {
        return format!("{num}.{schema}.{}", slug(&case.section));
    }
    let name = case.operation.clone().unwrap_or_else(|| {
        case.reason
            .as_deref()
            .and_then(|r| r.split('(').nth(1))
            .and_then(|r| r.split(')').next())
            .unwrap_or("unknownEndpoint")
            .to_string()
    });
    let status = case
        .response
        .as_ref()
        .map(|r| r.status.to_string())
        .unwrap_or_else(|| "request".to_string());
    let mut id = format!("{num}.{name}.{status}");
    if let Some(r) = &case.request
        && !r.query.is_empty()
    {
        let keys: Vec<&str> = r.query.keys().map(String::as_str).collect();
        id.push('.');
        id.push_str(&keys.join("+"));
    }
    id
}

fn assign_ids(cases: &mut [(Vec<usize>, Case)]) {
    let bases: Vec<String> = cases
        .iter()
        .map(|(_, c)| base_id(c.doc_number(), c))
        .collect();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for b in &bases {
        *count.entry(b.as_str()).or_default() += 1;
    }
    let mut ids: Vec<String> = Vec::new();
    for ((_, c), b) in cases.iter().zip(&bases) {
        let mut id = b.clone();
        if count.get(b.as_str()).copied().unwrap_or(0) > 1 {
            // Curl variants of one call are told apart by their auth scheme.
            if let Some(r) = c
                .request
                .as_ref()
                .filter(|r| !r.headers.is_empty() && c.schema.is_none())
            {
                id = format!("{id}.{}", r.auth.as_str());
            }
        }
        ids.push(id);
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for ((_, c), id) in cases.iter_mut().zip(ids) {
        let n = seen.entry(id.clone()).or_default();
        *n += 1;
        c.id = if *n == 1 { id } else { format!("{id}-{n}") };
    }
}
