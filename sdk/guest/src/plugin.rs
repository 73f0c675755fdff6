//! The [`Plugin`] trait and the dispatch from a raw [`Event`] to its methods.

use serde_json::Value;

use crate::json_text::JsonText;
use crate::{
    Command, ConsentWithdrawn, CsrPresence, Event, OfferAnswered, OfferId, ParticipantChange,
    PluginError, PublicCommand, SessionId, StreamClosed, StreamControl,
};

/// A Tether plugin. Every event gets a fresh instance, so the methods are
/// associated functions: state that must outlive an event goes through
/// [`crate::host::store`].
///
/// Every method has a default, so a plugin implements only the events it
/// cares about. Unknown commands are refused with a clear error by default.
pub trait Plugin {
    /// Called once per site when the plugin is loaded for it.
    fn init() -> Result<(), PluginError> {
        Ok(())
    }

    /// A command from one of the plugin's UI panels; the returned JSON is the
    /// reply to the sender.
    fn command(command: Command) -> Result<Value, PluginError> {
        Err(PluginError::InvalidInput(format!(
            "unknown command `{}`",
            command.name
        )))
    }

    /// The same command, answered with JSON text ([`JsonText`]): a plugin
    /// that already holds its reply as JSON (the payload itself, a stored
    /// document) or encodes a typed reply implements this instead of
    /// [`Plugin::command`], and the reply reaches the sender without a
    /// `Value` tree being built and encoded again. By default it answers
    /// with what [`Plugin::command`] returns.
    fn command_json(command: Command) -> Result<JsonText, PluginError> {
        Self::command(command).map(JsonText::from)
    }

    fn participant_joined(_change: ParticipantChange) -> Result<(), PluginError> {
        Ok(())
    }

    fn participant_left(_change: ParticipantChange) -> Result<(), PluginError> {
        Ok(())
    }

    /// A customer is back after their computer restarted.
    fn participant_rejoined(_change: ParticipantChange) -> Result<(), PluginError> {
        Ok(())
    }

    /// The host selected another customer: stop anything shared with the
    /// previous one.
    fn customer_selected(_change: ParticipantChange) -> Result<(), PluginError> {
        Ok(())
    }

    /// Every support activity of the session must end (control passed).
    fn activities_ended(_session: SessionId) -> Result<(), PluginError> {
        Ok(())
    }

    fn session_ended(_session: SessionId) -> Result<(), PluginError> {
        Ok(())
    }

    fn timer(_name: String) -> Result<(), PluginError> {
        Ok(())
    }

    /// A stream this plugin opened ended, whoever ended it: the plugin
    /// itself, the customer stopping it, or a rule of the kernel's
    /// (`cause` says which; `reason` says it in words). Plugin API 0.2; by
    /// default nothing happens.
    fn stream_closed(_closed: StreamClosed) -> Result<(), PluginError> {
        Ok(())
    }

    /// A customer withdrew a permission this plugin asked for; what ran
    /// under it has already ended. Plugin API 0.2; by default nothing
    /// happens.
    fn consent_withdrawn(_withdrawn: ConsentWithdrawn) -> Result<(), PluginError> {
        Ok(())
    }

    /// Who controls a CSR's application shown on a stream of this plugin
    /// changed, not by the plugin's own call: the CSR took control back on
    /// their computer, or the customer in control left (`cause` says
    /// which). The stream goes on. Plugin API 0.2; by default nothing
    /// happens.
    fn stream_control(_control: StreamControl) -> Result<(), PluginError> {
        Ok(())
    }

    /// A command from the plugin's public page (nobody signed in, no
    /// session); the returned JSON is the reply to the page. The plugin may
    /// open one waiting session for the sender
    /// ([`crate::host::desk::open_waiting`]). Plugin API 0.2; refused by
    /// default.
    fn public_command(command: PublicCommand) -> Result<Value, PluginError> {
        Err(PluginError::InvalidInput(format!(
            "unknown command `{}`",
            command.name
        )))
    }

    /// A CSR answered one of this plugin's offers; the returned JSON (or
    /// the error) is the reply to that CSR's console. Plugin API 0.2;
    /// refused by default.
    fn offer_answered(_answer: OfferAnswered) -> Result<Value, PluginError> {
        Err(PluginError::InvalidInput(
            "this plugin makes no offers".into(),
        ))
    }

    /// An offer of this plugin ran out of time while open; every console
    /// showing it dropped it. Plugin API 0.2; by default nothing happens.
    fn offer_expired(_offer: OfferId) -> Result<(), PluginError> {
        Ok(())
    }

    /// A CSR of the site came or went, became available or away, or their
    /// number of customers changed. Plugin API 0.2; by default nothing
    /// happens.
    fn presence_changed(_csr: CsrPresence) -> Result<(), PluginError> {
        Ok(())
    }
}

/// Routes one event to the matching [`Plugin`] method and encodes the reply.
/// Events other than commands reply with JSON `null`.
pub fn dispatch<P: Plugin>(event: Event) -> Result<String, PluginError> {
    let reply = match event {
        Event::Command(command) => return P::command_json(command).map(JsonText::into_string),
        Event::ParticipantJoined(change) => P::participant_joined(change).map(|()| Value::Null)?,
        Event::ParticipantLeft(change) => P::participant_left(change).map(|()| Value::Null)?,
        Event::ParticipantRejoined(change) => {
            P::participant_rejoined(change).map(|()| Value::Null)?
        }
        Event::CustomerSelected(change) => P::customer_selected(change).map(|()| Value::Null)?,
        Event::ActivitiesEnded(session) => P::activities_ended(session).map(|()| Value::Null)?,
        Event::SessionEnded(session) => P::session_ended(session).map(|()| Value::Null)?,
        Event::Timer(name) => P::timer(name).map(|()| Value::Null)?,
        Event::StreamClosed(closed) => P::stream_closed(closed).map(|()| Value::Null)?,
        Event::ConsentWithdrawn(withdrawn) => {
            P::consent_withdrawn(withdrawn).map(|()| Value::Null)?
        }
        Event::StreamControl(control) => P::stream_control(control).map(|()| Value::Null)?,
        Event::PublicCommand(command) => P::public_command(command)?,
        Event::OfferAnswered(answer) => P::offer_answered(answer)?,
        Event::OfferExpired(offer) => P::offer_expired(offer).map(|()| Value::Null)?,
        Event::PresenceChanged(csr) => P::presence_changed(csr).map(|()| Value::Null)?,
    };
    serde_json::to_string(&reply)
        .map_err(|error| PluginError::Failed(format!("could not encode the reply: {error}")))
}
