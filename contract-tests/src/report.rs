//! Run reports of `okta-contract check`: the data model (scenarios or corpus cases, their steps,
//! cleanup) and its renderings as a terminal table, JSON, JUnit XML and Markdown.
//!
//! Every rendering goes through a [`Redactor`] before it is printed or written, so a token that
//! slipped into an error message never reaches the output.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::markdown::{self, cell as md_cell};

/// Whether a step or an entry passed, failed, was skipped or did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Everything checked held.
    Passed,
    /// A check did not hold or a call failed.
    Failed,
    /// Skipped by design on this target or run (the message says why).
    Skipped,
    /// A step that did not run because an earlier step failed or the run was interrupted (the
    /// message says which). Never the status of an entry.
    NotRun,
}

impl Status {
    /// Lower-case label.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
            Status::NotRun => "not_run",
        }
    }

    /// Upper-case label of the table (`PASS`, `FAIL`, `SKIP`, `NOT RUN`).
    pub fn label(self) -> &'static str {
        match self {
            Status::Passed => "PASS",
            Status::Failed => "FAIL",
            Status::Skipped => "SKIP",
            Status::NotRun => "NOT RUN",
        }
    }
}

/// The outcome of one step of a scenario (or one check of a corpus case).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepOutcome {
    /// What the step does, e.g. `create ACCESS_POLICY`.
    pub name: String,
    /// Passed, failed, skipped or not run.
    pub status: Status,
    /// What the step expected (on failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What it got instead (on failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// Failure message, skip reason or why the step did not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A curl command reproducing the step's request, token redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curl: Option<String>,
    /// The `X-Okta-Request-Id` of the failing response, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Wall time of the step in milliseconds.
    pub duration_ms: u64,
}

/// Every failed step of `report`, with its entry.
fn failed_steps(report: &RunReport) -> Vec<(&EntryReport, &StepOutcome)> {
    report
        .entries
        .iter()
        .flat_map(|e| e.steps.iter().map(move |s| (e, s)))
        .filter(|(_, s)| s.status == Status::Failed)
        .collect()
}

impl StepOutcome {
    /// A step that did not run: `status` is [`Status::Skipped`] or [`Status::NotRun`].
    pub fn not_run(name: &str, status: Status, reason: &str) -> Self {
        Self {
            status,
            message: Some(reason.to_owned()),
            ..Self::ok(name, 0)
        }
    }

    /// A step that passed after `duration_ms`.
    pub fn ok(name: impl Into<String>, duration_ms: u64) -> Self {
        Self {
            name: name.into(),
            status: Status::Passed,
            expected: None,
            actual: None,
            message: None,
            curl: None,
            request_id: None,
            duration_ms,
        }
    }

    /// Whether the step passed.
    pub fn passed(&self) -> bool {
        self.status == Status::Passed
    }
}

/// What an entry of the report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A scenario run against the simulator or a live org.
    Scenario,
    /// A documented example replayed against a mock.
    Case,
}

/// One scenario (or corpus case) and its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryReport {
    /// Scenario name or case id.
    pub name: String,
    /// Scenario group (or the case's document), used as the JUnit test suite.
    pub group: String,
    /// Scenario or case.
    pub kind: EntryKind,
    /// Failed if any step failed; skipped if the whole entry was skipped.
    pub status: Status,
    /// Why the entry was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    /// The steps in the order they ran.
    pub steps: Vec<StepOutcome>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
}

impl EntryReport {
    /// A skipped entry: each of `steps` (the steps it would have run) is listed with `status`
    /// ([`Status::Skipped`], or [`Status::NotRun`] after an interruption) and the reason.
    pub fn skipped(
        name: &str,
        group: &str,
        kind: EntryKind,
        reason: impl Into<String>,
        steps: &[String],
        status: Status,
    ) -> Self {
        let reason = reason.into();
        Self {
            name: name.to_owned(),
            group: group.to_owned(),
            kind,
            status: Status::Skipped,
            steps: steps
                .iter()
                .map(|step| StepOutcome::not_run(step, status, &reason))
                .collect(),
            skip_reason: Some(reason),
            duration_ms: 0,
        }
    }

    /// An entry whose status follows from its steps (failed if any failed, else passed).
    pub fn from_steps(
        name: &str,
        group: &str,
        kind: EntryKind,
        steps: Vec<StepOutcome>,
        duration_ms: u64,
    ) -> Self {
        let status = if steps.iter().any(|s| s.status == Status::Failed) {
            Status::Failed
        } else {
            Status::Passed
        };
        Self {
            name: name.to_owned(),
            group: group.to_owned(),
            kind,
            status,
            skip_reason: None,
            steps,
            duration_ms,
        }
    }

    /// Step counts by status.
    pub fn step_counts(&self) -> Counts {
        count(self.steps.iter().map(|s| s.status))
    }
}

/// How many steps (or entries) have each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped.
    pub skipped: usize,
    /// Not run.
    pub not_run: usize,
}

fn count(statuses: impl Iterator<Item = Status>) -> Counts {
    statuses.fold(Counts::default(), |mut c, status| {
        match status {
            Status::Passed => c.passed += 1,
            Status::Failed => c.failed += 1,
            Status::Skipped => c.skipped += 1,
            Status::NotRun => c.not_run += 1,
        }
        c
    })
}

/// What happened to one object during cleanup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CleanupRecord {
    /// The object, e.g. `policy rst1 (okta-contract-…-crud)`.
    pub object: String,
    /// `deleted`, `already gone`, `refused` or `failed`.
    pub action: String,
    /// Details (error message, reason for refusing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl CleanupRecord {
    /// Whether the object is gone (deleted now or before).
    pub fn ok(&self) -> bool {
        self.action == "deleted" || self.action == "already gone"
    }
}

/// A whole `check` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// `okta-contract <version>`.
    pub tool: String,
    /// `sim`, `mock` or `live`.
    pub target: String,
    /// The org URL (or the simulator's / mock's base URL).
    pub base_url: String,
    /// The run id used in names of created objects.
    pub run_id: String,
    /// RFC 3339 start time.
    pub started_at: String,
    /// Wall time of the run in milliseconds.
    pub duration_ms: u64,
    /// Whether Ctrl-C stopped the run early.
    pub interrupted: bool,
    /// Scenarios or cases, in run order.
    pub entries: Vec<EntryReport>,
    /// Cleanup done at the end of the run (after an interruption or leftovers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cleanup: Vec<CleanupRecord>,
    /// Live runs: what the org's answers show that the spec does not declare (never a failure).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<crate::evidence::drift::DriftItem>,
}

/// Totals of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Entries that passed.
    pub passed: usize,
    /// Entries that failed.
    pub failed: usize,
    /// Entries that were skipped.
    pub skipped: usize,
    /// Steps that passed.
    pub steps_passed: usize,
    /// Steps that failed.
    pub steps_failed: usize,
    /// Steps that were skipped.
    pub steps_skipped: usize,
    /// Steps that did not run (after an earlier failure or an interruption).
    pub steps_not_run: usize,
}

impl RunReport {
    /// Entry and step totals.
    pub fn totals(&self) -> Totals {
        let entries = count(self.entries.iter().map(|e| e.status));
        let steps = count(
            self.entries
                .iter()
                .flat_map(|e| e.steps.iter().map(|s| s.status)),
        );
        Totals {
            passed: entries.passed,
            failed: entries.failed,
            skipped: entries.skipped,
            steps_passed: steps.passed,
            steps_failed: steps.failed,
            steps_skipped: steps.skipped,
            steps_not_run: steps.not_run,
        }
    }

    /// True when nothing failed, cleanup left nothing behind and the run was not interrupted.
    pub fn success(&self) -> bool {
        !self.interrupted
            && self.entries.iter().all(|e| e.status != Status::Failed)
            && self.cleanup.iter().all(CleanupRecord::ok)
    }

    /// The one-line summary printed at the end of every rendering.
    pub fn summary_line(&self) -> String {
        let t = self.totals();
        let what = if self.entries.iter().any(|e| e.kind == EntryKind::Case) {
            "cases"
        } else {
            "scenarios"
        };
        format!(
            "{} {what}: {} passed, {} failed, {} skipped (steps: {} passed, {} failed, {} skipped, {} not run) in {}{}",
            self.entries.len(),
            t.passed,
            t.failed,
            t.skipped,
            t.steps_passed,
            t.steps_failed,
            t.steps_skipped,
            t.steps_not_run,
            seconds(self.duration_ms),
            if self.interrupted {
                " — interrupted"
            } else {
                ""
            },
        )
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.2} s", ms as f64 / 1000.0)
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable table with failure details (default).
    Table,
    /// The whole report as JSON.
    Json,
    /// JUnit XML: a test suite per group, a test case per step.
    Junit,
    /// A Markdown summary with failure details.
    Markdown,
}

/// Renders `report` in `format`, redacted: the secrets are removed from the report's data
/// before it is rendered (so no escaping — JSON's `\"`, XML's `&amp;` — can hide one), and the
/// rendered text is checked once more.
pub fn render(report: &RunReport, format: Format, redactor: &Redactor) -> String {
    let report = &redactor.redact_report(report);
    let text = match format {
        Format::Table => table(report),
        Format::Json => json(report),
        Format::Junit => junit(report),
        Format::Markdown => markdown(report),
    };
    redactor.redact(&text)
}

/// Replaces secrets (tokens) with `[REDACTED]`.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
    too_short: usize,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

/// Secrets shorter than this are not replaced (they would mangle ordinary text).
const MIN_SECRET_LEN: usize = 6;

impl Redactor {
    /// A redactor for these secrets.
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut r = Self::default();
        for s in secrets {
            r.add(s);
        }
        r
    }

    /// How many secrets were too short to redact safely (fewer than 6 characters: replacing
    /// them would mangle ordinary text). Warn the user about them.
    pub fn too_short(&self) -> usize {
        self.too_short
    }

    /// A report with every secret replaced in every string it holds (structured redaction,
    /// before rendering).
    pub fn redact_report(&self, report: &RunReport) -> RunReport {
        if self.secrets.is_empty() {
            return report.clone();
        }
        let Ok(mut value) = serde_json::to_value(report) else {
            return report.clone();
        };
        self.redact_value(&mut value);
        serde_json::from_value(value).unwrap_or_else(|_| report.clone())
    }

    fn redact_value(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => *s = self.redact(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.redact_value(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.redact_value(v)),
            _ => {}
        }
    }

    /// Adds a secret.
    pub fn add(&mut self, secret: impl Into<String>) {
        let secret = secret.into();
        let secret = secret.trim();
        if !secret.is_empty() && secret.len() < MIN_SECRET_LEN {
            self.too_short += 1;
        }
        if secret.len() >= MIN_SECRET_LEN && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
            // Longest first, so a secret containing another is replaced whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// `text` with every secret replaced by `[REDACTED]`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "[REDACTED]");
            }
        }
        out
    }
}

fn entry_title(e: &EntryReport) -> String {
    format!("{}/{}", e.group, e.name)
}

/// How much the terminal table shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Failures and the summary line only (`--quiet`).
    Quiet,
    /// A line per scenario, failures, cleanup and the summary (default).
    #[default]
    Normal,
    /// Also a line per step (`--verbose`).
    Verbose,
}

/// How the terminal table is drawn (files are always plain).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableStyle {
    /// ANSI colours for statuses.
    pub color: bool,
    /// What is shown.
    pub verbosity: Verbosity,
}

fn paint(style: TableStyle, status: Status, text: &str) -> String {
    if !style.color {
        return text.to_owned();
    }
    let code = match status {
        Status::Passed => "32",
        Status::Failed => "1;31",
        Status::Skipped => "33",
        Status::NotRun => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// The terminal table in `style`, redacted.
pub fn render_table(report: &RunReport, style: TableStyle, redactor: &Redactor) -> String {
    redactor.redact(&table_styled(report, style))
}

fn table(report: &RunReport) -> String {
    table_styled(report, TableStyle::default())
}

fn table_styled(report: &RunReport, style: TableStyle) -> String {
    let mut out = String::new();
    let quiet = style.verbosity == Verbosity::Quiet;
    if !quiet {
        let _ = writeln!(
            out,
            "okta-contract check — target {} ({}), run {}",
            report.target, report.base_url, report.run_id
        );
        let width = report
            .entries
            .iter()
            .map(|e| entry_title(e).chars().count())
            .max()
            .unwrap_or(8)
            .clamp(8, 70);
        let _ = writeln!(
            out,
            "{:<6} {:<width$}  {:>6} {:>6} {:>6} {:>7}  {:>9}",
            "RESULT", "SCENARIO", "PASS", "FAIL", "SKIP", "NOT RUN", "TIME"
        );
        for e in &report.entries {
            let c = e.step_counts();
            let mut title = entry_title(e);
            if title.chars().count() > width {
                title = title.chars().take(width - 1).collect::<String>() + "…";
            }
            let label = paint(style, e.status, &format!("{:<6}", e.status.label()));
            let _ = writeln!(
                out,
                "{label} {:<width$}  {:>6} {:>6} {:>6} {:>7}  {:>9}",
                title,
                c.passed,
                c.failed,
                c.skipped,
                c.not_run,
                seconds(e.duration_ms)
            );
            if let Some(reason) = &e.skip_reason {
                let _ = writeln!(out, "       ↳ skipped: {reason}");
            }
            if style.verbosity == Verbosity::Verbose {
                for s in &e.steps {
                    let label = paint(style, s.status, &format!("{:<7}", s.status.label()));
                    let _ = write!(out, "         {label} {}", s.name);
                    match (&s.status, &s.message) {
                        (Status::Skipped | Status::NotRun, Some(m)) if e.skip_reason.is_none() => {
                            let _ = write!(out, " ({m})");
                        }
                        _ => {}
                    }
                    out.push('\n');
                }
            }
        }
    }
    let failures = failed_steps(report);
    if !failures.is_empty() {
        let _ = writeln!(out, "{}Failures:", if quiet { "" } else { "\n" });
        for (i, (e, s)) in failures.iter().enumerate() {
            let _ = writeln!(out, "\n{}) {} › {}", i + 1, entry_title(e), s.name);
            for line in failure_lines(s) {
                let _ = writeln!(out, "   {line}");
            }
        }
        if quiet {
            out.push('\n');
        }
    }
    if !quiet {
        cleanup_section(&mut out, report, "\nCleanup:", "  ");
        drift_table(&mut out, report);
        out.push('\n');
    }
    let _ = writeln!(out, "{}", report.summary_line());
    if !quiet {
        let t = report.totals();
        let _ = writeln!(
            out,
            "summary: {} passed, {} failed, {} skipped",
            t.passed, t.failed, t.skipped
        );
    }
    out
}

fn failure_lines(s: &StepOutcome) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(m) = &s.message {
        lines.push(format!("error:    {m}"));
    }
    if let Some(x) = &s.expected {
        lines.push(format!("expected: {x}"));
    }
    if let Some(x) = &s.actual {
        lines.push(format!("actual:   {x}"));
    }
    if let Some(id) = &s.request_id {
        lines.push(format!("request:  X-Okta-Request-Id {id}"));
    }
    if let Some(c) = &s.curl {
        lines.push(format!("repro:    {c}"));
    }
    lines
}

fn cleanup_section(out: &mut String, report: &RunReport, title: &str, indent: &str) {
    if report.cleanup.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}");
    for c in &report.cleanup {
        let _ = write!(out, "{indent}{}: {}", c.action, c.object);
        if let Some(d) = &c.detail {
            let _ = write!(out, " ({d})");
        }
        out.push('\n');
    }
}

/// The drift section of the table: one line per item, its suggestion indented below.
fn drift_table(out: &mut String, report: &RunReport) {
    if report.drift.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nDrift (the org's answers vs the spec; not a failure): {} finding(s)",
        report.drift.len()
    );
    let mut shown: Vec<&str> = Vec::new();
    for d in &report.drift {
        let _ = writeln!(
            out,
            "  {}× {} {} {} [{}]: {}",
            d.count,
            d.operation,
            d.status,
            d.pointer,
            d.kind.as_str(),
            d.message
        );
        if let Some(s) = d.suggestion.as_deref() {
            if shown.contains(&s) {
                let _ = writeln!(out, "    suggested spec patch: as above");
                continue;
            }
            shown.push(s);
            let _ = writeln!(out, "    suggested spec patch:");
            for line in s.lines() {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
}

/// The drift section of the Markdown report.
fn drift_markdown(out: &mut String, report: &RunReport) {
    if report.drift.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Drift\n");
    let _ = writeln!(
        out,
        "What the org's answers show that the spec does not declare (not a failure).\n"
    );
    let rows = report.drift.iter().map(|d| {
        [
            d.count.to_string(),
            md_cell(&d.operation),
            d.status.to_string(),
            format!("`{}`", md_cell(&d.pointer).replace('`', "'")),
            d.kind.as_str().to_owned(),
            md_cell(&d.message),
        ]
    });
    markdown::table(
        out,
        "| count | operation | status | pointer | kind | details |",
        "|---:|---|---:|---|---|---|",
        rows,
    );
    for d in report.drift.iter().filter(|d| d.suggestion.is_some()) {
        let _ = writeln!(
            out,
            "\n`{}` {} of {}:\n\n```yaml\n{}```",
            md_cell(&d.pointer).replace('`', "'"),
            d.kind.as_str(),
            md_cell(&d.operation),
            d.suggestion.as_deref().unwrap_or_default()
        );
    }
}

fn json(report: &RunReport) -> String {
    let mut value = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    if let (Some(obj), Ok(totals)) = (value.as_object_mut(), serde_json::to_value(report.totals()))
    {
        obj.insert("totals".into(), totals);
        obj.insert("success".into(), serde_json::Value::Bool(report.success()));
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".to_owned());
    text.push('\n');
    text
}

/// Escapes text for XML attributes and content, dropping characters XML 1.0 forbids.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The JUnit test case name of each step of `e`: `<scenario> :: <step>`, with ` #2`, ` #3`, …
/// for a step name that repeats within the scenario. Depends only on the step names (never on
/// outcomes), so every run lists the same test cases.
fn junit_case_names(e: &EntryReport) -> Vec<String> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    e.steps
        .iter()
        .map(|s| {
            let n = seen.entry(s.name.as_str()).or_insert(0);
            *n += 1;
            if *n == 1 {
                format!("{} :: {}", e.name, s.name)
            } else {
                format!("{} :: {} #{n}", e.name, s.name)
            }
        })
        .collect()
}

/// Test cases of an entry in JUnit: one per step, or one for an entry without steps.
fn junit_counts(entries: &[&EntryReport]) -> (usize, usize, usize) {
    entries.iter().fold((0, 0, 0), |(t, f, s), e| {
        if e.steps.is_empty() {
            (t + 1, f, s + usize::from(e.status != Status::Failed))
        } else {
            let c = e.step_counts();
            (t + e.steps.len(), f + c.failed, s + c.skipped + c.not_run)
        }
    })
}

fn junit(report: &RunReport) -> String {
    let mut groups: Vec<&str> = Vec::new();
    for e in &report.entries {
        if !groups.contains(&e.group.as_str()) {
            groups.push(&e.group);
        }
    }
    let all: Vec<&EntryReport> = report.entries.iter().collect();
    let (tests, failures, skipped) = junit_counts(&all);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"okta-contract\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{:.3}\">",
        report.duration_ms as f64 / 1000.0
    );
    for group in groups {
        let entries: Vec<&EntryReport> =
            report.entries.iter().filter(|e| e.group == group).collect();
        let (g_tests, g_fail, g_skip) = junit_counts(&entries);
        let g_time: u64 = entries.iter().map(|e| e.duration_ms).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{g_tests}\" failures=\"{g_fail}\" errors=\"0\" skipped=\"{g_skip}\" time=\"{:.3}\">",
            xml_escape(group),
            g_time as f64 / 1000.0
        );
        for e in entries {
            let classname = xml_escape(&format!("{}.{}", e.group, e.name));
            if e.steps.is_empty() {
                let _ = writeln!(
                    out,
                    "    <testcase classname=\"{classname}\" name=\"{}\" time=\"0.000\">",
                    xml_escape(&e.name)
                );
                let reason = e.skip_reason.as_deref().unwrap_or("not run");
                let _ = writeln!(out, "      <skipped message=\"{}\"/>", xml_escape(reason));
                let _ = writeln!(out, "    </testcase>");
                continue;
            }
            for (s, name) in e.steps.iter().zip(junit_case_names(e)) {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{classname}\" name=\"{}\" time=\"{:.3}\"",
                    xml_escape(&name),
                    s.duration_ms as f64 / 1000.0
                );
                match s.status {
                    Status::Passed => out.push_str("/>\n"),
                    Status::Skipped | Status::NotRun => {
                        let fallback = if s.status == Status::Skipped {
                            "skipped"
                        } else {
                            "not run"
                        };
                        let _ = writeln!(
                            out,
                            ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                            xml_escape(s.message.as_deref().unwrap_or(fallback))
                        );
                    }
                    Status::Failed => {
                        let message = s.message.as_deref().unwrap_or("step failed");
                        let _ = writeln!(
                            out,
                            ">\n      <failure message=\"{}\" type=\"contract\">{}</failure>\n    </testcase>",
                            xml_escape(message),
                            xml_escape(&failure_lines(s).join("\n"))
                        );
                    }
                }
            }
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}

fn markdown(report: &RunReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# okta-contract check\n");
    let _ = writeln!(
        out,
        "Target **{}** (`{}`), run `{}`, started {}.\n",
        report.target, report.base_url, report.run_id, report.started_at
    );
    let _ = writeln!(out, "**{}**\n", report.summary_line());
    let rows = report.entries.iter().map(|e| {
        let c = e.step_counts();
        let mut name = md_cell(&e.name);
        if let Some(reason) = &e.skip_reason {
            name = format!("{name} ({})", md_cell(reason));
        }
        [
            e.status.label().to_string(),
            md_cell(&e.group),
            name,
            c.passed.to_string(),
            c.failed.to_string(),
            c.skipped.to_string(),
            c.not_run.to_string(),
            seconds(e.duration_ms),
        ]
    });
    markdown::table(
        &mut out,
        "| result | group | scenario | steps passed | failed | skipped | not run | time |",
        "|---|---|---|---:|---:|---:|---:|---:|",
        rows,
    );
    let failures = failed_steps(report);
    if !failures.is_empty() {
        let _ = writeln!(out, "\n## Failures");
        for (e, s) in failures {
            let _ = writeln!(
                out,
                "\n### {} › {}\n",
                md_cell(&entry_title(e)),
                md_cell(&s.name)
            );
            if let Some(m) = &s.message {
                let _ = writeln!(out, "- error: {}", md_cell(m));
            }
            if let Some(x) = &s.expected {
                let _ = writeln!(out, "- expected: `{}`", md_cell(x).replace('`', "'"));
            }
            if let Some(x) = &s.actual {
                let _ = writeln!(out, "- actual: `{}`", md_cell(x).replace('`', "'"));
            }
            if let Some(id) = &s.request_id {
                let _ = writeln!(out, "- X-Okta-Request-Id: `{id}`");
            }
            if let Some(c) = &s.curl {
                let _ = writeln!(out, "\n```sh\n{c}\n```");
            }
        }
    }
    if !report.cleanup.is_empty() {
        let _ = writeln!(out, "\n## Cleanup\n");
        cleanup_section(&mut out, report, "", "- ");
    }
    drift_markdown(&mut out, report);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RunReport {
        let failed = StepOutcome {
            name: "get <policy> & \"check\"".into(),
            status: Status::Failed,
            expected: Some("HTTP 200".into()),
            actual: Some("HTTP 401 E0000011 with token secret-token-123".into()),
            message: Some("request failed".into()),
            curl: Some("curl -sS 'http://127.0.0.1:1/api/v1/policies'".into()),
            request_id: Some("req1".into()),
            duration_ms: 12,
        };
        let ok = StepOutcome::ok("list", 3);
        RunReport {
            tool: "okta-contract 0".into(),
            target: "sim".into(),
            base_url: "http://127.0.0.1:1".into(),
            run_id: "r1".into(),
            started_at: "2025-01-01T00:00:00Z".into(),
            duration_ms: 20,
            interrupted: false,
            entries: vec![
                EntryReport::from_steps(
                    "a",
                    "policies",
                    EntryKind::Scenario,
                    vec![ok.clone(), failed],
                    15,
                ),
                EntryReport::from_steps("b", "devices", EntryKind::Scenario, vec![ok], 3),
                EntryReport::skipped(
                    "c",
                    "devices",
                    EntryKind::Scenario,
                    "sim_only",
                    &["one".to_owned()],
                    Status::Skipped,
                ),
            ],
            cleanup: vec![],
            drift: vec![],
        }
    }

    #[test]
    fn totals_and_success() {
        let r = sample();
        let t = r.totals();
        assert_eq!((t.passed, t.failed, t.skipped), (1, 1, 1));
        assert_eq!(
            (
                t.steps_passed,
                t.steps_failed,
                t.steps_skipped,
                t.steps_not_run
            ),
            (2, 1, 1, 0)
        );
        assert!(!r.success());
        assert!(
            r.summary_line()
                .starts_with("3 scenarios: 1 passed, 1 failed, 1 skipped")
        );
    }

    #[test]
    fn every_format_is_redacted() {
        let r = sample();
        let red = Redactor::new(["secret-token-123"]);
        for f in [Format::Table, Format::Json, Format::Junit, Format::Markdown] {
            let text = render(&r, f, &red);
            assert!(!text.contains("secret-token-123"), "{f:?}");
            assert!(text.contains("[REDACTED]"), "{f:?}");
        }
    }

    #[test]
    fn junit_escapes_and_counts() {
        let text = junit(&sample());
        assert!(text.contains("get &lt;policy&gt; &amp; &quot;check&quot;"));
        assert!(text.contains("<testsuite name=\"policies\" tests=\"2\" failures=\"1\""));
        assert!(text.contains("<skipped message=\"sim_only\"/>"));
    }

    #[test]
    fn short_secrets_are_ignored_and_counted() {
        let red = Redactor::new(["ab", ""]);
        assert_eq!(red.redact("abc"), "abc");
        assert_eq!(red.too_short(), 1);
    }

    #[test]
    fn a_secret_with_characters_each_format_escapes_is_still_redacted() {
        // A server that reflects the token into an error message: JSON escapes `"` and `\`,
        // XML escapes `<`, `&` and `"`, so redacting the rendered text alone would miss it.
        let secret = r#"tok"en\<&>-0123456789"#;
        let json_form = secret.replace('\\', r"\\").replace('"', r#"\""#);
        let xml_form = secret
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        let mut r = sample();
        for step in r.entries.iter_mut().flat_map(|e| e.steps.iter_mut()) {
            if step.status == Status::Failed {
                step.actual = Some(format!("echoed {secret} back"));
            }
        }
        let red = Redactor::new([secret]);
        for f in [Format::Table, Format::Json, Format::Junit, Format::Markdown] {
            let text = render(&r, f, &red);
            assert!(text.contains("[REDACTED]"), "{f:?}: {text}");
            for form in [secret, json_form.as_str(), xml_form.as_str(), "0123456789"] {
                assert!(!text.contains(form), "{f:?} leaks {form:?}: {text}");
            }
        }
    }
}
