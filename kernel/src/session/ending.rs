//! Why a whole session ended: the English reason its report keeps and the
//! detail each participant's page says in its own language.

use tether_protocol::Detail;

use crate::storage::outcome;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The host ended it (their display name).
    By(String),
    /// The host's console went away and did not come back in time.
    HostDidNotReturn,
    /// A session waiting for a CSR lost its last customer before a CSR
    /// took it.
    CustomerLeftWaiting,
    /// A site admin (`by`) disabled or deleted the host's (`csr`) account.
    AccountClosed { csr: String, by: String },
}

impl Ending {
    /// The report's words, also sent as `reason`.
    pub fn reason(&self) -> String {
        match self {
            Ending::By(name) => format!("ended by {name}"),
            Ending::HostDidNotReturn => "the CSR did not come back within the grace period".into(),
            Ending::CustomerLeftWaiting => "the customer left before a CSR took the session".into(),
            Ending::AccountClosed { csr, by } => account_closed(csr, by),
        }
    }

    /// One word for it, for counting endings by why and searching the
    /// history by how sessions ended.
    pub fn word(&self) -> &'static str {
        match self {
            Ending::By(_) => outcome::ENDED_BY_HOST,
            Ending::HostDidNotReturn => outcome::HOST_DID_NOT_RETURN,
            Ending::CustomerLeftWaiting => outcome::CUSTOMER_LEFT_WAITING,
            Ending::AccountClosed { .. } => outcome::ACCOUNT_CLOSED,
        }
    }

    /// `None` where nobody is left to read it in their language (a
    /// waiting session's customer was told when they left).
    pub fn detail(&self) -> Option<Detail> {
        match self {
            Ending::By(name) => Some(Detail::EndedBy { name: name.clone() }),
            Ending::HostDidNotReturn => Some(Detail::HostDidNotReturn),
            Ending::CustomerLeftWaiting => None,
            Ending::AccountClosed { csr, by } => Some(Detail::AccountClosed {
                name: csr.clone(),
                by: by.clone(),
            }),
        }
    }
}

/// The words for a CSR whose account a site admin closed, as the report
/// and the English pages say them.
pub(crate) fn account_closed(csr: &str, by: &str) -> String {
    format!("{csr}'s account was closed by {by}")
}

#[cfg(test)]
mod tests {
    use super::Ending;
    use crate::session::announce::Departure;
    use crate::web::error_detail::english::shown;

    #[test]
    fn the_english_ui_says_why_in_the_kernels_words() {
        for ending in [
            Ending::By("Anna Berg".into()),
            Ending::HostDidNotReturn,
            Ending::AccountClosed {
                csr: "Anna Berg".into(),
                by: "Site administrator".into(),
            },
        ] {
            let detail = ending.detail().expect("a detail");
            assert_eq!(shown(&detail), ending.reason());
        }
        assert_eq!(Ending::CustomerLeftWaiting.detail(), None);
        for departure in [
            Departure::Left,
            Departure::RemovedBy("Anna Berg"),
            Departure::NeverConnected,
            Departure::TransferredTo("Ben Ek"),
            Departure::AccountClosed {
                csr: "Anna Berg",
                by: "Site administrator",
            },
        ] {
            assert_eq!(shown(&departure.detail()), departure.told().0);
        }
    }
}
