//! Names of things in a session that are strings on the wire but must not
//! be confused in the kernel: a session's number and a participant's id.
//! Each is only made where it is born (generated, or parsed from what a
//! person typed); code that only reads one borrows it as `&str`.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// Defines a string newtype that reads as `&str` and serialises as one.
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

string_id!(
    /// A session's 9-digit number (`number.rs` makes and parses them).
    SessionNumber
);

string_id!(
    /// A participant of a session: a CSR's place in it or a customer.
    ParticipantId
);

impl SessionNumber {
    /// Only `number.rs` checks the form; everything else gets one from it.
    pub(super) fn checked(digits: String) -> SessionNumber {
        SessionNumber(digits)
    }
}

impl ParticipantId {
    /// The id of a participant as stored (a session taken over from a
    /// node that stopped answering).
    pub(super) fn stored(id: String) -> ParticipantId {
        ParticipantId(id)
    }

    /// A fresh random id.
    pub fn generate() -> ParticipantId {
        ParticipantId(crate::token::short_id("p"))
    }
}
