//! Markdown tables, as the check, coverage and spec-diff reports write them.

use std::fmt::Write as _;

/// Writes a table to `out`: the `heading` row and the `alignment` row as given (`| a | b |`,
/// `|---|---:|`), then one line per row (cells as given: escape them with [`cell`] where
/// needed).
pub(crate) fn table<const N: usize>(
    out: &mut String,
    heading: &str,
    alignment: &str,
    rows: impl IntoIterator<Item = [String; N]>,
) {
    let _ = writeln!(out, "{heading}");
    let _ = writeln!(out, "{alignment}");
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
}

/// `text` as one table cell: pipes escaped, line breaks folded to spaces.
pub(crate) fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
