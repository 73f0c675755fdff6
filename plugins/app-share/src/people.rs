//! Who is in the session and who sent a command: only the session's host
//! asks, stops, shows their own applications and gives control of them;
//! only the customer whose computer it is shares.

use tether_sdk::prelude::*;
use tether_sdk::protocol::apps::MAX_VIEWERS_CHARS;

/// A session and its participants, read once per event.
pub struct Session {
    pub id: String,
    pub participants: Vec<Participant>,
}

impl Session {
    pub fn load(id: &str) -> Result<Session, PluginError> {
        Ok(Session {
            id: id.to_owned(),
            participants: host::session::participants(id)?,
        })
    }

    /// The session a command comes from.
    pub fn of(command: &Command) -> Result<Session, PluginError> {
        Session::load(command.require_session()?)
    }

    pub fn participant(&self, id: &str) -> Option<&Participant> {
        self.participants.iter().find(|p| p.id == id)
    }

    pub fn host(&self) -> Option<&Participant> {
        self.participants.iter().find(|p| p.role == Role::Host)
    }

    /// The host and the assistants: everyone who sees what is shared.
    pub fn csrs(&self) -> impl Iterator<Item = &Participant> {
        self.participants
            .iter()
            .filter(|p| p.role != Role::Customer)
    }

    pub fn customers(&self) -> impl Iterator<Item = &Participant> {
        self.participants
            .iter()
            .filter(|p| p.role == Role::Customer)
    }

    /// The customer a CSR's command is about: the one named, which must be
    /// a customer of the session, else the session's only customer.
    pub fn customer(&self, named: Option<&str>) -> Result<&Participant, PluginError> {
        match named {
            Some(id) => self.customers().find(|p| p.id == id).ok_or_else(|| {
                PluginError::InvalidInput(format!("{id} is not a customer in this session"))
            }),
            None => {
                let mut each = self.customers();
                match (each.next(), each.next()) {
                    (Some(only), None) => Ok(only),
                    (None, _) => Err(PluginError::InvalidInput(
                        "no customer has joined the session yet".to_owned(),
                    )),
                    _ => Err(PluginError::InvalidInput(
                        "several customers are in the session: choose one".to_owned(),
                    )),
                }
            }
        }
    }

    /// The display name of a participant, or their id when they are gone.
    pub fn name_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.participant(id).map_or(id, |p| p.display_name.as_str())
    }

    /// Who sees a shared application, for the customer's sharing
    /// indicator ("Shared with …"), cut to what the agent accepts.
    pub fn viewers(&self) -> String {
        let names: Vec<&str> = self.csrs().map(|p| p.display_name.as_str()).collect();
        names.join(", ").chars().take(MAX_VIEWERS_CHARS).collect()
    }

    /// Who sees what the host shows, for the host's sharing indicator:
    /// everyone in the session but the host.
    pub fn audience(&self, host: &str) -> String {
        let names: Vec<&str> = self
            .participants
            .iter()
            .filter(|p| p.id != host)
            .map(|p| p.display_name.as_str())
            .collect();
        names.join(", ").chars().take(MAX_VIEWERS_CHARS).collect()
    }
}

/// The command's sender, if they are the session's host. Assistants see
/// what is shared but only the CSR in control asks and stops.
pub fn require_host<'a>(
    command: &Command,
    session: &'a Session,
) -> Result<&'a Participant, PluginError> {
    sender_as_host(
        command,
        session,
        "only the CSR in control of the session can ask for or stop an application; assistants see what is shared",
        "",
    )
}

/// The command's sender, if they are the session's host, for the commands
/// about the host's own applications: shown from their computer (their own
/// agent, which the kernel lets only the host use) or their browser.
pub fn require_host_showing<'a>(
    command: &Command,
    session: &'a Session,
) -> Result<&'a Participant, PluginError> {
    sender_as_host(
        command,
        session,
        "only the CSR in control of the session shows applications from their computer and gives control of them; assistants see what is shown",
        ", from their console",
    )
}

/// The command's sender if they are the host; an assistant is told
/// `to_assistants`, anyone else that the command is for the CSR in control
/// (followed by `where_from`).
fn sender_as_host<'a>(
    command: &Command,
    session: &'a Session,
    to_assistants: &str,
    where_from: &str,
) -> Result<&'a Participant, PluginError> {
    let sender = command
        .sender
        .as_deref()
        .and_then(|id| session.participant(id));
    match sender {
        Some(p) if p.role == Role::Host => Ok(p),
        Some(p) if p.role == Role::Assistant => Err(PluginError::Denied(to_assistants.to_owned())),
        _ => Err(PluginError::Denied(format!(
            "`{}` is for the CSR in control of the session{where_from}",
            command.name
        ))),
    }
}

/// The customer a command names, as `customer` or `participant` (the
/// panels send either); both naming different customers is refused.
pub fn named_customer<'a>(
    customer: Option<&'a str>,
    participant: Option<&'a str>,
) -> Result<Option<&'a str>, PluginError> {
    match (customer, participant) {
        (Some(customer), Some(participant)) if customer != participant => {
            Err(PluginError::InvalidInput(
                "`customer` and `participant` name different customers".to_owned(),
            ))
        }
        (customer, participant) => Ok(customer.or(participant)),
    }
}

/// The command's sender, if they are a customer of the session sending
/// from their own page (a console's command carries the CSR's account).
/// `named`, where the payload names a participant, must be the sender.
pub fn require_customer<'a>(
    command: &Command,
    session: &'a Session,
    named: Option<&str>,
) -> Result<&'a Participant, PluginError> {
    let refused = || {
        PluginError::Denied(format!(
            "`{}` is for the customer whose applications are shared, from their own page",
            command.name
        ))
    };
    if command.account.is_some() {
        return Err(refused());
    }
    let customer = command
        .sender
        .as_deref()
        .and_then(|id| session.participant(id))
        .filter(|p| p.role == Role::Customer)
        .ok_or_else(refused)?;
    if named.is_some_and(|id| id != customer.id) {
        return Err(PluginError::Denied(
            "a customer shares only their own applications".to_owned(),
        ));
    }
    Ok(customer)
}
