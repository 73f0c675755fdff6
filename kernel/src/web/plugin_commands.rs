//! Commands from a CSR's console to a plugin, over the console socket or
//! REST (for bodies too large for a control message, like script uploads).
//! Inside a session only the CSR in control may send them; outside one
//! they go to the plugin on the CSR's own site. Either way the plugin learns
//! who sent it.

use std::net::IpAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use tether_protocol::ErrorCode;

use super::auth::CsrfChecked;
use super::extract::ApiJson;
use crate::Kernel;
use crate::audit::AdminChange;
use crate::plugin_host::services::{CommandAccount, PluginEvent};
use crate::plugin_host::{DispatchError, PluginFailureKind};
use crate::session::policy::Action;
use crate::storage::{Account, AccountRole};
use crate::web::client_address::ClientAddress;
use crate::web::error::ApiError;

/// Largest REST command body (two 1 MB files, base64-encoded, and the rest).
pub const MAX_COMMAND_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A console command for `plugin`, run as `account` from `client`.
pub async fn run(
    kernel: &Kernel,
    account: &Account,
    client: IpAddr,
    session: Option<String>,
    plugin: &str,
    name: &str,
    payload: Value,
) -> Result<Box<RawValue>, ApiError> {
    if name.is_empty() || name.len() > 64 {
        return Err(ApiError::malformed("command names are 1 to 64 characters"));
    }
    let sender_account = CommandAccount {
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        site_admin: account.role == AccountRole::Admin,
    };
    let sessions = &kernel.sessions;
    let (site, sender) = match &session {
        Some(number) => {
            let sender = sessions.authorize(account, number, Action::Drive)?;
            let site = sessions
                .site_of(number)
                .ok_or_else(|| ApiError::unknown_session(number))?;
            sessions
                .record(
                    number,
                    "plugin.command",
                    &account.display_name,
                    format!("{plugin}: {name}"),
                )
                .await;
            (site, Some(sender))
        }
        None => (account.site.clone(), None),
    };
    let payload = payload.to_string();
    let event = PluginEvent::Command {
        session: session.clone(),
        sender: sender.map(String::from),
        account: Some(sender_account),
        name: name.to_owned(),
        payload: payload.clone(),
    };
    match kernel.plugins.dispatch(&site, plugin, event).await {
        Ok(reply) => {
            let audited = kernel
                .plugins
                .plugin(plugin)
                .is_some_and(|loaded| loaded.manifest.audited_commands.contains(name));
            if audited && session.is_none() {
                let change = AdminChange::PluginCommand {
                    plugin,
                    name,
                    payload: &payload,
                };
                kernel.audit(account, client, change).await;
            }
            Ok(reply_json(reply))
        }
        Err(error) => {
            if let Some(number) = &session {
                sessions
                    .record(number, "plugin.error", plugin, format!("{name}: {error}"))
                    .await;
            }
            Err(dispatch_error(error))
        }
    }
}

/// A command from a customer's page for `plugin`, which must have a panel
/// on that page (so no other plugin ever sees a customer's command) and be
/// enabled on the session's site. The plugin sees the customer as the
/// sender and no account.
pub async fn run_for_customer(
    kernel: &Kernel,
    session: &str,
    participant: &str,
    plugin: &str,
    name: &str,
    payload: Value,
) -> Result<Box<RawValue>, ApiError> {
    let sessions = &kernel.sessions;
    let site = sessions
        .site_of(session)
        .ok_or_else(|| ApiError::unknown_session(session))?;
    let loaded = kernel
        .plugins
        .plugin(plugin)
        .filter(|loaded| loaded.customer_panels().next().is_some())
        .ok_or_else(|| dispatch_error(DispatchError::UnknownPlugin(plugin.to_owned())))?;
    let event = PluginEvent::Command {
        session: Some(session.to_owned()),
        sender: Some(participant.to_owned()),
        account: None,
        name: name.to_owned(),
        payload: payload.to_string(),
    };
    match kernel
        .plugins
        .dispatch(&site, &loaded.manifest.id, event)
        .await
    {
        Ok(reply) => Ok(reply_json(reply)),
        Err(error) => {
            sessions
                .record(session, "plugin.error", plugin, format!("{name}: {error}"))
                .await;
            Err(dispatch_error(error))
        }
    }
}

/// A CSR's answer to an offer made to them: the offering plugin hears it
/// and its reply (or its refusal: another CSR was quicker) is the answer's
/// reply.
pub async fn answer_offer(
    kernel: &Kernel,
    account: &Account,
    offer: u32,
    accept: bool,
) -> Result<Box<RawValue>, ApiError> {
    let answered = kernel.desk.answer_offer(account, offer, accept).await?;
    match kernel
        .plugins
        .dispatch(&answered.site, &answered.plugin, answered.event)
        .await
    {
        Ok(reply) => Ok(reply_json(reply)),
        Err(error) => Err(dispatch_error(error)),
    }
}

/// A plugin's reply as the JSON its caller gets: the plugin's text as it
/// is when it is JSON (checked, not parsed into a tree), else that text as
/// a JSON string.
fn reply_json(reply: String) -> Box<RawValue> {
    serde_json::from_str(&reply).unwrap_or_else(|_| {
        // A string always has a JSON form; `null` is only the type's
        // fallback.
        serde_json::value::to_raw_value(&reply).unwrap_or_default()
    })
}

pub(crate) fn dispatch_error(error: DispatchError) -> ApiError {
    let code = match &error {
        DispatchError::UnknownPlugin(_) | DispatchError::UnknownSite(_) => ErrorCode::NotFound,
        DispatchError::NotEnabled { .. } => ErrorCode::Forbidden,
        DispatchError::Busy { .. } | DispatchError::Suspended { .. } => ErrorCode::Unavailable,
        // The plugin refused: not allowed (a role, an owner, no consent).
        DispatchError::Plugin(failure) if failure.kind == PluginFailureKind::Denied => {
            ErrorCode::Forbidden
        }
        _ => ErrorCode::PluginError,
    };
    let detail = super::error_detail::dispatch(&error);
    ApiError::new(code, error.to_string()).with_detail(detail)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandBody {
    name: String,
    #[serde(default)]
    payload: Value,
    #[serde(default)]
    session: Option<String>,
}

/// `POST /api/plugins/{plugin}/commands`
pub async fn post(
    State(kernel): State<Arc<Kernel>>,
    Path(plugin): Path<String>,
    ClientAddress(client): ClientAddress,
    CsrfChecked(signed_in): CsrfChecked,
    ApiJson(body): ApiJson<CommandBody>,
) -> Result<Json<Box<RawValue>>, ApiError> {
    run(
        &kernel,
        &signed_in.account,
        client,
        body.session,
        &plugin,
        &body.name,
        body.payload,
    )
    .await
    .map(Json)
}

#[cfg(test)]
mod tests {
    use tether_protocol::{ServerFrame, decode_server};

    use super::reply_json;
    use crate::web::ws::ReplyBody;

    /// What the console reads of a plugin's reply to its request 5.
    fn reply_on_the_console(reply: &str) -> (String, ServerFrame) {
        let message = ReplyBody::from(reply_json(reply.to_owned())).into_message(Some(5));
        let text = message.text().to_owned();
        let frame = decode_server(&text).expect("the console reads it");
        (text, frame)
    }

    #[test]
    fn a_reply_that_is_json_reaches_the_console_unchanged() {
        let reply = r#"{"b":1, "a":[1,2],"n":27777777777777757777}"#;
        let (text, frame) = reply_on_the_console(reply);
        assert!(text.contains(reply), "{text}");
        assert_eq!(
            frame,
            ServerFrame::Ok {
                re: Some(5),
                body: serde_json::from_str(reply).expect("JSON"),
            }
        );
        let (text, _) = reply_on_the_console(" [1, 2] ");
        assert!(text.contains(r#""body":[1, 2]}"#), "{text}");
    }

    #[test]
    fn a_reply_that_is_not_json_reaches_the_console_as_a_string() {
        for reply in ["saved", "{\"unfinished\":", "", "1 2", "say \"hi\"\n"] {
            let (_, frame) = reply_on_the_console(reply);
            assert_eq!(
                frame,
                ServerFrame::Ok {
                    re: Some(5),
                    body: serde_json::Value::String(reply.to_owned()),
                },
                "{reply:?}"
            );
        }
    }
}
