//! Invitation texts: the same words go into `mailto:` links (the CSR's own
//! mail program) and into mail the kernel sends when SMTP is configured.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use tether_protocol::Language;

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

/// An invitation's words in one language, the same as the console's
/// `invite.*` strings (so a `mailto:` link and mail the server sends say
/// the same); `{csr}`, `{link}`, `{site}` and `{number}` are filled in.
struct Words {
    customer_subject: &'static str,
    customer_body: &'static str,
    assistant_subject: &'static str,
    assistant_body: &'static str,
}

fn words(language: Language) -> Words {
    match language {
        Language::En => Words {
            customer_subject: "Support session",
            customer_body: "{csr} invites you to a support session.\n\nOpen {link}\nor choose Join on {site} and type the session number {number}.",
            assistant_subject: "Please assist in a support session",
            assistant_body: "{csr} asks you to assist in support session {number}.\n\nIn the Tether console choose \"Assist a session\" and type the number.",
        },
        Language::Da => Words {
            customer_subject: "Supportsession",
            customer_body: "{csr} inviterer dig til en supportsession.\n\nÅbn {link}\neller vælg Deltag på {site}, og indtast sessionsnummeret {number}.",
            assistant_subject: "Assister venligst i en supportsession",
            assistant_body: "{csr} beder dig assistere i supportsession {number}.\n\nVælg »Assister i en session« i Tether-konsollen, og indtast nummeret.",
        },
        Language::Fr => Words {
            customer_subject: "Session d’assistance",
            customer_body: "{csr} vous invite à une session d’assistance.\n\nOuvrez {link}\nou choisissez Rejoindre sur {site} et saisissez le numéro de session {number}.",
            assistant_subject: "Demande d’aide dans une session d’assistance",
            assistant_body: "{csr} vous demande de l’aider dans la session d’assistance {number}.\n\nDans la console Tether, choisissez «\u{a0}Apporter de l’aide dans une session\u{a0}» et saisissez le numéro.",
        },
        Language::Ja => Words {
            customer_subject: "サポートセッション",
            customer_body: "サポート担当者 {csr} より、サポートセッションへのご招待です。\n\n{link} を開くか、\n{site} で「参加」を選択し、セッション番号 {number} を入力してください。",
            assistant_subject: "サポートセッションの支援のお願い",
            assistant_body: "{csr} さんから、サポートセッション {number} の支援を依頼されています。\n\nTether コンソールで「セッションを支援」を選択し、番号を入力してください。",
        },
    }
}

/// `template` with each `{name}` of `values` filled in, in one pass: a
/// value that itself holds `{link}` (a CSR's display name) stays as typed.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let filled = after.find('}').and_then(|close| {
            let name = &after[1..close];
            values
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value, close + 1))
        });
        match filled {
            Some((value, used)) => {
                out.push_str(value);
                rest = &after[used..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Asks a customer to join, in `language`.
pub fn for_customer(
    language: Language,
    csr_name: &str,
    public_url: &str,
    number: &str,
) -> Invitation {
    let words = words(language);
    let link = join_link(public_url, number);
    let spaced = spaced(number);
    Invitation {
        subject: words.customer_subject.into(),
        body: fill(
            words.customer_body,
            &[
                ("csr", csr_name),
                ("link", &link),
                ("site", public_url),
                ("number", &spaced),
            ],
        ),
    }
}

/// Asks another CSR to assist, in `language`.
pub fn for_assistant(language: Language, csr_name: &str, number: &str) -> Invitation {
    let words = words(language);
    Invitation {
        subject: words.assistant_subject.into(),
        body: fill(
            words.assistant_body,
            &[("csr", csr_name), ("number", &spaced(number))],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailto_links_carry_subject_and_body_encoded() {
        let invitation = for_customer(
            Language::En,
            "Anna & Co",
            "https://help.example",
            "123456789",
        );
        let link = invitation.mailto();
        assert!(link.starts_with("mailto:?subject=Support%20session&body="));
        assert!(link.contains("Anna%20%26%20Co"));
        assert!(link.contains("https%3A%2F%2Fhelp%2Eexample%2Fjoin%2F123456789"));
        assert!(!link.contains('\n'));
        assert!(invitation.body.contains("123 456 789"));
        assert_eq!(spaced("12"), "12");
    }

    #[test]
    fn each_language_fills_in_the_same_values_and_nothing_from_a_name() {
        for language in Language::ALL {
            let customer =
                for_customer(language, "Anna {link}", "https://help.example", "123456789");
            assert!(customer.body.contains("Anna {link}"), "{language:?}");
            assert!(
                customer
                    .body
                    .contains("https://help.example/join/123456789"),
                "{language:?}"
            );
            assert!(customer.body.contains("123 456 789"), "{language:?}");
            assert!(!customer.body.contains("{number}"), "{language:?}");
            let assistant = for_assistant(language, "Anna", "123456789");
            assert!(assistant.body.contains("123 456 789"), "{language:?}");
            assert!(!assistant.body.contains('{'), "{language:?}");
        }
        assert_eq!(
            for_customer(Language::Ja, "Anna", "https://h", "1").subject,
            "サポートセッション"
        );
    }

    /// The console's dictionary entry `key` in `language`, as the UI
    /// shows it (a JavaScript string literal that JSON reads the same).
    fn console_string(language: Language, key: &str) -> String {
        use serde::Deserialize;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("ui/src/strings/{}.ts", language.code()));
        let source = std::fs::read_to_string(&path).expect("the UI's dictionary");
        let at = source
            .find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("{key} in {}", path.display()));
        let value = source[at + key.len() + 3..].trim_start();
        let mut reader = serde_json::Deserializer::from_str(value);
        String::deserialize(&mut reader).expect("a string literal")
    }

    #[test]
    fn mail_from_the_server_says_what_the_consoles_mailto_link_says() {
        for language in Language::ALL {
            let words = words(language);
            for (key, text) in [
                ("invite.customer.subject", words.customer_subject),
                ("invite.customer.body", words.customer_body),
                ("invite.assistant.subject", words.assistant_subject),
                ("invite.assistant.body", words.assistant_body),
            ] {
                assert_eq!(console_string(language, key), text, "{language:?} {key}");
            }
        }
    }
}
