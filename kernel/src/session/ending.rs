//! Why a whole session ended: the English reason its report keeps and the
//! detail each participant's page says in its own language.

use tether_protocol::Detail;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The host ended it (their display name).
    By(String),
    /// The host's console went away and did not come back in time.
    HostDidNotReturn,
}

impl Ending {
    /// The report's words, also sent as `reason`.
    pub fn reason(&self) -> String {
        match self {
            Ending::By(name) => format!("ended by {name}"),
            Ending::HostDidNotReturn => "the CSR did not come back within the grace period".into(),
        }
    }

    pub fn detail(&self) -> Detail {
        match self {
            Ending::By(name) => Detail::EndedBy { name: name.clone() },
            Ending::HostDidNotReturn => Detail::HostDidNotReturn,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ending;
    use crate::session::announce::Departure;
    use crate::web::error_detail::english::shown;

    #[test]
    fn the_english_ui_says_why_in_the_kernels_words() {
        for ending in [Ending::By("Anna Berg".into()), Ending::HostDidNotReturn] {
            assert_eq!(shown(&ending.detail()), ending.reason());
        }
        for departure in [
            Departure::Left,
            Departure::RemovedBy("Anna Berg"),
            Departure::NeverConnected,
        ] {
            assert_eq!(shown(&departure.detail()), departure.told().0);
        }
    }
}
