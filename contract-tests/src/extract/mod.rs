//! Re-extraction of the corpus from the source documents.
//!
//! [`extract`] reads every document of a directory (Markdown with ``` / ~~~ fences, or the
//! unfenced layout of scraped pages), applies the patches of `errata.yaml`, and derives the
//! cases deterministically. [`write()`] stores them under `cases/` (plus the block manifest
//! `cases/_blocks.yaml`); [`check`] compares them with the committed files and reports every
//! difference. The `okta-contract extract --docs DIR --check|--write` command calls
//! [`run_check`] / [`run_write`].
//!
//! Any block that cannot become a case fails the extraction unless `errata.yaml` patches it
//! or lists it as a non-example, so no example is ever skipped silently.

pub mod cases;
pub mod curl;
pub mod doc;
pub mod http;
pub mod json;
pub mod ops;
pub mod upstream;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::json::{KeyOrder, diff_places};

use crate::corpus::{
    self, Case, CorpusError, Errata, MANIFEST_FILE, Manifest, Target, UPSTREAM_DIR_PREFIX,
    default_cases_dir, default_errata_path, load_errata,
};

pub use curl::{Curl, CurlError, parse_curl, tokenize};
pub use doc::Doc;
pub use http::{parse_prose_status, parse_status_line, split_response};
pub use json::{JsonBlock, parse_json_block};

/// Why extraction failed.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The errata or a case file could not be loaded.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// A case could not be rendered as YAML.
    #[error("cannot render YAML: {0}")]
    Yaml(#[from] serde_yaml_ng::Error),
    /// No document in the directory.
    #[error("no documents in {0}")]
    NoDocs(PathBuf),
    /// A document's structure is broken (e.g. an unclosed fence).
    #[error("{doc}: {source}")]
    Scan {
        /// Document.
        doc: String,
        /// What is wrong.
        source: doc::ScanError,
    },
    /// A block does not parse (JSON, curl, status line) and no erratum fixes it.
    #[error("{doc} lines {lines}: {message} (add an erratum)")]
    InvalidBlock {
        /// Document.
        doc: String,
        /// Block lines.
        lines: String,
        /// What is wrong.
        message: String,
    },
    /// A block parses but contradicts the API (unknown enum value, quoted number, wrong status,
    /// object instead of array, …) and no erratum fixes it.
    #[error("{doc} lines {lines}: {message} (add an erratum)")]
    Lint {
        /// Document.
        doc: String,
        /// Block lines.
        lines: String,
        /// What is wrong.
        message: String,
    },
    /// A block that is neither an example nor listed as a non-example.
    #[error(
        "{doc} lines {lines}: unaccounted block: {reason} (make it an example or list it in non_examples)"
    )]
    Unaccounted {
        /// Document.
        doc: String,
        /// Block lines.
        lines: String,
        /// Why it cannot become a case.
        reason: String,
    },
    /// An erratum's patch does not apply.
    #[error("erratum {id}: {message}")]
    Patch {
        /// Erratum id.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// An erratum that matched no block or document.
    #[error("erratum {0} applies to nothing (wrong doc or lines?)")]
    UnusedErratum(String),
    /// A non-example entry that names no block.
    #[error("non_examples entry {doc} lines {lines} names no block")]
    NonExample {
        /// Document.
        doc: String,
        /// Lines given.
        lines: String,
    },
}

/// Cases and manifest derived from a documents directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    /// All cases, in document order.
    pub cases: Vec<Case>,
    /// Every block of every document and what became of it.
    pub manifest: Manifest,
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExtractError + '_ {
    move |source| ExtractError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Document files of a directory: `*.txt` and `*.md` except `README.md`, sorted by name.
pub fn doc_files(docs_dir: &Path) -> Result<Vec<PathBuf>, ExtractError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(docs_dir).map_err(io(docs_dir))? {
        let path = entry.map_err(io(docs_dir))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_file()
            && (name.ends_with(".txt") || name.ends_with(".md"))
            && !name.eq_ignore_ascii_case("README.md")
        {
            out.push(path);
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(ExtractError::NoDocs(docs_dir.to_path_buf()));
    }
    Ok(out)
}

/// Reads the documents and derives the cases and the manifest.
pub fn extract(docs_dir: &Path, errata: &Errata) -> Result<Extraction, ExtractError> {
    let mut used = BTreeSet::new();
    let mut all = Vec::new();
    let mut manifest = Manifest::default();
    let mut seen_docs = BTreeSet::new();
    for path in doc_files(docs_dir)? {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        let doc = Doc::parse(&name, &text).map_err(|source| ExtractError::Scan {
            doc: name.clone(),
            source,
        })?;
        let (cases, entry) = cases::build_doc(&doc, errata, &mut used)?;
        all.extend(cases);
        manifest.docs.push(entry);
        seen_docs.insert(name);
    }
    if let Some(e) = errata
        .errata
        .iter()
        .find(|e| e.target != Target::Example && !used.contains(&e.id))
    {
        return Err(ExtractError::UnusedErratum(e.id.clone()));
    }
    if let Some(ne) = errata
        .non_examples
        .iter()
        .find(|n| !seen_docs.contains(&n.doc))
    {
        return Err(ExtractError::NonExample {
            doc: ne.doc.clone(),
            lines: ne.lines.clone(),
        });
    }
    Ok(Extraction {
        cases: all,
        manifest,
    })
}

/// Reads the documents and derives the cases (see [`extract`]).
pub fn extract_cases(docs_dir: &Path, errata: &Errata) -> Result<Vec<Case>, ExtractError> {
    Ok(extract(docs_dir, errata)?.cases)
}

/// Rendered files: path relative to the cases directory → YAML text.
fn render(extraction: &Extraction) -> Result<BTreeMap<PathBuf, String>, ExtractError> {
    let mut files = BTreeMap::new();
    for case in &extraction.cases {
        files.insert(case.relative_path(), corpus::to_yaml(case)?);
    }
    files.insert(
        PathBuf::from(MANIFEST_FILE),
        corpus::to_yaml(&extraction.manifest)?,
    );
    Ok(files)
}

/// One case present on both sides but different.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedCase {
    /// Case id.
    pub id: String,
    /// JSON pointers of the fields that differ (`<formatting>` if only the text differs).
    pub fields: Vec<String>,
}

/// Differences between the extractor's output and the committed corpus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Ids the extractor produces that are not committed.
    pub added: Vec<String>,
    /// Committed ids the extractor no longer produces.
    pub removed: Vec<String>,
    /// Ids whose committed file differs.
    pub changed: Vec<ChangedCase>,
    /// Committed files that are not case files of the extraction (unreadable or misplaced).
    pub stray: Vec<String>,
    /// Differences in `cases/_blocks.yaml`.
    pub manifest: Vec<String>,
    /// Number of cases extracted.
    pub cases: usize,
}

impl CheckReport {
    /// Whether the committed corpus is exactly the extractor's output.
    pub fn is_clean(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.stray.is_empty()
            && self.manifest.is_empty()
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_clean() {
            return writeln!(f, "corpus up to date: {} cases", self.cases);
        }
        writeln!(
            f,
            "corpus differs from the documents ({} cases extracted):",
            self.cases
        )?;
        for id in &self.added {
            writeln!(f, "  + {id} (not committed)")?;
        }
        for id in &self.removed {
            writeln!(f, "  - {id} (no longer extracted)")?;
        }
        for c in &self.changed {
            writeln!(f, "  ~ {}: {}", c.id, c.fields.join(", "))?;
        }
        for s in &self.stray {
            writeln!(f, "  ? {s}")?;
        }
        for m in &self.manifest {
            writeln!(f, "  ~ {MANIFEST_FILE}: {m}")?;
        }
        writeln!(
            f,
            "run `okta-contract extract --docs <dir> --write` (or `--upstream <file> --write`) to regenerate"
        )
    }
}

/// JSON pointers where two values differ (at most `limit`).
pub fn diff_paths(a: &Value, b: &Value, limit: usize) -> Vec<String> {
    diff_places(a, b, limit, KeyOrder::Sorted, &|pointer, _| pointer)
}

/// Whether a path relative to the cases directory lies in a published-spec directory
/// (`upstream-<release>/…`), which the documents' extraction leaves alone.
pub(crate) fn is_upstream_path(rel: &Path) -> bool {
    rel.components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .is_some_and(|c| c.starts_with(UPSTREAM_DIR_PREFIX))
}

/// Committed case files of the documents (the published-spec directories excluded) and the
/// manifest.
fn existing_files(cases_dir: &Path) -> Result<BTreeMap<PathBuf, String>, ExtractError> {
    let mut out = BTreeMap::new();
    if !cases_dir.exists() {
        return Ok(out);
    }
    for path in corpus::case_files(cases_dir)? {
        let rel = path.strip_prefix(cases_dir).unwrap_or(&path).to_path_buf();
        if is_upstream_path(&rel) {
            continue;
        }
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        out.insert(rel, text);
    }
    let manifest = cases_dir.join(MANIFEST_FILE);
    if manifest.exists() {
        out.insert(
            PathBuf::from(MANIFEST_FILE),
            fs::read_to_string(&manifest).map_err(io(&manifest))?,
        );
    }
    Ok(out)
}

/// Compares extracted `cases` (rendered as `wanted`) with the committed case files
/// `existing` (relative path → text); the manifest is not looked at.
pub(crate) fn compare_cases(
    cases: &[Case],
    wanted: &BTreeMap<PathBuf, String>,
    existing: BTreeMap<PathBuf, String>,
) -> CheckReport {
    let mut report = CheckReport {
        cases: cases.len(),
        ..CheckReport::default()
    };

    // Committed cases by id (unreadable files are stray).
    let mut committed: BTreeMap<String, (PathBuf, String, Value)> = BTreeMap::new();
    for (rel, text) in existing {
        match serde_yaml_ng::from_str::<Case>(&text) {
            Ok(case) => {
                let value = serde_json::to_value(&case).unwrap_or(Value::Null);
                committed.insert(case.id.clone(), (rel, text, value));
            }
            Err(e) => report
                .stray
                .push(format!("{} (unreadable: {e})", rel.display())),
        }
    }
    for case in cases {
        let rel = case.relative_path();
        let text = wanted.get(&rel).cloned().unwrap_or_default();
        match committed.remove(&case.id) {
            None => report.added.push(case.id.clone()),
            Some((path, old_text, old_value)) => {
                let mut fields = Vec::new();
                if path != rel {
                    fields.push(format!(
                        "<file {} should be {}>",
                        path.display(),
                        rel.display()
                    ));
                }
                if old_text != text {
                    let new_value = serde_json::to_value(case).unwrap_or(Value::Null);
                    let paths = diff_paths(&old_value, &new_value, 12);
                    if paths.is_empty() {
                        fields.push("<formatting>".into());
                    } else {
                        fields.extend(paths);
                    }
                }
                if !fields.is_empty() {
                    report.changed.push(ChangedCase {
                        id: case.id.clone(),
                        fields,
                    });
                }
            }
        }
    }
    report.removed = committed.into_keys().collect();
    report
}

/// Writes the files of `wanted` that differ from `existing` and removes the files of
/// `existing` that are not wanted (paths relative to `cases_dir`).
pub(crate) fn sync_files(
    cases_dir: &Path,
    wanted: &BTreeMap<PathBuf, String>,
    existing: &BTreeMap<PathBuf, String>,
    report: &mut WriteReport,
) -> Result<(), ExtractError> {
    for (rel, text) in wanted {
        if existing.get(rel) != Some(text) {
            let path = cases_dir.join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io(parent))?;
            }
            fs::write(&path, text).map_err(io(&path))?;
            report.written.push(rel.clone());
        }
    }
    for rel in existing.keys() {
        if !wanted.contains_key(rel) {
            let path = cases_dir.join(rel);
            fs::remove_file(&path).map_err(io(&path))?;
            report.removed.push(rel.clone());
        }
    }
    Ok(())
}

/// Where cases are extracted from.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'p> {
    /// The documents in this directory (cases under `cases/`, plus the block manifest).
    Docs(&'p Path),
    /// This published spec (cases under `cases/upstream-<release>/`).
    Upstream(&'p Path),
}

/// What the extraction of an origin renders, next to what is committed for it.
struct Regenerated {
    /// The extracted cases.
    cases: Vec<Case>,
    /// The block manifest (documents only).
    manifest: Option<Manifest>,
    /// Rendered files: path relative to the cases directory → YAML text.
    wanted: BTreeMap<PathBuf, String>,
    /// The committed files of the origin, keyed the same way.
    existing: BTreeMap<PathBuf, String>,
}

impl Origin<'_> {
    /// Extracts the cases (with the errata at `errata_path`) and reads what `cases_dir` holds.
    fn regenerate(self, cases_dir: &Path, errata_path: &Path) -> Result<Regenerated, ExtractError> {
        let errata = load_errata(errata_path)?;
        Ok(match self {
            Origin::Docs(docs_dir) => {
                let extraction = extract(docs_dir, &errata)?;
                Regenerated {
                    wanted: render(&extraction)?,
                    existing: existing_files(cases_dir)?,
                    cases: extraction.cases,
                    manifest: Some(extraction.manifest),
                }
            }
            Origin::Upstream(file) => {
                let extraction = upstream::extract_upstream(file, upstream::load_spec()?, &errata)?;
                let dir = extraction.dir();
                Regenerated {
                    wanted: upstream::render(&extraction)?,
                    existing: upstream::existing(cases_dir, &dir)?,
                    cases: extraction.cases,
                    manifest: None,
                }
            }
        })
    }
}

/// Compares the extraction of `origin` (with `errata_path`) to the files in `cases_dir`.
pub fn check(
    origin: Origin<'_>,
    cases_dir: &Path,
    errata_path: &Path,
) -> Result<CheckReport, ExtractError> {
    let mut regenerated = origin.regenerate(cases_dir, errata_path)?;
    let manifest_text = regenerated.existing.remove(Path::new(MANIFEST_FILE));
    let mut report = compare_cases(
        &regenerated.cases,
        &regenerated.wanted,
        regenerated.existing,
    );
    let Some(manifest) = &regenerated.manifest else {
        return Ok(report);
    };
    let wanted_manifest = regenerated
        .wanted
        .get(Path::new(MANIFEST_FILE))
        .cloned()
        .unwrap_or_default();
    match manifest_text {
        None => report.manifest.push("missing".into()),
        Some(t) if t != wanted_manifest => {
            let old: Value = serde_yaml_ng::from_str::<Manifest>(&t)
                .ok()
                .and_then(|m| serde_json::to_value(m).ok())
                .unwrap_or(Value::Null);
            let new = serde_json::to_value(manifest).unwrap_or(Value::Null);
            let paths = diff_paths(&old, &new, 12);
            if paths.is_empty() {
                report.manifest.push("<formatting>".into());
            } else {
                report.manifest.extend(paths);
            }
        }
        Some(_) => {}
    }
    Ok(report)
}

/// What [`write()`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files created or rewritten (relative to the cases directory).
    pub written: Vec<PathBuf>,
    /// Stale case files removed.
    pub removed: Vec<PathBuf>,
    /// Number of cases.
    pub cases: usize,
}

impl fmt::Display for WriteReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} cases; {} files written, {} removed",
            self.cases,
            self.written.len(),
            self.removed.len()
        )
    }
}

/// Regenerates the cases of `origin` in `cases_dir` (with `errata_path`): writes changed
/// files, removes stale case files.
pub fn write(
    origin: Origin<'_>,
    cases_dir: &Path,
    errata_path: &Path,
) -> Result<WriteReport, ExtractError> {
    let regenerated = origin.regenerate(cases_dir, errata_path)?;
    let mut report = WriteReport {
        cases: regenerated.cases.len(),
        ..WriteReport::default()
    };
    sync_files(
        cases_dir,
        &regenerated.wanted,
        &regenerated.existing,
        &mut report,
    )?;
    Ok(report)
}

/// `okta-contract extract --docs DIR --check`: checks the committed corpus and errata.
pub fn run_check(docs_dir: &Path) -> Result<CheckReport, ExtractError> {
    check(
        Origin::Docs(docs_dir),
        &default_cases_dir(),
        &default_errata_path(),
    )
}

/// `okta-contract extract --docs DIR --write`: regenerates the committed corpus.
pub fn run_write(docs_dir: &Path) -> Result<WriteReport, ExtractError> {
    write(
        Origin::Docs(docs_dir),
        &default_cases_dir(),
        &default_errata_path(),
    )
}
