//! Plugin `relogin`: log on to the customer's computer as another account
//! (user, password, and domain for a network account) and back off. In the
//! manuals' order: the CSR first asks (`ask`, one consent prompt covering
//! logon and logoff); only after the customer allows it does the console
//! show the logon dialog, and `logon` then sends the account to the agent —
//! it never asks by itself, so credentials are never typed or sent before
//! the customer has agreed. The agent also restores the customer by itself
//! when the session ends or the server stays unreachable.
//!
//! The account details pass straight through to the agent: they are never
//! logged, reported, stored, or echoed in an error message.

use serde::Deserialize;
use tether_sdk::host::agent::{self, AgentError, Consented, call_with_consent_for};
use tether_sdk::host::consent::{self, Outcome};
use tether_sdk::prelude::*;

pub struct Relogin;

const LOGON: Capability = Capability::AccountLogon;
const LOGOFF: Capability = Capability::AccountLogoff;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogonForm {
    user: String,
    password: String,
    #[serde(default)]
    domain: Option<String>,
    /// Read by [`Command::customer`]; declared so the form is checked whole.
    #[serde(default, rename = "participant")]
    _participant: Option<String>,
}

/// Decodes the form without ever quoting it: a decoding error could
/// otherwise carry the password into the report.
fn logon_form(command: &Command) -> Result<LogonForm, PluginError> {
    let form: LogonForm = serde_json::from_str(&command.payload).map_err(|_| {
        PluginError::InvalidInput(
            "the form needs a user name and a password (and optionally a domain)".to_owned(),
        )
    })?;
    if form.user.trim().is_empty() || form.password.is_empty() {
        return Err(PluginError::InvalidInput(
            "type the user name and the password".to_owned(),
        ));
    }
    Ok(form)
}

fn csr_name(session: &str, sender: Option<&str>) -> String {
    host::session::participants(session)
        .ok()
        .and_then(|list| list.into_iter().find(|p| Some(p.id.as_str()) == sender))
        .map(|p| p.display_name)
        .unwrap_or_else(|| "The CSR".to_owned())
}

/// Asks the customer to allow logging on as another user (and logging off
/// again), before the CSR types any account details.
fn ask(command: &Command) -> Result<Value, PluginError> {
    let (session, customer) = command.customer()?;
    let name = &customer.display_name;
    match consent::request_all(session, &customer.id, &[LOGON, LOGOFF], None)? {
        Outcome::Granted => Ok(json!({ "status": "allowed", "customer": name })),
        Outcome::Denied => {
            host::session::report(
                session,
                &format!("{name} did not allow logging on as another user"),
            )?;
            Ok(json!({ "status": "denied", "customer": name }))
        }
        Outcome::TimedOut => Ok(json!({ "status": "timed_out", "customer": name })),
    }
}

/// Logs on with the account the CSR typed, under the permission [`ask`]
/// obtained. Without one the answer is `ask_first`: the details are not
/// sent and no prompt appears.
fn logon(command: &Command) -> Result<Value, PluginError> {
    let form = logon_form(command)?;
    let (session, customer) = command.customer()?;
    let name = &customer.display_name;
    let input =
        json!({ "user": form.user, "password": form.password, "domain": form.domain }).to_string();
    let output = match agent::call(session, &customer.id, LOGON, &input) {
        Ok(output) => output,
        Err(AgentError::NoConsent(_)) => {
            return Ok(json!({ "status": "ask_first", "customer": name }));
        }
        Err(error) => return Err(error.into()),
    };
    let output: Value = serde_json::from_str(&output).unwrap_or(Value::Null);
    let csr = csr_name(session, command.sender.as_deref());
    host::session::report(
        session,
        &format!("{csr} logged on to {name}'s computer as another user"),
    )?;
    Ok(
        json!({ "status": "logged_on", "customer": name, "desktop_locked": output["desktop_locked"] }),
    )
}

fn logoff(command: &Command) -> Result<Value, PluginError> {
    let (session, customer) = command.customer()?;
    let output = match agent::call(session, &customer.id, LOGOFF, "{}") {
        Ok(output) => output,
        // The customer withdrew the permission: ask again rather than leave
        // them logged off (the agent also restores them when the session ends).
        Err(AgentError::NoConsent(_)) => {
            match call_with_consent_for(session, &customer.id, LOGOFF, "{}", None, &[LOGOFF])? {
                Consented::Done(output) => output,
                Consented::Denied | Consented::TimedOut => {
                    return Ok(
                        json!({ "status": "not_allowed", "customer": customer.display_name }),
                    );
                }
            }
        }
        Err(error) => return Err(error.into()),
    };
    let restored = serde_json::from_str::<Value>(&output)
        .ok()
        .and_then(|v| v["restored"].as_bool())
        .unwrap_or(false);
    if restored {
        let csr = csr_name(session, command.sender.as_deref());
        host::session::report(
            session,
            &format!(
                "{csr} logged off; {}'s account is back",
                customer.display_name
            ),
        )?;
    }
    Ok(
        json!({ "status": if restored { "logged_off" } else { "not_logged_on" }, "customer": customer.display_name }),
    )
}

impl Plugin for Relogin {
    fn command(command: Command) -> Result<Value, PluginError> {
        match command.name.as_str() {
            "ask" => ask(&command),
            "logon" => logon(&command),
            "logoff" => logoff(&command),
            other => Err(PluginError::InvalidInput(format!(
                "unknown command `{other}`"
            ))),
        }
    }
}

tether_sdk::export_plugin!(Relogin);

#[cfg(test)]
mod tests;
