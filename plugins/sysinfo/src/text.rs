//! The saved (and printed) text: every category, one table each, columns
//! aligned for a fixed-width font, in the CSR's language as far as the
//! panel gave its words (what the computer reported stays as reported).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{Category, Quantity, Snapshot};

/// The panel's words in the CSR's language, by the keys of its own
/// dictionary: `category.<id>`, `column.<id>`, `label.<id>`,
/// `quantity.<unit>` (with `{amount}`, or `{hours}` and `{minutes}`),
/// `collected` (the heading, with `{customer}`) and `empty`. Whatever is missing is
/// said in the agent's (or this file's) English.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Words(BTreeMap<String, String>);

impl Words {
    /// The word for `prefix.id`, or `english`.
    fn or<'a>(&'a self, prefix: &str, id: Option<&str>, english: &'a str) -> &'a str {
        id.and_then(|id| self.0.get(&format!("{prefix}.{id}")))
            .map_or(english, String::as_str)
    }

    fn heading(&self, customer: &str) -> String {
        match self.0.get("collected") {
            Some(template) => cell(template).replace("{customer}", &cell(customer)),
            None => format!("System information of {}", cell(customer)),
        }
    }

    fn nothing(&self) -> String {
        self.0
            .get("empty")
            .map_or_else(|| "(nothing reported)".to_owned(), |text| cell(text))
    }

    fn header(&self, category: &Category) -> Vec<String> {
        category
            .columns
            .iter()
            .enumerate()
            .map(|(i, english)| {
                let id = category.column_ids.get(i).map(String::as_str);
                cell(self.or("column", id, english))
            })
            .collect()
    }

    /// A number the agent wrote with its unit, in the panel's words; the
    /// agent's English where the panel gave none.
    fn quantity(&self, quantity: Quantity, english: &str) -> String {
        let (unit, values) = match quantity {
            Quantity::Mib(n) => ("mib", vec![("amount", n)]),
            Quantity::Mhz(n) => ("mhz", vec![("amount", n)]),
            Quantity::Seconds(s) => (
                "seconds",
                vec![("hours", s / 3600), ("minutes", s / 60 % 60)],
            ),
            Quantity::Unknown => ("unknown", vec![]),
            Quantity::Other => return english.to_owned(),
        };
        match self.0.get(&format!("quantity.{unit}")) {
            Some(template) => values.iter().fold(template.clone(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), &value.to_string())
            }),
            None => english.to_owned(),
        }
    }

    fn row(&self, category: &Category, index: usize) -> Vec<String> {
        let label = category
            .row_labels
            .get(index)
            .and_then(|label| label.as_deref());
        let quantities = category.quantities.get(index);
        category.rows[index]
            .iter()
            .enumerate()
            .map(|(i, value)| {
                let quantity = quantities.and_then(|q| q.get(i).copied().flatten());
                match (i, quantity) {
                    (_, Some(quantity)) => cell(&self.quantity(quantity, value)),
                    (0, None) => cell(self.or("label", label, value)),
                    (_, None) => cell(value),
                }
            })
            .collect()
    }
}

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

pub fn render(snapshot: &Snapshot, words: &Words) -> String {
    let mut out = format!("{}\n", words.heading(&snapshot.customer));
    for category in &snapshot.categories {
        let title = words.or("category", Some(&category.id), &category.title);
        out.push_str(&format!("\n== {} ==\n", cell(title)));
        let header = words.header(category);
        let rows: Vec<Vec<String>> = (0..category.rows.len())
            .map(|index| words.row(category, index))
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
            out.push_str(&words.nothing());
            out.push('\n');
        }
        for row in &rows {
            out.push_str(&line(row));
        }
    }
    out
}
