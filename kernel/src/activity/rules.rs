//! When activities end, and how that is told (pure).

use tether_protocol::{ActivityEnd, Capability, Detail};

/// Why the kernel ends activities. Each is a rule from the manuals (or the
/// plain consequence of a participant or agent going away).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The host passed control to another CSR.
    ControlPassed,
    /// The host selected another customer (single-session mode).
    CustomerSelected,
    /// The customer withdrew the permission the activity ran under.
    ConsentWithdrawn,
    /// The session ended.
    SessionEnded,
    /// The participant left the session.
    ParticipantLeft,
    /// The participant's host agent disconnected while a call was running.
    AgentDisconnected,
    /// The session was handed to another CSR (a WebACD transfer or a
    /// waiting customer taken): the new host asks again.
    Transferred,
}

impl EndReason {
    /// The words shown in the chat, the report and to the agent.
    pub fn describe(self) -> &'static str {
        match self {
            EndReason::ControlPassed => "control passed to another CSR",
            EndReason::CustomerSelected => "another customer was selected",
            EndReason::ConsentWithdrawn => "the customer withdrew the permission",
            EndReason::SessionEnded => "the session ended",
            EndReason::ParticipantLeft => "the customer left the session",
            EndReason::AgentDisconnected => "the host agent disconnected",
            EndReason::Transferred => "the session was transferred",
        }
    }

    /// The same, for the chat's readers to see in their language.
    pub fn as_detail(self) -> ActivityEnd {
        match self {
            EndReason::ControlPassed => ActivityEnd::ControlPassed,
            EndReason::CustomerSelected => ActivityEnd::CustomerSelected,
            EndReason::ConsentWithdrawn => ActivityEnd::ConsentWithdrawn,
            EndReason::SessionEnded => ActivityEnd::SessionEnded,
            EndReason::ParticipantLeft => ActivityEnd::ParticipantLeft,
            EndReason::AgentDisconnected => ActivityEnd::AgentDisconnected,
            EndReason::Transferred => ActivityEnd::Transferred,
        }
    }

    /// Whether plugins of the session get `activities.ended`: for the
    /// session-wide rules the manuals name (every activity ends).
    pub fn tells_plugins(self) -> bool {
        matches!(
            self,
            EndReason::ControlPassed | EndReason::CustomerSelected | EndReason::Transferred
        )
    }
}

/// Which activities an event reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every activity of the session.
    Session { session: &'a str },
    /// Every activity on one participant's computer.
    Participant {
        session: &'a str,
        participant: &'a str,
    },
    /// What ran under one permission: this plugin's use of this capability
    /// on this customer's computer.
    Grant {
        session: &'a str,
        customer: &'a str,
        plugin: &'a str,
        capability: Capability,
    },
    /// Only calls still running on a participant's computer (their agent
    /// went away: what was left in place stays, the agent undoes it itself).
    RunningOn {
        session: &'a str,
        participant: &'a str,
    },
}

/// What the rules need to know of an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityFacts<'a> {
    pub session: &'a str,
    pub participant: &'a str,
    pub plugin: &'a str,
    pub capability: Capability,
    pub running: bool,
}

/// Whether an event of `scope` ends this activity.
pub fn ends(scope: &Scope<'_>, activity: ActivityFacts<'_>) -> bool {
    match *scope {
        Scope::Session { session } => activity.session == session,
        Scope::Participant {
            session,
            participant,
        } => activity.session == session && activity.participant == participant,
        Scope::Grant {
            session,
            customer,
            plugin,
            capability,
        } => {
            activity.session == session
                && activity.participant == customer
                && activity.plugin == plugin
                && activity.capability == capability
        }
        Scope::RunningOn {
            session,
            participant,
        } => activity.running && activity.session == session && activity.participant == participant,
    }
}

/// The chat and report line for an ended activity.
pub fn ended_line(capability: Capability, running: bool, reason: EndReason) -> String {
    let what = if running { "Stopped" } else { "Undid" };
    format!("{what} `{capability}`: {}.", reason.describe())
}

/// [`ended_line`] as a detail the chat shows in each reader's language.
pub fn ended_detail(capability: Capability, running: bool, reason: EndReason) -> Detail {
    let capability = capability.to_string();
    let reason = reason.as_detail();
    if running {
        Detail::ActivityStopped { capability, reason }
    } else {
        Detail::ActivityUndone { capability, reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: ActivityFacts<'static> = ActivityFacts {
        session: "111111111",
        participant: "c1",
        plugin: "scripts",
        capability: Capability::ScriptRun,
        running: true,
    };
    const LOGON: ActivityFacts<'static> = ActivityFacts {
        session: "111111111",
        participant: "c1",
        plugin: "relogin",
        capability: Capability::AccountLogon,
        running: false,
    };

    #[test]
    fn each_scope_reaches_exactly_its_activities() {
        let other_session = ActivityFacts {
            session: "222222222",
            ..SCRIPT
        };
        let other_customer = ActivityFacts {
            participant: "c2",
            ..SCRIPT
        };
        let script_grant = Scope::Grant {
            session: "111111111",
            customer: "c1",
            plugin: "scripts",
            capability: Capability::ScriptRun,
        };
        let other_plugin_grant = Scope::Grant {
            session: "111111111",
            customer: "c1",
            plugin: "other",
            capability: Capability::ScriptRun,
        };
        let session = Scope::Session {
            session: "111111111",
        };
        let participant = Scope::Participant {
            session: "111111111",
            participant: "c1",
        };
        let running_on = Scope::RunningOn {
            session: "111111111",
            participant: "c1",
        };
        // (scope, activity, ends)
        let table: &[(&Scope, ActivityFacts, bool)] = &[
            (&session, SCRIPT, true),
            (&session, LOGON, true),
            (&session, other_session, false),
            (&participant, SCRIPT, true),
            (&participant, LOGON, true),
            (&participant, other_customer, false),
            (&participant, other_session, false),
            (&script_grant, SCRIPT, true),
            (&script_grant, LOGON, false),
            (&script_grant, other_customer, false),
            (&other_plugin_grant, SCRIPT, false),
            (&running_on, SCRIPT, true),
            (&running_on, LOGON, false),
            (&running_on, other_customer, false),
        ];
        for (scope, activity, expected) in table {
            assert_eq!(
                ends(scope, *activity),
                *expected,
                "{scope:?} / {activity:?}"
            );
        }
    }

    #[test]
    fn lines_say_what_ended_and_why() {
        assert_eq!(
            ended_line(Capability::ScriptRun, true, EndReason::ControlPassed),
            "Stopped `script.run`: control passed to another CSR."
        );
        assert_eq!(
            ended_line(Capability::AccountLogon, false, EndReason::SessionEnded),
            "Undid `account.logon`: the session ended."
        );
        assert_eq!(
            ended_detail(Capability::ScriptRun, true, EndReason::ControlPassed),
            Detail::ActivityStopped {
                capability: "script.run".into(),
                reason: ActivityEnd::ControlPassed
            }
        );
        assert_eq!(
            ended_detail(Capability::AccountLogon, false, EndReason::SessionEnded),
            Detail::ActivityUndone {
                capability: "account.logon".into(),
                reason: ActivityEnd::SessionEnded
            }
        );
        assert_eq!(
            ended_line(Capability::ScriptRun, true, EndReason::Transferred),
            "Stopped `script.run`: the session was transferred."
        );
        assert_eq!(
            ended_detail(Capability::ScriptRun, true, EndReason::Transferred),
            Detail::ActivityStopped {
                capability: "script.run".into(),
                reason: ActivityEnd::Transferred
            }
        );
        assert!(EndReason::ControlPassed.tells_plugins());
        assert!(EndReason::CustomerSelected.tells_plugins());
        assert!(EndReason::Transferred.tells_plugins());
        assert!(!EndReason::ConsentWithdrawn.tells_plugins());
    }
}
