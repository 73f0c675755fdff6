//! CSRs' presence as this kernel process sees it (in memory, by account):
//! whether a console of theirs is open, whether they take offers, how many
//! customers they host, and since when they have been free. Every change
//! says so, for the desk to tell the CSR's consoles and the plugins.

use std::collections::HashMap;

use crate::plugin_host::services::Availability;

/// One CSR's presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CsrState {
    /// A console of theirs is open.
    pub online: bool,
    /// Away until they say otherwise, at every start of the kernel and
    /// every sign-in.
    pub availability: Availability,
    /// Customers in the sessions they host, as last counted.
    pub customers: u32,
    /// When (ms since the Unix epoch) they last became free: their console
    /// opened, they became available, or their last customer went.
    pub idle_since: u64,
}

/// Every CSR the kernel has seen since it started.
#[derive(Debug, Default)]
pub struct PresenceTable {
    csrs: HashMap<i64, CsrState>,
}

impl PresenceTable {
    pub fn state(&self, account: i64) -> CsrState {
        self.csrs.get(&account).copied().unwrap_or_default()
    }

    fn entry(&mut self, account: i64) -> &mut CsrState {
        self.csrs.entry(account).or_default()
    }

    /// The account has `consoles` consoles open now (one more, or one
    /// fewer, than before); whether that changed their presence.
    pub fn consoles(&mut self, account: i64, consoles: usize, now: u64) -> bool {
        let csr = self.entry(account);
        let online = consoles > 0;
        if csr.online == online {
            return false;
        }
        csr.online = online;
        if online {
            csr.idle_since = now;
        }
        true
    }

    /// The CSR says whether they take offers; whether that changed
    /// anything.
    pub fn set_availability(&mut self, account: i64, availability: Availability, now: u64) -> bool {
        let csr = self.entry(account);
        if csr.availability == availability {
            return false;
        }
        csr.availability = availability;
        if availability == Availability::Available {
            csr.idle_since = now;
        }
        true
    }

    /// The customers each CSR hosts now (those not listed host none); the
    /// accounts whose number changed.
    pub fn recount(&mut self, hosted: &HashMap<i64, u32>, now: u64) -> Vec<i64> {
        for account in hosted.keys() {
            self.entry(*account);
        }
        let mut changed = Vec::new();
        for (account, csr) in &mut self.csrs {
            let customers = hosted.get(account).copied().unwrap_or(0);
            if csr.customers == customers {
                continue;
            }
            if customers == 0 {
                csr.idle_since = now;
            }
            csr.customers = customers;
            changed.push(*account);
        }
        changed.sort_unstable();
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csr_comes_online_with_the_first_console_and_goes_with_the_last() {
        let mut table = PresenceTable::default();
        assert_eq!(table.state(1), CsrState::default());
        assert!(table.consoles(1, 1, 100));
        assert_eq!(table.state(1).idle_since, 100);
        assert!(
            !table.consoles(1, 2, 200),
            "a second console changes nothing"
        );
        assert!(!table.consoles(1, 1, 300));
        assert!(table.consoles(1, 0, 400));
        let gone = table.state(1);
        assert!(!gone.online);
        assert_eq!(gone.idle_since, 100, "going offline is not becoming free");
    }

    #[test]
    fn availability_changes_once_and_becoming_available_starts_the_idle_time() {
        let mut table = PresenceTable::default();
        assert_eq!(table.state(1).availability, Availability::Away);
        assert!(!table.set_availability(1, Availability::Away, 50));
        assert!(table.set_availability(1, Availability::Available, 60));
        assert_eq!(table.state(1).idle_since, 60);
        assert!(!table.set_availability(1, Availability::Available, 70));
        assert_eq!(table.state(1).idle_since, 60);
        assert!(table.set_availability(1, Availability::Away, 80));
        assert_eq!(table.state(1).idle_since, 60);
    }

    #[test]
    fn counting_customers_reports_who_changed_and_when_they_became_free() {
        let mut table = PresenceTable::default();
        table.consoles(1, 1, 10);
        table.consoles(2, 1, 10);
        assert_eq!(table.recount(&[(1, 2)].into(), 20), vec![1]);
        assert_eq!(table.state(1).customers, 2);
        assert_eq!(table.state(1).idle_since, 10, "busier is not free");
        assert_eq!(table.recount(&[(1, 2)].into(), 30), Vec::<i64>::new());
        // A CSR the table had not seen (hosting with no console) counts too.
        assert_eq!(table.recount(&[(1, 1), (3, 1)].into(), 40), vec![1, 3]);
        assert_eq!(table.recount(&HashMap::new(), 50), vec![1, 3]);
        assert_eq!(table.state(1).customers, 0);
        assert_eq!(table.state(1).idle_since, 50);
        assert_eq!(table.state(2).idle_since, 10);
    }
}
