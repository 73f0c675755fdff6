//! The plugin's sentences for the session details report and for the
//! offers agents see (pure, unit-tested). The kernel's report is in
//! English, and an offer's words reach consoles in any language, so these
//! say little beyond names; the panels speak the CSR's language.

use crate::rules::fit_chars;

/// Longest offer title the kernel accepts (characters).
pub const MAX_OFFER_TITLE_CHARS: usize = 200;
/// Longest offer text the kernel accepts (characters).
pub const MAX_OFFER_TEXT_CHARS: usize = 2000;

/// `Bert`, `Bert and Dora`, `Bert, Dora and Eve`.
pub fn names(list: &[String]) -> String {
    match list {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn with_message(sentence: String, message: &str) -> String {
    if message.is_empty() {
        sentence
    } else {
        format!("{sentence} Message: “{message}”")
    }
}

/// A customer came in through the entry page.
pub fn queued(customer: &str, queue: &str, problem: &str) -> String {
    if problem.is_empty() {
        format!("{customer} entered the queue {queue}.")
    } else {
        format!("{customer} entered the queue {queue}. Problem: “{problem}”")
    }
}

/// The host transferred the session to a queue.
pub fn transferred_to_queue(from: &str, queue: &str, message: &str) -> String {
    with_message(
        format!("{from} transferred the session to the queue {queue}."),
        message,
    )
}

/// The host transferred the session to chosen agents.
pub fn transferred_to_agents(from: &str, agents: &[String], message: &str) -> String {
    with_message(
        format!("{from} transferred the session to {}.", names(agents)),
        message,
    )
}

/// An offer went out.
pub fn offered(agents: &[String], queue: Option<&str>) -> String {
    match queue {
        Some(queue) => format!("Offered to {} (queue {queue}).", names(agents)),
        None => format!("Offered to {}.", names(agents)),
    }
}

pub fn declined(agent: &str) -> String {
    format!("{agent} declined.")
}

pub fn timed_out(agents: &[String], secs: u32) -> String {
    format!("{} did not answer within {secs} s.", names(agents))
}

/// Nobody of the chosen agents took the session: it waits in a queue.
pub fn transfer_fell_back(queue: &str, all_declined: bool) -> String {
    if all_declined {
        format!("Every agent declined the transfer; the session now waits in the queue {queue}.")
    } else {
        format!("Nobody accepted the transfer in time; the session now waits in the queue {queue}.")
    }
}

pub fn accepted(agent: &str) -> String {
    format!("{agent} accepted and took the session.")
}

pub fn could_not_take(agent: &str, reason: &str) -> String {
    format!("{agent} accepted but could not take the session: {reason}")
}

pub fn left_while_waiting(customer: &str, queue: &str) -> String {
    format!("{customer} left while waiting in the queue {queue}.")
}

pub fn cancelled(by: &str) -> String {
    format!("{by} cancelled the transfer.")
}

/// What an offer says: one title line and the text below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferWords {
    pub title: String,
    pub text: String,
}

/// The offer of a waiting customer to an agent of the queue.
pub fn queue_offer(
    customer: &str,
    queue: &str,
    problem: &str,
    from: Option<&str>,
    message: &str,
) -> OfferWords {
    let title = match from {
        Some(from) => format!("{customer} · {queue} · from {from}"),
        None => format!("{customer} · {queue}"),
    };
    offer_words(title, problem, from, message)
}

/// The offer of a session a CSR transfers to chosen agents.
pub fn transfer_offer(customer: &str, from: &str, problem: &str, message: &str) -> OfferWords {
    offer_words(
        format!("{customer} · from {from}"),
        problem,
        Some(from),
        message,
    )
}

fn offer_words(title: String, problem: &str, from: Option<&str>, message: &str) -> OfferWords {
    let mut lines = Vec::new();
    if !problem.is_empty() {
        lines.push(problem.to_owned());
    }
    if let (Some(from), false) = (from, message.is_empty()) {
        lines.push(format!("{from}: {message}"));
    }
    OfferWords {
        title: fit_chars(&title, MAX_OFFER_TITLE_CHARS),
        text: fit_chars(&lines.join("\n"), MAX_OFFER_TEXT_CHARS),
    }
}

/// What an agent sees when the offer goes away because another took it.
pub fn taken_by(agent: &str) -> String {
    format!("{agent} took this customer.")
}

pub const CUSTOMER_LEFT: &str = "The customer left.";
pub const TRANSFER_CANCELLED: &str = "The transfer was cancelled.";
pub const OFFERED_ELSEWHERE: &str = "The customer was offered to another agent.";
pub const EVERY_AGENT_DECLINED: &str = "Every agent declined.";
/// The report's line when a transfer nobody accepted has no queue left.
pub const NOT_TRANSFERRED: &str =
    "Nobody accepted the transfer and its queue no longer exists; the session was not transferred.";

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn names_read_as_a_sentence() {
        assert_eq!(names(&[]), "");
        assert_eq!(names(&list(&["Bert"])), "Bert");
        assert_eq!(names(&list(&["Bert", "Dora"])), "Bert and Dora");
        assert_eq!(names(&list(&["Bert", "Dora", "Eve"])), "Bert, Dora and Eve");
    }

    #[test]
    fn report_lines_say_who_did_what() {
        assert_eq!(
            queued("Carl", "Support", "Printer jams"),
            "Carl entered the queue Support. Problem: “Printer jams”"
        );
        assert_eq!(
            queued("Carl", "Support", ""),
            "Carl entered the queue Support."
        );
        assert_eq!(
            transferred_to_queue("Anna", "Billing", ""),
            "Anna transferred the session to the queue Billing."
        );
        assert_eq!(
            transferred_to_agents("Anna", &list(&["Bert", "Dora"]), "よろしくお願いします"),
            "Anna transferred the session to Bert and Dora. Message: “よろしくお願いします”"
        );
        assert_eq!(
            offered(&list(&["Bert"]), Some("Support")),
            "Offered to Bert (queue Support)."
        );
        assert_eq!(
            offered(&list(&["Bert", "Dora"]), None),
            "Offered to Bert and Dora."
        );
        assert_eq!(declined("Bert"), "Bert declined.");
        assert_eq!(
            timed_out(&list(&["Bert"]), 30),
            "Bert did not answer within 30 s."
        );
        assert_eq!(
            transfer_fell_back("Support", false),
            "Nobody accepted the transfer in time; the session now waits in the queue Support."
        );
        assert_eq!(
            transfer_fell_back("Support", true),
            "Every agent declined the transfer; the session now waits in the queue Support."
        );
        assert_eq!(accepted("Dora"), "Dora accepted and took the session.");
        assert_eq!(
            left_while_waiting("Carl", "Support"),
            "Carl left while waiting in the queue Support."
        );
        assert_eq!(cancelled("Anna"), "Anna cancelled the transfer.");
    }

    #[test]
    fn offers_name_the_customer_the_problem_the_transferrer_and_the_message() {
        let words = queue_offer("Carl", "Support", "Printer jams", None, "");
        assert_eq!(words.title, "Carl · Support");
        assert_eq!(words.text, "Printer jams");
        let words = transfer_offer("Carl", "Anna", "", "Needs a refund");
        assert_eq!(words.title, "Carl · from Anna");
        assert_eq!(words.text, "Anna: Needs a refund");
        let words = queue_offer("Carl", "Billing", "Bill", Some("Anna"), "Refund");
        assert_eq!(words.title, "Carl · Billing · from Anna");
        assert_eq!(words.text, "Bill\nAnna: Refund");
    }

    #[test]
    fn offers_fit_the_kernels_limits() {
        // 345 emoji sequences of 7 code points each: more than 2,000.
        let message = "👨‍👩‍👧‍👦".repeat(345);
        let words = transfer_offer(&"C".repeat(300), "Anna", "", &message);
        assert!(words.title.chars().count() <= MAX_OFFER_TITLE_CHARS);
        assert!(words.text.chars().count() <= MAX_OFFER_TEXT_CHARS);
        assert!(words.text.ends_with('…'));
    }
}
