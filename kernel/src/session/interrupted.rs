//! Agent calls a stopped kernel left unanswered and streams it left open:
//! read from a session's report when the kernel starts again or another
//! node takes the session over, so the report says what was interrupted
//! instead of leaving a call or a share without its end (pure).

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

/// The streams of `entries` with a `stream.opened` line but no
/// `stream.closed`: each line begins with the stream's number (`#7 …`);
/// the opening line of each, as written.
pub fn open_streams(entries: &[ReportEntry]) -> Vec<ReportEntry> {
    let number = |detail: &str| detail.split(' ').next().map(str::to_owned);
    let mut open: Vec<ReportEntry> = Vec::new();
    for entry in entries {
        match entry.kind.as_str() {
            "stream.opened" if entry.detail.starts_with('#') => open.push(entry.clone()),
            "stream.closed" => {
                let closed = number(&entry.detail);
                open.retain(|opened| number(&opened.detail) != closed);
            }
            _ => {}
        }
    }
    open
}

/// The report line for a share `opened` (its `stream.opened` line) that
/// never closed.
pub fn stream_line(opened: &ReportEntry) -> String {
    format!(
        "{} was interrupted: the server stopped while it was shared.",
        opened.detail
    )
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
    fn streams_never_closed_are_the_interrupted_ones() {
        let entries = [
            entry("stream.opened", "apps", "#1 Carl's \"xterm\" (app.share)"),
            entry("stream.opened", "apps", "#12 Carl's \"gedit\" (app.share)"),
            entry("stream.closed", "apps", "#1 \"xterm\" after 3 s: stopped"),
            entry("stream.opened", "apps", "old line without a number"),
            entry("stream.closed", "apps", "#2 \"other\" after 1 s: stopped"),
        ];
        let open = open_streams(&entries);
        assert_eq!(open, [entries[1].clone()]);
        assert_eq!(
            stream_line(&open[0]),
            "#12 Carl's \"gedit\" (app.share) was interrupted: the server stopped while it was shared."
        );
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
