//! Plugin `sysinfo`: with the customer's consent, collects their computer's
//! system information in categories for a list-and-panel view, refreshes
//! it, and saves all categories as one text file (also used for printing).
//!
//! The last collection per customer is kept in the plugin's store so that
//! Save writes exactly what the CSR saw; it is deleted when the session ends.

mod text;

use serde::{Deserialize, Serialize};
use tether_sdk::host::agent::{Consented, call_with_consent};
use tether_sdk::prelude::*;

pub struct Sysinfo;

const CAPABILITY: Capability = Capability::SysinfoCollect;

/// One category as the agent reports it. The values come from the
/// customer's computer: UIs must treat them as untrusted text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub id: String,
    /// English; the panel shows its own words for `id`.
    pub title: String,
    /// English headers, for panels that do not know `column_ids`.
    pub columns: Vec<String>,
    /// Each column's id, for the panel to say it in the CSR's language
    /// (empty from agents older than these ids).
    #[serde(default)]
    pub column_ids: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Per row, the id of its first cell where that cell is the agent's
    /// own word rather than something the computer reported.
    #[serde(default)]
    pub row_labels: Vec<Option<String>>,
    /// Per row, per cell, the number behind a cell the agent wrote from
    /// one ("2048 MiB", "3 h 12 min", "unknown"), for the panel and the
    /// file to write in the CSR's language (empty from older agents).
    #[serde(default, deserialize_with = "lenient_quantities")]
    pub quantities: Vec<Vec<Option<Quantity>>>,
}

/// Quantities as the agent sent them; one this plugin does not know (a
/// newer agent's unit) is `Other`, shown as the agent's English text,
/// instead of failing the whole collection.
fn lenient_quantities<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Vec<Option<Quantity>>>, D::Error> {
    let raw: Vec<Vec<Option<Value>>> = Deserialize::deserialize(deserializer)?;
    Ok(raw
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|cell| {
                    cell.map(|value| serde_json::from_value(value).unwrap_or(Quantity::Other))
                })
                .collect()
        })
        .collect())
}

/// A number with its unit as the agent sends it beside its English text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "unit", content = "amount", rename_all = "snake_case")]
pub enum Quantity {
    Mib(u64),
    Mhz(u64),
    Seconds(u64),
    Unknown,
    /// A unit from a newer agent: its English text is shown.
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub customer: String,
    pub categories: Vec<Category>,
}

#[derive(Deserialize)]
struct CollectOutput {
    categories: Vec<Category>,
}

fn snapshot_key(session: &str, customer: &str) -> String {
    format!("snapshot/{session}/{customer}")
}

/// The reply to a collection, encoded straight from the snapshot: the
/// categories (tens of KB) are never turned into a `Value` tree.
#[derive(Serialize)]
struct Collected<'a> {
    status: &'static str,
    customer: &'a str,
    categories: &'a [Category],
}

/// Collects (asking consent first when needed) and keeps the snapshot.
fn collect(command: &Command) -> Result<JsonText, PluginError> {
    let (session, customer) = command.customer()?;
    let output = match call_with_consent(session, &customer.id, CAPABILITY, "{}", None)? {
        Consented::Done(output) => output,
        Consented::Denied => {
            host::session::report(
                session,
                &format!(
                    "{} did not allow viewing system information",
                    customer.display_name
                ),
            )?;
            return JsonText::encode(
                &json!({ "status": "denied", "customer": customer.display_name }),
            );
        }
        Consented::TimedOut => {
            return JsonText::encode(
                &json!({ "status": "timed_out", "customer": customer.display_name }),
            );
        }
    };
    let collected: CollectOutput = serde_json::from_str(&output).map_err(|error| {
        PluginError::Failed(format!(
            "the agent's system information is not understood: {error}"
        ))
    })?;
    let snapshot = Snapshot {
        customer: customer.display_name.clone(),
        categories: collected.categories,
    };
    let encoded =
        serde_json::to_vec(&snapshot).map_err(|error| PluginError::Failed(error.to_string()))?;
    host::store::set(&snapshot_key(session, &customer.id), &encoded)?;
    host::session::report(
        session,
        &format!(
            "System information of {} viewed ({} categories)",
            customer.display_name,
            snapshot.categories.len()
        ),
    )?;
    JsonText::encode(&Collected {
        status: "ok",
        customer: &customer.display_name,
        categories: &snapshot.categories,
    })
}

/// What Save and Print send besides the customer: the panel's words.
#[derive(Deserialize, Default)]
struct SaveInput {
    #[serde(default)]
    words: text::Words,
}

/// All categories of the last collection as one text file, in the words
/// the panel gave (the CSR's language).
fn save(command: &Command) -> Result<Value, PluginError> {
    let (session, customer) = command.customer()?;
    let stored = host::store::get(&snapshot_key(session, &customer.id))?.ok_or_else(|| {
        PluginError::InvalidInput(
            "nothing collected yet: view the system information first".to_owned(),
        )
    })?;
    let snapshot: Snapshot = serde_json::from_slice(&stored)
        .map_err(|error| PluginError::Failed(format!("the saved snapshot is damaged: {error}")))?;
    let file_name = format!("system-information-{session}.txt");
    // An older panel sends no words; a malformed payload is refused.
    let input = command
        .payload_json::<Option<SaveInput>>()?
        .unwrap_or_default();
    Ok(json!({ "file_name": file_name, "text": text::render(&snapshot, &input.words) }))
}

impl Plugin for Sysinfo {
    fn command_json(command: Command) -> Result<JsonText, PluginError> {
        match command.name.as_str() {
            "collect" | "refresh" => collect(&command),
            "save" | "print" => save(&command).map(JsonText::from),
            other => Err(PluginError::InvalidInput(format!(
                "unknown command `{other}`"
            ))),
        }
    }

    fn session_ended(session: SessionId) -> Result<(), PluginError> {
        for key in host::store::list_keys(&format!("snapshot/{session}/"))? {
            host::store::delete(&key)?;
        }
        Ok(())
    }
}

tether_sdk::export_plugin!(Sysinfo);

#[cfg(test)]
mod tests;
