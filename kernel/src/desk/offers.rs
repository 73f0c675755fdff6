//! The offers open now (in memory): what each says, which plugin of which
//! site made it, and where it stands for each CSR it was made to. The
//! desk (`mod.rs`) shows them on consoles and runs their timers; this
//! table only keeps them and applies the answer rules (`rules.rs`).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use tokio::task::AbortHandle;

use super::rules::{AnswerRefused, RecipientState, check_answer};
use crate::plugin_host::services::PluginScope;

/// An offer still open.
#[derive(Debug)]
pub struct OpenOffer {
    pub id: u32,
    /// The plugin that made it, on its site.
    pub by: PluginScope,
    pub session: Option<String>,
    pub title: String,
    pub text: String,
    pub expires_at: Instant,
    /// Each recipient's CSR account and where the offer stands for them.
    pub recipients: BTreeMap<i64, RecipientState>,
    /// Its expiry, cancelled when it is withdrawn.
    pub timer: Option<AbortHandle>,
}

impl OpenOffer {
    /// The accounts whose consoles still show it: who has neither
    /// answered nor gone.
    pub fn showing(&self) -> impl Iterator<Item = i64> + '_ {
        self.recipients
            .iter()
            .filter(|(_, state)| **state == RecipientState::Showing)
            .map(|(account, _)| *account)
    }
}

/// What an answer needs for the plugin's event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub by: PluginScope,
}

#[derive(Debug, Default)]
pub struct OfferTable {
    open: HashMap<u32, OpenOffer>,
    last_id: u32,
}

impl OfferTable {
    /// A fresh id: never 0, never one of an offer still open.
    pub fn next_id(&mut self) -> u32 {
        loop {
            self.last_id = self.last_id.wrapping_add(1);
            if self.last_id != 0 && !self.open.contains_key(&self.last_id) {
                return self.last_id;
            }
        }
    }

    pub fn insert(&mut self, offer: OpenOffer) {
        self.open.insert(offer.id, offer);
    }

    /// Gives offer `id` the handle of its expiry timer (cancelled at once
    /// should the offer be gone already).
    pub fn set_timer(&mut self, id: u32, timer: AbortHandle) {
        match self.open.get_mut(&id) {
            Some(offer) => offer.timer = Some(timer),
            None => timer.abort(),
        }
    }

    /// `account` answers offer `id`: once, while it is shown to them.
    pub fn answer(&mut self, id: u32, account: i64) -> Result<Answered, AnswerRefused> {
        let offer = self.open.get_mut(&id);
        let state = offer
            .as_ref()
            .and_then(|offer| offer.recipients.get(&account).copied());
        check_answer(id, state)?;
        let offer = offer.ok_or(AnswerRefused::NotOpen(id))?;
        offer.recipients.insert(account, RecipientState::Answered);
        Ok(Answered {
            by: offer.by.clone(),
        })
    }

    /// Takes offer `id` out if `by` made it; its timer stops.
    pub fn withdraw(&mut self, id: u32, by: &PluginScope) -> Option<OpenOffer> {
        if self.open.get(&id).is_none_or(|offer| offer.by != *by) {
            return None;
        }
        let offer = self.open.remove(&id)?;
        if let Some(timer) = &offer.timer {
            timer.abort();
        }
        Some(offer)
    }

    /// Takes offer `id` out as its time ran out (if it is still open).
    pub fn expire(&mut self, id: u32) -> Option<OpenOffer> {
        self.open.remove(&id)
    }

    /// The account's last console closed: offers it had not answered are
    /// no longer theirs to answer.
    pub fn recipient_gone(&mut self, account: i64) {
        for offer in self.open.values_mut() {
            if let Some(state) = offer.recipients.get_mut(&account)
                && *state == RecipientState::Showing
            {
                *state = RecipientState::Gone;
            }
        }
    }

    /// The offers the account's consoles show (for a console that opens
    /// while they are open), oldest first.
    pub fn showing_to(&self, account: i64) -> Vec<&OpenOffer> {
        let mut offers: Vec<&OpenOffer> = self
            .open
            .values()
            .filter(|offer| offer.recipients.get(&account) == Some(&RecipientState::Showing))
            .collect();
        offers.sort_by_key(|offer| offer.id);
        offers
    }

    pub fn is_open(&self, id: u32) -> bool {
        self.open.contains_key(&id)
    }

    #[cfg(test)]
    fn jump_ids_to(&mut self, last: u32) {
        self.last_id = last;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(plugin: &str) -> PluginScope {
        PluginScope {
            site: "default".into(),
            plugin: plugin.into(),
        }
    }

    fn offer(table: &mut OfferTable, by: &str, to: &[i64]) -> u32 {
        let id = table.next_id();
        table.insert(OpenOffer {
            id,
            by: scope(by),
            session: None,
            title: "Carl waits".into(),
            text: String::new(),
            expires_at: Instant::now(),
            recipients: to.iter().map(|a| (*a, RecipientState::Showing)).collect(),
            timer: None,
        });
        id
    }

    #[test]
    fn ids_are_never_0_and_never_an_open_offers() {
        let mut table = OfferTable::default();
        let first = offer(&mut table, "webacd", &[1]);
        assert_eq!(first, 1);
        table.jump_ids_to(u32::MAX - 1);
        assert_eq!(offer(&mut table, "webacd", &[1]), u32::MAX);
        // Wrapping skips 0 and the open offer 1.
        assert_eq!(table.next_id(), 2);
    }

    #[test]
    fn each_recipient_answers_once_while_it_is_shown_to_them() {
        let mut table = OfferTable::default();
        let id = offer(&mut table, "webacd", &[1, 2, 3]);
        assert_eq!(
            table.answer(id, 1),
            Ok(Answered {
                by: scope("webacd")
            })
        );
        assert_eq!(table.answer(id, 1), Err(AnswerRefused::AlreadyAnswered(id)));
        assert_eq!(table.answer(id, 9), Err(AnswerRefused::NotOpen(id)));
        assert_eq!(table.answer(id + 1, 2), Err(AnswerRefused::NotOpen(id + 1)));
        table.recipient_gone(2);
        assert_eq!(table.answer(id, 2), Err(AnswerRefused::NotOpen(id)));
        assert_eq!(table.showing_to(3).len(), 1);
        assert!(table.showing_to(1).is_empty(), "answered");
        assert!(table.showing_to(2).is_empty(), "gone");
        let shown: Vec<i64> = table
            .withdraw(id, &scope("webacd"))
            .expect("open")
            .showing()
            .collect();
        assert_eq!(shown, vec![3]);
        assert_eq!(table.answer(id, 3), Err(AnswerRefused::NotOpen(id)));
    }

    #[test]
    fn only_the_plugin_that_made_an_offer_withdraws_it_and_it_expires_once() {
        let mut table = OfferTable::default();
        let id = offer(&mut table, "webacd", &[1]);
        assert!(table.withdraw(id, &scope("other")).is_none());
        let other_site = PluginScope {
            site: "elsewhere".into(),
            plugin: "webacd".into(),
        };
        assert!(table.withdraw(id, &other_site).is_none());
        assert!(table.is_open(id));
        assert!(table.expire(id).is_some());
        assert!(table.expire(id).is_none());
        assert!(table.withdraw(id, &scope("webacd")).is_none());
    }
}
