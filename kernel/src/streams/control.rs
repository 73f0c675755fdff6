//! Control of an application a CSR shows from their own agent: the plugin
//! that opened the stream gives it to one customer at a time and takes it
//! back; the CSR takes it back on their computer (their agent says so);
//! the customer in control leaving ends it. The stream goes on through
//! every change; everyone who hears of the stream hears `stream.control`,
//! the report records it, and the plugin hears of changes it did not make.

use tether_protocol::stream::StreamId;
use tether_protocol::{ServerEvent, StreamOrigin};

use crate::plugin_host::services::{
    AgentError, ControlCause, PluginEvent, PluginScope, StreamError,
};
use crate::session::{SessionError, Sessions};
use crate::storage::ParticipantRole;

/// A stream whose controller changed, as the events and the report need it.
struct Changed {
    session: String,
    plugin: String,
    source: String,
    label: String,
    /// Who had control before.
    previous: Option<String>,
}

impl Sessions {
    /// Lets `to`, a customer of the session, control the application the
    /// plugin's `csr-agent` stream shows (replacing whoever had it).
    pub async fn give_stream_control(
        &self,
        scope: &PluginScope,
        id: StreamId,
        to: &str,
    ) -> Result<(), StreamError> {
        let session = self.controllable(scope, id)?;
        let Some(role) = self.role_of(&session, to) else {
            return Err(AgentError::UnknownParticipant(to.to_owned()).into());
        };
        if role != ParticipantRole::Customer {
            return Err(StreamError::Invalid(format!(
                "{to} is not a customer: only a customer the application is shown to can be given control"
            )));
        }
        let Some(changed) = self.set_controller(id, Some(to)) else {
            return Ok(()); // they have it already
        };
        let name = self.display_name(&session, to).unwrap_or_default();
        self.control_changed(id, &changed, Some(to), None, format!("given to {name}"))
            .await;
        Ok(())
    }

    /// Takes control of the plugin's `csr-agent` stream back from whoever
    /// has it; nothing changes when nobody has.
    pub async fn take_stream_control(
        &self,
        scope: &PluginScope,
        id: StreamId,
    ) -> Result<(), StreamError> {
        self.controllable(scope, id)?;
        if let Some(changed) = self.set_controller(id, None) {
            let from = self.previous_name(&changed);
            self.control_changed(id, &changed, None, None, format!("taken back from {from}"))
                .await;
        }
        Ok(())
    }

    /// The CSR took control back on their computer: their agent (`source`'s)
    /// says so, for a stream it sends.
    pub async fn take_back_on_computer(
        &self,
        session: &str,
        source: &str,
        id: StreamId,
    ) -> Result<(), SessionError> {
        let theirs = self
            .streams
            .with(id, |s| {
                s.session == session && s.source == source && s.origin == StreamOrigin::CsrAgent
            })
            .unwrap_or(false);
        if !theirs {
            return Err(SessionError::NoSuchStream(id));
        }
        if let Some(changed) = self.set_controller(id, None) {
            let from = self.previous_name(&changed);
            let csr = self.display_name(session, source).unwrap_or_default();
            self.control_changed(
                id,
                &changed,
                None,
                Some(ControlCause::TakenBackOnComputer),
                format!("taken back from {from} on {csr}'s computer"),
            )
            .await;
        }
        Ok(())
    }

    /// The customer `participant` (named `name`) left the session: what
    /// they controlled is nobody's now; the streams go on.
    pub(crate) async fn controller_left(&self, session: &str, participant: &str, name: &str) {
        let mut theirs = Vec::new();
        self.streams.for_each(|s| {
            if s.session == session && s.controller.as_deref() == Some(participant) {
                theirs.push(s.id);
            }
        });
        for id in theirs {
            if let Some(changed) = self.set_controller(id, None) {
                self.control_changed(
                    id,
                    &changed,
                    None,
                    Some(ControlCause::ControllerLeft),
                    format!("taken back: {name} left the session"),
                )
                .await;
            }
        }
    }

    /// The session of the plugin's stream `id`, if control of it can be
    /// given: a `csr-agent` stream.
    fn controllable(&self, scope: &PluginScope, id: StreamId) -> Result<String, StreamError> {
        let (plugin, session, origin) = self
            .streams
            .with(id, |s| (s.plugin.clone(), s.session.clone(), s.origin))
            .ok_or(StreamError::UnknownStream(id))?;
        if plugin != scope.plugin {
            return Err(StreamError::NotYours(id));
        }
        if origin != StreamOrigin::CsrAgent {
            return Err(StreamError::Invalid(format!(
                "stream {id} does not show a CSR's application from their agent: nobody can control it"
            )));
        }
        Ok(session)
    }

    /// Sets the stream's controller; `None` when the stream is gone or the
    /// controller was already that.
    fn set_controller(&self, id: StreamId, to: Option<&str>) -> Option<Changed> {
        self.streams
            .with(id, |s| {
                if s.controller.as_deref() == to {
                    return None;
                }
                let previous = std::mem::replace(&mut s.controller, to.map(str::to_owned));
                Some(Changed {
                    session: s.session.clone(),
                    plugin: s.plugin.clone(),
                    source: s.source.clone(),
                    label: s.label.clone(),
                    previous,
                })
            })
            .flatten()
    }

    fn previous_name(&self, changed: &Changed) -> String {
        let previous = changed.previous.as_deref().unwrap_or_default();
        self.display_name(&changed.session, previous)
            .unwrap_or_else(|| "the customer".to_owned())
    }

    /// Tells everyone who hears of the stream, the plugin when it did not
    /// make the change itself (`cause`), and records it.
    async fn control_changed(
        &self,
        id: StreamId,
        changed: &Changed,
        controller: Option<&str>,
        cause: Option<ControlCause>,
        how: String,
    ) {
        tracing::info!(session = %changed.session, plugin = %changed.plugin, stream = %id, controller, ?cause, "stream control changed");
        let event = ServerEvent::StreamControl {
            session: changed.session.clone(),
            stream: id,
            controller: controller.map(str::to_owned),
            controller_name: controller.and_then(|c| self.display_name(&changed.session, c)),
        };
        self.tell_audience(
            &changed.session,
            StreamOrigin::CsrAgent,
            &changed.source,
            &event,
        );
        if let Some(cause) = cause {
            self.notify_stream_plugin(
                &changed.session,
                &changed.plugin,
                PluginEvent::StreamControl {
                    session: changed.session.clone(),
                    stream: id,
                    controller: controller.map(str::to_owned),
                    cause,
                },
            );
        }
        self.record(
            &changed.session,
            "stream.control",
            &changed.plugin,
            format!("control of \"{}\" {how}", changed.label),
        )
        .await;
    }
}
