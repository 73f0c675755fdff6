//! The state the panels show: the streams open now (the kernel's own list,
//! with what the plugin knows of each: where it comes from, who controls
//! it) and whether the view and control grants are live. Pushed to every
//! CSR and customer of the session when it changes, and the reply to
//! `state`.

use std::collections::BTreeMap;

use tether_sdk::host::streams;
use tether_sdk::prelude::*;

use crate::model::{Grants, Origin, StateMessage, StreamView};
use crate::people::Session;
use crate::records;

/// The grants of `customer` that cover the session's host now. A grant
/// covers the CSR who asked for it: once control passes, it stops
/// counting (the kernel does the same).
pub fn grants_of(session: &Session, customer: &str) -> Result<Grants, PluginError> {
    let Some(record) = records::grant(&session.id, customer)? else {
        return Ok(Grants::default());
    };
    let current = session.host().is_some_and(|host| host.id == record.host);
    Ok(Grants {
        view: current && record.view,
        control: current && record.control,
    })
}

/// The plugin's words for the kernel's `stream-origin`.
pub fn origin_of(origin: StreamOrigin) -> Origin {
    match origin {
        StreamOrigin::CustomerAgent => Origin::CustomerAgent,
        StreamOrigin::CsrAgent => Origin::CsrAgent,
        StreamOrigin::CsrBrowser => Origin::CsrBrowser,
    }
}

/// Every open stream of this plugin in the session, as the panels show it.
/// Where it comes from and who controls it are the kernel's word.
pub fn open_streams(session: &Session) -> Result<Vec<StreamView>, PluginError> {
    let open = streams::open_streams(&session.id)?;
    let mut views = Vec::with_capacity(open.len());
    for info in open {
        let record = records::stream(&session.id, info.id)?;
        let (control, width, height) = record
            .map(|r| (r.control, r.width, r.height))
            .unwrap_or_default();
        let origin = origin_of(info.origin);
        let source_name = session.name_of(&info.source).to_owned();
        let (customer, customer_name) = if origin.is_csr() {
            (None, None)
        } else {
            (Some(info.source.clone()), Some(source_name.clone()))
        };
        let controller_name = info
            .controller
            .as_deref()
            .map(|id| session.name_of(id).to_owned());
        views.push(StreamView {
            stream: info.id,
            label: info.label,
            origin,
            source: info.source,
            source_name,
            customer,
            customer_name,
            control: control && !origin.is_csr(),
            controller: info.controller,
            controller_name,
            width,
            height,
        });
    }
    Ok(views)
}

/// The CSRs' state: every stream, and the grants of `customer` (and of
/// every customer in `grants`).
pub fn for_csrs(session: &Session, customer: Option<&str>) -> Result<StateMessage, PluginError> {
    let mut grants = BTreeMap::new();
    for each in session.customers() {
        grants.insert(each.id.clone(), grants_of(session, &each.id)?);
    }
    let named = customer.and_then(|id| grants.get(id)).copied();
    Ok(StateMessage {
        kind: "state".to_owned(),
        streams: open_streams(session)?,
        view: named.is_some_and(|g| g.view),
        control: named.is_some_and(|g| g.control),
        customer: customer.filter(|_| named.is_some()).map(str::to_owned),
        grants,
    })
}

/// A customer's state: their own streams and grants, and what the host
/// shows every customer.
pub fn for_customer(session: &Session, customer: &str) -> Result<StateMessage, PluginError> {
    let grants = grants_of(session, customer)?;
    let mut streams = open_streams(session)?;
    streams.retain(|s| s.origin.is_csr() || s.customer.as_deref() == Some(customer));
    Ok(StateMessage {
        kind: "state".to_owned(),
        streams,
        view: grants.view,
        control: grants.control,
        customer: Some(customer.to_owned()),
        grants: BTreeMap::new(),
    })
}

/// Tells everyone in the session the state after a change concerning
/// `customer` (whose grants the CSRs' copy names; `None` names the only
/// customer, if there is one). A page that is closed misses it and asks
/// with `state` when it opens, so a failed send is only logged.
pub fn push(session: &Session, customer: Option<&str>) -> Result<(), PluginError> {
    let only = {
        let mut each = session.customers();
        match (each.next(), each.next()) {
            (Some(only), None) => Some(only.id.as_str()),
            _ => None,
        }
    };
    let csrs = for_csrs(session, customer.or(only))?;
    for csr in session.csrs() {
        send(session, &csr.id, &csrs);
    }
    for each in session.customers() {
        let mine = for_customer(session, &each.id)?;
        send(session, &each.id, &mine);
    }
    Ok(())
}

fn send(session: &Session, to: &str, state: &StateMessage) {
    if let Err(error) = host::session::send_json(&session.id, to, state) {
        host::log::debug(&format!("state not sent to {to}: {}", error.message()));
    }
}
