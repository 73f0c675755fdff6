//! How much of the session details report a session may write: a budget
//! in bytes, so whatever a customer or their agent sends (chat, script
//! output, reconnects) the report stays within a bounded size on disk.
//! When the budget runs out the report says so once, and from then on
//! keeps only the line that ends the session (pure; `Sessions::record`
//! applies it).

/// What may still go in a session's report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportBudget {
    /// Bytes written so far.
    pub used: usize,
    /// The "report truncated" line was written.
    pub truncated: bool,
}

/// What happens to one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Keep,
    /// Write the truncation line instead of this one.
    TruncateHere,
    Drop,
}

/// Kinds that are written even past the budget: there is one per session.
const ALWAYS_KEPT: &[&str] = &["session.ended"];

/// Rough cost of a line beyond its text (time, row, indexes).
pub const LINE_OVERHEAD: usize = 64;

/// The kind of the line that says the report stops here.
pub const TRUNCATED_KIND: &str = "report.truncated";

/// The truncation line's text.
pub fn truncated_detail(limit: usize) -> String {
    format!(
        "The report reached its limit of {} KiB; later chat, output and events of this session are not kept.",
        limit / 1024
    )
}

impl ReportBudget {
    /// Decides on a line of `size` bytes of `kind` under `limit`, and
    /// counts what is written.
    pub fn admit(&mut self, kind: &str, size: usize, limit: usize) -> Admission {
        let cost = size + LINE_OVERHEAD;
        if ALWAYS_KEPT.contains(&kind) {
            self.used += cost;
            return Admission::Keep;
        }
        if self.truncated {
            return Admission::Drop;
        }
        if self.used + cost <= limit {
            self.used += cost;
            return Admission::Keep;
        }
        self.truncated = true;
        Admission::TruncateHere
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_then_one_truncation_line_then_only_the_end() {
        let limit = 1000;
        let mut budget = ReportBudget::default();
        let line = 200 - LINE_OVERHEAD;
        let decisions: Vec<Admission> = ["chat", "chat", "chat", "chat", "chat", "chat", "chat"]
            .iter()
            .map(|kind| budget.admit(kind, line, limit))
            .collect();
        assert_eq!(
            decisions,
            [
                Admission::Keep,
                Admission::Keep,
                Admission::Keep,
                Admission::Keep,
                Admission::Keep,
                Admission::TruncateHere,
                Admission::Drop,
            ]
        );
        assert_eq!(budget.admit("session.ended", 50, limit), Admission::Keep);
        assert_eq!(budget.admit("agent.call", 1, limit), Admission::Drop);
    }

    #[test]
    fn one_huge_line_truncates_at_once() {
        let mut budget = ReportBudget::default();
        assert_eq!(
            budget.admit("agent.capabilities", 10_000, 1000),
            Admission::TruncateHere
        );
        assert!(budget.truncated);
    }
}
