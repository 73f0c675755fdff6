//! What the plugin keeps between events, in its store for the site. Every
//! event runs in a fresh instance, and events run at the same time (an
//! agent's answer, a customer entering, the kernel's events), so whatever
//! two events may change together is changed with compare-and-swap:
//!
//! | key | value |
//! |---|---|
//! | `queue/<name>` | a [`Queue`] (created only where absent) |
//! | `ticket/<session>` | the [`Ticket`] of a session waiting for an agent |
//! | `line/<queue>/<entered ms, 13 digits>/<session>` | empty: the queue's line, in order |
//! | `wait/<queue>/<entered ms, 13 digits>/<session>` | empty: those of the line nobody has an offer of, in order |
//! | `offer/<id>` | an [`OfferRef`]: the session an offer of ours is about |
//! | `holding/<username>` | a [`Holding`]: the agent holds a queue offer (one at a time) |
//! | `claim/<session>` | the username who took the session (from absent, once) |
//! | `origin/<session>` | an [`Origin`]: the queue and offer an agent took the session from |
//! | `swept` | when the distribution last swept for what outlived its time (ms, decimal) |
//!
//! The indexes (`line/`, `wait/`) are keys only, so a list of them costs
//! one call and no reads: a queue's length, a customer's place, and the
//! first customers to offer come from the keys; a ticket is read only for
//! the customers the distribution has an agent for.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Serialize, de::DeserializeOwned};
use tether_sdk::host::{atomic_store, store};
use tether_sdk::prelude::*;

use crate::model::{Holding, OfferRef, Origin, Queue, Stage, Ticket};

/// How often a compare-and-swap is tried again when another event
/// changed the record in between.
const CAS_ATTEMPTS: usize = 32;

fn queue_key(name: &str) -> String {
    format!("queue/{name}")
}

fn ticket_key(session: &str) -> String {
    format!("ticket/{session}")
}

/// The index of every queue's line.
const LINE: &str = "line/";
/// The index of the customers waiting for the distribution to offer them.
const WAIT: &str = "wait/";
/// When the distribution last swept for what outlived its time.
const SWEPT_KEY: &str = "swept";

fn line_prefix(queue: &str) -> String {
    format!("{LINE}{queue}/")
}

fn line_key(queue: &str, entered_ms: u64, session: &str) -> String {
    format!("{}{entered_ms:013}/{session}", line_prefix(queue))
}

fn wait_prefix(queue: &str) -> String {
    format!("{WAIT}{queue}/")
}

fn wait_key(queue: &str, entered_ms: u64, session: &str) -> String {
    format!("{}{entered_ms:013}/{session}", wait_prefix(queue))
}

fn offer_key(id: u32) -> String {
    format!("offer/{id}")
}

fn holding_key(username: &str) -> String {
    format!("holding/{username}")
}

fn claim_key(session: &str) -> String {
    format!("claim/{session}")
}

fn origin_key(session: &str) -> String {
    format!("origin/{session}")
}

fn encode<T: Serialize>(key: &str, value: &T) -> Result<Vec<u8>, PluginError> {
    serde_json::to_vec(value)
        .map_err(|error| PluginError::Failed(format!("could not encode `{key}`: {error}")))
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, PluginError> {
    serde_json::from_slice(bytes)
        .map_err(|error| PluginError::Failed(format!("stored value `{key}` is not valid: {error}")))
}

/// What an update does with a record.
pub enum Change<T> {
    Keep,
    Write(T),
    Delete,
}

/// Reads `key`, lets `decide` choose, and writes the choice only if the
/// record is still what was read — else reads again and lets `decide`
/// choose again. Returns what `decide` returned with the change made, and
/// the record before it.
fn update<T, R>(
    key: &str,
    mut decide: impl FnMut(Option<T>) -> (Change<T>, R),
) -> Result<(Option<T>, R), PluginError>
where
    T: Serialize + DeserializeOwned + Clone,
{
    for _ in 0..CAS_ATTEMPTS {
        let before_bytes = store::get(key)?;
        let before: Option<T> = before_bytes
            .as_deref()
            .map(|bytes| decode(key, bytes))
            .transpose()?;
        let (change, result) = decide(before.clone());
        let after_bytes = match &change {
            Change::Keep => return Ok((before, result)),
            Change::Write(value) => Some(encode(key, value)?),
            Change::Delete => None,
        };
        if atomic_store::compare_and_swap(key, before_bytes.as_deref(), after_bytes.as_deref())? {
            return Ok((before, result));
        }
    }
    Err(PluginError::Failed(format!(
        "`{key}` kept changing while it was being updated; try again"
    )))
}

// ---- queues ----

pub fn queue(name: &str) -> Result<Option<Queue>, PluginError> {
    store::get_json(&queue_key(name))
}

/// Every queue of the site, by name.
pub fn queues() -> Result<Vec<Queue>, PluginError> {
    let mut queues = Vec::new();
    for key in store::list_keys("queue/")? {
        if let Some(queue) = store::get_json::<Queue>(&key)? {
            queues.push(queue);
        }
    }
    queues.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(queues)
}

/// Creates a queue; `false` when one of that name exists (two admins
/// creating the same name at once: one wins).
pub fn create_queue(queue: &Queue) -> Result<bool, PluginError> {
    let key = queue_key(&queue.name);
    Ok(atomic_store::compare_and_swap(
        &key,
        None,
        Some(&encode(&key, queue)?),
    )?)
}

/// Changes a queue with `change`; `None` when there is no such queue.
pub fn update_queue(name: &str, change: impl Fn(&mut Queue)) -> Result<Option<Queue>, PluginError> {
    let (_, changed) = update::<Queue, Option<Queue>>(&queue_key(name), |queue| match queue {
        None => (Change::Keep, None),
        Some(mut queue) => {
            change(&mut queue);
            (Change::Write(queue.clone()), Some(queue))
        }
    })?;
    Ok(changed)
}

pub fn delete_queue(name: &str) -> Result<bool, PluginError> {
    Ok(store::delete(&queue_key(name))?)
}

// ---- tickets and their indexes ----

pub fn ticket(session: &str) -> Result<Option<Ticket>, PluginError> {
    store::get_json(&ticket_key(session))
}

/// The index entries a ticket has: its place in its queue's line while it
/// waits there, and, while nobody has an offer of it, its place among
/// those the distribution offers next.
fn index_keys(ticket: Option<&Ticket>) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    if let Some(ticket) = ticket.filter(|t| t.stage == Stage::Queued) {
        keys.insert(line_key(&ticket.queue, ticket.entered_ms, &ticket.session));
        if ticket.needs_offer() {
            keys.insert(wait_key(&ticket.queue, ticket.entered_ms, &ticket.session));
        }
    }
    keys
}

/// Brings the indexes in step with a ticket, as it is in `basis_bytes`
/// (`basis` decoded); `known` is what the entries are believed to be
/// (`None`: unknown, every entry in `candidates` is written).
///
/// Events change one ticket at the same time, and each brings the indexes
/// in step after its own compare-and-swap: an event that was slower to
/// write its entries than a later one would leave them as the earlier
/// ticket wants (a customer who needs an offer missing from `wait/`). So
/// whoever writes an entry reads the ticket again afterwards, and when it
/// changed meanwhile writes every entry as the ticket is now. The ticket is
/// the truth: an entry left behind by an event that failed half-way is
/// passed over when read, and the distribution's sweep puts back one that
/// is missing.
fn sync_indexes(
    session: &str,
    mut known: Option<BTreeSet<String>>,
    mut candidates: BTreeSet<String>,
    mut basis: Option<Ticket>,
    mut basis_bytes: Option<Vec<u8>>,
) -> Result<(), PluginError> {
    let key = ticket_key(session);
    for _ in 0..CAS_ATTEMPTS {
        let wanted = index_keys(basis.as_ref());
        candidates.extend(wanted.iter().cloned());
        let mut wrote = false;
        for entry in &candidates {
            let want = wanted.contains(entry);
            if known
                .as_ref()
                .is_some_and(|known| known.contains(entry) == want)
            {
                continue;
            }
            if want {
                store::set(entry, b"")?;
            } else {
                store::delete(entry)?;
            }
            wrote = true;
        }
        if !wrote {
            return Ok(());
        }
        let now = store::get(&key)?;
        if now == basis_bytes {
            return Ok(());
        }
        basis = now
            .as_deref()
            .map(|bytes| decode(&key, bytes))
            .transpose()?;
        basis_bytes = now;
        known = None;
    }
    Err(PluginError::Failed(format!(
        "`{key}` kept changing while its indexes were written; try again"
    )))
}

/// After a ticket changed from `before` to `after` (stored as
/// `after_bytes`).
fn ticket_changed(
    session: &str,
    before: Option<&Ticket>,
    after: Option<Ticket>,
    after_bytes: Option<Vec<u8>>,
) -> Result<(), PluginError> {
    let known = index_keys(before);
    let candidates = known.clone();
    sync_indexes(session, Some(known), candidates, after, after_bytes)
}

/// Creates the ticket of a session; `false` when the session has one
/// already (it is waiting or being transferred).
pub fn create_ticket(ticket: &Ticket) -> Result<bool, PluginError> {
    let key = ticket_key(&ticket.session);
    let bytes = encode(&key, ticket)?;
    let created = atomic_store::compare_and_swap(&key, None, Some(&bytes))?;
    if created {
        ticket_changed(&ticket.session, None, Some(ticket.clone()), Some(bytes))?;
    }
    Ok(created)
}

/// Changes a session's ticket with `decide` (compare-and-swap, read again
/// when another event changed it first), keeping the indexes in step.
/// Returns the ticket before the change and `decide`'s result.
pub fn update_ticket<R>(
    session: &str,
    mut decide: impl FnMut(Option<Ticket>) -> (Change<Ticket>, R),
) -> Result<(Option<Ticket>, R), PluginError> {
    let key = ticket_key(session);
    for _ in 0..CAS_ATTEMPTS {
        let before_bytes = store::get(&key)?;
        let before: Option<Ticket> = before_bytes
            .as_deref()
            .map(|bytes| decode(&key, bytes))
            .transpose()?;
        let (change, result) = decide(before.clone());
        let (after, after_bytes) = match change {
            Change::Keep => return Ok((before, result)),
            Change::Write(ticket) => {
                let bytes = encode(&key, &ticket)?;
                (Some(ticket), Some(bytes))
            }
            Change::Delete => (None, None),
        };
        if atomic_store::compare_and_swap(&key, before_bytes.as_deref(), after_bytes.as_deref())? {
            ticket_changed(session, before.as_ref(), after, after_bytes)?;
            return Ok((before, result));
        }
    }
    Err(PluginError::Failed(format!(
        "`{key}` kept changing while it was being updated; try again"
    )))
}

/// Writes a ticket's index entries as the ticket is now (the sweep, for
/// a ticket whose entries an event that failed half-way left wrong).
pub fn resync_indexes(session: &str) -> Result<(), PluginError> {
    let key = ticket_key(session);
    let bytes = store::get(&key)?;
    let Some(ticket) = bytes
        .as_deref()
        .map(|b| decode::<Ticket>(&key, b))
        .transpose()?
    else {
        return Ok(());
    };
    let candidates = BTreeSet::from([
        line_key(&ticket.queue, ticket.entered_ms, session),
        wait_key(&ticket.queue, ticket.entered_ms, session),
    ]);
    sync_indexes(session, None, candidates, Some(ticket), bytes)
}

/// One entry of an index: a place in a queue's line, or a customer the
/// distribution is to offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub queue: String,
    pub entered_ms: u64,
    pub session: String,
    key: String,
}

impl Place {
    /// Drops this entry (its ticket is gone).
    pub fn forget(&self) -> Result<(), PluginError> {
        store::delete(&self.key)?;
        Ok(())
    }

    /// Whether `ticket` is what this entry stands for.
    pub fn is_of(&self, ticket: &Ticket) -> bool {
        index_keys(Some(ticket)).contains(&self.key)
    }
}

fn parse_place(index: &str, key: &str) -> Option<Place> {
    let mut parts = key.strip_prefix(index)?.splitn(3, '/');
    let queue = parts.next()?;
    let entered_ms = parts.next()?.parse().ok()?;
    let session = parts.next()?;
    Some(Place {
        queue: queue.to_owned(),
        entered_ms,
        session: session.to_owned(),
        key: key.to_owned(),
    })
}

/// The entries of `index` under `prefix`, first come first. Only keys are
/// listed: no record is read.
fn places(index: &str, prefix: &str) -> Result<Vec<Place>, PluginError> {
    let mut places: Vec<Place> = store::list_keys(prefix)?
        .iter()
        .filter_map(|key| parse_place(index, key))
        .collect();
    places.sort_by(|a, b| {
        a.entered_ms
            .cmp(&b.entered_ms)
            .then_with(|| a.session.cmp(&b.session))
    });
    Ok(places)
}

/// A queue's line, first come first.
pub fn line(queue: &str) -> Result<Vec<Place>, PluginError> {
    places(LINE, &line_prefix(queue))
}

/// Every queue's line.
pub fn all_lines() -> Result<Vec<Place>, PluginError> {
    places(LINE, LINE)
}

/// The customers of a queue nobody has an offer of, first come first: the
/// distribution reads only as many of their tickets as it has agents for.
pub fn to_offer(queue: &str) -> Result<Vec<Place>, PluginError> {
    places(WAIT, &wait_prefix(queue))
}

/// Every queue's customers nobody has an offer of.
pub fn all_to_offer() -> Result<Vec<Place>, PluginError> {
    places(WAIT, WAIT)
}

// ---- offers ----

pub fn set_offer_ref(id: u32, session: &str) -> Result<(), PluginError> {
    store::set_json(
        &offer_key(id),
        &OfferRef {
            session: session.to_owned(),
        },
    )
}

pub fn offer_ref(id: u32) -> Result<Option<OfferRef>, PluginError> {
    store::get_json(&offer_key(id))
}

pub fn forget_offer_ref(id: u32) -> Result<(), PluginError> {
    store::delete(&offer_key(id))?;
    Ok(())
}

// ---- agents holding a queue offer ----

/// Marks `username` as holding a queue offer for `holding.session`;
/// `false` when they hold one already.
pub fn hold(username: &str, holding: &Holding) -> Result<bool, PluginError> {
    let key = holding_key(username);
    Ok(atomic_store::compare_and_swap(
        &key,
        None,
        Some(&encode(&key, holding)?),
    )?)
}

/// The queue offer `username` holds, if any.
pub fn holding(username: &str) -> Result<Option<Holding>, PluginError> {
    store::get_json(&holding_key(username))
}

/// `username` no longer holds an offer for `session` (a mark for another
/// session stays).
pub fn release(username: &str, session: &str) -> Result<(), PluginError> {
    update::<Holding, ()>(&holding_key(username), |holding| match holding {
        Some(holding) if holding.session == session => (Change::Delete, ()),
        _ => (Change::Keep, ()),
    })?;
    Ok(())
}

/// Who holds a queue offer now (only the keys are listed).
pub fn holder_names() -> Result<BTreeSet<String>, PluginError> {
    Ok(store::list_keys("holding/")?
        .iter()
        .filter_map(|key| key.strip_prefix("holding/"))
        .map(str::to_owned)
        .collect())
}

/// Who holds a queue offer now, with their marks, by username.
pub fn holders() -> Result<BTreeMap<String, Holding>, PluginError> {
    let mut holders = BTreeMap::new();
    for key in store::list_keys("holding/")? {
        if let (Some(username), Some(holding)) = (
            key.strip_prefix("holding/"),
            store::get_json::<Holding>(&key)?,
        ) {
            holders.insert(username.to_owned(), holding);
        }
    }
    Ok(holders)
}

/// Drops a mark that outlived its offer (the kernel restarted, or an
/// event failed half-way), only if it is still the one read.
pub fn forget_stale_holding(username: &str, stale: &Holding) -> Result<(), PluginError> {
    update::<Holding, ()>(&holding_key(username), |holding| {
        if holding.as_ref() == Some(stale) {
            (Change::Delete, ())
        } else {
            (Change::Keep, ())
        }
    })?;
    Ok(())
}

// ---- sweeping ----

/// When the distribution last swept (ms since the Unix epoch; 0 when it
/// never did), and the record as stored.
pub fn last_sweep() -> Result<(Option<Vec<u8>>, u64), PluginError> {
    let stored = store::get(SWEPT_KEY)?;
    let at = stored
        .as_deref()
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .and_then(|text| text.parse().ok())
        .unwrap_or(0);
    Ok((stored, at))
}

/// Takes the next sweep at `now` if nobody took it since `previous` was
/// read: `true` for exactly one of the events that find it due.
pub fn take_sweep(previous: Option<&[u8]>, now: u64) -> Result<bool, PluginError> {
    Ok(atomic_store::compare_and_swap(
        SWEPT_KEY,
        previous,
        Some(now.to_string().as_bytes()),
    )?)
}

// ---- claims ----

/// Takes the session for `username`: `true` for exactly one of the agents
/// accepting it at the same time.
pub fn claim(session: &str, username: &str) -> Result<bool, PluginError> {
    Ok(atomic_store::claim(&claim_key(session), username)?)
}

/// Who took the session, if anyone did since it was last offered.
pub fn claimed_by(session: &str) -> Result<Option<String>, PluginError> {
    Ok(store::get(&claim_key(session))?.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
}

/// Gives a claim back (the hand-over failed), only if it is `username`'s.
pub fn release_claim(session: &str, username: &str) -> Result<(), PluginError> {
    atomic_store::compare_and_swap(&claim_key(session), Some(username.as_bytes()), None)?;
    Ok(())
}

/// Forgets who took the session (it is offered again, or it ended).
pub fn forget_claim(session: &str) -> Result<(), PluginError> {
    store::delete(&claim_key(session))?;
    Ok(())
}

// ---- where a session came from ----

pub fn set_origin(session: &str, origin: &Origin) -> Result<(), PluginError> {
    store::set_json(&origin_key(session), origin)
}

pub fn origin(session: &str) -> Result<Option<Origin>, PluginError> {
    store::get_json(&origin_key(session))
}

/// Forgets what was kept of the session's last hand-over: who took it,
/// where from, and the offer they accepted (kept so that an agent whose
/// answer raced the winner's is told who won).
pub fn forget_taken(session: &str) -> Result<(), PluginError> {
    if let Some(origin) = origin(session)? {
        forget_offer_ref(origin.offer)?;
    }
    store::delete(&origin_key(session))?;
    forget_claim(session)
}

#[cfg(test)]
mod tests {
    use tether_sdk::testing::Harness;

    use super::*;
    use crate::model::OpenOffer;

    #[test]
    fn index_keys_sort_by_arrival_and_parse_back() {
        let key = line_key("support", 1_700_000_000_123, "123456789");
        assert_eq!(key, "line/support/1700000000123/123456789");
        let place = parse_place(LINE, &key).expect("parses");
        assert_eq!(place.queue, "support");
        assert_eq!(place.entered_ms, 1_700_000_000_123);
        assert_eq!(place.session, "123456789");
        assert!(line_key("q", 999, "s") < line_key("q", 1000, "s"));
        assert_eq!(parse_place(LINE, "line/support/soon/123"), None);
        let waiting = wait_key("support", 1_700_000_000_123, "123456789");
        assert_eq!(waiting, "wait/support/1700000000123/123456789");
        assert_eq!(
            parse_place(WAIT, &waiting).map(|p| p.session),
            Some(place.session)
        );
        assert_eq!(parse_place(WAIT, &key), None, "a line key is no wait key");
    }

    fn waiting_ticket(session: &str) -> Ticket {
        Ticket {
            session: session.into(),
            customer_name: "Carl".into(),
            problem: String::new(),
            queue: "support".into(),
            stage: Stage::Queued,
            entered_ms: 1_000,
            customers: 1,
            from: None,
            message: String::new(),
            offer: None,
            passed: Vec::new(),
        }
    }

    fn offered(mut ticket: Ticket) -> Ticket {
        ticket.offer = Some(OpenOffer {
            id: 7,
            to: vec!["bert".into()],
            declined: Vec::new(),
            expires_ms: 31_000,
        });
        ticket
    }

    #[test]
    fn a_ticket_is_in_line_while_queued_and_to_be_offered_while_nobody_has_it() {
        let waiting = waiting_ticket("1");
        assert_eq!(
            index_keys(Some(&waiting)),
            BTreeSet::from([
                "line/support/0000000001000/1".to_owned(),
                "wait/support/0000000001000/1".to_owned(),
            ])
        );
        assert_eq!(
            index_keys(Some(&offered(waiting.clone()))),
            BTreeSet::from(["line/support/0000000001000/1".to_owned()])
        );
        let mut to_agents = waiting;
        to_agents.stage = Stage::Agents;
        assert!(index_keys(Some(&to_agents)).is_empty());
        assert!(index_keys(None).is_empty());
    }

    #[test]
    fn an_event_writing_its_entries_late_does_not_undo_a_later_change() {
        let harness = Harness::new();
        let waiting = waiting_ticket("1");
        assert!(create_ticket(&waiting).expect("created"));
        let wait_entry = "wait/support/0000000001000/1";
        assert!(harness.stored(wait_entry).is_some());

        // Event A offers Carl: its compare-and-swap lands, then it is
        // slow to take him out of `wait/`.
        let key = ticket_key("1");
        let reserved = offered(waiting.clone());
        let reserved_bytes = encode(&key, &reserved).expect("encodes");
        let before_bytes = encode(&key, &waiting).expect("encodes");
        assert!(
            atomic_store::compare_and_swap(&key, Some(&before_bytes), Some(&reserved_bytes))
                .expect("swapped")
        );
        // Event B: Bert declines, Carl needs an offer again.
        update_ticket("1", |ticket| {
            let mut ticket = ticket.expect("ticket");
            ticket.offer = None;
            (Change::Write(ticket), ())
        })
        .expect("updated");
        assert!(harness.stored(wait_entry).is_some());

        // Event A writes its entries now, after B's.
        ticket_changed("1", Some(&waiting), Some(reserved), Some(reserved_bytes)).expect("in step");
        assert!(
            harness.stored(wait_entry).is_some(),
            "A read the ticket again and put Carl back"
        );
        assert!(harness.stored("line/support/0000000001000/1").is_some());
    }

    #[test]
    fn entries_lost_half_way_are_written_again_from_the_ticket() {
        let harness = Harness::new();
        let waiting = waiting_ticket("1");
        create_ticket(&waiting).expect("created");
        store::delete("wait/support/0000000001000/1").expect("deleted");
        resync_indexes("1").expect("in step");
        assert_eq!(
            to_offer("support").expect("listed")[0].session,
            "1".to_owned()
        );
        // A ticket that is gone has nothing to put back.
        resync_indexes("2").expect("nothing to do");
        assert_eq!(harness.stored_keys().len(), 3);
    }
}
