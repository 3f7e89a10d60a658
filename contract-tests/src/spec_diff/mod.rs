//! `okta-contract spec diff`: compares the curated spec with a release of Okta's published
//! management spec, over "our operations" (upstream paths under `/api/v1/policies` and
//! `/api/v1/devices`, `/api/v1/users/{userId}/devices`, and every operation of ours).
//!
//! # Pointers
//!
//! - Operations: `op:<operationId>`, `op:<id>/path`, `op:<id>/parameters/<name>`,
//!   `op:<id>/responses/<code>`, `op:<id>/security/oauth2/<scope>`, `op:<id>/deprecated`,
//!   `op:<id>/requestBody`, `op:<id>/responses/<code>/body` (body presence, array vs single).
//! - Schemas: a root named after the upstream component the body refers to (a top-level array
//!   unwrapped), then `/<property>`, `[]` (array items), `{}` (additionalProperties schema),
//!   `[type=<VALUE>]` (branch of a union): `Policy[type=PASSWORD]/settings/password`.
//!   Parameter schemas are rooted at their parameter: `op:listPolicies/parameters/type`.
//! - Enum values: `<pointer>#enum=<VALUE>`.
//!
//! Flattening is in [`flatten`], the comparison in [`compare`], classes in [`classify`],
//! curation decisions in [`decisions`] and output in [`render`].

pub mod classify;
pub mod compare;
pub mod decisions;
pub mod flatten;
pub mod load;
pub mod render;

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

pub use classify::{Class, Difference, Kind};
pub use decisions::{Decision, StaleDecision};
pub use render::DiffFormat;

/// Errors reading the inputs.
#[derive(Debug, thiserror::Error)]
pub enum SpecDiffError {
    /// A file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A file cannot be parsed.
    #[error("cannot parse {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
}

/// Reads the file at `path` and parses its text with `parse`, naming the file in either error.
pub(crate) fn read_and_parse<T>(
    path: &Path,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, SpecDiffError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecDiffError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text).map_err(|message| SpecDiffError::Parse {
        path: path.display().to_string(),
        message,
    })
}

/// Differences per class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Unrecorded gaps.
    pub gap: usize,
    /// Recorded by a decision.
    pub recorded: usize,
    /// Unrecorded ours-only differences.
    pub ours_only: usize,
    /// Cosmetic differences.
    pub cosmetic: usize,
}

/// The result of a diff.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    /// Upstream `info.version`.
    pub upstream_version: String,
    /// Our `info.version`.
    pub spec_version: String,
    /// Differences per class.
    pub counts: Counts,
    /// Every difference, sorted by class then pointer.
    pub differences: Vec<Difference>,
    /// Decisions that matched no difference.
    pub stale_decisions: Vec<StaleDecision>,
}

impl DiffReport {
    /// Whether an unrecorded gap exists.
    pub fn has_gaps(&self) -> bool {
        self.counts.gap > 0
    }

    /// The difference at `pointer` (first of any class/kind), for tests and scripts.
    pub fn find(&self, pointer: &str) -> Option<&Difference> {
        self.differences.iter().find(|d| d.pointer == pointer)
    }
}

/// `spec/openapi.yaml`.
pub fn default_spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("spec")
        .join("openapi.yaml")
}

/// `spec/decisions.yaml`.
pub fn default_decisions_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("spec")
        .join("decisions.yaml")
}

/// Compares two parsed documents under `decisions`.
pub fn diff_values(upstream: &Value, ours: &Value, decisions: &[Decision]) -> DiffReport {
    let up = load::Doc::new(upstream);
    let our = load::Doc::new(ours);
    let raw = compare::compare_documents(up, our);
    let mut differences = classify::merge(raw);
    let stale_decisions = decisions::apply(&mut differences, decisions);
    differences.sort_by(|a, b| (a.class, &a.pointer).cmp(&(b.class, &b.pointer)));
    let mut counts = Counts::default();
    for d in &differences {
        match d.class {
            Class::Gap => counts.gap += 1,
            Class::Recorded => counts.recorded += 1,
            Class::OursOnly => counts.ours_only += 1,
            Class::Cosmetic => counts.cosmetic += 1,
        }
    }
    DiffReport {
        upstream_version: up.version(),
        spec_version: our.version(),
        counts,
        differences,
        stale_decisions,
    }
}

/// Reads the files and compares them. Without `decisions`, `decisions.yaml` next to the spec
/// is used if it exists.
pub fn diff_files(
    upstream: &Path,
    spec: &Path,
    decisions: Option<&Path>,
) -> Result<DiffReport, SpecDiffError> {
    let decisions = match decisions {
        Some(path) => decisions::load_decisions(path)?,
        None => {
            let path = spec.parent().map_or_else(
                || PathBuf::from("decisions.yaml"),
                |d| d.join("decisions.yaml"),
            );
            if path.is_file() {
                decisions::load_decisions(&path)?
            } else {
                Vec::new()
            }
        }
    };
    let up = load::load_spec(upstream)?;
    let ours = load::load_spec(spec)?;
    Ok(diff_values(&up, &ours, &decisions))
}
