//! CSRs' presence (in memory, by account): whether a console of theirs is
//! open, whether they take offers, how many customers they host, and since
//! when they have been free. Every change says so, for the desk to tell
//! the CSR's consoles and the plugins.
//!
//! Among several nodes a CSR's consoles and the sessions they host may be
//! on different nodes. Each node keeps its own part (*here*) and what the
//! others last told of theirs; a CSR's presence is all of it together:
//! online on any node, available as they last said on any node, the
//! customers of every node added up, free since the latest. A node not
//! heard from for a lease is forgotten (it stopped; its consoles closed
//! and its sessions go to other nodes).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::plugin_host::services::Availability;

/// One CSR's presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CsrState {
    /// A console of theirs is open.
    pub online: bool,
    /// Away until they say otherwise, at every start of the kernel and
    /// every sign-in.
    pub availability: Availability,
    /// When (ms since the Unix epoch) they last said it; 0 when never.
    pub availability_at: u64,
    /// Customers in the sessions they host, as last counted.
    pub customers: u32,
    /// When (ms since the Unix epoch) they last became free: their console
    /// opened, they became available, or their last customer went.
    pub idle_since: u64,
}

/// One CSR's presence on one node, as nodes tell each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeCsr {
    pub account: i64,
    pub online: bool,
    pub available: bool,
    pub availability_at: u64,
    pub customers: u32,
    pub idle_since: u64,
}

impl NodeCsr {
    fn of(account: i64, state: CsrState) -> NodeCsr {
        NodeCsr {
            account,
            online: state.online,
            available: state.availability == Availability::Available,
            availability_at: state.availability_at,
            customers: state.customers,
            idle_since: state.idle_since,
        }
    }

    fn state(&self) -> CsrState {
        CsrState {
            online: self.online,
            availability: if self.available {
                Availability::Available
            } else {
                Availability::Away
            },
            availability_at: self.availability_at,
            customers: self.customers,
            idle_since: self.idle_since,
        }
    }
}

/// What another node last told of its CSRs.
#[derive(Debug)]
struct OtherNode {
    heard: Instant,
    csrs: HashMap<i64, CsrState>,
}

/// Every CSR the kernel has seen since it started, here and on the other
/// nodes.
#[derive(Debug, Default)]
pub struct PresenceTable {
    csrs: HashMap<i64, CsrState>,
    others: HashMap<String, OtherNode>,
}

impl PresenceTable {
    /// The CSR's presence on every node together.
    pub fn state(&self, account: i64) -> CsrState {
        let mut state = self.here(account);
        for other in self.others.values() {
            let Some(there) = other.csrs.get(&account) else {
                continue;
            };
            state.online |= there.online;
            if there.availability_at > state.availability_at {
                state.availability = there.availability;
                state.availability_at = there.availability_at;
            }
            state.customers = state.customers.saturating_add(there.customers);
            state.idle_since = state.idle_since.max(there.idle_since);
        }
        state
    }

    /// The CSR's presence on this node alone.
    fn here(&self, account: i64) -> CsrState {
        self.csrs.get(&account).copied().unwrap_or_default()
    }

    /// What this node tells the others of `account`.
    pub fn told(&self, account: i64) -> NodeCsr {
        NodeCsr::of(account, self.here(account))
    }

    /// What this node tells the others of every CSR it has seen.
    pub fn told_all(&self) -> Vec<NodeCsr> {
        let mut all: Vec<NodeCsr> = self
            .csrs
            .iter()
            .map(|(account, state)| NodeCsr::of(*account, *state))
            .collect();
        all.sort_unstable_by_key(|csr| csr.account);
        all
    }

    /// Customers the CSR hosts on the other nodes, by account (those
    /// hosting none there are not listed).
    pub fn hosted_elsewhere(&self) -> HashMap<i64, u32> {
        let mut hosted = HashMap::new();
        for other in self.others.values() {
            for (account, state) in other.csrs.iter().filter(|(_, s)| s.customers > 0) {
                let sum: &mut u32 = hosted.entry(*account).or_default();
                *sum = sum.saturating_add(state.customers);
            }
        }
        hosted
    }

    fn entry(&mut self, account: i64) -> &mut CsrState {
        self.csrs.entry(account).or_default()
    }

    /// The account has `consoles` consoles open here now (one more, or one
    /// fewer, than before); whether that changed their presence here.
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
        let before = self.state(account).availability;
        let csr = self.entry(account);
        csr.availability_at = now;
        if before == availability && csr.availability == availability {
            return false;
        }
        csr.availability = availability;
        if availability == Availability::Available {
            csr.idle_since = now;
        }
        true
    }

    /// The customers each CSR hosts here now (those not listed host none);
    /// the accounts whose number changed.
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

    /// Node `node` told of its CSRs: all of them (`full`: those it leaves
    /// out have nothing there), or those that changed. A CSR's later say
    /// on whether they take offers becomes this node's too, so it holds
    /// should that node stop. The accounts whose presence changed.
    pub fn heard(&mut self, node: &str, full: bool, csrs: &[NodeCsr], now: Instant) -> Vec<i64> {
        let mut accounts: Vec<i64> = csrs.iter().map(|csr| csr.account).collect();
        let other = self
            .others
            .entry(node.to_owned())
            .or_insert_with(|| OtherNode {
                heard: now,
                csrs: HashMap::new(),
            });
        other.heard = now;
        if full {
            accounts.extend(other.csrs.keys());
        }
        accounts.sort_unstable();
        accounts.dedup();
        let before: Vec<CsrState> = accounts.iter().map(|a| self.state(*a)).collect();
        let Some(other) = self.others.get_mut(node) else {
            return Vec::new();
        };
        if full {
            other.csrs.clear();
        }
        for csr in csrs {
            other.csrs.insert(csr.account, csr.state());
        }
        for csr in csrs {
            let here = self.csrs.entry(csr.account).or_default();
            if csr.availability_at > here.availability_at {
                here.availability = csr.state().availability;
                here.availability_at = csr.availability_at;
            }
        }
        self.changed_since(accounts, before)
    }

    /// Forgets the nodes not heard from for `silence`: those nodes, and
    /// the accounts whose presence changed.
    pub fn forget_silent(&mut self, silence: Duration, now: Instant) -> (Vec<String>, Vec<i64>) {
        let silent: Vec<String> = self
            .others
            .iter()
            .filter(|(_, other)| now.saturating_duration_since(other.heard) >= silence)
            .map(|(node, _)| node.clone())
            .collect();
        if silent.is_empty() {
            return (silent, Vec::new());
        }
        let mut accounts: Vec<i64> = silent
            .iter()
            .filter_map(|node| self.others.get(node))
            .flat_map(|other| other.csrs.keys().copied())
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        let before: Vec<CsrState> = accounts.iter().map(|a| self.state(*a)).collect();
        for node in &silent {
            self.others.remove(node);
        }
        let changed = self.changed_since(accounts, before);
        (silent, changed)
    }

    fn changed_since(&self, accounts: Vec<i64>, before: Vec<CsrState>) -> Vec<i64> {
        accounts
            .into_iter()
            .zip(before)
            .filter(|(account, before)| self.state(*account) != *before)
            .map(|(account, _)| account)
            .collect()
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

    fn there(account: i64, online: bool, available: bool, at: u64, customers: u32) -> NodeCsr {
        NodeCsr {
            account,
            online,
            available,
            availability_at: at,
            customers,
            idle_since: at,
        }
    }

    #[test]
    fn a_csr_is_what_every_node_tells_together() {
        let start = Instant::now();
        let mut table = PresenceTable::default();
        table.consoles(1, 1, 10);
        table.recount(&[(1, 1)].into(), 20);
        // Node B: a console of theirs there too, a customer, and later the
        // CSR said they are available.
        let changed = table.heard("b", false, &[there(1, true, true, 30, 2)], start);
        assert_eq!(changed, vec![1]);
        let state = table.state(1);
        assert!(state.online);
        assert_eq!(state.availability, Availability::Available);
        assert_eq!(state.customers, 3, "one here, two there");
        assert_eq!(state.idle_since, 30, "the latest");
        assert_eq!(table.hosted_elsewhere(), [(1, 2)].into());
        // What the CSR said there holds here too.
        assert!(table.told(1).available);
        assert_eq!(table.told(1).customers, 1, "this node tells its own part");
        // Node C knows someone node B does not.
        assert_eq!(
            table.heard("c", false, &[there(2, true, false, 5, 0)], start),
            vec![2]
        );
        // The same news again changes nothing.
        assert!(
            table
                .heard("b", false, &[there(1, true, true, 30, 2)], start)
                .is_empty()
        );
        // A later "away" here wins over B's earlier "available".
        assert!(table.set_availability(1, Availability::Away, 40));
        assert_eq!(table.state(1).availability, Availability::Away);
    }

    #[test]
    fn a_full_report_drops_what_a_node_no_longer_has() {
        let start = Instant::now();
        let mut table = PresenceTable::default();
        table.heard(
            "b",
            false,
            &[there(1, true, false, 1, 1), there(2, true, false, 1, 0)],
            start,
        );
        let changed = table.heard("b", true, &[there(2, true, false, 1, 0)], start);
        assert_eq!(changed, vec![1]);
        assert!(!table.state(1).online);
        assert_eq!(table.state(1).customers, 0);
        assert!(table.state(2).online);
    }

    #[test]
    fn a_silent_node_is_forgotten_after_the_silence() {
        let start = Instant::now();
        let silence = Duration::from_secs(3);
        let mut table = PresenceTable::default();
        table.consoles(1, 1, 10);
        table.heard(
            "b",
            false,
            &[there(1, true, false, 0, 2), there(2, true, false, 0, 1)],
            start,
        );
        table.heard(
            "c",
            false,
            &[there(3, true, false, 0, 0)],
            start + Duration::from_secs(2),
        );
        let nothing = table.forget_silent(silence, start + Duration::from_secs(2));
        assert_eq!(nothing, (vec![], vec![]));
        let forgotten = table.forget_silent(silence, start + Duration::from_secs(3));
        assert_eq!(forgotten, (vec!["b".to_owned()], vec![1, 2]));
        assert!(table.state(1).online, "still online here");
        assert_eq!(table.state(1).customers, 0);
        assert!(!table.state(2).online);
        assert!(table.state(3).online, "node C spoke later");
        assert!(table.hosted_elsewhere().is_empty());
    }
}
