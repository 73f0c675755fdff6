//! Agent calls a stopped kernel left unanswered: read from a session's
//! report when the kernel starts again, so the report says what was
//! interrupted instead of leaving a call without its end (pure).

use crate::storage::ReportEntry;

/// A call the report shows as sent and never answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    pub plugin: String,
    pub capability: String,
}

/// The calls of `entries` with an `agent.call` line but no `agent.result`
/// (results name their capability first: `script.run: ok`).
pub fn unanswered_calls(entries: &[ReportEntry]) -> Vec<Interrupted> {
    let mut open: Vec<Interrupted> = Vec::new();
    for entry in entries {
        match entry.kind.as_str() {
            "agent.call" => open.push(Interrupted {
                plugin: entry.actor.clone(),
                capability: entry.detail.clone(),
            }),
            "agent.result" => {
                let capability = entry.detail.split(':').next().unwrap_or_default();
                if let Some(at) = open
                    .iter()
                    .position(|c| c.plugin == entry.actor && c.capability == capability)
                {
                    open.remove(at);
                }
            }
            _ => {}
        }
    }
    open
}

/// The report line for one.
pub fn line(call: &Interrupted) -> String {
    format!(
        "`{}` was interrupted: the server stopped while it ran.",
        call.capability
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, actor: &str, detail: &str) -> ReportEntry {
        ReportEntry {
            at: 0,
            kind: kind.into(),
            actor: actor.into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn calls_without_a_result_are_the_interrupted_ones() {
        let entries = [
            entry("agent.call", "sysinfo", "sysinfo.collect"),
            entry("agent.result", "sysinfo", "sysinfo.collect: ok"),
            entry("agent.call", "scripts", "script.run"),
            entry("agent.result", "scripts", "script.run: failed: exit 1"),
            entry("agent.call", "scripts", "script.run"),
            entry("chat", "Carl", "hello"),
        ];
        assert_eq!(
            unanswered_calls(&entries),
            [Interrupted {
                plugin: "scripts".into(),
                capability: "script.run".into()
            }]
        );
        assert_eq!(
            line(&unanswered_calls(&entries)[0]),
            "`script.run` was interrupted: the server stopped while it ran."
        );
        assert!(unanswered_calls(&entries[..4]).is_empty());
    }
}
