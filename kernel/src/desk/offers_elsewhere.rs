//! Offers another node made to CSRs with consoles here (a node among
//! several): the node that made an offer keeps it, runs its timer and takes
//! the answers (`offers.rs` there); this table only knows which consoles
//! here show it, so a console opening shows it too, an answer given here
//! goes to that node, and the consoles drop it when it closes.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use tether_protocol::ServerEvent;

/// An offer made on another node.
#[derive(Debug, Clone)]
pub struct OfferElsewhere {
    pub node: String,
    /// The offer as consoles are shown it (its time left as when made).
    pub made: ServerEvent,
    pub expires_at: Instant,
    /// Recipients who have neither answered it nor gone.
    pub showing: BTreeSet<i64>,
}

#[derive(Debug, Default)]
pub struct OffersElsewhere {
    open: HashMap<u32, OfferElsewhere>,
}

impl OffersElsewhere {
    /// Node `node` made offer `id` (`made`) to `recipients`, answerable
    /// for `time_left`.
    pub fn made(
        &mut self,
        node: &str,
        id: u32,
        made: ServerEvent,
        recipients: &[i64],
        time_left: Duration,
        now: Instant,
    ) {
        self.forget_expired(now);
        self.open.insert(
            id,
            OfferElsewhere {
                node: node.to_owned(),
                made,
                expires_at: now + time_left,
                showing: recipients.iter().copied().collect(),
            },
        );
    }

    /// The node that made offer `id`, if it is open there as far as this
    /// node knows.
    pub fn node_of(&self, id: u32, now: Instant) -> Option<&str> {
        self.open
            .get(&id)
            .filter(|offer| offer.expires_at > now)
            .map(|offer| offer.node.as_str())
    }

    /// `account` answered offer `id`: no console of theirs shows it now.
    pub fn answered(&mut self, id: u32, account: i64) {
        if let Some(offer) = self.open.get_mut(&id) {
            offer.showing.remove(&account);
        }
    }

    /// Offer `id` closed (answered by all, withdrawn, expired): the
    /// accounts whose consoles still showed it.
    pub fn closed(&mut self, id: u32) -> BTreeSet<i64> {
        self.open
            .remove(&id)
            .map(|offer| offer.showing)
            .unwrap_or_default()
    }

    /// Node `node` stopped: its offers can no longer be answered; the
    /// offers and who still saw each.
    pub fn node_gone(&mut self, node: &str) -> Vec<(u32, BTreeSet<i64>)> {
        let ids: Vec<u32> = self
            .open
            .iter()
            .filter(|(_, offer)| offer.node == node)
            .map(|(id, _)| *id)
            .collect();
        ids.into_iter().map(|id| (id, self.closed(id))).collect()
    }

    /// The offers `account`'s consoles show, oldest first, with the time
    /// left to answer each.
    pub fn showing_to(&self, account: i64, now: Instant) -> Vec<(u32, &ServerEvent, Duration)> {
        let mut shown: Vec<(u32, &ServerEvent, Duration)> = self
            .open
            .iter()
            .filter(|(_, offer)| offer.expires_at > now && offer.showing.contains(&account))
            .map(|(id, offer)| (*id, &offer.made, offer.expires_at - now))
            .collect();
        shown.sort_by_key(|(id, _, _)| *id);
        shown
    }

    /// Drops the offers past their time whose close never came (their node
    /// stopped, or the news was lost).
    fn forget_expired(&mut self, now: Instant) {
        self.open.retain(|_, offer| offer.expires_at > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn made(id: u32) -> ServerEvent {
        ServerEvent::OfferMade {
            offer: id,
            plugin: "webacd".into(),
            session: None,
            title: "Carl waits".into(),
            text: String::new(),
            expires_in_ms: 30_000,
        }
    }

    #[test]
    fn an_offer_of_another_node_is_shown_until_answered_or_closed() {
        let now = Instant::now();
        let mut table = OffersElsewhere::default();
        table.made("b", 7, made(7), &[1, 2], Duration::from_secs(30), now);
        assert_eq!(table.node_of(7, now), Some("b"));
        assert_eq!(table.node_of(8, now), None);
        assert_eq!(table.showing_to(1, now).len(), 1);
        table.answered(7, 1);
        assert!(table.showing_to(1, now).is_empty());
        assert_eq!(table.showing_to(2, now)[0].0, 7);
        assert_eq!(table.closed(7), [2].into());
        assert_eq!(table.node_of(7, now), None);
        assert!(table.closed(7).is_empty(), "closed once");
    }

    #[test]
    fn offers_past_their_time_or_of_a_stopped_node_are_gone() {
        let now = Instant::now();
        let mut table = OffersElsewhere::default();
        table.made("b", 1, made(1), &[1], Duration::from_secs(1), now);
        table.made("c", 2, made(2), &[1], Duration::from_secs(60), now);
        let later = now + Duration::from_secs(2);
        assert_eq!(table.node_of(1, later), None);
        assert_eq!(table.showing_to(1, later).len(), 1);
        assert_eq!(table.node_gone("c"), vec![(2, [1].into())]);
        assert!(table.showing_to(1, later).is_empty());
        table.made("b", 3, made(3), &[1], Duration::from_secs(1), later);
        assert_eq!(
            table.node_of(1, later),
            None,
            "forgotten when the next came"
        );
    }
}
