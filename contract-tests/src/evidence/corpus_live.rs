//! `check --target live --corpus`: the documented request examples sent to a live org, each
//! answer compared with the documented response by shape.
//!
//! # What is sent
//!
//! - reads (`GET`) always; a documented `404` is sent with the documented (foreign) ids, other
//!   documented error answers (`400`, `403`, `429`) are skipped: they cannot be provoked safely;
//! - writes only with `--allow-writes`, and only on objects the run creates itself: a `name`
//!   in the request body becomes `okta-contract-<run>-corpus-<n>`, a documented policy id
//!   becomes a policy of the case's type created for the case, a rule id a rule created in it;
//!   every create is tracked ([`Tracker`]) and deleted at the end of the run, whatever happens;
//! - device-changing writes (delete, activate, deactivate, suspend, unsuspend) never;
//! - cases that need objects of the documenting org the run cannot create or find (an app to
//!   map, a simulation of a documented app) are skipped with the reason.
//!
//! Ids of reads are mapped to objects found in the org: a policy of the case's type (one with
//! rules or mappings when the case needs them), its first rule or mapping, the first device,
//! the first user of a device. Nothing fitting is a skip, with the reason.
//!
//! # The shape rule ([`shape_diff`])
//!
//! Only the shape of the documented response is compared, never ids, names or timestamps:
//!
//! - the status must be the documented one;
//! - a field present on both sides must have the same JSON type (`integer` and `number` are
//!   one type; `null` on either side matches anything);
//! - a documented field the answer lacks is a mismatch only where the spec requires it of
//!   that object: the example shows one object's configuration and the org answers another
//!   one of the same type, so optional content (conditions, settings of a given rule) may
//!   differ; the optional fields not there are listed in the step's message. Fields under
//!   `_links` and `_embedded` follow the object's state (an active policy links `deactivate`,
//!   an inactive one `activate`) and are compared only when present on both sides. Fields the
//!   org has and the example lacks are not mismatches (the drift report lists those the spec
//!   lacks);
//! - a documented string that is an all-caps identifier (an enum value such as `ACTIVE`) must
//!   be answered by an all-caps identifier; the `type` of the answered object (or of each
//!   answered list item) must be the documented one. Whether a new value is one the spec
//!   knows is the drift report's job;
//! - each documented list item is compared with the answered item it fits best (same `type`
//!   first, then fewest mismatches); an empty answer list is not compared.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use okta_mgmt::Client;
use okta_mgmt::hook::{ObservedResponse, RequestHook};
use serde_json::{Value, json};

use crate::corpus::{Case, Documented, substitute};
use crate::live::{Intent, Resource, RunNaming, Tracker};
use crate::replay::raw_request;
use crate::report::{EntryKind, EntryReport, Status, StepOutcome};

/// The report group of corpus cases sent to a live org.
pub const GROUP: &str = "corpus-live";

/// Operations that change a device: never sent.
const DEVICE_WRITES: &[&str] = &[
    "deleteDevice",
    "activateDevice",
    "deactivateDevice",
    "suspendDevice",
    "unsuspendDevice",
];

/// Operations that need objects of the documenting org the run can neither create nor find.
const FOREIGN: &[(&str, &str)] = &[
    (
        "mapResourceToPolicy",
        "maps an app of the documenting org to a policy; the run creates no apps",
    ),
    (
        "createPolicySimulation",
        "simulates an app instance of the documenting org; the run creates no apps",
    ),
];

/// At most this many mismatches per case.
const MAX_MISMATCHES: usize = 20;

/// Whether a case documents a request the corpus-live check considers (a request with an
/// operation or an out-of-spec endpoint).
pub fn is_request_case(case: &Case) -> bool {
    case.request.is_some()
}

/// The answer of one call.
#[derive(Debug, Clone, Default)]
struct Answer {
    status: u16,
    body: Option<Value>,
}

/// A hook keeping the final response of the one call it is installed for.
#[derive(Debug, Default)]
struct Capture(Mutex<Option<Answer>>);

impl RequestHook for Capture {
    fn on_response(&self, response: &ObservedResponse<'_>) {
        let body = response.body();
        let answer = Answer {
            status: response.status().as_u16(),
            body: (!body.is_empty()).then(|| {
                serde_json::from_slice(body)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
            }),
        };
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(answer);
    }
}

/// Sends the documented examples of a corpus to a live org.
#[derive(Debug)]
pub struct CorpusLive<'a> {
    /// The client (with the run's observer, if recording).
    pub client: Client,
    /// The run's naming.
    pub naming: &'a RunNaming,
    /// Where creates are recorded for cleanup.
    pub tracker: Arc<Tracker>,
    /// `--allow-writes`.
    pub allow_writes: bool,
    /// The whole corpus (rule bodies are taken from its create examples).
    pub corpus: &'a [Case],
}

/// A failed preparation: skip the case (with the reason) or fail it.
enum Prep {
    Skip(String),
    Fail(String),
}

impl From<okta_mgmt::Error> for Prep {
    fn from(e: okta_mgmt::Error) -> Self {
        Prep::Fail(e.to_string())
    }
}

fn ms(t: Instant) -> u64 {
    u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn step(name: &str, status: Status, message: Option<String>, t: Instant) -> StepOutcome {
    StepOutcome {
        name: name.to_owned(),
        status,
        expected: None,
        actual: None,
        message,
        curl: None,
        request_id: None,
        duration_ms: ms(t),
    }
}

const STEPS: &[&str] = &["prepare", "send", "status", "shape"];

fn planned() -> Vec<String> {
    STEPS.iter().map(|s| (*s).to_owned()).collect()
}

/// The rule type of a policy type (`OKTA_SIGN_ON` policies hold `SIGN_ON` rules).
fn policy_type_of_rule(rule_type: &str) -> &str {
    match rule_type {
        "SIGN_ON" => "OKTA_SIGN_ON",
        other => other,
    }
}

fn is_rule_op(op: &str) -> bool {
    op.contains("PolicyRule")
}

/// The policy type a case is about: its `type` query, the body's `type`, the documented
/// answer's `type` (of a rule: its policy's type).
fn policy_type(case: &Case, doc: &Documented) -> Option<String> {
    let op = case.operation.as_deref().unwrap_or("");
    let from_body = |b: &Value| {
        b.get("type")
            .or_else(|| b.get(0).and_then(|i| i.get("type")))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let found = case
        .request
        .as_ref()
        .and_then(|r| r.query.get("type").cloned())
        .or_else(|| doc.request_body.as_ref().and_then(from_body))
        .or_else(|| doc.response_body.as_ref().and_then(from_body))?;
    Some(if is_rule_op(op) {
        policy_type_of_rule(&found).to_owned()
    } else {
        found
    })
}

fn is_enum_like(s: &str) -> bool {
    s.len() > 1
        && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A documented field the answer lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// Pointer of the field in the documented example.
    pub documented: String,
    /// Pointer of the object lacking it in the answer.
    pub live_parent: String,
    /// The field.
    pub field: String,
    /// Its documented JSON type.
    pub kind: &'static str,
}

/// What [`shape_diff`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShapeDiff {
    /// Type and enum mismatches, as `pointer: what` lines.
    pub mismatches: Vec<String>,
    /// Documented fields the answer lacks (mismatches only where the spec requires them).
    pub missing: Vec<Missing>,
}

impl ShapeDiff {
    fn len(&self) -> usize {
        self.mismatches.len() + self.missing.len()
    }
}

/// Where `live` no longer has the shape of `documented` (see the module documentation).
pub fn shape_diff(documented: &Value, live: &Value) -> ShapeDiff {
    let mut out = ShapeDiff::default();
    shape_into(documented, live, "", "", Place::Top, &mut out);
    out.mismatches.truncate(MAX_MISMATCHES);
    out.missing.truncate(MAX_MISMATCHES);
    out
}

/// Where in the body a value sits: the answered object itself (or an item of the answered
/// list), under `_links`/`_embedded` (lenient), or anywhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Top,
    TopList,
    Nested,
    Lenient,
}

fn shape_into(doc: &Value, live: &Value, ptr: &str, lptr: &str, place: Place, out: &mut ShapeDiff) {
    if out.len() >= 2 * MAX_MISMATCHES || doc.is_null() || live.is_null() {
        return;
    }
    let lenient = place == Place::Lenient;
    let at = if ptr.is_empty() { "/" } else { ptr };
    if kind(doc) != kind(live) {
        out.mismatches.push(format!(
            "{at}: documented {} but the org answers {}",
            kind(doc),
            kind(live)
        ));
        return;
    }
    match (doc, live) {
        (Value::Object(d), Value::Object(l)) => {
            for (k, dv) in d {
                let p = format!("{ptr}/{}", escape(k));
                let lp = format!("{lptr}/{}", escape(k));
                let next = if lenient || k == "_links" || k == "_embedded" {
                    Place::Lenient
                } else {
                    Place::Nested
                };
                match l.get(k) {
                    Some(lv) => {
                        if matches!(place, Place::Top | Place::TopList)
                            && k == "type"
                            && let (Some(a), Some(b)) = (dv.as_str(), lv.as_str())
                            && a != b
                        {
                            out.mismatches
                                .push(format!("{p}: documented {a:?} but the org answers {b:?}"));
                            continue;
                        }
                        shape_into(dv, lv, &p, &lp, next, out);
                    }
                    None if lenient || dv.is_null() => {}
                    None => out.missing.push(Missing {
                        documented: p,
                        live_parent: if lptr.is_empty() {
                            "/".into()
                        } else {
                            lptr.to_owned()
                        },
                        field: k.clone(),
                        kind: kind(dv),
                    }),
                }
            }
        }
        (Value::Array(d), Value::Array(l)) => {
            if l.is_empty() {
                return;
            }
            let item_place = match place {
                Place::Top => Place::TopList,
                Place::Lenient => Place::Lenient,
                _ => Place::Nested,
            };
            for (i, dv) in d.iter().enumerate() {
                let best = best_match(dv, l, item_place);
                shape_into(
                    dv,
                    &l[best],
                    &format!("{ptr}/{i}"),
                    &format!("{lptr}/{best}"),
                    item_place,
                    out,
                );
            }
        }
        (Value::String(d), Value::String(l)) if is_enum_like(d) && !is_enum_like(l) && !lenient => {
            out.mismatches.push(format!(
                "{at}: documented the enum value {d:?} but the org answers {l:?}"
            ));
        }
        _ => {}
    }
}

/// Index of the answered item that fits the documented one best.
fn best_match(doc: &Value, live: &[Value], place: Place) -> usize {
    let same_type = |v: &Value| doc.get("type").is_some() && v.get("type") == doc.get("type");
    let mut best = (usize::MAX, 0);
    for (i, l) in live.iter().enumerate() {
        let mut found = ShapeDiff::default();
        shape_into(doc, l, "", "", place, &mut found);
        let score = found.len() + if same_type(l) { 0 } else { 1000 };
        if score < best.0 {
            best = (score, i);
        }
    }
    best.1
}

/// Splits the missing fields: those the spec requires of the answered object (mismatches)
/// and the others (optional content this object does not have).
fn classify_missing(
    op: &str,
    status: u16,
    live: &Value,
    missing: &[Missing],
) -> (Vec<String>, Vec<String>) {
    let node = crate::schema_check::spec().ok().and_then(|spec| {
        let node = spec.operation(op)?.response(status)?.body.clone()?;
        Some((spec, node))
    });
    let mut required = Vec::new();
    let mut optional = Vec::new();
    for m in missing {
        let is_required = node.as_ref().is_some_and(|(spec, node)| {
            super::drift::required_at(spec, node, live, &m.live_parent)
                .is_some_and(|r| r.contains(&m.field))
        });
        let line = format!("{}: documented ({})", m.documented, m.kind);
        if is_required {
            required.push(format!(
                "{line} and required by the spec, but the org does not answer it"
            ));
        } else {
            optional.push(m.documented.clone());
        }
    }
    (required, optional)
}

/// What a case sends, once it is known that it may be sent.
struct Plan<'c> {
    req: &'c crate::corpus::Request,
    op: &'c str,
    method: String,
    documented_status: Option<u16>,
    /// A documented 404 read: sent with the documented ids.
    error_case: bool,
    write: bool,
}

impl<'c> Plan<'c> {
    /// The plan of `case`, or why it is not sent.
    fn of(case: &'c Case, allow_writes: bool) -> Result<Self, String> {
        let req = case.request.as_ref().ok_or("not a request example")?;
        let op = case.operation.as_deref().ok_or_else(|| {
            format!(
                "an endpoint outside the spec ({})",
                case.reason.as_deref().unwrap_or("no operation")
            )
        })?;
        let method = req.method.to_ascii_uppercase();
        let documented_status = case.response.as_ref().map(|r| r.status);
        if DEVICE_WRITES.contains(&op) {
            return Err(format!("{op} changes a device: never sent to a live org"));
        }
        if let Some((_, why)) = FOREIGN.iter().find(|(o, _)| *o == op) {
            return Err((*why).to_owned());
        }
        let error_case = documented_status.is_some_and(|s| s >= 400);
        if error_case && !(method == "GET" && documented_status == Some(404)) {
            return Err(format!(
                "documents an error answer ({}) that cannot be provoked safely",
                documented_status.unwrap_or_default()
            ));
        }
        let write = method != "GET";
        if write && !allow_writes {
            return Err(
                "writes: pass --allow-writes to send it (on objects the run creates)".into(),
            );
        }
        Ok(Self {
            req,
            op,
            method,
            documented_status,
            error_case,
            write,
        })
    }

    fn send_step_name(&self) -> String {
        format!("send {} {}", self.method, self.req.path)
    }
}

/// The entry of a case that stopped after `steps`: the remaining planned steps are not run.
fn stopped(case: &Case, mut steps: Vec<StepOutcome>, reason: &str, start: Instant) -> EntryReport {
    steps.extend(
        STEPS[steps.len()..]
            .iter()
            .map(|s| StepOutcome::not_run(s, Status::NotRun, reason)),
    );
    EntryReport::from_steps(&case.id, GROUP, EntryKind::Case, steps, ms(start))
}

fn skipped(case: &Case, reason: String) -> EntryReport {
    EntryReport::skipped(
        &case.id,
        GROUP,
        EntryKind::Case,
        reason,
        &planned(),
        Status::Skipped,
    )
}

/// The status step: the documented status (or any 2xx) against the org's; and whether it held.
fn status_step(documented: Option<u16>, answered: u16) -> (StepOutcome, bool) {
    let t = Instant::now();
    let ok = documented.map_or((200..300).contains(&answered), |s| s == answered);
    if ok {
        return (step("status", Status::Passed, None, t), true);
    }
    let mut s = step(
        "status",
        Status::Failed,
        Some("the documented status no longer matches the org".to_owned()),
        t,
    );
    s.expected = Some(documented.map_or_else(|| "a 2xx status".to_owned(), |x| x.to_string()));
    s.actual = Some(answered.to_string());
    (s, false)
}

/// The shape step: the documented response body against the org's, by shape.
fn shape_step(op: &str, doc: &Documented, answer: &Answer, status_ok: bool) -> StepOutcome {
    let t = Instant::now();
    match (&doc.response_body, &answer.body) {
        _ if !status_ok => StepOutcome::not_run("shape", Status::NotRun, "the status differs"),
        (Some(documented), Some(live)) => {
            let found = shape_diff(documented, live);
            let (mut diff, optional) = classify_missing(op, answer.status, live, &found.missing);
            diff.splice(0..0, found.mismatches);
            let note = (!optional.is_empty()).then(|| {
                format!(
                    "optional documented fields this object does not have (not compared): {}",
                    optional.join(", ")
                )
            });
            if diff.is_empty() {
                return step("shape", Status::Passed, note, t);
            }
            let mut s = step(
                "shape",
                Status::Failed,
                Some(format!(
                    "the documented response no longer matches the org: {}",
                    diff.join("; ")
                )),
                t,
            );
            s.expected = Some("the documented example's shape".into());
            s.actual = Some(diff.join("; "));
            s
        }
        (Some(_), None) => step(
            "shape",
            Status::Failed,
            Some("a body is documented but the org answered none".into()),
            t,
        ),
        (None, _) => step(
            "shape",
            Status::Passed,
            Some("no documented body: status only".into()),
            t,
        ),
    }
}

impl CorpusLive<'_> {
    /// Runs one case: an entry of group [`GROUP`] with the steps prepare, send, status and
    /// shape (or a skipped entry with the reason).
    pub async fn run_case(&self, case: &Case, index: usize) -> EntryReport {
        let start = Instant::now();
        let plan = match Plan::of(case, self.allow_writes) {
            Ok(plan) => plan,
            Err(reason) => return skipped(case, reason),
        };
        let doc = Documented::of(case);
        let t = Instant::now();
        let prepared = match self.prepare_case(case, &plan, &doc, index).await {
            Ok(p) => p,
            Err(Prep::Skip(reason)) => return skipped(case, reason),
            Err(Prep::Fail(message)) => {
                let failed = vec![step("prepare", Status::Failed, Some(message), t)];
                return stopped(case, failed, "the preparation failed", start);
            }
        };
        let mut steps = vec![step(
            "prepare",
            Status::Passed,
            Some(prepared.note.clone()),
            t,
        )];
        let t = Instant::now();
        let answer = match self.send_case(case, &plan, &doc, &prepared).await {
            Ok(answer) => answer,
            Err(e) => {
                steps.push(step(&plan.send_step_name(), Status::Failed, Some(e), t));
                return stopped(case, steps, "nothing was answered", start);
            }
        };
        self.track_created(plan.op, &prepared, &answer);
        steps.push(step(&plan.send_step_name(), Status::Passed, None, t));
        let (status, status_ok) = status_step(plan.documented_status, answer.status);
        steps.push(status);
        steps.push(shape_step(plan.op, &doc, &answer, status_ok));
        EntryReport::from_steps(&case.id, GROUP, EntryKind::Case, steps, ms(start))
    }

    /// Maps documented ids to org objects (or, for a documented 404, keeps them).
    async fn prepare_case(
        &self,
        case: &Case,
        plan: &Plan<'_>,
        doc: &Documented,
        index: usize,
    ) -> Result<Prepared, Prep> {
        if !plan.error_case {
            return self.prepare(case, plan.op, doc, plan.write, index).await;
        }
        Ok(Prepared {
            path_params: plan
                .req
                .path_params
                .iter()
                .map(|(k, v)| (k.clone(), substitute(v, &case.variables)))
                .collect(),
            body: None,
            note: "a documented 404: sent with the documented ids".into(),
        })
    }

    /// Sends the prepared request; a create is recorded as an intent before it is sent.
    async fn send_case(
        &self,
        case: &Case,
        plan: &Plan<'_>,
        doc: &Documented,
        prepared: &Prepared,
    ) -> Result<Answer, String> {
        let mut path = plan.req.path.clone();
        for (k, v) in &prepared.path_params {
            path = path.replace(&format!("{{{k}}}"), v);
        }
        // A documented request body is sent as is only on writes prepare left untouched.
        let body = prepared
            .body
            .clone()
            .or_else(|| plan.write.then(|| doc.request_body.clone()).flatten());
        if let Some(intent) = body
            .as_ref()
            .and_then(|b| serde_json::to_vec(b).ok())
            .and_then(|b| Intent::of_request(&plan.method, &path, Some(&b)))
        {
            self.tracker.intend(intent, GROUP);
        }
        self.send(
            &plan.method,
            &path,
            &plan.req.query,
            &case.variables,
            body.as_ref(),
        )
        .await
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        query: &BTreeMap<String, String>,
        vars: &BTreeMap<String, String>,
        body: Option<&Value>,
    ) -> Result<Answer, String> {
        let capture = Arc::new(Capture::default());
        let client = self.client.with_hook(capture.clone());
        let query = query.iter().map(|(k, v)| (k.clone(), substitute(v, vars)));
        let request = raw_request(&client, method, path, query, body)
            .ok_or_else(|| format!("method {method} is not sent by the corpus check"))?;
        let result = request.send().await;
        let answer = capture.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        match (answer, result) {
            (Some(a), _) => Ok(a),
            (None, Err(e)) => Err(e.to_string()),
            (None, Ok(r)) => Ok(Answer {
                status: r.status.as_u16(),
                body: None,
            }),
        }
    }

    fn track_created(&self, op: &str, prepared: &Prepared, answer: &Answer) {
        if !(200..300).contains(&answer.status) {
            return;
        }
        let id = answer
            .body
            .as_ref()
            .and_then(|b| b.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let name = answer
            .body
            .as_ref()
            .and_then(|b| b.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        match (op, id) {
            ("createPolicy" | "clonePolicy", Some(id)) => {
                self.tracker.track(Resource::Policy { id, name }, GROUP);
            }
            ("createPolicyRule", Some(id)) => {
                if let Some(policy_id) = prepared.path_params.get("policyId") {
                    self.tracker.track(
                        Resource::Rule {
                            policy_id: policy_id.clone(),
                            id,
                        },
                        GROUP,
                    );
                }
            }
            ("deletePolicy", _) => {
                if let Some(id) = prepared.path_params.get("policyId") {
                    self.tracker.forget(&Resource::Policy {
                        id: id.clone(),
                        name: String::new(),
                    });
                }
            }
            ("deletePolicyRule", _) => {
                if let (Some(p), Some(r)) = (
                    prepared.path_params.get("policyId"),
                    prepared.path_params.get("ruleId"),
                ) {
                    self.tracker.forget(&Resource::Rule {
                        policy_id: p.clone(),
                        id: r.clone(),
                    });
                }
            }
            _ => {}
        }
    }

    /// Maps the documented ids to objects of the org (found for reads, created for writes)
    /// and renames the request body.
    async fn prepare(
        &self,
        case: &Case,
        op: &str,
        doc: &Documented,
        write: bool,
        index: usize,
    ) -> Result<Prepared, Prep> {
        let req = case
            .request
            .as_ref()
            .ok_or_else(|| Prep::Skip("no request".into()))?;
        let wanted: Vec<&str> = req.path_params.keys().map(String::as_str).collect();
        let name = self.naming.name(&format!("corpus-{index}"));
        let body = doc.request_body.clone().map(|mut b| {
            if let Some(obj) = b.as_object_mut()
                && obj.contains_key("name")
            {
                obj.insert("name".into(), json!(name));
            }
            b
        });
        let mut params = BTreeMap::new();
        let mut notes = Vec::new();
        let needs = |p: &str| wanted.contains(&p);
        let ptype = policy_type(case, doc);
        if needs("deviceId") {
            let id = self.first_device().await?;
            notes.push(format!("deviceId → {id} (the first device)"));
            params.insert("deviceId".into(), id);
        }
        if needs("userId") {
            let id = self.first_device_user().await?;
            notes.push(format!("userId → {id} (a user of the first device)"));
            params.insert("userId".into(), id);
        }
        if needs("policyId") {
            let ptype = ptype.clone().unwrap_or_else(|| {
                if op.contains("Mapping") || op == "listPolicyApps" {
                    "ACCESS_POLICY".into()
                } else {
                    "PASSWORD".into()
                }
            });
            let policy_id = if write {
                let id = self.create_policy(&ptype, index).await?;
                notes.push(format!(
                    "policyId → {id} (a {ptype} policy created for the case)"
                ));
                id
            } else {
                let need = if needs("ruleId") || op == "listPolicyRules" {
                    Need::Rules
                } else if needs("mappingId") {
                    Need::Mappings
                } else {
                    Need::Nothing
                };
                let id = self.find_policy(&ptype, need).await?;
                notes.push(format!("policyId → {id} (a {ptype} policy of the org)"));
                id
            };
            if needs("ruleId") {
                let rule_id = if write {
                    self.create_rule(&policy_id, &ptype, index).await?
                } else {
                    self.first_child(&policy_id, "rules").await?
                };
                notes.push(format!("ruleId → {rule_id}"));
                params.insert("ruleId".into(), rule_id);
            }
            if needs("mappingId") {
                let id = self.first_child(&policy_id, "mappings").await?;
                notes.push(format!("mappingId → {id}"));
                params.insert("mappingId".into(), id);
            }
            params.insert("policyId".into(), policy_id);
        }
        if let Some(missing) = wanted.iter().find(|p| !params.contains_key(**p)) {
            return Err(Prep::Skip(format!(
                "no object of the org to put in for the documented {missing}"
            )));
        }
        if body.as_ref().is_some_and(|b| b.get("name").is_some()) {
            notes.push(format!("name → {name}"));
        }
        Ok(Prepared {
            path_params: params,
            body: if write { body } else { None },
            note: if notes.is_empty() {
                "nothing to map".into()
            } else {
                notes.join("; ")
            },
        })
    }

    async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, Prep> {
        let mut r = self.client.raw().get(path);
        for (k, v) in query {
            r = r.query(*k, *v);
        }
        Ok(r.send_json::<Value>().await?)
    }

    async fn first_device(&self) -> Result<String, Prep> {
        let list = self.get_json("/api/v1/devices", &[("limit", "20")]).await?;
        list.get(0)
            .and_then(|d| d.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Prep::Skip("the org has no devices".into()))
    }

    async fn first_device_user(&self) -> Result<String, Prep> {
        let list = self
            .get_json("/api/v1/devices", &[("limit", "20"), ("expand", "user")])
            .await?;
        list.as_array()
            .into_iter()
            .flatten()
            .find_map(|d| {
                d.pointer("/_embedded/users/0/user/id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .ok_or_else(|| Prep::Skip("no device of the org has a user".into()))
    }

    async fn find_policy(&self, ptype: &str, need: Need) -> Result<String, Prep> {
        let list = self
            .get_json("/api/v1/policies", &[("type", ptype)])
            .await
            .map_err(|e| match e {
                Prep::Fail(m) => Prep::Skip(format!("the org does not list {ptype} policies: {m}")),
                other => other,
            })?;
        let ids: Vec<String> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect();
        for id in &ids {
            let fits = match need {
                Need::Nothing => true,
                Need::Rules => self.first_child(id, "rules").await.is_ok(),
                Need::Mappings => self.first_child(id, "mappings").await.is_ok(),
            };
            if fits {
                return Ok(id.clone());
            }
        }
        Err(Prep::Skip(match need {
            Need::Nothing => format!("the org has no {ptype} policy"),
            Need::Rules => format!("the org has no {ptype} policy with rules"),
            Need::Mappings => format!("the org has no {ptype} policy with mappings"),
        }))
    }

    async fn first_child(&self, policy_id: &str, what: &str) -> Result<String, Prep> {
        let list = self
            .get_json(&format!("/api/v1/policies/{policy_id}/{what}"), &[])
            .await?;
        list.get(0)
            .and_then(|d| d.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Prep::Skip(format!("policy {policy_id} has no {what}")))
    }

    /// Creates `what` (`a rule`) by posting `body` to `path`; the id of the created `noun`.
    async fn post_for_id(
        &self,
        path: &str,
        body: &Value,
        what: &str,
        noun: &str,
    ) -> Result<String, Prep> {
        let created: Value = self
            .client
            .raw()
            .post(path)
            .json(body)
            .send_json()
            .await
            .map_err(|e| Prep::Skip(format!("cannot create {what} for the case: {e}")))?;
        created
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Prep::Fail(format!("the created {noun} has no id")))
    }

    async fn create_policy(&self, ptype: &str, index: usize) -> Result<String, Prep> {
        let name = self.naming.name(&format!("corpus-{index}-policy"));
        let body = json!({"type": ptype, "name": name, "status": "ACTIVE"});
        self.tracker.intend(
            Intent::Policy {
                type_name: ptype.to_owned(),
                name: name.clone(),
            },
            GROUP,
        );
        let id = self
            .post_for_id(
                "/api/v1/policies",
                &body,
                &format!("a {ptype} policy"),
                "policy",
            )
            .await?;
        self.tracker.track(
            Resource::Policy {
                id: id.clone(),
                name,
            },
            GROUP,
        );
        Ok(id)
    }

    /// A rule in `policy_id`, from the first documented create of a rule of its type.
    async fn create_rule(
        &self,
        policy_id: &str,
        ptype: &str,
        index: usize,
    ) -> Result<String, Prep> {
        let template = self
            .corpus
            .iter()
            .filter(|c| c.operation.as_deref() == Some("createPolicyRule"))
            .filter(|c| c.response.as_ref().is_some_and(|r| r.status == 200))
            .filter_map(|c| Documented::of(c).request_body)
            .find(|b| {
                b.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| policy_type_of_rule(t) == ptype)
            })
            .ok_or_else(|| {
                Prep::Skip(format!(
                    "the corpus documents no rule of a {ptype} policy to create one from"
                ))
            })?;
        let mut body = template;
        let name = self.naming.name(&format!("corpus-{index}-rule"));
        if let Some(obj) = body.as_object_mut() {
            obj.insert("name".into(), json!(name));
        }
        let path = format!("/api/v1/policies/{policy_id}/rules");
        self.tracker.intend(
            Intent::Rule {
                policy_id: policy_id.to_owned(),
                name,
            },
            GROUP,
        );
        let id = self.post_for_id(&path, &body, "a rule", "rule").await?;
        self.tracker.track(
            Resource::Rule {
                policy_id: policy_id.to_owned(),
                id: id.clone(),
            },
            GROUP,
        );
        Ok(id)
    }
}

#[derive(Debug, Clone, Copy)]
enum Need {
    Nothing,
    Rules,
    Mappings,
}

/// Ids and body a case is sent with.
#[derive(Debug, Clone)]
struct Prepared {
    path_params: BTreeMap<String, String>,
    body: Option<Value>,
    note: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_ignores_values_but_not_types_or_missing_fields() {
        let doc = json!({"id": "a", "name": "x", "priority": 1, "status": "ACTIVE", "type": "PASSWORD",
            "conditions": null, "settings": {"a": true}, "_links": {"deactivate": {"href": "h"}}});
        let same = json!({"id": "b", "name": "y", "priority": 2, "status": "INACTIVE", "type": "PASSWORD",
            "conditions": {"x": 1}, "settings": {"a": false, "extra": 1}, "_links": {"activate": {"href": "h"}}});
        assert_eq!(shape_diff(&doc, &same), ShapeDiff::default());
        let changed = json!({"id": "b", "name": "y", "priority": "2", "status": "inactive", "type": "PASSWORD",
            "settings": {}, "_links": {}});
        let diff = shape_diff(&doc, &changed);
        let m = &diff.mismatches;
        assert!(
            m.iter()
                .any(|d| d.starts_with("/priority: documented number")),
            "{diff:?}"
        );
        assert!(
            m.iter()
                .any(|d| d.starts_with("/status: documented the enum value")),
            "{diff:?}"
        );
        assert_eq!(m.len(), 2, "{diff:?}");
        assert_eq!(diff.missing.len(), 1, "{diff:?}");
        assert_eq!(diff.missing[0].documented, "/settings/a");
        assert_eq!(diff.missing[0].live_parent, "/settings");
    }

    #[test]
    fn list_items_are_compared_with_the_best_fitting_answer() {
        let doc = json!([{"type": "PASSWORD", "settings": {}}]);
        let live = json!([{"type": "OKTA_SIGN_ON"}, {"type": "PASSWORD", "settings": {"x": 1}}]);
        assert_eq!(shape_diff(&doc, &live), ShapeDiff::default());
        assert_eq!(shape_diff(&doc, &json!([])), ShapeDiff::default());
    }

    #[test]
    fn a_missing_field_is_a_mismatch_only_where_the_spec_requires_it() {
        let live = json!({"id": "00p1", "type": "PASSWORD", "status": "ACTIVE", "settings": {}});
        let missing = vec![
            Missing {
                documented: "/name".into(),
                live_parent: "/".into(),
                field: "name".into(),
                kind: "string",
            },
            Missing {
                documented: "/description".into(),
                live_parent: "/".into(),
                field: "description".into(),
                kind: "string",
            },
        ];
        let (required, optional) = classify_missing("getPolicy", 200, &live, &missing);
        assert_eq!(optional, vec!["/description".to_owned()]);
        assert_eq!(required.len(), 1, "{required:?}");
        assert!(required[0].starts_with("/name:"), "{required:?}");
    }
}
