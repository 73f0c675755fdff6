//! The WebACD rules, pure and unit-tested: what a queue, a customer's entry
//! and a transfer message may be, which agent may take a customer, and who
//! of them gets the offer.

use std::collections::BTreeSet;

use tether_sdk::bindings::v0_2::events::{Availability, CsrPresence};
use unicode_segmentation::UnicodeSegmentation;

/// Longest queue name (it is part of the public page's address).
pub const MAX_QUEUE_NAME: usize = 32;
/// Longest shown name of a queue, and of a customer.
pub const MAX_TITLE_CHARS: usize = 80;
/// Longest customer name the kernel accepts for a waiting session.
pub const MAX_CUSTOMER_NAME_CHARS: usize = 80;
/// Longest problem description on the entry page, as a person counts.
pub const MAX_PROBLEM_CHARS: usize = 200;
/// Longest transfer message, as a person counts (the manuals' rule).
pub const MAX_MESSAGE_CHARS: usize = 345;
/// A hard cap on the message's bytes: one character as a person sees it
/// may hide any number of combining marks, and the report keeps the whole
/// message in one line of at most 16 KiB.
pub const MAX_MESSAGE_BYTES: usize = 12 * 1024;
/// How long an agent has to accept, in seconds.
pub const MIN_TIMEOUT_SECS: u32 = 5;
pub const MAX_TIMEOUT_SECS: u32 = 300;
pub const DEFAULT_TIMEOUT_SECS: u32 = 30;
/// Most members of one queue.
pub const MAX_MEMBERS: usize = 200;
/// Most agents one transfer is offered to (the kernel's limit per offer).
pub const MAX_TRANSFER_AGENTS: usize = 50;

/// How many characters a person sees in `text`: extended grapheme
/// clusters (UAX #29), as `Intl.Segmenter` counts them in the panel — a
/// Japanese character, an accented letter written with a combining mark,
/// or an emoji sequence each counts once.
pub fn person_count(text: &str) -> usize {
    text.graphemes(true).count()
}

/// A queue's name: 1 to 32 of `a-z`, `0-9` and `-` (it appears in the
/// public page's address `/q/<site>/<queue>` and in store keys).
pub fn check_queue_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= MAX_QUEUE_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "name: 1 to {MAX_QUEUE_NAME} of a-z, 0-9 and - (got `{}`)",
            name.chars().take(40).collect::<String>()
        ))
    }
}

/// A one-line text of 1 to `max` characters (trimmed), without control
/// characters.
fn check_line(field: &str, text: &str, max: usize) -> Result<String, String> {
    let text = text.trim();
    let count = person_count(text);
    if count == 0 || count > max || text.chars().any(char::is_control) {
        return Err(format!(
            "{field}: 1 to {max} characters on one line (got {count})"
        ));
    }
    Ok(text.to_owned())
}

/// A queue's shown name.
pub fn check_title(title: &str) -> Result<String, String> {
    check_line("title", title, MAX_TITLE_CHARS)
}

/// The name a customer types on the entry page.
pub fn check_customer_name(name: &str) -> Result<String, String> {
    let name = check_line("name", name, MAX_CUSTOMER_NAME_CHARS)?;
    // The kernel counts the display name in Unicode scalar values.
    if name.chars().count() > MAX_CUSTOMER_NAME_CHARS {
        return Err(format!(
            "name: at most {MAX_CUSTOMER_NAME_CHARS} characters"
        ));
    }
    Ok(name)
}

/// The short problem description: optional, at most 200 characters on one
/// line.
pub fn check_problem(problem: &str) -> Result<String, String> {
    let problem = problem.trim();
    if problem.is_empty() {
        return Ok(String::new());
    }
    check_line("problem", problem, MAX_PROBLEM_CHARS)
}

/// The accept timeout of a queue, in seconds.
pub fn check_timeout(secs: u32) -> Result<u32, String> {
    if (MIN_TIMEOUT_SECS..=MAX_TIMEOUT_SECS).contains(&secs) {
        Ok(secs)
    } else {
        Err(format!(
            "accept_timeout_secs: {MIN_TIMEOUT_SECS} to {MAX_TIMEOUT_SECS} seconds (got {secs})"
        ))
    }
}

/// A transfer message: at most 345 characters as a person counts them,
/// counted on the text as sent (the panel counts the same text), lines
/// allowed, other control characters not. Returns it trimmed.
pub fn check_message(message: &str) -> Result<String, String> {
    let count = person_count(message);
    if count > MAX_MESSAGE_CHARS {
        return Err(format!(
            "The message has {count} characters; at most {MAX_MESSAGE_CHARS} are allowed."
        ));
    }
    if message.len() > MAX_MESSAGE_BYTES {
        return Err(format!(
            "The message is too long to keep ({} bytes; at most {MAX_MESSAGE_BYTES}).",
            message.len()
        ));
    }
    if message.chars().any(|c| c.is_control() && c != '\n') {
        return Err(
            "The message may not contain control characters other than line breaks.".into(),
        );
    }
    Ok(message.trim().to_owned())
}

/// Usernames: each at most once, none empty, at most `max`.
pub fn check_usernames(field: &str, names: &[String], max: usize) -> Result<Vec<String>, String> {
    if names.len() > max {
        return Err(format!("{field}: at most {max} (got {})", names.len()));
    }
    let mut seen = BTreeSet::new();
    for name in names {
        if name.trim().is_empty() || name.len() > 128 || name.chars().any(char::is_control) {
            return Err(format!("{field}: `{name}` is not a username"));
        }
        if !seen.insert(name.as_str()) {
            return Err(format!("{field}: `{name}` is listed twice"));
        }
    }
    Ok(names.to_vec())
}

/// Whether an agent may be offered a session with `customers` customers
/// now: a WebACD agent whose console is open, who is available, and under
/// the site's maximum per CSR with the session's customers.
pub fn may_take(agent: &CsrPresence, customers: u32) -> bool {
    agent.webacd_agent
        && agent.online
        && agent.availability == Availability::Available
        && agent.customers.saturating_add(customers) <= agent.max_customers
}

/// Who else must not be offered one customer: agents who passed on it in
/// this round, agents who already hold an offer, and the CSR who is
/// transferring the session away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusions<'a> {
    pub passed: &'a [String],
    pub holding: &'a BTreeSet<String>,
    pub transferring: Option<&'a str>,
}

impl Exclusions<'_> {
    fn excludes(&self, username: &str) -> bool {
        self.passed.iter().any(|p| p == username)
            || self.holding.contains(username)
            || self.transferring == Some(username)
    }
}

/// The agent who gets the offer: among the queue's `members` who may take
/// `customers` now and are not excluded, the one idle longest (earliest
/// `idle_since`; by username when equal, so the choice is stable).
pub fn choose_agent<'a>(
    presence: &'a [CsrPresence],
    members: &[String],
    customers: u32,
    exclusions: &Exclusions<'_>,
) -> Option<&'a CsrPresence> {
    presence
        .iter()
        .filter(|agent| members.contains(&agent.username))
        .filter(|agent| may_take(agent, customers))
        .filter(|agent| !exclusions.excludes(&agent.username))
        .min_by(|a, b| {
            a.idle_since
                .cmp(&b.idle_since)
                .then_with(|| a.username.cmp(&b.username))
        })
}

/// `text` cut to at most `max` characters (Unicode scalar values, as the
/// kernel counts an offer's text), ending in `…` when cut, never inside a
/// character a person sees.
pub fn fit_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut fitted = String::new();
    let mut used = 0;
    for grapheme in text.graphemes(true) {
        let chars = grapheme.chars().count();
        if used + chars + 1 > max {
            break;
        }
        fitted.push_str(grapheme);
        used += chars;
    }
    fitted.push('…');
    fitted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(username: &str, idle_since: u64) -> CsrPresence {
        CsrPresence {
            username: username.into(),
            display_name: username.to_uppercase(),
            webacd_agent: true,
            online: true,
            availability: Availability::Available,
            customers: 0,
            max_customers: 2,
            idle_since,
        }
    }

    #[test]
    fn messages_count_what_a_person_sees() {
        // Japanese: one character each, three bytes each in UTF-8.
        let japanese = "日本語のメッセージ".repeat(40);
        assert_eq!(person_count(&japanese), 360);
        assert_eq!(person_count(&"あ".repeat(345)), 345);
        // An e followed by a combining acute accent is one character.
        assert_eq!(person_count("e\u{301}"), 1);
        assert_eq!(person_count(&"e\u{301}".repeat(345)), 345);
        // A family emoji joined with zero-width joiners is one.
        assert_eq!(person_count("👨‍👩‍👧‍👦"), 1);
        assert_eq!(person_count("a\nb"), 3);
    }

    #[test]
    fn a_message_of_345_passes_and_346_is_refused() {
        let at_limit = format!("{}{}", "あ".repeat(300), "e\u{301}".repeat(45));
        assert_eq!(person_count(&at_limit), 345);
        assert!(
            at_limit.chars().count() > 345,
            "more code points than characters"
        );
        assert_eq!(check_message(&at_limit), Ok(at_limit.clone()));
        let over = format!("{at_limit}ア");
        assert_eq!(
            check_message(&over),
            Err("The message has 346 characters; at most 345 are allowed.".into())
        );
        assert_eq!(check_message("  two\nlines  "), Ok("two\nlines".into()));
        assert!(check_message("tab\there").is_err());
        assert_eq!(check_message(""), Ok(String::new()));
        let heavy = format!("a{}", "\u{301}".repeat(MAX_MESSAGE_BYTES));
        assert_eq!(person_count(&heavy), 1);
        assert!(
            check_message(&heavy)
                .unwrap_err()
                .contains("too long to keep")
        );
    }

    #[test]
    fn queue_names_are_short_lowercase_words() {
        for good in ["support", "a", "level-2", &"x".repeat(32)] {
            assert_eq!(check_queue_name(good), Ok(()), "{good}");
        }
        for bad in ["", "Support", "sup port", "sup/port", "ü", &"x".repeat(33)] {
            assert!(check_queue_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn titles_names_problems_and_timeouts_have_their_limits() {
        assert_eq!(check_title("  Support  "), Ok("Support".into()));
        assert!(check_title("").is_err());
        assert!(check_title("two\nlines").is_err());
        assert!(check_title(&"x".repeat(81)).is_err());
        assert_eq!(check_customer_name("山田 花子"), Ok("山田 花子".into()));
        assert!(check_customer_name(" ").is_err());
        assert_eq!(check_problem(""), Ok(String::new()));
        assert_eq!(check_problem(&"問".repeat(200)), Ok("問".repeat(200)));
        assert!(check_problem(&"問".repeat(201)).is_err());
        assert_eq!(check_timeout(5), Ok(5));
        assert_eq!(check_timeout(300), Ok(300));
        assert!(check_timeout(4).is_err());
        assert!(check_timeout(301).is_err());
    }

    #[test]
    fn usernames_are_listed_once() {
        let names = vec!["anna".to_owned(), "bert".to_owned()];
        assert_eq!(check_usernames("members", &names, 5), Ok(names.clone()));
        let twice = vec!["anna".to_owned(), "anna".to_owned()];
        assert!(
            check_usernames("members", &twice, 5)
                .unwrap_err()
                .contains("twice")
        );
        assert!(check_usernames("members", &names, 1).is_err());
        assert!(check_usernames("members", &["".to_owned()], 5).is_err());
    }

    #[test]
    fn the_longest_idle_eligible_member_gets_the_offer() {
        let presence = vec![agent("anna", 300), agent("bert", 100), agent("carl", 200)];
        let members = vec!["anna".to_owned(), "bert".to_owned(), "carl".to_owned()];
        let holding = BTreeSet::new();
        let none = Exclusions {
            passed: &[],
            holding: &holding,
            transferring: None,
        };
        let chosen = |exclusions: &Exclusions<'_>| {
            choose_agent(&presence, &members, 1, exclusions).map(|a| a.username.clone())
        };
        assert_eq!(chosen(&none), Some("bert".into()));
        let passed = vec!["bert".to_owned()];
        let after_decline = Exclusions {
            passed: &passed,
            holding: &holding,
            transferring: None,
        };
        assert_eq!(chosen(&after_decline), Some("carl".into()));
        let carl_busy: BTreeSet<String> = ["carl".to_owned()].into();
        let both = Exclusions {
            passed: &passed,
            holding: &carl_busy,
            transferring: Some("anna"),
        };
        assert_eq!(chosen(&both), None);
        // Only members count.
        assert_eq!(
            choose_agent(&presence, &["anna".to_owned()], 1, &none).map(|a| a.username.as_str()),
            Some("anna")
        );
    }

    #[test]
    fn away_offline_full_and_unflagged_csrs_are_passed_over() {
        let mut away = agent("away", 1);
        away.availability = Availability::Away;
        let mut offline = agent("offline", 2);
        offline.online = false;
        let mut full = agent("full", 3);
        full.customers = 2;
        let mut one_left = agent("one-left", 4);
        one_left.customers = 1;
        let mut no_longer_agent = agent("no-longer-agent", 0);
        no_longer_agent.webacd_agent = false;
        let presence = vec![
            away,
            offline,
            full,
            one_left,
            agent("free", 5),
            no_longer_agent,
        ];
        let members: Vec<String> = presence.iter().map(|a| a.username.clone()).collect();
        let holding = BTreeSet::new();
        let none = Exclusions {
            passed: &[],
            holding: &holding,
            transferring: None,
        };
        let chosen = |customers| {
            choose_agent(&presence, &members, customers, &none).map(|a| a.username.clone())
        };
        assert_eq!(chosen(1), Some("one-left".into()));
        // A session of two customers fits only an agent without any.
        assert_eq!(chosen(2), Some("free".into()));
        assert_eq!(chosen(3), None);
    }

    #[test]
    fn equal_idle_times_choose_by_username() {
        let presence = vec![agent("dora", 10), agent("bert", 10)];
        let members = vec!["dora".to_owned(), "bert".to_owned()];
        let holding = BTreeSet::new();
        let none = Exclusions {
            passed: &[],
            holding: &holding,
            transferring: None,
        };
        assert_eq!(
            choose_agent(&presence, &members, 1, &none).map(|a| a.username.as_str()),
            Some("bert")
        );
    }

    #[test]
    fn long_texts_are_fitted_without_splitting_a_character() {
        assert_eq!(fit_chars("short", 10), "short");
        assert_eq!(fit_chars("abcdef", 4), "abc…");
        let accented = "e\u{301}".repeat(5);
        let fitted = fit_chars(&accented, 6);
        assert_eq!(fitted, format!("{}…", "e\u{301}".repeat(2)));
        assert!(fitted.chars().count() <= 6);
    }
}
