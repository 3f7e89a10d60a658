//! Markdown tables, as the check, coverage and spec-diff reports write them.

use std::fmt::Write as _;

/// One column of a table: its heading and whether its cells are right-aligned (numbers).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column<'h> {
    heading: &'h str,
    right: bool,
}

impl<'h> Column<'h> {
    /// A left-aligned column.
    pub(crate) fn left(heading: &'h str) -> Self {
        Column {
            heading,
            right: false,
        }
    }

    /// A right-aligned column.
    pub(crate) fn right(heading: &'h str) -> Self {
        Column {
            heading,
            right: true,
        }
    }
}

/// Writes a table to `out`: the heading row, the alignment row, then one line per row (cells
/// as given: escape them with [`cell`] where needed).
pub(crate) fn table<const N: usize>(
    out: &mut String,
    columns: [Column<'_>; N],
    rows: impl IntoIterator<Item = [String; N]>,
) {
    let headings: Vec<&str> = columns.iter().map(|c| c.heading).collect();
    let _ = writeln!(out, "| {} |", headings.join(" | "));
    let rules: Vec<&str> = columns
        .iter()
        .map(|c| if c.right { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "|{}|", rules.join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
}

/// `text` as one table cell: pipes escaped, line breaks folded to spaces.
pub(crate) fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
