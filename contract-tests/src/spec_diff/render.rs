//! Table, JSON and Markdown renderings of a [`DiffReport`].

use std::fmt::Write as _;

use super::DiffReport;
use super::classify::{Class, Difference};
use crate::markdown::{self, cell as md_cell};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// One line per difference, then the counts (default).
    Table,
    /// The whole report as JSON.
    Json,
    /// A summary table and one table per class.
    Markdown,
}

/// Renders `report`; `show_cosmetic` lists cosmetic differences in the table (they are always
/// counted, always in JSON, and folded in Markdown).
pub fn render(report: &DiffReport, format: DiffFormat, show_cosmetic: bool) -> String {
    match format {
        DiffFormat::Table => table(report, show_cosmetic),
        DiffFormat::Json => json(report),
        DiffFormat::Markdown => markdown(report),
    }
}

/// `gap: 3  recorded: 2  ours-only: 5  cosmetic: 40`.
pub fn counts_line(report: &DiffReport) -> String {
    let c = &report.counts;
    format!(
        "gap: {}  recorded: {}  ours-only: {}  cosmetic: {}",
        c.gap, c.recorded, c.ours_only, c.cosmetic
    )
}

/// What a difference says, in words.
pub fn what(d: &Difference) -> String {
    let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    format!(
        "{}: upstream {}, ours {}",
        d.kind.as_str(),
        side(&d.upstream),
        side(&d.ours)
    )
}

fn label(d: &Difference) -> String {
    match &d.recorded_by {
        Some(id) => format!("{} {id}", d.class_label()),
        None => d.class_label(),
    }
}

fn table(report: &DiffReport, show_cosmetic: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "spec diff: upstream {} vs ours {}",
        report.upstream_version, report.spec_version
    );
    for d in &report.differences {
        if d.class == Class::Cosmetic && !show_cosmetic {
            continue;
        }
        let _ = writeln!(
            out,
            "{:<22} {}  {}  [{}]",
            label(d),
            d.pointer,
            what(d),
            d.operations.join(", ")
        );
    }
    for s in &report.stale_decisions {
        let _ = writeln!(
            out,
            "warning: stale decision {} (match {:?}) matches no difference",
            s.id, s.pattern
        );
    }
    let _ = writeln!(out, "{}", counts_line(report));
    if !show_cosmetic && report.counts.cosmetic > 0 {
        let _ = writeln!(
            out,
            "(cosmetic differences not listed; use --show cosmetic)"
        );
    }
    out
}

fn json(report: &DiffReport) -> String {
    let mut text = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
    text.push('\n');
    text
}

fn md_table(out: &mut String, diffs: &[&Difference]) {
    let rows = diffs.iter().map(|d| {
        [
            md_cell(&label(d)),
            format!("`{}`", md_cell(&d.pointer)),
            md_cell(&what(d)),
            md_cell(&d.operations.join(", ")),
        ]
    });
    let heading = "| class | pointer | what | operations |";
    markdown::table(out, heading, "|---|---|---|---|", rows);
}

fn markdown(report: &DiffReport) -> String {
    let mut out = String::new();
    let c = &report.counts;
    let _ = writeln!(
        out,
        "# Spec diff: upstream {} vs ours {}\n",
        report.upstream_version, report.spec_version
    );
    let _ = writeln!(out, "| class | count |\n|---|---|");
    let _ = writeln!(out, "| gap | {} |", c.gap);
    let _ = writeln!(out, "| recorded | {} |", c.recorded);
    let _ = writeln!(out, "| ours-only | {} |", c.ours_only);
    let _ = writeln!(out, "| cosmetic | {} |", c.cosmetic);
    for (class, title) in [
        (Class::Gap, "Gaps"),
        (Class::Recorded, "Recorded"),
        (Class::OursOnly, "Ours only"),
    ] {
        let diffs: Vec<&Difference> = report
            .differences
            .iter()
            .filter(|d| d.class == class)
            .collect();
        let _ = writeln!(out, "\n## {title} ({})\n", diffs.len());
        if diffs.is_empty() {
            let _ = writeln!(out, "None.");
        } else {
            md_table(&mut out, &diffs);
        }
    }
    let cosmetic: Vec<&Difference> = report
        .differences
        .iter()
        .filter(|d| d.class == Class::Cosmetic)
        .collect();
    let _ = writeln!(out, "\n## Cosmetic ({})\n", cosmetic.len());
    if !cosmetic.is_empty() {
        let _ = writeln!(out, "<details><summary>list</summary>\n");
        md_table(&mut out, &cosmetic);
        let _ = writeln!(out, "\n</details>");
    }
    if !report.stale_decisions.is_empty() {
        let _ = writeln!(out, "\n## Stale decisions\n");
        for s in &report.stale_decisions {
            let _ = writeln!(out, "- {} (`{}`) matches no difference", s.id, s.pattern);
        }
    }
    out
}
