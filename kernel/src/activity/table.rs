//! The live table of activities, by call id.

use std::collections::HashMap;
use std::sync::Mutex;

use tether_protocol::{Capability, RawJson};
use tokio::sync::oneshot;

use super::rules::{self, ActivityFacts, EndReason, Scope};

/// Why a call gave no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallFailure {
    /// The agent ran the capability and it failed.
    Failed(String),
    /// The kernel ended the call (the rules in `rules.rs`).
    Ended(EndReason),
}

/// What a caller waiting for the agent gets: the agent's output as the
/// JSON text it wrote.
pub type CallReply = Result<RawJson, CallFailure>;

enum State {
    /// Waiting for the agent's answer.
    Running(oneshot::Sender<CallReply>),
    /// Answered, and what it did stays in place until ended.
    Lasting,
}

/// One activity, as the kernel knows it.
pub struct Activity {
    pub call: String,
    pub session: String,
    pub participant: String,
    pub plugin: String,
    pub capability: Capability,
    state: State,
}

impl Activity {
    pub fn is_running(&self) -> bool {
        matches!(self.state, State::Running(_))
    }

    fn facts(&self) -> ActivityFacts<'_> {
        ActivityFacts {
            session: &self.session,
            participant: &self.participant,
            plugin: &self.plugin,
            capability: self.capability,
            running: self.is_running(),
        }
    }

    /// Ends the activity on the kernel's side: a caller still waiting
    /// learns why. Returns whether it was still running. (Telling the agent
    /// and the people is the caller's part.)
    pub fn end(&mut self, reason: EndReason) -> bool {
        match std::mem::replace(&mut self.state, State::Lasting) {
            State::Running(reply) => {
                let _ = reply.send(Err(CallFailure::Ended(reason)));
                true
            }
            State::Lasting => false,
        }
    }
}

/// No such call is running for that participant (unknown, finished, ended,
/// or another participant's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no such call is running")]
pub struct NotRunning;

/// What happened to an answered call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finished {
    /// Done; nothing stays.
    Done,
    /// Done, and what it did stays until ended.
    Lasting,
}

/// The activities of every session.
#[derive(Default)]
pub struct Activities {
    by_call: Mutex<HashMap<String, Activity>>,
}

impl Activities {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Activity>> {
        // A poisoned lock only means a panic elsewhere; the table is intact.
        self.by_call
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A call sent to an agent; the receiver resolves with its answer or
    /// with the reason the kernel ended it.
    pub fn begin(
        &self,
        call: String,
        session: &str,
        participant: &str,
        plugin: &str,
        capability: Capability,
    ) -> oneshot::Receiver<CallReply> {
        let (reply, replied) = oneshot::channel();
        self.lock().insert(
            call.clone(),
            Activity {
                call,
                session: session.to_owned(),
                participant: participant.to_owned(),
                plugin: plugin.to_owned(),
                capability,
                state: State::Running(reply),
            },
        );
        replied
    }

    /// The session and plugin of a call running on `participant`'s computer.
    pub fn running_call(
        &self,
        participant: &str,
        call: &str,
    ) -> Result<(String, String), NotRunning> {
        match self.lock().get(call) {
            Some(a) if a.participant == participant && a.is_running() => {
                Ok((a.session.clone(), a.plugin.clone()))
            }
            _ => Err(NotRunning),
        }
    }

    /// The agent answered `call`. A lasting answer keeps the activity.
    pub fn finish(
        &self,
        participant: &str,
        call: &str,
        reply: CallReply,
        lasting: bool,
    ) -> Result<Finished, NotRunning> {
        let mut table = self.lock();
        match table.get(call) {
            Some(a) if a.participant == participant && a.is_running() => {}
            _ => return Err(NotRunning),
        }
        let Some(activity) = table.remove(call) else {
            return Err(NotRunning);
        };
        let succeeded = reply.is_ok();
        let State::Running(sender) = activity.state else {
            return Err(NotRunning);
        };
        let _ = sender.send(reply);
        if lasting && succeeded {
            table.insert(
                call.to_owned(),
                Activity {
                    state: State::Lasting,
                    ..activity
                },
            );
            return Ok(Finished::Lasting);
        }
        Ok(Finished::Done)
    }

    /// The caller stopped waiting (timed out): the call is forgotten.
    pub fn abandon(&self, call: &str) -> Option<Activity> {
        let mut table = self.lock();
        match table.get(call) {
            Some(a) if a.is_running() => table.remove(call),
            _ => None,
        }
    }

    /// A lasting activity ended on the computer's side.
    pub fn ended_by_agent(&self, participant: &str, call: &str) -> Result<Activity, NotRunning> {
        let mut table = self.lock();
        match table.get(call) {
            Some(a) if a.participant == participant && !a.is_running() => {
                table.remove(call).ok_or(NotRunning)
            }
            _ => Err(NotRunning),
        }
    }

    /// Removes every activity `scope` reaches, oldest call first; the
    /// caller ends each (`Activity::end`) and tells the agent and people.
    pub fn take_all(&self, scope: &Scope<'_>) -> Vec<Activity> {
        let mut table = self.lock();
        let mut calls: Vec<String> = table
            .values()
            .filter(|a| rules::ends(scope, a.facts()))
            .map(|a| a.call.clone())
            .collect();
        calls.sort();
        calls
            .into_iter()
            .filter_map(|call| table.remove(&call))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(text: &str) -> RawJson {
        RawJson::from_text(text).expect("JSON")
    }

    fn begin_logon(table: &Activities, call: &str) -> oneshot::Receiver<CallReply> {
        table.begin(
            call.into(),
            "111111111",
            "c1",
            "relogin",
            Capability::AccountLogon,
        )
    }

    fn table_with_script() -> (Activities, oneshot::Receiver<CallReply>) {
        let table = Activities::default();
        let replied = table.begin(
            "call-1".into(),
            "111111111",
            "c1",
            "scripts",
            Capability::ScriptRun,
        );
        (table, replied)
    }

    #[test]
    fn an_answer_reaches_the_caller_once_and_only_from_its_participant() {
        let (table, mut replied) = table_with_script();
        assert_eq!(
            table.finish("c2", "call-1", Ok(output("1")), false),
            Err(NotRunning)
        );
        assert_eq!(
            table.running_call("c1", "call-1"),
            Ok(("111111111".into(), "scripts".into()))
        );
        assert_eq!(
            table.finish("c1", "call-1", Ok(output("1")), false),
            Ok(Finished::Done)
        );
        assert_eq!(replied.try_recv(), Ok(Ok(output("1"))));
        assert_eq!(
            table.finish("c1", "call-1", Ok(output("2")), false),
            Err(NotRunning)
        );
        assert!(
            table
                .take_all(&Scope::Session {
                    session: "111111111"
                })
                .is_empty()
        );
    }

    #[test]
    fn a_lasting_answer_stays_until_ended_and_a_failed_one_does_not() {
        let table = Activities::default();
        let _logon = begin_logon(&table, "call-1");
        let _failed = begin_logon(&table, "call-2");
        assert_eq!(
            table.finish("c1", "call-1", Ok(output("{}")), true),
            Ok(Finished::Lasting)
        );
        assert_eq!(
            table.finish(
                "c1",
                "call-2",
                Err(CallFailure::Failed("wrong password".into())),
                true
            ),
            Ok(Finished::Done)
        );
        assert_eq!(table.running_call("c1", "call-1"), Err(NotRunning));
        let ended = table.take_all(&Scope::Participant {
            session: "111111111",
            participant: "c1",
        });
        assert_eq!(
            ended.iter().map(|a| a.call.as_str()).collect::<Vec<_>>(),
            ["call-1"]
        );
        assert!(!ended[0].is_running());
    }

    #[test]
    fn ending_a_running_call_tells_its_caller_why() {
        let (table, mut replied) = table_with_script();
        let mut ended = table.take_all(&Scope::Grant {
            session: "111111111",
            customer: "c1",
            plugin: "scripts",
            capability: Capability::ScriptRun,
        });
        assert_eq!(ended.len(), 1);
        assert!(ended[0].end(EndReason::ConsentWithdrawn), "it was running");
        assert_eq!(
            replied.try_recv(),
            Ok(Err(CallFailure::Ended(EndReason::ConsentWithdrawn)))
        );
        assert_eq!(
            table.finish("c1", "call-1", Ok(output("1")), false),
            Err(NotRunning)
        );
    }

    #[test]
    fn the_agent_ends_only_its_own_lasting_activities() {
        let table = Activities::default();
        let _logon = begin_logon(&table, "call-1");
        assert!(
            table.ended_by_agent("c1", "call-1").is_err(),
            "still running"
        );
        table
            .finish("c1", "call-1", Ok(output("{}")), true)
            .expect("answered");
        assert!(table.ended_by_agent("c2", "call-1").is_err());
        assert_eq!(
            table.ended_by_agent("c1", "call-1").map(|a| a.call),
            Ok("call-1".to_owned())
        );
        assert!(table.ended_by_agent("c1", "call-1").is_err());
    }
}
