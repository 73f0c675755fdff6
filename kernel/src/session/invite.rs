//! Invitation texts: the same words go into `mailto:` links (the CSR's own
//! mail program) and into mail the kernel sends when SMTP is configured.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    pub subject: String,
    pub body: String,
}

impl Invitation {
    /// A `mailto:` link with subject and body filled in, recipient left
    /// for the CSR to type.
    pub fn mailto(&self) -> String {
        format!(
            "mailto:?subject={}&body={}",
            utf8_percent_encode(&self.subject, NON_ALPHANUMERIC),
            utf8_percent_encode(&self.body, NON_ALPHANUMERIC)
        )
    }
}

/// `123456789` as `123 456 789`, easier to read out on the phone.
pub fn spaced(number: &str) -> String {
    if number.len() != 9 || !number.is_ascii() {
        return number.to_owned();
    }
    format!("{} {} {}", &number[0..3], &number[3..6], &number[6..9])
}

pub fn join_link(public_url: &str, number: &str) -> String {
    format!("{public_url}/join/{number}")
}

/// Asks a customer to join.
pub fn for_customer(csr_name: &str, public_url: &str, number: &str) -> Invitation {
    Invitation {
        subject: "Support session".into(),
        body: format!(
            "{csr_name} invites you to a support session.\n\nOpen {link}\nor choose Join on {public_url} and type the session number {spaced}.",
            link = join_link(public_url, number),
            spaced = spaced(number),
        ),
    }
}

/// Asks another CSR to assist.
pub fn for_assistant(csr_name: &str, number: &str) -> Invitation {
    Invitation {
        subject: "Please assist in a support session".into(),
        body: format!(
            "{csr_name} asks you to assist in support session {spaced}.\n\nIn the Tether console choose \"Assist a session\" and type the number.",
            spaced = spaced(number),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailto_links_carry_subject_and_body_encoded() {
        let invitation = for_customer("Anna & Co", "https://help.example", "123456789");
        let link = invitation.mailto();
        assert!(link.starts_with("mailto:?subject=Support%20session&body="));
        assert!(link.contains("Anna%20%26%20Co"));
        assert!(link.contains("https%3A%2F%2Fhelp%2Eexample%2Fjoin%2F123456789"));
        assert!(!link.contains('\n'));
        assert!(invitation.body.contains("123 456 789"));
        assert_eq!(spaced("12"), "12");
    }
}
