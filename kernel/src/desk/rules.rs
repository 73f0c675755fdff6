//! The desk's rules (pure): what an offer may say and to whom, who may
//! answer it, when a session may be handed to a CSR, and what a plugin may
//! send a CSR's console.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

/// Most CSRs one offer goes to.
pub const MAX_RECIPIENTS: usize = 50;
/// Longest offer title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest offer text, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// How long CSRs may have to answer an offer.
pub const TIMEOUT_MS: RangeInclusive<u32> = 1_000..=600_000;
/// Longest reason a plugin gives for withdrawing an offer.
pub const MAX_REASON_CHARS: usize = 200;
/// Largest message a plugin sends a CSR's console panels (JSON text).
pub const MAX_CONSOLE_MESSAGE_BYTES: usize = 64 * 1024;

/// Why an offer is malformed; the words go back to the plugin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferInvalid {
    #[error("an offer goes to 1 to {MAX_RECIPIENTS} CSRs (it names {0})")]
    Recipients(usize),
    #[error("`{0}` is named twice")]
    Duplicate(String),
    #[error("the title must be 1 to {MAX_TITLE_CHARS} characters on one line")]
    Title,
    #[error(
        "the text must be at most {MAX_TEXT_CHARS} characters, with no control characters but line breaks"
    )]
    Text,
    #[error("the time to answer must be {} to {} ms (it is {})", TIMEOUT_MS.start(), TIMEOUT_MS.end(), .0)]
    Timeout(u32),
    #[error("the reason must be 1 to {MAX_REASON_CHARS} characters on one line")]
    Reason,
}

/// Whether `text` is 1 to `max` characters, not all spaces, with no
/// control characters.
fn one_line(text: &str, max: usize) -> bool {
    let chars = text.chars().count();
    chars >= 1 && chars <= max && !text.trim().is_empty() && !text.chars().any(char::is_control)
}

/// An offer's shape: 1 to 50 recipients (user names compared as accounts
/// are, ignoring case), a one-line title, a text of lines, a time to
/// answer in range.
pub fn check_offer(
    to: &[String],
    title: &str,
    text: &str,
    timeout_ms: u32,
) -> Result<(), OfferInvalid> {
    if to.is_empty() || to.len() > MAX_RECIPIENTS {
        return Err(OfferInvalid::Recipients(to.len()));
    }
    let mut seen = BTreeSet::new();
    for name in to {
        if !seen.insert(name.to_lowercase()) {
            return Err(OfferInvalid::Duplicate(name.clone()));
        }
    }
    if !one_line(title, MAX_TITLE_CHARS) {
        return Err(OfferInvalid::Title);
    }
    if text.chars().count() > MAX_TEXT_CHARS || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(OfferInvalid::Text);
    }
    if !TIMEOUT_MS.contains(&timeout_ms) {
        return Err(OfferInvalid::Timeout(timeout_ms));
    }
    Ok(())
}

/// The reason a plugin gives when it withdraws an offer (shown to CSRs).
pub fn check_withdraw_reason(reason: &str) -> Result<(), OfferInvalid> {
    if one_line(reason, MAX_REASON_CHARS) {
        Ok(())
    } else {
        Err(OfferInvalid::Reason)
    }
}

/// Why a CSR cannot be offered something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotEligible {
    /// No CSR account of that name on the plugin's site.
    NotOfSite,
    /// Their console is closed: nobody would see it.
    Offline,
}

/// Who may be offered something: a CSR of the offering plugin's site whose
/// console is open.
pub fn eligible(of_site: bool, consoles_open: usize) -> Result<(), NotEligible> {
    if !of_site {
        return Err(NotEligible::NotOfSite);
    }
    if consoles_open == 0 {
        return Err(NotEligible::Offline);
    }
    Ok(())
}

/// Where an offer stands for one of its recipients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientState {
    /// Their consoles show it; they may answer.
    Showing,
    Answered,
    /// Their last console closed before they answered: it counts as no
    /// answer, and they are no longer asked.
    Gone,
}

/// Why a CSR's answer to an offer is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum AnswerRefused {
    /// No open offer with that id, or not one made to this CSR (the same
    /// answer: offers to others are not theirs to know of).
    #[error("offer {0} is not open for you (it may have been taken, withdrawn or run out of time)")]
    NotOpen(u32),
    #[error("you have already answered offer {0}")]
    AlreadyAnswered(u32),
}

/// Whether a CSR whose state in offer `offer` is `state` (`None`: not a
/// recipient) may answer it now.
pub fn check_answer(offer: u32, state: Option<RecipientState>) -> Result<(), AnswerRefused> {
    match state {
        Some(RecipientState::Showing) => Ok(()),
        Some(RecipientState::Answered) => Err(AnswerRefused::AlreadyAnswered(offer)),
        Some(RecipientState::Gone) | None => Err(AnswerRefused::NotOpen(offer)),
    }
}

/// What decides whether a session may be handed to a CSR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandOverFacts<'a> {
    /// The CSR's display name, for the refusal's words.
    pub csr: &'a str,
    pub console_open: bool,
    pub already_host: bool,
    /// Customers in the sessions the CSR hosts now.
    pub customers_of_csr: u32,
    /// Customers in the session handed over.
    pub customers_in_session: u32,
    /// The site's maximum customers per CSR.
    pub max_per_csr: u32,
}

/// Why a session is not handed to a CSR, in words for the CSRs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandOverRefusal {
    #[error("{csr}'s console is not open")]
    ConsoleClosed { csr: String },
    #[error("{csr} is the host of this session already")]
    AlreadyHost { csr: String },
    #[error(
        "{csr} would assist {would_have} customers, more than the {max} this site allows at once"
    )]
    TooManyCustomers {
        csr: String,
        would_have: u32,
        max: u32,
    },
}

/// A session goes to a CSR whose console is open, who is not its host
/// already, and who stays within the site's maximum customers with its
/// customers added.
pub fn check_hand_over(facts: HandOverFacts<'_>) -> Result<(), HandOverRefusal> {
    let csr = || facts.csr.to_owned();
    if !facts.console_open {
        return Err(HandOverRefusal::ConsoleClosed { csr: csr() });
    }
    if facts.already_host {
        return Err(HandOverRefusal::AlreadyHost { csr: csr() });
    }
    let would_have = facts
        .customers_of_csr
        .saturating_add(facts.customers_in_session);
    if would_have > facts.max_per_csr {
        return Err(HandOverRefusal::TooManyCustomers {
            csr: csr(),
            would_have,
            max: facts.max_per_csr,
        });
    }
    Ok(())
}

/// Why a plugin's message to a CSR's console is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsoleMessageInvalid {
    #[error("the message is over {MAX_CONSOLE_MESSAGE_BYTES} bytes")]
    TooLarge,
    #[error("the message is not JSON: {0}")]
    NotJson(String),
}

/// A plugin's message for a CSR's console panels: JSON, at most 64 KiB.
pub fn check_console_message(message: &str) -> Result<serde_json::Value, ConsoleMessageInvalid> {
    if message.len() > MAX_CONSOLE_MESSAGE_BYTES {
        return Err(ConsoleMessageInvalid::TooLarge);
    }
    serde_json::from_str(message).map_err(|error| ConsoleMessageInvalid::NotJson(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn offers_are_checked_for_recipients_words_and_time() {
        let fifty: Vec<String> = (0..50).map(|n| format!("csr{n}")).collect();
        let fifty_one: Vec<String> = (0..51).map(|n| format!("csr{n}")).collect();
        let long_title = "t".repeat(MAX_TITLE_CHARS);
        let too_long_title = "t".repeat(MAX_TITLE_CHARS + 1);
        // Characters, not bytes: 2,000 Japanese characters are fine.
        let long_text = "待".repeat(MAX_TEXT_CHARS);
        let too_long_text = "待".repeat(MAX_TEXT_CHARS + 1);
        let anna = names(&["anna"]);
        // (recipients, title, text, time to answer, expected)
        type Case<'a> = (
            &'a [String],
            &'a str,
            &'a str,
            u32,
            Result<(), OfferInvalid>,
        );
        let table: &[Case] = &[
            (&anna, "Carl waits", "Printer\nbroken", 30_000, Ok(())),
            (&fifty, "Carl waits", "", 1_000, Ok(())),
            (&anna, &long_title, &long_text, 600_000, Ok(())),
            (
                &[],
                "Carl waits",
                "",
                30_000,
                Err(OfferInvalid::Recipients(0)),
            ),
            (
                &fifty_one,
                "Carl waits",
                "",
                30_000,
                Err(OfferInvalid::Recipients(51)),
            ),
            (
                &names(&["anna", "ben", "Anna"]),
                "Carl waits",
                "",
                30_000,
                Err(OfferInvalid::Duplicate("Anna".into())),
            ),
            (&anna, "", "", 30_000, Err(OfferInvalid::Title)),
            (&anna, "   ", "", 30_000, Err(OfferInvalid::Title)),
            (&anna, "two\nlines", "", 30_000, Err(OfferInvalid::Title)),
            (&anna, &too_long_title, "", 30_000, Err(OfferInvalid::Title)),
            (
                &anna,
                "Carl waits",
                &too_long_text,
                30_000,
                Err(OfferInvalid::Text),
            ),
            (
                &anna,
                "Carl waits",
                "bell\u{7}",
                30_000,
                Err(OfferInvalid::Text),
            ),
            (
                &anna,
                "Carl waits",
                "tab\there",
                30_000,
                Err(OfferInvalid::Text),
            ),
            (
                &anna,
                "Carl waits",
                "",
                999,
                Err(OfferInvalid::Timeout(999)),
            ),
            (
                &anna,
                "Carl waits",
                "",
                600_001,
                Err(OfferInvalid::Timeout(600_001)),
            ),
        ];
        for (to, title, text, timeout, expected) in table {
            assert_eq!(
                check_offer(to, title, text, *timeout),
                *expected,
                "{} recipients, {title:?}, {} chars, {timeout} ms",
                to.len(),
                text.chars().count()
            );
        }
        assert_eq!(check_withdraw_reason("Anna took it"), Ok(()));
        for bad in ["", " ", "a\nb", &"r".repeat(MAX_REASON_CHARS + 1)] {
            assert_eq!(
                check_withdraw_reason(bad),
                Err(OfferInvalid::Reason),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn only_csrs_of_the_site_with_a_console_open_are_offered_anything() {
        let table = [
            (true, 1, Ok(())),
            (true, 3, Ok(())),
            (true, 0, Err(NotEligible::Offline)),
            (false, 1, Err(NotEligible::NotOfSite)),
            (false, 0, Err(NotEligible::NotOfSite)),
        ];
        for (of_site, consoles, expected) in table {
            assert_eq!(
                eligible(of_site, consoles),
                expected,
                "{of_site} {consoles}"
            );
        }
    }

    #[test]
    fn a_recipient_answers_once_while_the_offer_is_shown_to_them() {
        let table = [
            (Some(RecipientState::Showing), Ok(())),
            (
                Some(RecipientState::Answered),
                Err(AnswerRefused::AlreadyAnswered(4)),
            ),
            (Some(RecipientState::Gone), Err(AnswerRefused::NotOpen(4))),
            (None, Err(AnswerRefused::NotOpen(4))),
        ];
        for (state, expected) in table {
            assert_eq!(check_answer(4, state), expected, "{state:?}");
        }
    }

    #[test]
    fn a_session_goes_to_an_online_csr_within_the_site_maximum() {
        let ok = HandOverFacts {
            csr: "Ben",
            console_open: true,
            already_host: false,
            customers_of_csr: 1,
            customers_in_session: 1,
            max_per_csr: 2,
        };
        let table = [
            (ok, Ok(())),
            (
                HandOverFacts {
                    customers_of_csr: 0,
                    customers_in_session: 2,
                    ..ok
                },
                Ok(()),
            ),
            (
                HandOverFacts {
                    console_open: false,
                    ..ok
                },
                Err(HandOverRefusal::ConsoleClosed { csr: "Ben".into() }),
            ),
            (
                HandOverFacts {
                    already_host: true,
                    ..ok
                },
                Err(HandOverRefusal::AlreadyHost { csr: "Ben".into() }),
            ),
            (
                HandOverFacts {
                    customers_of_csr: 2,
                    ..ok
                },
                Err(HandOverRefusal::TooManyCustomers {
                    csr: "Ben".into(),
                    would_have: 3,
                    max: 2,
                }),
            ),
            // A closed console is said first: it is what the CSR can fix.
            (
                HandOverFacts {
                    console_open: false,
                    customers_of_csr: 9,
                    ..ok
                },
                Err(HandOverRefusal::ConsoleClosed { csr: "Ben".into() }),
            ),
        ];
        for (facts, expected) in table {
            assert_eq!(check_hand_over(facts), expected, "{facts:?}");
        }
        assert_eq!(
            check_hand_over(HandOverFacts {
                customers_of_csr: 2,
                ..ok
            })
            .map_err(|refusal| refusal.to_string()),
            Err("Ben would assist 3 customers, more than the 2 this site allows at once".into())
        );
    }

    #[test]
    fn console_messages_are_json_within_their_size() {
        assert_eq!(
            check_console_message(r#"{"queue":"support"}"#),
            Ok(serde_json::json!({ "queue": "support" }))
        );
        assert!(matches!(
            check_console_message("{not json"),
            Err(ConsoleMessageInvalid::NotJson(_))
        ));
        let big = format!("\"{}\"", "x".repeat(MAX_CONSOLE_MESSAGE_BYTES));
        assert_eq!(
            check_console_message(&big),
            Err(ConsoleMessageInvalid::TooLarge)
        );
    }
}
