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
//! | `offer/<id>` | an [`OfferRef`]: the session an offer of ours is about |
//! | `holding/<username>` | a [`Holding`]: the agent holds a queue offer (one at a time) |
//! | `claim/<session>` | the username who took the session (from absent, once) |
//! | `origin/<session>` | an [`Origin`]: the queue and offer an agent took the session from |

use std::collections::BTreeMap;

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

fn line_prefix(queue: &str) -> String {
    format!("line/{queue}/")
}

fn line_key(queue: &str, entered_ms: u64, session: &str) -> String {
    format!("{}{entered_ms:013}/{session}", line_prefix(queue))
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

// ---- tickets and lines ----

pub fn ticket(session: &str) -> Result<Option<Ticket>, PluginError> {
    store::get_json(&ticket_key(session))
}

/// The line key a ticket has while it waits in its queue's line.
fn line_of(ticket: &Ticket) -> Option<String> {
    (ticket.stage == Stage::Queued)
        .then(|| line_key(&ticket.queue, ticket.entered_ms, &ticket.session))
}

/// Keeps the line in step with a ticket that changed from `before` to
/// `after` (the ticket is the truth; a line entry left behind by an event
/// that failed half-way is dropped when the line is read).
fn sync_line(before: Option<&Ticket>, after: Option<&Ticket>) -> Result<(), PluginError> {
    let old = before.and_then(line_of);
    let new = after.and_then(line_of);
    if old != new {
        if let Some(old) = old {
            store::delete(&old)?;
        }
        if let Some(new) = new {
            store::set(&new, b"")?;
        }
    }
    Ok(())
}

/// Creates the ticket of a session; `false` when the session has one
/// already (it is waiting or being transferred).
pub fn create_ticket(ticket: &Ticket) -> Result<bool, PluginError> {
    let key = ticket_key(&ticket.session);
    let created = atomic_store::compare_and_swap(&key, None, Some(&encode(&key, ticket)?))?;
    if created {
        sync_line(None, Some(ticket))?;
    }
    Ok(created)
}

/// Changes a session's ticket with `decide` (compare-and-swap, read again
/// when another event changed it first), keeping the line in step.
/// Returns the ticket before the change and `decide`'s result.
pub fn update_ticket<R>(
    session: &str,
    mut decide: impl FnMut(Option<Ticket>) -> (Change<Ticket>, R),
) -> Result<(Option<Ticket>, R), PluginError> {
    let mut after: Option<Option<Ticket>> = None;
    let (before, result) = update(&ticket_key(session), |ticket| {
        let (change, result) = decide(ticket.clone());
        after = match &change {
            Change::Keep => None,
            Change::Write(ticket) => Some(Some(ticket.clone())),
            Change::Delete => Some(None),
        };
        (change, result)
    })?;
    if let Some(after) = after {
        sync_line(before.as_ref(), after.as_ref())?;
    }
    Ok((before, result))
}

/// One place in a queue's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub queue: String,
    pub entered_ms: u64,
    pub session: String,
    key: String,
}

impl Place {
    /// Drops this entry of the line (its ticket is gone or elsewhere).
    pub fn forget(&self) -> Result<(), PluginError> {
        store::delete(&self.key)?;
        Ok(())
    }
}

fn parse_place(key: &str) -> Option<Place> {
    let mut parts = key.strip_prefix("line/")?.splitn(3, '/');
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

fn places(prefix: &str) -> Result<Vec<Place>, PluginError> {
    let mut places: Vec<Place> = store::list_keys(prefix)?
        .iter()
        .filter_map(|key| parse_place(key))
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
    places(&line_prefix(queue))
}

/// Every queue's line merged, first come first.
pub fn all_lines() -> Result<Vec<Place>, PluginError> {
    places("line/")
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

/// `username` no longer holds an offer for `session` (a mark for another
/// session stays).
pub fn release(username: &str, session: &str) -> Result<(), PluginError> {
    update::<Holding, ()>(&holding_key(username), |holding| match holding {
        Some(holding) if holding.session == session => (Change::Delete, ()),
        _ => (Change::Keep, ()),
    })?;
    Ok(())
}

/// Who holds a queue offer now, by username.
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
    use super::*;

    #[test]
    fn line_keys_sort_by_arrival_and_parse_back() {
        let key = line_key("support", 1_700_000_000_123, "123456789");
        assert_eq!(key, "line/support/1700000000123/123456789");
        let place = parse_place(&key).expect("parses");
        assert_eq!(place.queue, "support");
        assert_eq!(place.entered_ms, 1_700_000_000_123);
        assert_eq!(place.session, "123456789");
        assert!(line_key("q", 999, "s") < line_key("q", 1000, "s"));
        assert_eq!(parse_place("line/support/soon/123"), None);
    }
}
