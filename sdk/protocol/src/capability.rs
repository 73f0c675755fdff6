//! The capabilities a host agent can offer, by name.
//!
//! One list, used by the agent (what it serves), the manifests (what a
//! plugin may call, checked when a manifest loads), the plugins (what they
//! call) and the kernel (what it forwards). On the wire a capability is its
//! dotted name; a name not in this list is refused where it is decoded, with
//! the names that exist.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! capabilities {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)+) => {
        /// A capability of the host agent.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum Capability {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)+
        }

        impl Capability {
            /// Every capability, in a fixed order.
            pub const ALL: &'static [Capability] = &[$(Capability::$variant,)+];

            /// The dotted name used on the wire and in manifests.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Capability::$variant => $name,)+
                }
            }
        }
    };
}

capabilities! {
    /// Collect system information in categories.
    SysinfoCollect = "sysinfo.collect",
    /// Restart the computer (the agent rejoins after it comes back).
    PowerRestart = "power.restart",
    /// Log on as another account; lasts until logged off or cancelled.
    AccountLogon = "account.logon",
    /// Log the customer back on.
    AccountLogoff = "account.logoff",
    /// Run one library script in a temporary folder.
    ScriptRun = "script.run",
    /// List the applications running on the customer's display: their
    /// top-level windows, grouped by application.
    AppList = "app.list",
    /// List the applications installed for the customer (desktop entries).
    AppInstalled = "app.installed",
    /// Start one installed application by its desktop entry id and wait
    /// for its first window.
    AppLaunch = "app.launch",
    /// Capture one application's windows (never the screen) and stream its
    /// picture to the session's CSRs: "view".
    AppShare = "app.share",
    /// Pointer and keyboard input into a shared application, from the
    /// session's host only: "control" (implies view).
    AppControl = "app.control",
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a capability.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a capability; the capabilities are {}", known_names())]
pub struct UnknownCapability {
    pub name: String,
}

fn known_names() -> String {
    Capability::ALL
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Capability {
    type Err = UnknownCapability;

    fn from_str(name: &str) -> Result<Capability, UnknownCapability> {
        Capability::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == name)
            .ok_or_else(|| UnknownCapability {
                // Names come from untrusted clients: keep errors short.
                name: name.chars().take(64).collect(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_json() {
        for capability in Capability::ALL {
            assert_eq!(capability.as_str().parse::<Capability>(), Ok(*capability));
            let json = serde_json::to_string(capability).expect("serialises");
            assert_eq!(json, format!("\"{capability}\""));
            assert_eq!(
                serde_json::from_str::<Capability>(&json).expect("parses"),
                *capability
            );
        }
    }

    #[test]
    fn an_unknown_name_is_refused_with_the_known_ones() {
        let error = "disk.format".parse::<Capability>().expect_err("unknown");
        assert!(
            error
                .to_string()
                .contains("`disk.format` is not a capability")
        );
        assert!(error.to_string().contains("`script.run`"));
        let long = "x"
            .repeat(10_000)
            .parse::<Capability>()
            .expect_err("unknown");
        assert!(long.to_string().len() < 400);
    }
}
