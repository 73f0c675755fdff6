//! What the plugin keeps between events. Every event runs in a fresh
//! instance, and events of one session may run at the same time (a prompt
//! waits for the customer while other commands come in), so each thing
//! has a key of its own — a grant per customer, an offer per customer, a
//! record per stream — and a write never replaces what another event keeps.

use tether_sdk::host::store;
use tether_sdk::prelude::*;

use crate::model::{GrantRecord, OfferRecord, StreamRecord};

fn grant_key(session: &str, customer: &str) -> String {
    format!("grant/{session}/{customer}")
}

fn offer_key(session: &str, customer: &str) -> String {
    format!("offer/{session}/{customer}")
}

fn stream_prefix(session: &str) -> String {
    format!("stream/{session}/")
}

fn stream_key(session: &str, stream: u32) -> String {
    format!("{}{stream}", stream_prefix(session))
}

pub fn grant(session: &str, customer: &str) -> Result<Option<GrantRecord>, PluginError> {
    store::get_json(&grant_key(session, customer))
}

pub fn set_grant(session: &str, customer: &str, grant: &GrantRecord) -> Result<(), PluginError> {
    store::set_json(&grant_key(session, customer), grant)
}

/// Clears what a refusal of the kernel showed is no longer allowed.
pub fn forget_grant(
    session: &str,
    customer: &str,
    view: bool,
    control: bool,
) -> Result<(), PluginError> {
    if let Some(mut record) = grant(session, customer)? {
        record.view &= !view;
        record.control &= !control;
        set_grant(session, customer, &record)?;
    }
    Ok(())
}

pub fn offer(session: &str, customer: &str) -> Result<Option<OfferRecord>, PluginError> {
    store::get_json(&offer_key(session, customer))
}

pub fn set_offer(session: &str, customer: &str, offer: &OfferRecord) -> Result<(), PluginError> {
    store::set_json(&offer_key(session, customer), offer)
}

pub fn forget_offer(session: &str, customer: &str) -> Result<(), PluginError> {
    store::delete(&offer_key(session, customer))?;
    Ok(())
}

pub fn stream(session: &str, stream: u32) -> Result<Option<StreamRecord>, PluginError> {
    store::get_json(&stream_key(session, stream))
}

pub fn set_stream(session: &str, stream: u32, record: &StreamRecord) -> Result<(), PluginError> {
    store::set_json(&stream_key(session, stream), record)
}

/// Removes a stream's record and returns it, if this event is the one
/// that removed it (so one event, not two, says what ended).
pub fn take_stream(session: &str, stream: u32) -> Result<Option<StreamRecord>, PluginError> {
    let record = self::stream(session, stream)?;
    let removed = store::delete(&stream_key(session, stream))?;
    Ok(record.filter(|_| removed))
}

/// Every stream record of the session, by stream id.
pub fn streams(session: &str) -> Result<Vec<(u32, StreamRecord)>, PluginError> {
    let prefix = stream_prefix(session);
    let mut records = Vec::new();
    for key in store::list_keys(&prefix)? {
        let Some(id) = key
            .strip_prefix(&prefix)
            .and_then(|id| id.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some(record) = store::get_json::<StreamRecord>(&key)? {
            records.push((id, record));
        }
    }
    Ok(records)
}

/// Forgets everything kept for one customer of the session.
pub fn forget_customer(session: &str, customer: &str) -> Result<(), PluginError> {
    store::delete(&grant_key(session, customer))?;
    forget_offer(session, customer)?;
    for (id, record) in streams(session)? {
        if record.source == customer {
            store::delete(&stream_key(session, id))?;
        }
    }
    Ok(())
}

/// Forgets every offer of the session: a dialog shown before the
/// session's activities ended offers nothing any more. (Grants stay: the
/// kernel keeps them until withdrawn, and each says which host it covers;
/// stream records go with each stream's `stream-closed`.)
pub fn forget_offers(session: &str) -> Result<(), PluginError> {
    for key in store::list_keys(&format!("offer/{session}/"))? {
        store::delete(&key)?;
    }
    Ok(())
}

/// Forgets everything kept for the session.
pub fn forget_session(session: &str) -> Result<(), PluginError> {
    for prefix in [
        format!("grant/{session}/"),
        format!("offer/{session}/"),
        stream_prefix(session),
    ] {
        for key in store::list_keys(&prefix)? {
            store::delete(&key)?;
        }
    }
    Ok(())
}
