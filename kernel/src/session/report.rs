//! The session details report as JSON or plain text.

use serde_json::{Value, json};

use crate::storage::{ReportEntry, SessionRecord};

/// `millis` since the Unix epoch as RFC 3339 UTC, to the millisecond.
pub(crate) fn timestamp(millis: i64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(millis.max(0) as u64);
    humantime::format_rfc3339_millis(time).to_string()
}

pub fn to_json(session: &SessionRecord, entries: &[ReportEntry]) -> Value {
    json!({
        "session": session.number,
        "site": session.site,
        "mode": session.mode.as_str(),
        "status": session.status.as_str(),
        "started_at": timestamp(session.started_at),
        "ended_at": session.ended_at.map(timestamp),
        "end_reason": session.end_reason,
        "events": entries.iter().map(|e| json!({
            "at": timestamp(e.at),
            "kind": e.kind,
            "actor": e.actor,
            "detail": e.detail,
        })).collect::<Vec<_>>(),
    })
}

pub fn to_text(session: &SessionRecord, entries: &[ReportEntry]) -> String {
    let mut text = format!(
        "Session details report\nSession: {}\nSite: {}\nMode: {}\nStarted: {}\n",
        session.number,
        session.site,
        session.mode,
        timestamp(session.started_at)
    );
    if let Some(ended) = session.ended_at {
        text.push_str(&format!(
            "Ended: {} ({})\n",
            timestamp(ended),
            session.end_reason.as_deref().unwrap_or("")
        ));
    }
    text.push('\n');
    for e in entries {
        // One line per entry: line breaks inside customer text are shown as ⏎.
        let detail = e.detail.replace(['\r', '\n'], " ⏎ ");
        text.push_str(&format!(
            "{}  {:<20} {:<24} {}\n",
            timestamp(e.at),
            e.kind,
            e.actor,
            detail
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{SessionMode, SessionStatus};

    #[test]
    fn text_reports_have_one_line_per_entry() {
        let session = SessionRecord {
            number: "123456789".into(),
            site: "default".into(),
            mode: SessionMode::Single,
            started_by: Some(1),
            status: SessionStatus::Ended,
            started_at: 0,
            ended_at: Some(60_000),
            end_reason: Some("ended by Anna".into()),
        };
        let entries = vec![ReportEntry {
            at: 1_000,
            kind: "chat".into(),
            actor: "Bo".into(),
            detail: "two\nlines".into(),
        }];
        let text = to_text(&session, &entries);
        assert!(text.contains("Ended: 1970-01-01T00:01:00.000Z (ended by Anna)"));
        assert!(
            text.lines()
                .any(|l| l.starts_with("1970-01-01T00:00:01.000Z  chat")
                    && l.ends_with("two ⏎ lines"))
        );
        assert_eq!(to_json(&session, &entries)["events"][0]["actor"], "Bo");
    }
}
