//! Transfer session (the console's "Transfer session ▼" menu): the host,
//! if a WebACD agent, sends the session to one queue or offers it to one
//! or more online WebACD agents, with a message of at most 345 characters.
//! They stay the host until an agent accepts; the hand-over then makes
//! them leave. Refusals change nothing.

use serde::Deserialize;
use tether_sdk::host::csrs::{self, CsrPresence};
use tether_sdk::host::offers::{self, OfferDetails};
use tether_sdk::prelude::*;

use crate::distribute::{self, Removal, report};
use crate::model::{OpenOffer, Queue, Stage, Ticket, Transferrer};
use crate::records::{self, Change};
use crate::rules;
use crate::texts;
use crate::views::{self, now_ms};

/// The transferring CSR, checked: signed in, the session's host, a WebACD
/// agent.
struct Host<'a> {
    session: &'a str,
    participant: &'a str,
    me: CsrPresence,
}

/// Why a CSR may not transfer the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    NotHost,
    NotAgent,
}

impl Refusal {
    /// For the menu's panel, which says it in the CSR's language.
    fn code(self) -> &'static str {
        match self {
            Refusal::NotHost => "not_host",
            Refusal::NotAgent => "not_agent",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Refusal::NotHost => "Only the session's host can transfer it.",
            Refusal::NotAgent => "Only WebACD agents may transfer sessions.",
        }
    }
}

/// The host, or why the sender is not one who may transfer.
fn check_host(command: &Command) -> Result<Result<Host<'_>, Refusal>, PluginError> {
    let session = command.require_session()?;
    let (Some(account), Some(participant)) = (command.account.as_ref(), command.sender.as_deref())
    else {
        return Ok(Err(Refusal::NotHost));
    };
    let is_host = host::session::participants(session)?
        .iter()
        .any(|p| p.id == participant && p.role == Role::Host);
    if !is_host {
        return Ok(Err(Refusal::NotHost));
    }
    let me = csrs::csr(&account.username)?;
    if !me.webacd_agent {
        return Ok(Err(Refusal::NotAgent));
    }
    Ok(Ok(Host {
        session,
        participant,
        me,
    }))
}

fn host_of(command: &Command) -> Result<Host<'_>, PluginError> {
    check_host(command)?.map_err(|refusal| PluginError::Denied(refusal.message().into()))
}

/// `transfer.options {}`: what the menu offers this CSR.
pub fn options(command: &Command) -> Result<Value, PluginError> {
    let session = command.require_session()?;
    let host = match check_host(command)? {
        Ok(host) => host,
        Err(refusal) => {
            return Ok(json!({
                "allowed": false,
                "why": refusal.code(),
                "reason": refusal.message(),
            }));
        }
    };
    let mut queues = Vec::new();
    for queue in records::queues()? {
        let waiting = records::line(&queue.name)?.len();
        queues.push(json!({ "name": queue.name, "title": queue.title, "waiting": waiting }));
    }
    let agents: Vec<Value> = csrs::presence()?
        .into_iter()
        .filter(|csr| csr.webacd_agent && csr.online && csr.username != host.me.username)
        .map(|csr| {
            json!({
                "username": csr.username,
                "display_name": csr.display_name,
                "available": csr.availability == Availability::Available,
                "customers": csr.customers,
                "max_customers": csr.max_customers,
            })
        })
        .collect();
    let pending = records::ticket(session)?.map(|ticket| pending_view(&ticket));
    Ok(json!({
        "allowed": true,
        "max_message": rules::MAX_MESSAGE_CHARS,
        "queues": queues,
        "agents": agents,
        "pending": pending,
    }))
}

fn pending_view(ticket: &Ticket) -> Value {
    match ticket.stage {
        Stage::Queued => json!({ "to": "queue", "queue": ticket.queue }),
        Stage::Agents => json!({
            "to": "agents",
            "agents": ticket.offer.as_ref().map(|o| views::names_of(&o.to)).unwrap_or_default(),
        }),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferRequest {
    /// `queue` or `agents`.
    to: String,
    #[serde(default)]
    queue: Option<String>,
    #[serde(default)]
    agents: Option<Vec<String>>,
    #[serde(default)]
    message: String,
}

/// `transfer {to: "queue", queue, message}` or `transfer {to: "agents",
/// agents: [usernames], message}`.
pub fn transfer(command: &Command) -> Result<Value, PluginError> {
    let host = host_of(command)?;
    let request: TransferRequest = command.payload_json()?;
    let message = rules::check_message(&request.message).map_err(PluginError::InvalidInput)?;
    let customers = views::customers(host.session);
    if customers.is_empty() {
        return Err(PluginError::InvalidInput(
            "There is no customer in this session to transfer.".into(),
        ));
    }
    if records::ticket(host.session)?.is_some() {
        return Err(PluginError::Denied(
            "This session is being transferred already.".into(),
        ));
    }
    match (request.to.as_str(), request.queue, request.agents) {
        ("queue", Some(queue), None) => {
            let queue = known_queue(&queue)?;
            to_queue(&host, &customers, &queue, message)
        }
        ("agents", None, Some(agents)) => {
            let agents = check_agents(&host, &agents)?;
            let fallback = fallback_queue(&host)?;
            to_agents(&host, &customers, &agents, &fallback, message)
        }
        _ => Err(PluginError::InvalidInput(
            "transfer: either `to: \"queue\"` with `queue`, or `to: \"agents\"` with `agents`"
                .into(),
        )),
    }
}

fn known_queue(name: &str) -> Result<Queue, PluginError> {
    rules::check_queue_name(name).map_err(PluginError::InvalidInput)?;
    records::queue(name)?
        .ok_or_else(|| PluginError::InvalidInput(format!("There is no queue `{name}`.")))
}

/// The chosen agents: 1 to 50 online WebACD agents of the site, not the
/// transferring CSR.
fn check_agents(host: &Host<'_>, agents: &[String]) -> Result<Vec<CsrPresence>, PluginError> {
    let agents = rules::check_usernames("agents", agents, rules::MAX_TRANSFER_AGENTS)
        .map_err(PluginError::InvalidInput)?;
    if agents.is_empty() {
        return Err(PluginError::InvalidInput(
            "agents: choose at least one agent".into(),
        ));
    }
    let mut chosen = Vec::new();
    for username in &agents {
        let csr = csrs::csr(username)?;
        if username == &host.me.username {
            return Err(PluginError::InvalidInput(
                "You cannot transfer a session to yourself.".into(),
            ));
        }
        if !csr.webacd_agent {
            return Err(PluginError::InvalidInput(format!(
                "{} is not a WebACD agent.",
                csr.display_name
            )));
        }
        if !csr.online {
            return Err(PluginError::InvalidInput(format!(
                "{} is not online.",
                csr.display_name
            )));
        }
        chosen.push(csr);
    }
    Ok(chosen)
}

/// Where a transfer to agents goes when nobody accepts: the queue the
/// session came from, else the transferring agent's first queue, else the
/// site's first.
fn fallback_queue(host: &Host<'_>) -> Result<Queue, PluginError> {
    if let Some(origin) = records::origin(host.session)?
        && let Some(queue) = records::queue(&origin.queue)?
    {
        return Ok(queue);
    }
    let queues = records::queues()?;
    let mine = queues.iter().find(|q| q.has_member(&host.me.username));
    mine.or(queues.first()).cloned().ok_or_else(|| {
        PluginError::InvalidInput(
            "The site has no queue for the customer to wait in if nobody accepts.".into(),
        )
    })
}

fn new_ticket(
    host: &Host<'_>,
    customers: &[Participant],
    queue: &Queue,
    stage: Stage,
    message: String,
) -> Ticket {
    let names: Vec<String> = customers.iter().map(|c| c.display_name.clone()).collect();
    Ticket {
        session: host.session.to_owned(),
        customer_name: texts::names(&names),
        problem: String::new(),
        queue: queue.name.clone(),
        stage,
        entered_ms: now_ms(),
        customers: u32::try_from(customers.len()).unwrap_or(u32::MAX),
        from: Some(Transferrer {
            username: host.me.username.clone(),
            display_name: host.me.display_name.clone(),
            participant: host.participant.to_owned(),
        }),
        message,
        offer: None,
        passed: Vec::new(),
    }
}

fn create(ticket: &Ticket) -> Result<(), PluginError> {
    // What was kept of the session's last hand-over is over.
    records::forget_taken(&ticket.session)?;
    if records::create_ticket(ticket)? {
        Ok(())
    } else {
        Err(PluginError::Denied(
            "This session is being transferred already.".into(),
        ))
    }
}

fn to_queue(
    host: &Host<'_>,
    customers: &[Participant],
    queue: &Queue,
    message: String,
) -> Result<Value, PluginError> {
    let ticket = new_ticket(host, customers, queue, Stage::Queued, message);
    create(&ticket)?;
    report(
        host.session,
        &texts::transferred_to_queue(&host.me.display_name, &queue.title, &ticket.message),
    );
    views::tell_ticket(&ticket)?;
    distribute::run_and_tell(Some(queue));
    let position = records::line(&queue.name)?
        .iter()
        .position(|place| place.session == host.session)
        .map(|index| index + 1);
    Ok(json!({
        "transferring": true,
        "to": "queue",
        "queue": queue.name,
        "title": queue.title,
        "position": position,
    }))
}

fn to_agents(
    host: &Host<'_>,
    customers: &[Participant],
    agents: &[CsrPresence],
    fallback: &Queue,
    message: String,
) -> Result<Value, PluginError> {
    let mut ticket = new_ticket(host, customers, fallback, Stage::Agents, message);
    create(&ticket)?;
    let usernames: Vec<String> = agents.iter().map(|a| a.username.clone()).collect();
    let names: Vec<String> = agents.iter().map(|a| a.display_name.clone()).collect();
    let words = texts::transfer_offer(
        &ticket.customer_name,
        &host.me.display_name,
        "",
        &ticket.message,
    );
    let details = OfferDetails {
        session: Some(host.session.to_owned()),
        title: words.title,
        text: words.text,
        timeout_ms: fallback.timeout_ms(),
    };
    let id = match offers::make(&usernames, &details) {
        Ok(id) => id,
        Err(error) => {
            records::update_ticket(host.session, |_| (Change::Delete, ()))?;
            return Err(error.into());
        }
    };
    records::set_offer_ref(id, host.session)?;
    let offer = OpenOffer {
        id,
        to: usernames.clone(),
        declined: Vec::new(),
        expires_ms: now_ms().saturating_add(u64::from(fallback.timeout_ms())),
    };
    let (_, recorded) = records::update_ticket(host.session, |current| match current {
        Some(mut current) if current.stage == Stage::Agents && current.offer.is_none() => {
            current.offer = Some(offer.clone());
            (Change::Write(current), true)
        }
        _ => (Change::Keep, false),
    })?;
    if !recorded {
        distribute::withdraw(id, texts::CUSTOMER_LEFT);
        records::forget_offer_ref(id)?;
        return Err(PluginError::Failed(
            "The customer left while the transfer was being made.".into(),
        ));
    }
    ticket.offer = Some(offer);
    report(
        host.session,
        &texts::transferred_to_agents(&host.me.display_name, &names, &ticket.message),
    );
    report(host.session, &texts::offered(&names, None));
    views::tell_ticket(&ticket)?;
    Ok(json!({
        "transferring": true,
        "to": "agents",
        "agents": names,
        "offer": id,
        "queue": fallback.name,
    }))
}

/// `transfer.cancel {}`: the transferring CSR takes the transfer back
/// while nobody has accepted.
pub fn cancel(command: &Command) -> Result<Value, PluginError> {
    let host = host_of(command)?;
    let ours = records::ticket(host.session)?.is_some_and(|ticket| {
        ticket
            .from
            .as_ref()
            .is_some_and(|from| from.participant == host.participant)
    });
    if !ours {
        return Err(PluginError::InvalidInput(
            "This session is not being transferred.".into(),
        ));
    }
    if distribute::remove(host.session, Removal::Cancelled)?.is_some() {
        report(host.session, &texts::cancelled(&host.me.display_name));
        views::tell_customers(host.session, &views::no_status());
    }
    Ok(json!({ "cancelled": true }))
}
