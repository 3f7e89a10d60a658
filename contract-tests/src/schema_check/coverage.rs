//! The coverage matrix: spec operation × documented status × case ids, plus the standalone
//! schema examples, and what maps to nothing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Spec;
use crate::corpus::Case;
use crate::markdown;
use crate::targets::object_target;

/// Cases of one status of one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCoverage {
    /// Status as the spec writes it (`200`, `404`), or as the case documents it.
    pub status: String,
    /// Ids of the cases documenting it.
    pub cases: Vec<String>,
}

/// Coverage of one spec operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationCoverage {
    /// operationId.
    pub operation: String,
    /// Method.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Every status the spec declares, with the cases documenting it (possibly none).
    pub statuses: Vec<StatusCoverage>,
    /// Cases documenting a status the spec does not declare.
    pub undeclared: Vec<StatusCoverage>,
    /// Cases with a request and no response.
    pub request_only: Vec<String>,
}

impl OperationCoverage {
    /// Every case of the operation.
    pub fn case_count(&self) -> usize {
        self.statuses
            .iter()
            .chain(&self.undeclared)
            .map(|s| s.cases.len())
            .sum::<usize>()
            + self.request_only.len()
    }
}

/// Cases of one standalone schema example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaCoverage {
    /// Schema name as the corpus writes it.
    pub schema: String,
    /// The spec schema it maps to, if any.
    pub spec_schema: Option<String>,
    /// The Rust type it decodes into, if any.
    pub rust_type: Option<String>,
    /// Case ids.
    pub cases: Vec<String>,
}

/// A case that maps to no spec operation or schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmappedCase {
    /// Case id.
    pub id: String,
    /// Why.
    pub reason: String,
}

/// The coverage matrix of a corpus against a spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageMatrix {
    /// One row per spec operation, in spec order.
    pub operations: Vec<OperationCoverage>,
    /// Standalone schema examples.
    pub schemas: Vec<SchemaCoverage>,
    /// Cases of endpoints outside the spec.
    pub out_of_spec: Vec<UnmappedCase>,
    /// Cases that map to nothing (unknown operation or schema).
    pub unmapped: Vec<UnmappedCase>,
    /// Number of cases.
    pub case_count: usize,
    /// Declared (operation, status) pairs with at least one case.
    pub covered: usize,
    /// Declared (operation, status) pairs.
    pub total: usize,
}

impl CoverageMatrix {
    /// Percentage of declared (operation, status) pairs with a case.
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            100.0 * self.covered as f64 / self.total as f64
        }
    }

    /// Operations with at least one case documenting a 2xx status.
    pub fn success_covered(&self) -> usize {
        self.operations
            .iter()
            .filter(|o| {
                o.statuses
                    .iter()
                    .any(|s| s.status.starts_with('2') && !s.cases.is_empty())
            })
            .count()
    }

    /// Operations without any case.
    pub fn uncovered_operations(&self) -> Vec<&str> {
        self.operations
            .iter()
            .filter(|o| o.case_count() == 0)
            .map(|o| o.operation.as_str())
            .collect()
    }

    /// Declared (operation, status) pairs without a case.
    pub fn gaps(&self) -> Vec<(String, String)> {
        self.operations
            .iter()
            .flat_map(|o| {
                o.statuses
                    .iter()
                    .filter(|s| s.cases.is_empty())
                    .map(|s| (o.operation.clone(), s.status.clone()))
            })
            .collect()
    }

    /// Markdown rendering (one table row per operation × declared status).
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Contract coverage\n");
        let _ = writeln!(
            md,
            "{} cases; {} of {} declared operation × status pairs covered ({:.1}%).\n",
            self.case_count,
            self.covered,
            self.total,
            self.percent()
        );
        let _ = writeln!(
            md,
            "{} of {} operations have a documented success response; {} have a case of any kind.\n",
            self.success_covered(),
            self.operations.len(),
            self.operations.len() - self.uncovered_operations().len()
        );
        let heading = "| operation | method and path | status | cases |";
        let rows = self.operations.iter().flat_map(status_rows);
        markdown::table(&mut md, heading, "|---|---|---|---|", rows);
        let _ = writeln!(md, "\n## Standalone schema examples\n");
        let rows = self.schemas.iter().map(|s| {
            [
                s.schema.clone(),
                s.spec_schema.as_deref().unwrap_or("—").to_owned(),
                format!("`{}`", s.rust_type.as_deref().unwrap_or("—")),
                cell(&s.cases),
            ]
        });
        let heading = "| schema | spec schema | Rust type | cases |";
        markdown::table(&mut md, heading, "|---|---|---|---|", rows);
        for (title, list) in [
            ("Out-of-spec endpoints", &self.out_of_spec),
            ("Unmapped cases", &self.unmapped),
        ] {
            let _ = writeln!(md, "\n## {title}\n");
            if list.is_empty() {
                let _ = writeln!(md, "none");
            }
            for u in list {
                let _ = writeln!(md, "- `{}`: {}", u.id, u.reason);
            }
        }
        let gaps = self.gaps();
        let _ = writeln!(md, "\n## Declared statuses without a case\n");
        if gaps.is_empty() {
            let _ = writeln!(md, "none");
        }
        for (op, status) in gaps {
            let _ = writeln!(md, "- {op} {status}");
        }
        md
    }

    /// JSON rendering.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes `contract-coverage.md` and `contract-coverage.json` into `dir`.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        let md = dir.join("contract-coverage.md");
        let json = dir.join("contract-coverage.json");
        std::fs::write(&md, self.to_markdown())?;
        std::fs::write(&json, self.to_json())?;
        Ok((md, json))
    }
}

/// The rows of one operation in the coverage table: one per status (declared, then
/// undeclared, then request-only cases); the first names the operation.
fn status_rows(op: &OperationCoverage) -> Vec<[String; 4]> {
    let mut rows: Vec<(String, String)> = op
        .statuses
        .iter()
        .map(|s| (s.status.clone(), cell(&s.cases)))
        .collect();
    rows.extend(
        op.undeclared
            .iter()
            .map(|s| (format!("{} (not in spec)", s.status), cell(&s.cases))),
    );
    if !op.request_only.is_empty() {
        rows.push(("request only".into(), cell(&op.request_only)));
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, (status, cases))| {
            let (name, route) = if i == 0 {
                (op.operation.clone(), format!("`{} {}`", op.method, op.path))
            } else {
                (String::new(), String::new())
            };
            [name, route, status, cases]
        })
        .collect()
}

fn cell(ids: &[String]) -> String {
    if ids.is_empty() {
        "—".into()
    } else {
        ids.iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The target directory of the workspace (`$CARGO_TARGET_DIR` or `<workspace>/target`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        })
}

/// Builds the coverage matrix of `cases` against `spec`.
pub fn matrix(spec: &Spec, cases: &[Case]) -> CoverageMatrix {
    let mut operations: Vec<OperationCoverage> = spec
        .operations
        .iter()
        .map(|o| OperationCoverage {
            operation: o.id.clone(),
            method: o.method.clone(),
            path: o.path.clone(),
            statuses: o
                .responses
                .iter()
                .map(|r| StatusCoverage {
                    status: r.status.clone(),
                    cases: Vec::new(),
                })
                .collect(),
            undeclared: Vec::new(),
            request_only: Vec::new(),
        })
        .collect();
    let mut schemas: BTreeMap<String, SchemaCoverage> = BTreeMap::new();
    let mut out_of_spec = Vec::new();
    let mut unmapped = Vec::new();

    for case in cases {
        if let Some(op_id) = &case.operation {
            let Some(row) = operations.iter_mut().find(|o| &o.operation == op_id) else {
                unmapped.push(UnmappedCase {
                    id: case.id.clone(),
                    reason: format!("operation {op_id} is not in the spec"),
                });
                continue;
            };
            match &case.response {
                None => row.request_only.push(case.id.clone()),
                Some(resp) => {
                    let status = resp.status.to_string();
                    match row.statuses.iter_mut().find(|s| s.status == status) {
                        Some(s) => s.cases.push(case.id.clone()),
                        None => match row.undeclared.iter_mut().find(|s| s.status == status) {
                            Some(s) => s.cases.push(case.id.clone()),
                            None => row.undeclared.push(StatusCoverage {
                                status,
                                cases: vec![case.id.clone()],
                            }),
                        },
                    }
                }
            }
        } else if case.request.is_some() {
            out_of_spec.push(UnmappedCase {
                id: case.id.clone(),
                reason: case.reason.clone().unwrap_or_else(|| "no operation".into()),
            });
        } else if let Some(name) = &case.schema {
            let target = object_target(name);
            let known = target.is_some_and(|t| spec.schema_names().any(|n| n == t.spec_schema));
            if !known {
                unmapped.push(UnmappedCase {
                    id: case.id.clone(),
                    reason: format!("schema {name} maps to no spec schema and Rust type"),
                });
                continue;
            }
            schemas
                .entry(name.clone())
                .or_insert_with(|| SchemaCoverage {
                    schema: name.clone(),
                    spec_schema: target.map(|t| t.spec_schema.to_string()),
                    rust_type: target.map(|t| t.rust_type.to_string()),
                    cases: Vec::new(),
                })
                .cases
                .push(case.id.clone());
        } else {
            unmapped.push(UnmappedCase {
                id: case.id.clone(),
                reason: "neither an operation, an endpoint nor a schema".into(),
            });
        }
    }
    let total = operations.iter().map(|o| o.statuses.len()).sum();
    let covered = operations
        .iter()
        .map(|o| o.statuses.iter().filter(|s| !s.cases.is_empty()).count())
        .sum();
    CoverageMatrix {
        operations,
        schemas: schemas.into_values().collect(),
        out_of_spec,
        unmapped,
        case_count: cases.len(),
        covered,
        total,
    }
}
