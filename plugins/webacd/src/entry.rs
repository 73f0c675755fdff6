//! The public entry page of a queue (`/q/<site>/<queue>`): nobody is
//! signed in; the customer types a name and a short problem and enters
//! the queue. The kernel opens the waiting session and gives its join to
//! the page (never to the plugin); the page then becomes the customer's
//! page of that session.

use serde::Deserialize;
use tether_sdk::host::{csrs, desk};
use tether_sdk::prelude::*;

use crate::distribute::{self, report};
use crate::model::{Queue, Stage, Ticket};
use crate::records;
use crate::rules;
use crate::texts;
use crate::views::now_ms;

/// The queue a public page is for (`page` is the part of the address
/// after the path: the queue's name); `None` when there is none.
fn queue_of(command: &PublicCommand) -> Result<Option<Queue>, PluginError> {
    if rules::check_queue_name(&command.page).is_err() {
        return Ok(None);
    }
    records::queue(&command.page)
}

/// `queue {}` → `{exists: false}` or `{exists: true, queue, title,
/// waiting, agents_online}`: what the entry page shows before the customer
/// enters.
pub fn info(command: &PublicCommand) -> Result<Value, PluginError> {
    let Some(queue) = queue_of(command)? else {
        return Ok(json!({ "exists": false, "queue": command.page }));
    };
    let agents_online = csrs::presence()?
        .iter()
        .filter(|csr| queue.has_member(&csr.username) && csr.webacd_agent && csr.online)
        .count();
    Ok(json!({
        "exists": true,
        "queue": queue.name,
        "title": queue.title,
        "waiting": records::line(&queue.name)?.len(),
        "agents_online": agents_online,
        "max_name": rules::MAX_CUSTOMER_NAME_CHARS,
        "max_problem": rules::MAX_PROBLEM_CHARS,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entering {
    name: String,
    #[serde(default)]
    problem: String,
}

/// `enter {name, problem}` → `{queued: true, queue, title, session,
/// position}`; the kernel adds the customer's join to its reply.
pub fn enter(command: &PublicCommand) -> Result<Value, PluginError> {
    let entering: Entering = command.payload_json()?;
    let name = rules::check_customer_name(&entering.name).map_err(PluginError::InvalidInput)?;
    let problem = rules::check_problem(&entering.problem).map_err(PluginError::InvalidInput)?;
    let queue = queue_of(command)?.ok_or_else(|| {
        PluginError::InvalidInput(format!(
            "There is no queue `{}` on this site.",
            command.page
        ))
    })?;
    let waiting = desk::open_waiting(&name)?;
    let ticket = Ticket {
        session: waiting.session.clone(),
        customer_name: name.clone(),
        problem,
        queue: queue.name.clone(),
        stage: Stage::Queued,
        entered_ms: now_ms(),
        customers: 1,
        from: None,
        message: String::new(),
        offer: None,
        passed: Vec::new(),
    };
    if !records::create_ticket(&ticket)? {
        return Err(PluginError::Failed(format!(
            "session {} is waiting already",
            ticket.session
        )));
    }
    report(
        &ticket.session,
        &texts::queued(&name, &queue.title, &ticket.problem),
    );
    distribute::run_and_tell(Some(&queue));
    let position = records::line(&queue.name)?
        .iter()
        .position(|place| place.session == ticket.session)
        .map(|index| index + 1);
    Ok(json!({
        "queued": true,
        "queue": queue.name,
        "title": queue.title,
        "session": ticket.session,
        "position": position,
    }))
}
