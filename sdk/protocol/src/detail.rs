//! What a refusal (or the end of a session) means, as a stable key with
//! the values to fill in, so each client can say it in its own language.
//!
//! The kernel still sends its English sentence (`message`, `reason`) beside
//! it: a client that does not know a key shows that. The web UI has one
//! string `detail.<key>` per variant in every language it speaks, with the
//! fields below as `{placeholders}`; the values themselves (a session
//! number, a name someone typed, a mail server's answer) stay as they are.

use serde::{Deserialize, Serialize};

/// The detail of a refusal or an ending, in words people read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(
    tag = "key",
    content = "params",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum Detail {
    // Sessions and joining.
    UnknownSession {
        number: String,
    },
    NoSuchCustomer {
        participant: String,
    },
    NoSuchParticipant {
        participant: String,
    },
    ControlOnlyToCsr,
    SiteNotConfigured {
        site: String,
    },
    AlreadyInSession,
    InvalidName {
        max: u64,
    },
    TooManyJoinAttempts {
        seconds: u64,
    },
    TooManyJoins {
        seconds: u64,
    },
    InvalidJoinCredential,
    AgentNeedsCode,
    AgentAlreadyConnected,
    AnswerOnThePage,
    NoSuchQuestion,
    /// Stopping a share that is not (or no longer) the customer's.
    NoSuchStream,
    NotHost,
    HostCannotLeave,
    HostCannotBeRemoved,
    MultiSessionTaken,
    TooManyCustomers {
        current: u64,
    },
    NoSessionReport {
        number: String,
    },
    /// Too many messages on one connection in a short time.
    TooManyMessages {
        millis: u64,
    },

    // Storage.
    StorageUnavailable,
    StorageFailed,

    // Signing in and accounts.
    WrongCredentials,
    TooManySignIns {
        seconds: u64,
    },
    SignInsBusy,
    NotSignedIn,
    UsernameTaken {
        username: String,
    },
    InvalidUsername,
    InvalidDisplayName {
        max: u64,
    },
    PasswordTooShort {
        min: u64,
    },
    /// Among the passwords tried first (common, or close to the user name).
    PasswordTooCommon,
    PasswordUnchanged,
    /// The current password given to change it is wrong.
    WrongCurrentPassword,
    /// A site admin disabled the account.
    AccountDisabled,
    /// A site admin set the password: its owner chooses their own first.
    PasswordChangeRequired,
    /// A site admin disables, deletes or resets their own account.
    NotOnYourOwnAccount,
    NoSuchAccount {
        username: String,
    },
    /// The account signs in with a second factor: the code is asked for.
    TwoFactorCodeNeeded,
    WrongTwoFactorCode,
    TwoFactorCodeUsed,
    /// The site requires a second factor the account has not set up.
    TwoFactorEnrolmentRequired,
    TwoFactorRequiredBySite,
    NoTwoFactorEnrolment,
    TwoFactorAlreadyOn,

    // Consent.
    NoSuchPermission,

    // Invitations.
    InvalidMailAddress {
        address: String,
    },
    NoMailServer,
    /// `reason` is the mail server's own answer.
    MailNotSent {
        reason: String,
    },

    // Requests a person can get wrong from a UI.
    MessageEmpty,
    MessageTooLong {
        chars: u64,
        limit: u64,
    },
    /// A message over the size a connection takes, in bytes.
    MessageTooLarge {
        size: u64,
        limit: u64,
    },
    /// A changing request without the sign-in's CSRF token (a page left
    /// open from an earlier sign-in).
    CsrfTokenMissing,

    // A plugin the kernel could not run a command with.
    UnknownPlugin {
        plugin: String,
    },
    PluginNotEnabled {
        plugin: String,
        site: String,
    },
    PluginSuspended {
        plugin: String,
        site: String,
        seconds: u64,
    },
    PluginBusy {
        plugin: String,
    },
    PluginTimedOut {
        plugin: String,
        limit_ms: u64,
    },
    PluginOutOfMemory {
        plugin: String,
        limit_mb: u64,
    },
    /// `message` is the plugin's own (its panic), as it said it.
    PluginCrashed {
        plugin: String,
        message: String,
    },
    /// `message` is the runtime's, as it said it.
    PluginFailed {
        plugin: String,
        message: String,
    },

    // The site admin's form.
    SiteNameMissing,
    SiteNameTooLong {
        max: u64,
    },
    SiteMaxCustomers {
        min: u64,
    },
    SiteRetentionTooLong {
        max: u64,
    },
    SitePluginNotLoaded {
        plugin: String,
    },
    SitePluginsAllAndSome,
    SitePluginListedTwice {
        plugin: String,
    },

    // An activity the kernel ended (a line in the session's chat);
    // `capability` is its id as the protocol names it.
    ActivityStopped {
        capability: String,
        reason: ActivityEnd,
    },
    ActivityUndone {
        capability: String,
        reason: ActivityEnd,
    },

    // Why a session ended for someone (`session.ended`).
    AnotherHelperTookOver,
    EndedBy {
        name: String,
    },
    HostDidNotReturn,
    YouLeft,
    RemovedBy {
        name: String,
    },
    DidNotConnectInTime,
    /// A site admin (`by`) disabled or deleted the account of the CSR
    /// (`name`), which ends their part in every session.
    AccountClosed {
        name: String,
        by: String,
    },
    /// The host handed the session to another CSR and left it.
    TransferredTo {
        name: String,
    },

    // The support desk.
    /// A session waiting for a CSR is handed to one, never joined.
    WaitingForCsr {
        number: String,
    },
    /// The offer was taken by someone else, withdrawn, or ran out of time.
    OfferNotOpen {
        offer: u64,
    },
    OfferAnsweredAlready {
        offer: u64,
    },
}

/// Why the kernel ended an activity (`Detail::ActivityStopped`,
/// `Detail::ActivityUndone`); each is said in the reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ActivityEnd {
    ControlPassed,
    CustomerSelected,
    ConsentWithdrawn,
    SessionEnded,
    ParticipantLeft,
    AgentDisconnected,
    Transferred,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Detail;
    use crate::{ErrorCode, ServerFrame, ServerMessage, decode_server};

    #[test]
    fn a_detail_is_a_key_with_its_values() {
        assert_eq!(
            json!(Detail::TooManyJoinAttempts { seconds: 42 }),
            json!({ "key": "too_many_join_attempts", "params": { "seconds": 42 } })
        );
        assert_eq!(json!(Detail::NotHost), json!({ "key": "not_host" }));
        let parsed: Detail = serde_json::from_value(json!({ "key": "not_host" })).expect("unit");
        assert_eq!(parsed, Detail::NotHost);
    }

    #[test]
    fn refusals_carry_their_detail_and_clients_read_it() {
        let detail = Detail::UnknownSession {
            number: "123456789".into(),
        };
        let refused = ServerMessage::refusal(
            Some(9),
            ErrorCode::NotFound,
            "no support session 123456789 is running",
            Some(&detail),
        );
        assert_eq!(
            decode_server(&refused.to_text()),
            Ok(ServerFrame::Error {
                re: Some(9),
                code: ErrorCode::NotFound,
                message: "no support session 123456789 is running".into(),
                detail: Some(detail),
            })
        );
        // Without one, the body is as it always was.
        let plain = ServerMessage::error(None, ErrorCode::Internal, "x");
        let plain: serde_json::Value = serde_json::from_str(plain.text()).expect("JSON");
        assert_eq!(plain["body"], json!({ "code": "internal", "message": "x" }));
        // A key this client does not know is an error naming it.
        let unknown = r#"{"v":1,"re":1,"type":"error","body":{"code":"internal","message":"x","detail":{"key":"teleported"}}}"#;
        assert!(decode_server(unknown).is_err());
    }

    #[test]
    fn what_a_person_can_send_wrong_has_a_detail_and_a_clients_bug_has_none() {
        use crate::{
            ConsoleRequest, CustomerRequest, MAX_CHAT_CHARS, MAX_CONTROL_MESSAGE_BYTES, decode,
        };
        let chat = |text: &str| {
            json!({ "v": 1, "id": 1, "type": "chat.send", "body": { "text": text } }).to_string()
        };
        let refused = |text: &str| decode::<CustomerRequest>(text).expect_err("refused").1;
        assert_eq!(refused(&chat(" \n ")).detail(), Some(Detail::MessageEmpty));
        let long = "é".repeat(MAX_CHAT_CHARS + 1);
        assert_eq!(
            refused(&chat(&long)).detail(),
            Some(Detail::MessageTooLong {
                chars: MAX_CHAT_CHARS as u64 + 1,
                limit: MAX_CHAT_CHARS as u64,
            })
        );
        let huge = chat(&"x".repeat(MAX_CONTROL_MESSAGE_BYTES));
        assert_eq!(
            refused(&huge).detail(),
            Some(Detail::MessageTooLarge {
                size: huge.len() as u64,
                limit: MAX_CONTROL_MESSAGE_BYTES as u64,
            })
        );
        // Nothing a person types: a client's bug, in English.
        for text in [
            "not json",
            r#"{"v":2,"type":"chat.send","body":{"text":"x"}}"#,
            r#"{"v":1,"type":"teleport","body":{}}"#,
            r#"{"v":1,"type":"session.start","body":{}}"#,
            r#"{"v":1,"type":"chat.send","body":{"text":1}}"#,
        ] {
            assert_eq!(refused(text).detail(), None, "{text}");
        }
        let unnamed = json!({ "v": 1, "type": "plugin.command",
            "body": { "plugin": "p", "name": "" } })
        .to_string();
        let (_, error) = decode::<ConsoleRequest>(&unnamed).expect_err("refused");
        assert_eq!(error.detail(), None);
    }
}
