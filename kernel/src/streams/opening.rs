//! Opening and closing streams for plugins, and who is told of them. A
//! stream is an activity: the events that end activities (consent
//! withdrawn, control passed, another customer selected, the session
//! ending, the source or its agent leaving) close it at once.

use std::collections::{HashMap, HashSet};

use tether_protocol::stream::StreamId;
use tether_protocol::{Capability, ServerEvent, StreamOrigin};

use super::pacing::SourceAcks;
use super::rules::{self, Party};
use super::table::OpenStream;
use crate::activity::{EndReason, Scope};
use crate::consent::granter::{self, BrowserFacts, Refusal, Target};
use crate::plugin_host::services::{
    AgentCall, AgentError, BrowserStreamOpening, CloseCause, PluginEvent, PluginScope, StreamError,
    StreamInfo, StreamOpening,
};
use crate::routing::{Endpoint, EndpointKind};
use crate::session::{SessionError, Sessions};
use crate::storage::{ParticipantRole, now_millis};

/// Longest label, in characters.
const MAX_LABEL_CHARS: usize = 200;

/// What the report says when the console a browser's stream came from
/// closes.
pub const CONSOLE_CLOSED: &str = "the CSR's console closed";

/// A stream about to be opened, once allowed.
struct Allowed<'a> {
    session: &'a str,
    source: &'a str,
    /// The source's display name, for the report.
    name: String,
    capability: Capability,
    label: &'a str,
    origin: StreamOrigin,
}

fn check_label(label: &str) -> Result<&str, StreamError> {
    let label = label.trim();
    if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
        return Err(StreamError::Invalid(format!(
            "the label must be at most {MAX_LABEL_CHARS} characters, without control characters"
        )));
    }
    Ok(label)
}

impl Sessions {
    /// Opens a stream from `opening.source`'s agent, if the plugin could
    /// call the capability on that agent right now: a customer's (under
    /// their grant, to the session's CSRs) or the host's own (showing an
    /// application, to everyone else in the session).
    pub async fn open_stream(
        &self,
        scope: &PluginScope,
        opening: StreamOpening,
    ) -> Result<StreamId, StreamError> {
        let label = check_label(&opening.label)?;
        let call = AgentCall {
            session: opening.session.clone(),
            participant: opening.source.clone(),
            capability: opening.capability,
            declared: opening.declared,
            asks_when_refused: false,
            input: tether_protocol::RawJson::null(),
            files: Vec::new(),
        };
        let name = self.call_facts(scope, &call)?;
        // The granter let it through: a customer under a grant, or the host.
        let origin = match self.role_of(&opening.session, &opening.source) {
            Some(ParticipantRole::Customer) => StreamOrigin::CustomerAgent,
            Some(_) => StreamOrigin::CsrAgent,
            None => return Err(AgentError::UnknownParticipant(opening.source).into()),
        };
        let allowed = Allowed {
            session: &opening.session,
            source: &opening.source,
            name,
            capability: opening.capability,
            label,
            origin,
        };
        Ok(self.open(scope, allowed).await)
    }

    /// Opens a stream whose pictures come from the host's console (the
    /// browser captures a screen or window), under `app.share`.
    pub async fn open_stream_from_browser(
        &self,
        scope: &PluginScope,
        opening: BrowserStreamOpening,
    ) -> Result<StreamId, StreamError> {
        let label = check_label(&opening.label)?;
        let (session_on_site, source, name) = self
            .with_live(&opening.session, |s| {
                let source = s.participant(&opening.source);
                let name = source.map(|p| p.display_name.clone()).unwrap_or_default();
                let target = match source.map(|p| p.role) {
                    None => Target::Unknown,
                    Some(ParticipantRole::Customer) => Target::Customer { agent_offers: None },
                    Some(role) => Target::Csr {
                        host: role == ParticipantRole::Host,
                        agent_offers: None,
                    },
                };
                Ok((s.site == scope.site, target, name))
            })
            .unwrap_or((false, Target::Unknown, String::new()));
        let facts = BrowserFacts {
            declared: opening.declared,
            site_enables: self.site_enables(scope),
            session_on_site,
            source,
            console_connected: self.router.is_connected(&Endpoint::ui(&opening.source)),
        };
        granter::may_open_from_browser(facts).map_err(|refusal| {
            let refused = match refusal {
                Refusal::Undeclared => {
                    AgentError::UndeclaredCapability(Capability::AppShare.to_string())
                }
                Refusal::NotEnabled => AgentError::NotEnabled(format!(
                    "plugin `{}` is not enabled for site `{}`",
                    scope.plugin, scope.site
                )),
                Refusal::UnknownSession => AgentError::UnknownSession(opening.session.clone()),
                Refusal::NoConsole => {
                    AgentError::Unavailable(format!("{name} has no console open"))
                }
                Refusal::NotTheHost => AgentError::NoConsent(format!(
                    "{name} is not the session's host: only the host shows from their browser"
                )),
                _ => AgentError::UnknownParticipant(opening.source.clone()),
            };
            tracing::info!(session = %opening.session, plugin = %scope.plugin, error = %refused, "stream from the browser refused");
            StreamError::from(refused)
        })?;
        let allowed = Allowed {
            session: &opening.session,
            source: &opening.source,
            name,
            capability: Capability::AppShare,
            label,
            origin: StreamOrigin::CsrBrowser,
        };
        Ok(self.open(scope, allowed).await)
    }

    /// Adds the stream, tells its audience, and records it.
    async fn open(&self, scope: &PluginScope, allowed: Allowed<'_>) -> StreamId {
        let Allowed {
            session,
            source,
            name,
            capability,
            label,
            origin,
        } = allowed;
        let id = self.streams.insert(|id| OpenStream {
            id,
            session: session.to_owned(),
            plugin: scope.plugin.clone(),
            source: source.to_owned(),
            capability,
            label: label.to_owned(),
            origin,
            controller: None,
            opened_at: now_millis(),
            order: 0,
            viewers: HashMap::new(),
            asked: HashSet::new(),
            source_acks: SourceAcks::default(),
        });
        tracing::info!(session, plugin = %scope.plugin, stream = %id, %capability, %origin, "stream opened");
        let event = ServerEvent::StreamOpened {
            session: session.to_owned(),
            stream: id,
            plugin: scope.plugin.clone(),
            source: source.to_owned(),
            capability,
            label: label.to_owned(),
            origin,
            controller: None,
        };
        self.tell_audience(session, origin, source, &event);
        // The stream's number opens both its lines, so a node taking the
        // session over finds the ones never closed (`interrupted.rs`).
        let line = match origin {
            StreamOrigin::CustomerAgent => format!("#{id} {name}'s \"{label}\" ({capability})"),
            StreamOrigin::CsrAgent => {
                format!("#{id} {name} shows \"{label}\" from their computer ({capability})")
            }
            StreamOrigin::CsrBrowser => {
                format!("#{id} {name} shows \"{label}\" from their browser")
            }
        };
        self.record(session, "stream.opened", &scope.plugin, line)
            .await;
        id
    }

    /// Closes a stream the plugin opened.
    pub async fn close_stream(
        &self,
        scope: &PluginScope,
        id: StreamId,
        reason: &str,
    ) -> Result<(), StreamError> {
        let owner = self
            .streams
            .with(id, |s| s.plugin.clone())
            .ok_or(StreamError::UnknownStream(id))?;
        if owner != scope.plugin {
            return Err(StreamError::NotYours(id));
        }
        if let Some(stream) = self.streams.remove(id) {
            self.stream_closed(stream, CloseCause::PluginClosed, reason)
                .await;
        }
        Ok(())
    }

    /// The source stops a stream from their computer or page (a customer's
    /// page's Stop, or the sharing indicator through the agent): only a
    /// stream that comes from them, whatever plugin opened it. An agent
    /// stops only what it sends (not what its CSR's console shows).
    pub async fn stop_stream_from_source(
        &self,
        session: &str,
        from: &Endpoint,
        id: StreamId,
        reason: &str,
    ) -> Result<(), SessionError> {
        let source = &from.participant;
        let stream = self
            .streams
            .remove_if(id, |s| {
                s.session == session
                    && &s.source == source
                    && (from.kind == EndpointKind::Ui || s.origin != StreamOrigin::CsrBrowser)
            })
            .ok_or(SessionError::NoSuchStream(id))?;
        let name = self.display_name(session, source).unwrap_or_default();
        self.stream_closed(
            stream,
            CloseCause::CustomerStopped,
            &format!("{name} stopped sharing: {reason}"),
        )
        .await;
        Ok(())
    }

    /// The `stream.opened` events a customer's page or an agent (of a
    /// customer or a CSR) is told of when it (re)connects: what it sends or
    /// what its participant shares, and on a customer's page what the CSRs
    /// show them.
    pub fn streams_heard_by(&self, session: &str, endpoint: &Endpoint) -> Vec<ServerEvent> {
        let Some(role) = self.role_of(session, &endpoint.participant) else {
            return Vec::new();
        };
        let party = party_of(role);
        let agent = endpoint.kind == EndpointKind::Agent;
        opened_events(self.streams.listed(|s| {
            s.session == session
                && rules::hears_of(s.origin, party, s.source == endpoint.participant, agent)
        }))
    }

    /// The `stream.opened` events of every stream open in `session`, for a
    /// console that attaches to it (assisting, or resuming after a reload):
    /// a CSR hears of every stream of the session.
    pub fn streams_in(&self, session: &str) -> Vec<ServerEvent> {
        opened_events(self.streams.listed(|s| s.session == session))
    }

    /// Closes every stream an event of `scope` ends (part of ending
    /// activities).
    pub(crate) async fn end_streams(&self, scope: &Scope<'_>, reason: EndReason) {
        for stream in self.streams.take_all(scope) {
            self.stream_closed(stream, CloseCause::Ended(reason), reason.describe())
                .await;
        }
    }

    /// A CSR's console closed for good (no newer one took over): what it
    /// sent from the browser cannot go on.
    pub(crate) async fn end_browser_streams(&self, session: &str, participant: &str) {
        let ended = self.streams.take_where(|s| {
            s.session == session && s.source == participant && s.origin == StreamOrigin::CsrBrowser
        });
        for stream in ended {
            let cause = CloseCause::Ended(EndReason::AgentDisconnected);
            self.stream_closed(stream, cause, CONSOLE_CLOSED).await;
        }
    }

    /// A customer's page connected or closed: what an earlier page asked to
    /// see is no longer asked for (the page asks again when it shows a
    /// stream).
    pub(crate) fn forget_asking(&self, session: &str, participant: &str) {
        self.streams.for_each(|s| {
            if s.session == session && s.asked.remove(participant) {
                s.viewers.remove(participant);
            }
        });
    }

    /// Tells the audience and the plugin, and records it.
    pub(super) async fn stream_closed(&self, stream: OpenStream, cause: CloseCause, reason: &str) {
        tracing::info!(session = %stream.session, plugin = %stream.plugin, stream = %stream.id, reason, "stream closed");
        let event = ServerEvent::StreamClosed {
            session: stream.session.clone(),
            stream: stream.id,
            reason: reason.to_owned(),
        };
        self.tell_audience(&stream.session, stream.origin, &stream.source, &event);
        self.notify_stream_plugin(
            &stream.session,
            &stream.plugin,
            PluginEvent::StreamClosed {
                session: stream.session.clone(),
                stream: stream.id,
                cause,
                reason: reason.to_owned(),
            },
        );
        let seconds = now_millis().saturating_sub(stream.opened_at) / 1000;
        self.record(
            &stream.session,
            "stream.closed",
            &stream.plugin,
            format!(
                "#{} \"{}\" after {seconds} s: {reason}",
                stream.id, stream.label
            ),
        )
        .await;
    }

    /// An event for the plugin that opened a stream.
    pub(super) fn notify_stream_plugin(&self, session: &str, plugin: &str, event: PluginEvent) {
        if let Some(site) = self.site_of(session) {
            self.notify_plugin(&site, plugin, event);
        }
    }

    /// The plugin's open streams in `session` (of its own site only).
    pub fn list_streams(
        &self,
        scope: &PluginScope,
        session: &str,
    ) -> Result<Vec<StreamInfo>, StreamError> {
        if self.site_of(session).as_deref() != Some(scope.site.as_str()) {
            return Err(AgentError::UnknownSession(session.to_owned()).into());
        }
        Ok(self.streams.of_session(session, &scope.plugin))
    }

    /// Sends a stream's event to everyone who hears of it (`rules::hears_of`):
    /// the participants in the session now, and the source's own endpoints
    /// even after it left (it hears why its stream ended).
    pub(super) fn tell_audience(
        &self,
        session: &str,
        origin: StreamOrigin,
        source: &str,
        event: &ServerEvent,
    ) {
        for (participant, party) in self.parties(session) {
            if participant != source && rules::hears_of(origin, party, false, false) {
                self.send_event(&Endpoint::ui(&participant), event);
            }
        }
        // The source's side is known from the origin alone.
        let source_party = if origin.from_csr() {
            Party::Csr
        } else {
            Party::Customer
        };
        for agent in [false, true] {
            if rules::hears_of(origin, source_party, true, agent) {
                let endpoint = Endpoint {
                    participant: source.to_owned(),
                    kind: if agent {
                        EndpointKind::Agent
                    } else {
                        EndpointKind::Ui
                    },
                };
                self.send_event(&endpoint, event);
            }
        }
    }

    /// The session's participants now, each as the stream rules see them.
    pub(super) fn parties(&self, session: &str) -> Vec<(String, Party)> {
        self.with_live(session, |s| {
            Ok(s.participants
                .values()
                .map(|p| (p.id.to_string(), party_of(p.role)))
                .collect())
        })
        .unwrap_or_default()
    }

    pub(crate) fn role_of(&self, session: &str, participant: &str) -> Option<ParticipantRole> {
        self.with_live(session, |s| Ok(s.participant(participant).map(|p| p.role)))
            .ok()
            .flatten()
    }

    pub(crate) fn display_name(&self, session: &str, participant: &str) -> Option<String> {
        self.with_live(session, |s| {
            Ok(s.participant(participant).map(|p| p.display_name.clone()))
        })
        .ok()
        .flatten()
    }
}

pub(super) fn party_of(role: ParticipantRole) -> Party {
    match role {
        ParticipantRole::Customer => Party::Customer,
        ParticipantRole::Host | ParticipantRole::Assistant => Party::Csr,
    }
}

fn opened_events(streams: Vec<(StreamInfo, String)>) -> Vec<ServerEvent> {
    streams
        .into_iter()
        .map(|(info, plugin)| ServerEvent::StreamOpened {
            session: info.session,
            stream: info.id,
            plugin,
            source: info.source,
            capability: info.capability,
            label: info.label,
            origin: info.origin,
            controller: info.controller,
        })
        .collect()
}
