//! The saved (and printed) text: every category, one table each, columns
//! aligned for a fixed-width font.

use crate::Snapshot;

/// Characters of a cell shown before it is cut (process command lines,
/// package versions); the file stays readable.
const MAX_CELL_CHARS: usize = 80;

fn cell(text: &str) -> String {
    // Control characters from the customer's computer must not break the
    // layout (or a terminal the file is shown in).
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() > MAX_CELL_CHARS {
        let cut: String = clean.chars().take(MAX_CELL_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        clean
    }
}

pub fn render(snapshot: &Snapshot) -> String {
    let mut out = format!("System information of {}\n", cell(&snapshot.customer));
    for category in &snapshot.categories {
        out.push_str(&format!("\n== {} ==\n", cell(&category.title)));
        let header: Vec<String> = category.columns.iter().map(|c| cell(c)).collect();
        let rows: Vec<Vec<String>> = category
            .rows
            .iter()
            .map(|r| r.iter().map(|c| cell(c)).collect())
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (i, value) in row.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(value.chars().count());
                }
            }
        }
        let line = |values: &[String]| {
            let padded: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let width = widths.get(i).copied().unwrap_or(0);
                    format!("{v}{}", " ".repeat(width.saturating_sub(v.chars().count())))
                })
                .collect();
            format!("{}\n", padded.join("  ").trim_end())
        };
        out.push_str(&line(&header));
        out.push_str(&line(
            &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
        ));
        if rows.is_empty() {
            out.push_str("(nothing reported)\n");
        }
        for row in &rows {
            out.push_str(&line(row));
        }
    }
    out
}
