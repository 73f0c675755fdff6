//! May this plugin do this now? The one decision every agent call and
//! every consent request goes through (pure; the callers gather the facts).
//!
//! Three locks: the manifest declares the capability, the site enables the
//! plugin, and a live grant from the customer covers the call; and the
//! customer's agent must offer the capability. Each refusal has its own
//! reason, checked in that order.
//!
//! A CSR's own agent is different: it is never asked for consent, and it
//! runs only what shows the customers an application — for the session's
//! host, who consents by commanding. Nothing else (system information,
//! scripts, restarts, control) ever runs on a CSR's computer for a plugin.

use tether_protocol::Capability;

/// What a plugin may do on the host CSR's own computer: list, launch and
/// show its applications.
pub const OWN_COMPUTER: [Capability; 4] = [
    Capability::AppList,
    Capability::AppInstalled,
    Capability::AppLaunch,
    Capability::AppShare,
];

/// What is known about the participant a call or a prompt is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// No such participant in the session.
    Unknown,
    /// A CSR: consent is asked of customers only.
    Csr {
        /// Whether this CSR is the session's host.
        host: bool,
        /// `None`: no agent connected; else whether it offers the capability.
        agent_offers: Option<bool>,
    },
    Customer {
        /// `None`: no agent connected; else whether it offers the capability.
        agent_offers: Option<bool>,
    },
}

/// The facts for one agent call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallFacts {
    pub capability: Capability,
    pub declared: bool,
    pub site_enables: bool,
    /// The session runs on the plugin's site (a plugin cannot even learn
    /// that another site's session exists).
    pub session_on_site: bool,
    pub target: Target,
    pub grant_live: bool,
}

/// The facts for one consent request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AskFacts {
    /// Every asked capability is declared by the manifest.
    pub declared: bool,
    pub site_enables: bool,
    pub session_on_site: bool,
    pub target: Target,
}

/// The facts for opening a stream from a CSR's console (the browser
/// captures; it runs under `app.share`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrowserFacts {
    /// The manifest declares `app.share`.
    pub declared: bool,
    pub site_enables: bool,
    pub session_on_site: bool,
    pub source: Target,
    /// The source has a console connected.
    pub console_connected: bool,
}

/// Why a call or a prompt is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Undeclared,
    NotEnabled,
    UnknownSession,
    UnknownParticipant,
    NotACustomer,
    NoGrant,
    NoAgent,
    NotOffered,
    /// A CSR's computer, but not the session's host's (an assistant's).
    NotTheHost,
    /// The host's computer, for something other than showing applications.
    NotOnCsrComputer,
    /// A browser's stream from a CSR with no console connected.
    NoConsole,
}

/// Whether the plugin may call the capability on the participant's agent.
pub fn may_call(facts: CallFacts) -> Result<(), Refusal> {
    common(facts.declared, facts.site_enables, facts.session_on_site)?;
    let agent_offers = match facts.target {
        Target::Unknown => return Err(Refusal::UnknownParticipant),
        Target::Csr { host: false, .. } => return Err(Refusal::NotTheHost),
        Target::Csr { host: true, .. } if !OWN_COMPUTER.contains(&facts.capability) => {
            return Err(Refusal::NotOnCsrComputer);
        }
        // The host consents by commanding: no grant is asked for.
        Target::Csr {
            host: true,
            agent_offers,
        } => agent_offers,
        Target::Customer { .. } if !facts.grant_live => return Err(Refusal::NoGrant),
        Target::Customer { agent_offers } => agent_offers,
    };
    match agent_offers {
        None => Err(Refusal::NoAgent),
        Some(false) => Err(Refusal::NotOffered),
        Some(true) => Ok(()),
    }
}

/// Whether the plugin may open a stream from the participant's console:
/// only the session's host's, while it is connected.
pub fn may_open_from_browser(facts: BrowserFacts) -> Result<(), Refusal> {
    common(facts.declared, facts.site_enables, facts.session_on_site)?;
    match facts.source {
        Target::Unknown => Err(Refusal::UnknownParticipant),
        Target::Customer { .. } | Target::Csr { host: false, .. } => Err(Refusal::NotTheHost),
        Target::Csr { host: true, .. } if !facts.console_connected => Err(Refusal::NoConsole),
        Target::Csr { host: true, .. } => Ok(()),
    }
}

/// Whether the plugin may ask the participant for the capabilities. (Asking
/// does not need the agent: the customer may start it after allowing.)
pub fn may_ask(facts: AskFacts) -> Result<(), Refusal> {
    common(facts.declared, facts.site_enables, facts.session_on_site)?;
    match facts.target {
        Target::Unknown => Err(Refusal::UnknownParticipant),
        Target::Csr { .. } => Err(Refusal::NotACustomer),
        Target::Customer { .. } => Ok(()),
    }
}

fn common(declared: bool, site_enables: bool, session_on_site: bool) -> Result<(), Refusal> {
    if !declared {
        return Err(Refusal::Undeclared);
    }
    if !site_enables {
        return Err(Refusal::NotEnabled);
    }
    if !session_on_site {
        return Err(Refusal::UnknownSession);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const READY: CallFacts = CallFacts {
        capability: Capability::SysinfoCollect,
        declared: true,
        site_enables: true,
        session_on_site: true,
        target: Target::Customer {
            agent_offers: Some(true),
        },
        grant_live: true,
    };

    #[test]
    fn a_call_needs_every_lock_and_each_refusal_says_which() {
        let customer = |agent_offers| Target::Customer { agent_offers };
        let table: &[(CallFacts, Result<(), Refusal>)] = &[
            (READY, Ok(())),
            (
                CallFacts {
                    declared: false,
                    ..READY
                },
                Err(Refusal::Undeclared),
            ),
            (
                CallFacts {
                    site_enables: false,
                    ..READY
                },
                Err(Refusal::NotEnabled),
            ),
            (
                CallFacts {
                    session_on_site: false,
                    ..READY
                },
                Err(Refusal::UnknownSession),
            ),
            (
                CallFacts {
                    target: Target::Unknown,
                    ..READY
                },
                Err(Refusal::UnknownParticipant),
            ),
            (
                CallFacts {
                    target: Target::Csr {
                        host: false,
                        agent_offers: Some(true),
                    },
                    ..READY
                },
                Err(Refusal::NotTheHost),
            ),
            (
                CallFacts {
                    grant_live: false,
                    ..READY
                },
                Err(Refusal::NoGrant),
            ),
            (
                CallFacts {
                    target: customer(None),
                    ..READY
                },
                Err(Refusal::NoAgent),
            ),
            (
                CallFacts {
                    target: customer(Some(false)),
                    ..READY
                },
                Err(Refusal::NotOffered),
            ),
            // The first lock that fails is the one reported.
            (
                CallFacts {
                    declared: false,
                    site_enables: false,
                    grant_live: false,
                    ..READY
                },
                Err(Refusal::Undeclared),
            ),
            (
                CallFacts {
                    site_enables: false,
                    session_on_site: false,
                    ..READY
                },
                Err(Refusal::NotEnabled),
            ),
            (
                CallFacts {
                    grant_live: false,
                    target: customer(None),
                    ..READY
                },
                Err(Refusal::NoGrant),
            ),
        ];
        for (facts, expected) in table {
            assert_eq!(may_call(*facts), *expected, "{facts:?}");
        }
    }

    #[test]
    fn asking_needs_the_manifest_the_site_and_a_customer_but_no_agent() {
        let ready = AskFacts {
            declared: true,
            site_enables: true,
            session_on_site: true,
            target: Target::Customer { agent_offers: None },
        };
        let table: &[(AskFacts, Result<(), Refusal>)] = &[
            (ready, Ok(())),
            (
                AskFacts {
                    target: Target::Customer {
                        agent_offers: Some(false),
                    },
                    ..ready
                },
                Ok(()),
            ),
            (
                AskFacts {
                    declared: false,
                    ..ready
                },
                Err(Refusal::Undeclared),
            ),
            (
                AskFacts {
                    site_enables: false,
                    ..ready
                },
                Err(Refusal::NotEnabled),
            ),
            (
                AskFacts {
                    session_on_site: false,
                    ..ready
                },
                Err(Refusal::UnknownSession),
            ),
            (
                AskFacts {
                    target: Target::Unknown,
                    ..ready
                },
                Err(Refusal::UnknownParticipant),
            ),
            (
                AskFacts {
                    target: Target::Csr {
                        host: true,
                        agent_offers: Some(true),
                    },
                    ..ready
                },
                Err(Refusal::NotACustomer),
            ),
        ];
        for (facts, expected) in table {
            assert_eq!(may_ask(*facts), *expected, "{facts:?}");
        }
    }

    #[test]
    fn the_hosts_own_agent_shows_applications_and_does_nothing_else() {
        let csr = |host, agent_offers| Target::Csr { host, agent_offers };
        let on = |capability, target| CallFacts {
            capability,
            target,
            // No grant: the host consents by commanding.
            grant_live: false,
            ..READY
        };
        let mut table: Vec<(CallFacts, Result<(), Refusal>)> = OWN_COMPUTER
            .iter()
            .map(|&c| (on(c, csr(true, Some(true))), Ok(())))
            .collect();
        table.extend([
            // Nothing but showing applications runs on a CSR's computer.
            (
                on(Capability::SysinfoCollect, csr(true, Some(true))),
                Err(Refusal::NotOnCsrComputer),
            ),
            (
                on(Capability::ScriptRun, csr(true, Some(true))),
                Err(Refusal::NotOnCsrComputer),
            ),
            (
                on(Capability::PowerRestart, csr(true, Some(true))),
                Err(Refusal::NotOnCsrComputer),
            ),
            (
                on(Capability::AccountLogon, csr(true, Some(true))),
                Err(Refusal::NotOnCsrComputer),
            ),
            (
                on(Capability::AppControl, csr(true, Some(true))),
                Err(Refusal::NotOnCsrComputer),
            ),
            // Only the host's: an assistant's agent runs nothing.
            (
                on(Capability::AppShare, csr(false, Some(true))),
                Err(Refusal::NotTheHost),
            ),
            (
                on(Capability::SysinfoCollect, csr(false, Some(true))),
                Err(Refusal::NotTheHost),
            ),
            (
                on(Capability::AppShare, csr(true, None)),
                Err(Refusal::NoAgent),
            ),
            (
                on(Capability::AppShare, csr(true, Some(false))),
                Err(Refusal::NotOffered),
            ),
            // The manifest and the site still come first.
            (
                CallFacts {
                    declared: false,
                    ..on(Capability::AppShare, csr(true, Some(true)))
                },
                Err(Refusal::Undeclared),
            ),
            (
                CallFacts {
                    site_enables: false,
                    ..on(Capability::AppShare, csr(true, Some(true)))
                },
                Err(Refusal::NotEnabled),
            ),
            // A customer still needs a live grant for the same capability.
            (
                on(
                    Capability::AppShare,
                    Target::Customer {
                        agent_offers: Some(true),
                    },
                ),
                Err(Refusal::NoGrant),
            ),
        ]);
        for (facts, expected) in table {
            assert_eq!(may_call(facts), expected, "{facts:?}");
        }
    }

    #[test]
    fn a_browsers_stream_comes_only_from_the_hosts_connected_console() {
        let ready = BrowserFacts {
            declared: true,
            site_enables: true,
            session_on_site: true,
            source: Target::Csr {
                host: true,
                agent_offers: None,
            },
            console_connected: true,
        };
        let table: &[(BrowserFacts, Result<(), Refusal>)] = &[
            (ready, Ok(())),
            (
                BrowserFacts {
                    console_connected: false,
                    ..ready
                },
                Err(Refusal::NoConsole),
            ),
            (
                BrowserFacts {
                    source: Target::Csr {
                        host: false,
                        agent_offers: None,
                    },
                    ..ready
                },
                Err(Refusal::NotTheHost),
            ),
            (
                BrowserFacts {
                    source: Target::Customer {
                        agent_offers: Some(true),
                    },
                    ..ready
                },
                Err(Refusal::NotTheHost),
            ),
            (
                BrowserFacts {
                    source: Target::Unknown,
                    ..ready
                },
                Err(Refusal::UnknownParticipant),
            ),
            (
                BrowserFacts {
                    declared: false,
                    console_connected: false,
                    ..ready
                },
                Err(Refusal::Undeclared),
            ),
            (
                BrowserFacts {
                    site_enables: false,
                    ..ready
                },
                Err(Refusal::NotEnabled),
            ),
            (
                BrowserFacts {
                    session_on_site: false,
                    ..ready
                },
                Err(Refusal::UnknownSession),
            ),
        ];
        for (facts, expected) in table {
            assert_eq!(may_open_from_browser(*facts), *expected, "{facts:?}");
        }
    }
}
