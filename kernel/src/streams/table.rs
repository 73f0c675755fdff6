//! The live table of open streams, by id, with each viewer's pacing.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use tether_protocol::stream::StreamId;
use tether_protocol::{Capability, StreamOrigin};

use super::pacing::{SourceAcks, ViewerPacing};
use crate::activity::Scope;
use crate::activity::rules::{self, ActivityFacts};
use crate::plugin_host::services::StreamInfo;
use crate::routing::Endpoint;
use crate::storage::Millis;

/// One open stream.
#[derive(Debug)]
pub struct OpenStream {
    pub id: StreamId,
    pub session: String,
    pub plugin: String,
    /// The participant whose agent (or, for a browser's stream, console) is
    /// the source: a customer, or the host CSR.
    pub source: String,
    /// The permission it was opened under (closing follows it).
    pub capability: Capability,
    /// What is shown, in the plugin's words (an application's title).
    pub label: String,
    /// What sends the pictures: the source's agent or (a CSR's) console.
    pub origin: StreamOrigin,
    /// The customer controlling a CSR's application now.
    pub controller: Option<String>,
    pub opened_at: Millis,
    /// Its place among the streams the table was given, set by
    /// [`StreamTable::insert`]: lists are oldest first even for streams
    /// opened within the same millisecond (the ids are random).
    pub order: u64,
    /// By viewer participant id; a viewer is added when first offered a
    /// picture (CSRs who join later see the stream from a keyframe).
    pub viewers: HashMap<String, ViewerPacing>,
    /// Customers whose page asked for a CSR's stream (its first keyframe
    /// request): only they are sent its pictures. Forgotten when the page
    /// closes.
    pub asked: HashSet<String>,
    pub source_acks: SourceAcks,
}

impl OpenStream {
    pub fn info(&self) -> StreamInfo {
        StreamInfo {
            id: self.id,
            session: self.session.clone(),
            source: self.source.clone(),
            capability: self.capability,
            label: self.label.clone(),
            origin: self.origin,
            controller: self.controller.clone(),
        }
    }

    /// Where pictures come from and acknowledgements, keyframe requests
    /// and input go: the source's agent, or its console for a browser's.
    pub fn source_endpoint(&self) -> Endpoint {
        match self.origin {
            StreamOrigin::CsrBrowser => Endpoint::ui(&self.source),
            StreamOrigin::CustomerAgent | StreamOrigin::CsrAgent => Endpoint::agent(&self.source),
        }
    }

    /// A stream runs on its source's computer like a running call: the
    /// activity rules decide which events end it. A browser's stream does
    /// not run on the agent (its agent leaving does not end it).
    fn facts(&self) -> ActivityFacts<'_> {
        ActivityFacts {
            session: &self.session,
            participant: &self.source,
            plugin: &self.plugin,
            capability: self.capability,
            running: self.origin != StreamOrigin::CsrBrowser,
        }
    }
}

/// Frames counted since the kernel started (reported by `/healthz`).
#[derive(Debug, Default)]
pub struct StreamCounters {
    pub relayed: AtomicU64,
    /// Bytes of the frames relayed.
    pub bytes: AtomicU64,
    /// Frames a socket was not allowed to send (not its stream, wrong
    /// direction, input without control) or that did not decode.
    pub refused: AtomicU64,
    /// Pictures a slow viewer did not get (dropped to keyframes).
    pub skipped: AtomicU64,
}

impl StreamCounters {
    pub fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A frame of `bytes` bytes relayed.
    pub fn relayed(&self, bytes: usize) {
        self.relayed.fetch_add(1, Ordering::Relaxed);
        self.bytes
            .fetch_add(u64::try_from(bytes).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// What `/healthz` shows of streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StreamStats {
    pub open: usize,
    pub frames_relayed: u64,
    pub bytes_relayed: u64,
    pub frames_refused: u64,
    pub frames_skipped: u64,
}

#[derive(Default)]
pub struct StreamTable {
    streams: Mutex<HashMap<StreamId, OpenStream>>,
    /// Streams inserted so far: the next one's `order`.
    inserted: AtomicU64,
    pub counters: StreamCounters,
}

impl StreamTable {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<StreamId, OpenStream>> {
        self.streams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a stream under a fresh id (random, so one cannot be guessed
    /// from another; ownership is checked on every frame regardless).
    pub fn insert(&self, make: impl FnOnce(StreamId) -> OpenStream) -> StreamId {
        let mut streams = self.lock();
        let id = loop {
            let candidate = crate::token::random_below(u64::from(u32::MAX)) as u32 + 1;
            if let Some(id) = StreamId::new(candidate)
                && !streams.contains_key(&id)
            {
                break id;
            }
        };
        let mut stream = make(id);
        stream.order = self.inserted.fetch_add(1, Ordering::Relaxed);
        streams.insert(id, stream);
        id
    }

    /// Runs `f` on the stream, if open.
    pub fn with<R>(&self, id: StreamId, f: impl FnOnce(&mut OpenStream) -> R) -> Option<R> {
        self.lock().get_mut(&id).map(f)
    }

    pub fn remove(&self, id: StreamId) -> Option<OpenStream> {
        self.lock().remove(&id)
    }

    /// Takes the stream out if `theirs` says it is (checked under the same
    /// lock); any other stays as it is.
    pub fn remove_if(
        &self,
        id: StreamId,
        theirs: impl Fn(&OpenStream) -> bool,
    ) -> Option<OpenStream> {
        let mut streams = self.lock();
        if streams.get(&id).is_some_and(theirs) {
            streams.remove(&id)
        } else {
            None
        }
    }

    /// Takes out every stream `which` picks.
    pub fn take_where(&self, which: impl Fn(&OpenStream) -> bool) -> Vec<OpenStream> {
        let mut streams = self.lock();
        let ids: Vec<StreamId> = streams
            .values()
            .filter(|s| which(s))
            .map(|s| s.id)
            .collect();
        ids.iter().filter_map(|id| streams.remove(id)).collect()
    }

    /// Runs `f` on every open stream.
    pub fn for_each(&self, mut f: impl FnMut(&mut OpenStream)) {
        for stream in self.lock().values_mut() {
            f(stream);
        }
    }

    /// The streams `keep` chooses, with the plugin that opened each, oldest
    /// first (a session's for a console that attaches; what a customer's
    /// page or an agent is told of when it connects).
    pub fn listed(&self, keep: impl Fn(&OpenStream) -> bool) -> Vec<(StreamInfo, String)> {
        let streams = self.lock();
        let mut chosen: Vec<&OpenStream> = streams.values().filter(|s| keep(s)).collect();
        chosen.sort_by_key(|s| s.order);
        chosen
            .into_iter()
            .map(|s| (s.info(), s.plugin.clone()))
            .collect()
    }

    /// Takes out every stream an event of `scope` ends.
    pub fn take_all(&self, scope: &Scope<'_>) -> Vec<OpenStream> {
        let mut streams = self.lock();
        let ids: Vec<StreamId> = streams
            .values()
            .filter(|s| rules::ends(scope, s.facts()))
            .map(|s| s.id)
            .collect();
        ids.iter().filter_map(|id| streams.remove(id)).collect()
    }

    /// The streams `plugin` has open in `session`, by id.
    pub fn of_session(&self, session: &str, plugin: &str) -> Vec<StreamInfo> {
        let mut list: Vec<StreamInfo> = self
            .lock()
            .values()
            .filter(|s| s.session == session && s.plugin == plugin)
            .map(OpenStream::info)
            .collect();
        list.sort_by_key(|s| s.id);
        list
    }

    pub fn stats(&self) -> StreamStats {
        StreamStats {
            open: self.lock().len(),
            frames_relayed: self.counters.relayed.load(Ordering::Relaxed),
            bytes_relayed: self.counters.bytes.load(Ordering::Relaxed),
            frames_refused: self.counters.refused.load(Ordering::Relaxed),
            frames_skipped: self.counters.skipped.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(
        session: &str,
        source: &str,
        capability: Capability,
    ) -> impl FnOnce(StreamId) -> OpenStream {
        from(session, source, capability, StreamOrigin::CustomerAgent)
    }

    fn from(
        session: &str,
        source: &str,
        capability: Capability,
        origin: StreamOrigin,
    ) -> impl FnOnce(StreamId) -> OpenStream {
        let (session, source) = (session.to_owned(), source.to_owned());
        move |id| OpenStream {
            id,
            session,
            plugin: "app-share".into(),
            source,
            capability,
            label: "xterm".into(),
            origin,
            controller: None,
            opened_at: 0,
            order: 0,
            viewers: HashMap::new(),
            asked: HashSet::new(),
            source_acks: SourceAcks::default(),
        }
    }

    #[test]
    fn a_csrs_agent_leaving_ends_what_it_shows_but_not_what_the_console_shows() {
        let table = StreamTable::default();
        let agent = table.insert(from(
            "111111111",
            "h1",
            Capability::AppShare,
            StreamOrigin::CsrAgent,
        ));
        let browser = table.insert(from(
            "111111111",
            "h1",
            Capability::AppShare,
            StreamOrigin::CsrBrowser,
        ));
        assert_eq!(
            table.with(agent, |s| s.source_endpoint()),
            Some(Endpoint::agent("h1"))
        );
        assert_eq!(
            table.with(browser, |s| s.source_endpoint()),
            Some(Endpoint::ui("h1"))
        );
        let gone = Scope::RunningOn {
            session: "111111111",
            participant: "h1",
        };
        let ended: Vec<StreamId> = table.take_all(&gone).iter().map(|s| s.id).collect();
        assert_eq!(ended, [agent]);
        // A customer withdrawing a permission never reaches a CSR's stream.
        let withdrawn = Scope::Grant {
            session: "111111111",
            customer: "c1",
            plugin: "app-share",
            capability: Capability::AppShare,
        };
        assert!(table.take_all(&withdrawn).is_empty());
        assert!(
            table
                .remove_if(browser, |s| s.origin != StreamOrigin::CsrBrowser)
                .is_none()
        );
        let left = Scope::Participant {
            session: "111111111",
            participant: "h1",
        };
        assert_eq!(table.take_all(&left)[0].id, browser);
    }

    /// Streams opened within one millisecond (their random ids in any
    /// order) are listed in the order they were opened.
    #[test]
    fn streams_are_listed_in_the_order_they_were_opened() {
        let table = StreamTable::default();
        let opened: Vec<StreamId> = (0..20)
            .map(|_| table.insert(stream("111111111", "c1", Capability::AppShare)))
            .collect();
        let listed: Vec<StreamId> = table
            .listed(|_| true)
            .into_iter()
            .map(|(info, _)| info.id)
            .collect();
        assert_eq!(listed, opened);
    }

    #[test]
    fn events_end_the_streams_they_reach_and_only_those() {
        let table = StreamTable::default();
        let a = table.insert(stream("111111111", "c1", Capability::AppShare));
        let b = table.insert(stream("111111111", "c2", Capability::AppShare));
        let c = table.insert(stream("222222222", "c3", Capability::AppShare));
        assert_eq!(table.stats().open, 3);
        assert_ne!(a, b);

        let withdrawn = Scope::Grant {
            session: "111111111",
            customer: "c1",
            plugin: "app-share",
            capability: Capability::AppShare,
        };
        let ended: Vec<StreamId> = table.take_all(&withdrawn).iter().map(|s| s.id).collect();
        assert_eq!(ended, [a]);
        // Another capability's permission (control) does not end the view.
        let control = Scope::Grant {
            session: "111111111",
            customer: "c2",
            plugin: "app-share",
            capability: Capability::AppControl,
        };
        assert!(table.take_all(&control).is_empty());
        // The agent going away ends what runs on its computer.
        let gone = Scope::RunningOn {
            session: "111111111",
            participant: "c2",
        };
        assert_eq!(table.take_all(&gone).len(), 1);
        assert!(table.with(b, |_| ()).is_none());
        assert_eq!(table.of_session("222222222", "app-share").len(), 1);
        assert!(table.of_session("222222222", "another-plugin").is_empty());
        let ended = table.take_all(&Scope::Session {
            session: "222222222",
        });
        assert_eq!(ended[0].id, c);
        assert_eq!(table.stats().open, 0);
    }
}
