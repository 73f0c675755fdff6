//! One-time codes that let a customer's helper program (the host agent)
//! act for a customer who joined on their page. The page shows a short
//! code, the customer types it when the agent asks: no secret ever goes on
//! a command line, where every local user could read it. A code works
//! once, for one session, for a few minutes (pure; `Sessions` keeps one
//! table).

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long a code may be used.
pub const LIFETIME: Duration = Duration::from_secs(10 * 60);
/// Digits in a code; with failed tries limited per address, guessing one
/// within its lifetime is hopeless.
pub const DIGITS: u32 = 8;

#[derive(Debug, Clone)]
struct Issued {
    session: String,
    participant: String,
    expires: Instant,
}

#[derive(Debug, Default)]
pub struct AgentCodes {
    by_code: HashMap<String, Issued>,
}

/// A code as the customer types it: digits, maybe with spaces or a dash.
pub fn normalize(typed: &str) -> String {
    typed.chars().filter(char::is_ascii_digit).collect()
}

/// A code as the page shows it: `1234 5678`.
pub fn display(code: &str) -> String {
    let (first, second) = code.split_at(code.len() / 2);
    format!("{first} {second}")
}

impl AgentCodes {
    /// Stores `code` (fresh random digits) for `participant`; an earlier
    /// code of theirs stops working.
    pub fn issue(&mut self, code: String, session: &str, participant: &str, now: Instant) {
        self.by_code
            .retain(|_, issued| issued.participant != participant && issued.expires > now);
        self.by_code.insert(
            code,
            Issued {
                session: session.to_owned(),
                participant: participant.to_owned(),
                expires: now + LIFETIME,
            },
        );
    }

    /// The participant `typed` was issued to in `session`, using it up.
    pub fn redeem(&mut self, session: &str, typed: &str, now: Instant) -> Option<String> {
        let code = normalize(typed);
        let issued = self.by_code.get(&code)?;
        if issued.session != session || issued.expires <= now {
            return None;
        }
        self.by_code.remove(&code).map(|issued| issued.participant)
    }

    /// Forgets the codes of a participant who left, or of a session.
    pub fn forget(&mut self, session: &str, participant: Option<&str>) {
        self.by_code.retain(|_, issued| {
            issued.session != session || participant.is_some_and(|p| issued.participant != p)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_works_once_in_its_session_until_it_expires() {
        let now = Instant::now();
        let mut codes = AgentCodes::default();
        codes.issue("12345678".into(), "111111111", "p-carl", now);
        assert_eq!(codes.redeem("222222222", "12345678", now), None);
        assert_eq!(
            codes.redeem("111111111", "1234 5678", now).as_deref(),
            Some("p-carl")
        );
        assert_eq!(codes.redeem("111111111", "12345678", now), None, "used up");

        codes.issue("87654321".into(), "111111111", "p-carl", now);
        assert_eq!(codes.redeem("111111111", "87654321", now + LIFETIME), None);
    }

    #[test]
    fn a_new_code_replaces_the_last_and_leaving_forgets_it() {
        let now = Instant::now();
        let mut codes = AgentCodes::default();
        codes.issue("11112222".into(), "111111111", "p-carl", now);
        codes.issue("33334444".into(), "111111111", "p-carl", now);
        assert_eq!(codes.redeem("111111111", "11112222", now), None);
        codes.issue("55556666".into(), "111111111", "p-dana", now);
        codes.forget("111111111", Some("p-carl"));
        assert_eq!(codes.redeem("111111111", "33334444", now), None);
        assert!(codes.redeem("111111111", "55556666", now).is_some());
    }

    #[test]
    fn codes_read_as_typed() {
        assert_eq!(normalize(" 1234-5678 "), "12345678");
        assert_eq!(display("12345678"), "1234 5678");
    }
}
