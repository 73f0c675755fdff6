//! The site admin's "WebACD queues" panel: create, change and delete the
//! site's queues. Members must be WebACD agents (the accounts page's
//! flag).

use serde::Deserialize;
use tether_sdk::host::csrs;
use tether_sdk::prelude::*;

use crate::distribute;
use crate::model::Queue;
use crate::records;
use crate::rules;
use crate::views;

fn require_admin(command: &Command) -> Result<&Account, PluginError> {
    command
        .account
        .as_ref()
        .filter(|account| account.site_admin)
        .ok_or_else(|| PluginError::Denied("Only a site admin manages the WebACD queues.".into()))
}

fn queue_view(queue: &Queue) -> Result<Value, PluginError> {
    Ok(json!({
        "name": queue.name,
        "title": queue.title,
        "members": queue.members,
        "accept_timeout_secs": queue.accept_timeout_secs,
        "waiting": records::line(&queue.name)?.len(),
        "path": format!("q/{}", queue.name),
    }))
}

/// `queues.list {}` → `{queues: [...], agents: [{username, display_name}]}`.
pub fn list(command: &Command) -> Result<Value, PluginError> {
    require_admin(command)?;
    let queues = records::queues()?
        .iter()
        .map(queue_view)
        .collect::<Result<Vec<_>, _>>()?;
    let agents: Vec<Value> = csrs::presence()?
        .into_iter()
        .filter(|csr| csr.webacd_agent)
        .map(|csr| json!({ "username": csr.username, "display_name": csr.display_name }))
        .collect();
    Ok(json!({ "queues": queues, "agents": agents }))
}

/// Members: each a WebACD agent of the site, each once.
fn check_members(members: &[String]) -> Result<Vec<String>, PluginError> {
    let members = rules::check_usernames("members", members, rules::MAX_MEMBERS)
        .map_err(PluginError::InvalidInput)?;
    for username in &members {
        let csr = csrs::csr(username).map_err(|_| {
            PluginError::InvalidInput(format!("members: no CSR `{username}` on this site"))
        })?;
        if !csr.webacd_agent {
            return Err(PluginError::InvalidInput(format!(
                "members: {} is not a WebACD agent (set it on the accounts page)",
                csr.display_name
            )));
        }
    }
    Ok(members)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewQueue {
    name: String,
    title: String,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    accept_timeout_secs: Option<u32>,
}

/// `queues.create {name, title, members, accept_timeout_secs?}`.
pub fn create(command: &Command) -> Result<Value, PluginError> {
    require_admin(command)?;
    let new: NewQueue = command.payload_json()?;
    rules::check_queue_name(&new.name).map_err(PluginError::InvalidInput)?;
    let title = rules::check_title(&new.title).map_err(PluginError::InvalidInput)?;
    let timeout = rules::check_timeout(
        new.accept_timeout_secs
            .unwrap_or(rules::DEFAULT_TIMEOUT_SECS),
    )
    .map_err(PluginError::InvalidInput)?;
    let members = check_members(&new.members)?;
    let queue = Queue {
        name: new.name,
        title,
        members,
        accept_timeout_secs: timeout,
    };
    if !records::create_queue(&queue)? {
        return Err(PluginError::InvalidInput(format!(
            "name: a queue named `{}` exists already",
            queue.name
        )));
    }
    distribute::run_and_tell(Some(&queue));
    queue_view(&queue)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueChanges {
    name: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    members: Option<Vec<String>>,
    #[serde(default)]
    accept_timeout_secs: Option<u32>,
}

/// `queues.update {name, title?, members?, accept_timeout_secs?}`.
pub fn update(command: &Command) -> Result<Value, PluginError> {
    require_admin(command)?;
    let changes: QueueChanges = command.payload_json()?;
    rules::check_queue_name(&changes.name).map_err(PluginError::InvalidInput)?;
    let title = changes
        .title
        .as_deref()
        .map(rules::check_title)
        .transpose()
        .map_err(PluginError::InvalidInput)?;
    let timeout = changes
        .accept_timeout_secs
        .map(rules::check_timeout)
        .transpose()
        .map_err(PluginError::InvalidInput)?;
    let members = changes.members.as_deref().map(check_members).transpose()?;
    let before = records::queue(&changes.name)?;
    let queue = records::update_queue(&changes.name, |queue| {
        if let Some(title) = &title {
            queue.title = title.clone();
        }
        if let Some(members) = &members {
            queue.members = members.clone();
        }
        if let Some(timeout) = timeout {
            queue.accept_timeout_secs = timeout;
        }
    })?
    .ok_or_else(|| PluginError::InvalidInput(format!("There is no queue `{}`.", changes.name)))?;
    // Those who left the queue see it go; those who joined see it come.
    if let Some(before) = before {
        views::tell_agents(Some(&before));
    }
    distribute::run_and_tell(Some(&queue));
    queue_view(&queue)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteQueue {
    name: String,
    #[serde(default)]
    confirm: bool,
}

/// `queues.delete {name, confirm: true}`: only a queue nobody waits in.
pub fn delete(command: &Command) -> Result<Value, PluginError> {
    require_admin(command)?;
    let request: DeleteQueue = command.payload_json()?;
    rules::check_queue_name(&request.name).map_err(PluginError::InvalidInput)?;
    let queue = records::queue(&request.name)?.ok_or_else(|| {
        PluginError::InvalidInput(format!("There is no queue `{}`.", request.name))
    })?;
    if !request.confirm {
        return Err(PluginError::InvalidInput(format!(
            "confirm: deleting `{}` needs \"confirm\": true",
            queue.name
        )));
    }
    let waiting = records::line(&queue.name)?.len();
    if waiting > 0 {
        return Err(PluginError::InvalidInput(format!(
            "{waiting} customers are waiting in `{}`: delete it when nobody is",
            queue.title
        )));
    }
    records::delete_queue(&queue.name)?;
    views::tell_agents(Some(&queue));
    Ok(json!({ "deleted": queue.name }))
}
