//! May this plugin do this now? The one decision every agent call and
//! every consent request goes through (pure; the callers gather the facts).
//!
//! Three locks: the manifest declares the capability, the site enables the
//! plugin, and a live grant from the customer covers the call; and the
//! customer's agent must offer the capability. Each refusal has its own
//! reason, checked in that order.

/// What is known about the participant a call or a prompt is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// No such participant in the session.
    Unknown,
    /// A CSR (host or assistant): consent is asked of customers only.
    Csr,
    Customer {
        /// `None`: no agent connected; else whether it offers the capability.
        agent_offers: Option<bool>,
    },
}

/// The facts for one agent call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallFacts {
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
}

/// Whether the plugin may call the capability on the participant's agent.
pub fn may_call(facts: CallFacts) -> Result<(), Refusal> {
    common(facts.declared, facts.site_enables, facts.session_on_site)?;
    let agent_offers = match facts.target {
        Target::Unknown => return Err(Refusal::UnknownParticipant),
        Target::Csr => return Err(Refusal::NotACustomer),
        Target::Customer { agent_offers } => agent_offers,
    };
    if !facts.grant_live {
        return Err(Refusal::NoGrant);
    }
    match agent_offers {
        None => Err(Refusal::NoAgent),
        Some(false) => Err(Refusal::NotOffered),
        Some(true) => Ok(()),
    }
}

/// Whether the plugin may ask the participant for the capabilities. (Asking
/// does not need the agent: the customer may start it after allowing.)
pub fn may_ask(facts: AskFacts) -> Result<(), Refusal> {
    common(facts.declared, facts.site_enables, facts.session_on_site)?;
    match facts.target {
        Target::Unknown => Err(Refusal::UnknownParticipant),
        Target::Csr => Err(Refusal::NotACustomer),
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
                    target: Target::Csr,
                    ..READY
                },
                Err(Refusal::NotACustomer),
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
                    target: Target::Csr,
                    ..ready
                },
                Err(Refusal::NotACustomer),
            ),
        ];
        for (facts, expected) in table {
            assert_eq!(may_ask(*facts), *expected, "{facts:?}");
        }
    }
}
