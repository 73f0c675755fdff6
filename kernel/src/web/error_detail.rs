//! Each domain error a person may read, as the protocol's `Detail`: a key
//! and its values that the UI says in the reader's language. The English
//! sentence stays the domain error's own (`ApiError::message`); errors not
//! listed here (internal ones, a plugin's own words) have no detail and
//! are shown in English.

use tether_protocol::Detail;

use crate::accounts::AccountError;
use crate::consent::RevokeError;
use crate::mail::MailError;
use crate::plugin_host::DispatchError;
use crate::session::SessionError;
use crate::session::policy::PolicyError;
use crate::site::{SiteError, SiteRule};

pub fn session(error: &SessionError) -> Option<Detail> {
    Some(match error {
        SessionError::UnknownSession(number) => Detail::UnknownSession {
            number: number.clone(),
        },
        SessionError::NoSuchCustomer(participant) => Detail::NoSuchCustomer {
            participant: participant.clone(),
        },
        SessionError::NoSuchParticipant(participant) => Detail::NoSuchParticipant {
            participant: participant.clone(),
        },
        SessionError::ControlOnlyToCsr => Detail::ControlOnlyToCsr,
        SessionError::SiteNotConfigured(site) => Detail::SiteNotConfigured { site: site.clone() },
        SessionError::AlreadyInSession => Detail::AlreadyInSession,
        SessionError::InvalidName(max) => Detail::InvalidName { max: *max as u64 },
        SessionError::TooManyJoinAttempts(seconds) => {
            Detail::TooManyJoinAttempts { seconds: *seconds }
        }
        SessionError::TooManyJoins(seconds) => Detail::TooManyJoins { seconds: *seconds },
        SessionError::InvalidJoinCredential => Detail::InvalidJoinCredential,
        SessionError::StorageUnavailable => Detail::StorageUnavailable,
        SessionError::AgentNeedsCode => Detail::AgentNeedsCode,
        SessionError::AgentAlreadyConnected => Detail::AgentAlreadyConnected,
        SessionError::AnswerOnThePage => Detail::AnswerOnThePage,
        // Only the agent answers in its terminal; nobody reads this in a UI.
        SessionError::NoSuchPrompt(_) => return None,
        SessionError::NoSuchStream(_) => Detail::NoSuchStream,
        SessionError::WaitingForCsr(number) => Detail::WaitingForCsr {
            number: number.clone(),
        },
        // A plugin's call: its words go to the plugin, not a person's UI.
        SessionError::HandOver(_) => return None,
        SessionError::Policy(policy) => return Some(self::policy(policy)),
        SessionError::Storage(_) => Detail::StorageFailed,
    })
}

pub fn policy(error: &PolicyError) -> Detail {
    match error {
        PolicyError::NotHost => Detail::NotHost,
        PolicyError::HostCannotLeave => Detail::HostCannotLeave,
        PolicyError::HostCannotBeRemoved => Detail::HostCannotBeRemoved,
        PolicyError::MultiSessionTaken => Detail::MultiSessionTaken,
        PolicyError::TooManyCustomers { current } => Detail::TooManyCustomers {
            current: u64::from(*current),
        },
    }
}

/// Signing in, and the admin's account form.
pub fn account(error: &AccountError) -> Option<Detail> {
    Some(match error {
        AccountError::InvalidUsername => Detail::InvalidUsername,
        AccountError::InvalidDisplayName => Detail::InvalidDisplayName {
            max: crate::accounts::MAX_DISPLAY_NAME_CHARS as u64,
        },
        AccountError::PasswordTooShort => Detail::PasswordTooShort {
            min: crate::accounts::MIN_PASSWORD_CHARS as u64,
        },
        AccountError::PasswordTooCommon => Detail::PasswordTooCommon,
        AccountError::PasswordUnchanged => Detail::PasswordUnchanged,
        AccountError::WrongCurrentPassword => Detail::WrongCurrentPassword,
        AccountError::Disabled => Detail::AccountDisabled,
        AccountError::PasswordChangeRequired => Detail::PasswordChangeRequired,
        AccountError::NotOnYourOwnAccount => Detail::NotOnYourOwnAccount,
        AccountError::NoSuchAccount(username) => Detail::NoSuchAccount {
            username: username.clone(),
        },
        AccountError::TwoFactorCodeNeeded => Detail::TwoFactorCodeNeeded,
        AccountError::WrongTwoFactorCode => Detail::WrongTwoFactorCode,
        AccountError::TwoFactorCodeUsed => Detail::TwoFactorCodeUsed,
        AccountError::TwoFactorEnrolmentRequired => Detail::TwoFactorEnrolmentRequired,
        AccountError::TwoFactorRequiredBySite => Detail::TwoFactorRequiredBySite,
        AccountError::NoTwoFactorEnrolment => Detail::NoTwoFactorEnrolment,
        AccountError::TwoFactorAlreadyOn => Detail::TwoFactorAlreadyOn,
        AccountError::PasswordNotHashed(_) | AccountError::TwoFactor(_) => return None,
        AccountError::Taken(username) => Detail::UsernameTaken {
            username: username.clone(),
        },
        AccountError::InvalidCredentials => Detail::WrongCredentials,
        AccountError::TooManyAttempts(seconds) => Detail::TooManySignIns { seconds: *seconds },
        AccountError::Busy => Detail::SignInsBusy,
        AccountError::StorageUnavailable => Detail::StorageUnavailable,
        AccountError::NotSignedIn => Detail::NotSignedIn,
        AccountError::Storage(_) => Detail::StorageFailed,
    })
}

pub fn revoke(error: &RevokeError) -> Detail {
    match error {
        RevokeError::NotFound => Detail::NoSuchPermission,
        RevokeError::Storage(_) => Detail::StorageFailed,
    }
}

/// Invitation mail; what the mail server answered stays as it said it.
pub fn mail(error: &MailError) -> Option<Detail> {
    match error {
        MailError::Address { address } => Some(Detail::InvalidMailAddress {
            address: address.clone(),
        }),
        MailError::Send(reason) => Some(Detail::MailNotSent {
            reason: reason.clone(),
        }),
        // The operator's configuration, not the CSR's doing.
        MailError::Tls(_) | MailError::Setup(_) => None,
    }
}

/// A plugin the kernel could not run a command with. A plugin's own
/// refusal is in its own words and has none; a crash's message is the
/// plugin's (or the runtime's) and stays as it said it.
pub fn dispatch(error: &DispatchError) -> Option<Detail> {
    Some(match error {
        DispatchError::UnknownPlugin(plugin) => Detail::UnknownPlugin {
            plugin: plugin.clone(),
        },
        DispatchError::UnknownSite(site) => Detail::SiteNotConfigured { site: site.clone() },
        DispatchError::NotEnabled { site, plugin } => Detail::PluginNotEnabled {
            plugin: plugin.clone(),
            site: site.clone(),
        },
        DispatchError::Suspended {
            site,
            plugin,
            retry_in,
        } => Detail::PluginSuspended {
            plugin: plugin.clone(),
            site: site.clone(),
            seconds: retry_in.as_secs(),
        },
        DispatchError::Busy { plugin } => Detail::PluginBusy {
            plugin: plugin.clone(),
        },
        DispatchError::DeadlineExceeded { plugin, limit_ms } => Detail::PluginTimedOut {
            plugin: plugin.clone(),
            limit_ms: u64::try_from(*limit_ms).unwrap_or(u64::MAX),
        },
        DispatchError::MemoryExceeded { plugin, limit_mb } => Detail::PluginOutOfMemory {
            plugin: plugin.clone(),
            limit_mb: *limit_mb as u64,
        },
        DispatchError::Panicked { plugin, message } => Detail::PluginCrashed {
            plugin: plugin.clone(),
            message: message.clone(),
        },
        DispatchError::Trapped { plugin, message } => Detail::PluginFailed {
            plugin: plugin.clone(),
            message: message.clone(),
        },
        DispatchError::Plugin(_) => return None,
    })
}

/// The site admin's form. Rules only `tether.toml` (or a hand-edited
/// database) can break are the operator's to read, in English.
pub fn site(error: &SiteError) -> Option<Detail> {
    Some(match &error.reason {
        SiteRule::NameMissing => Detail::SiteNameMissing,
        SiteRule::NameTooLong { max } => Detail::SiteNameTooLong { max: *max as u64 },
        SiteRule::MaxCustomers => Detail::SiteMaxCustomers { min: 1 },
        SiteRule::RetentionTooLong { max } => Detail::SiteRetentionTooLong {
            max: u64::from(*max),
        },
        SiteRule::PluginNotLoaded { plugin, .. } => Detail::SitePluginNotLoaded {
            plugin: plugin.clone(),
        },
        SiteRule::AllAndSome => Detail::SitePluginsAllAndSome,
        SiteRule::ListedTwice { plugin } => Detail::SitePluginListedTwice {
            plugin: plugin.clone(),
        },
        SiteRule::IdFormat | SiteRule::ConfiguredTwice => return None,
    })
}

/// What the English web UI shows for a detail, for tests that check it
/// says what the kernel says.
#[cfg(test)]
pub(crate) mod english {
    use serde::Deserialize;
    use serde_json::Value;
    use tether_protocol::Detail;

    /// The web UI's English `detail.<key>` string (a JavaScript string
    /// literal that JSON reads the same).
    fn english(key: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/strings/en.ts");
        let source = std::fs::read_to_string(&path).expect("the UI's dictionary");
        let entry = format!("\"detail.{key}\":");
        let at = source
            .find(&entry)
            .unwrap_or_else(|| panic!("detail.{key} is missing from {}", path.display()));
        let mut reader =
            serde_json::Deserializer::from_str(source[at + entry.len()..].trim_start());
        String::deserialize(&mut reader).expect("a string literal")
    }

    /// What the English UI shows for `detail`: its string, values filled in.
    pub(crate) fn shown(detail: &Detail) -> String {
        let value = serde_json::to_value(detail).expect("serializes");
        let key = value["key"].as_str().expect("a key");
        let mut text = english(key);
        if let Some(Value::Object(params)) = value.get("params") {
            for (name, param) in params {
                let param = match param {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                text = text.replace(&format!("{{{name}}}"), &param);
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::english::shown;
    use super::*;
    use crate::consent::NoSuchPrompt;
    use crate::storage::StorageError;
    use crate::web::error::ApiError;

    #[test]
    fn the_english_ui_says_exactly_what_the_kernel_says() {
        let errors: Vec<ApiError> = vec![
            SessionError::UnknownSession("123456789".into()).into(),
            SessionError::NoSuchCustomer("p-1".into()).into(),
            SessionError::NoSuchParticipant("p-2".into()).into(),
            SessionError::ControlOnlyToCsr.into(),
            SessionError::SiteNotConfigured("acme".into()).into(),
            SessionError::AlreadyInSession.into(),
            SessionError::InvalidName(80).into(),
            SessionError::TooManyJoinAttempts(42).into(),
            SessionError::TooManyJoins(7).into(),
            SessionError::InvalidJoinCredential.into(),
            SessionError::StorageUnavailable.into(),
            SessionError::AgentNeedsCode.into(),
            SessionError::AgentAlreadyConnected.into(),
            SessionError::AnswerOnThePage.into(),
            SessionError::Storage(StorageError::Backend("disk full".into())).into(),
            PolicyError::NotHost.into(),
            PolicyError::HostCannotLeave.into(),
            PolicyError::HostCannotBeRemoved.into(),
            PolicyError::MultiSessionTaken.into(),
            PolicyError::TooManyCustomers { current: 3 }.into(),
            AccountError::InvalidUsername.into(),
            AccountError::InvalidDisplayName.into(),
            AccountError::PasswordTooShort.into(),
            AccountError::PasswordTooCommon.into(),
            AccountError::PasswordUnchanged.into(),
            AccountError::WrongCurrentPassword.into(),
            AccountError::Disabled.into(),
            AccountError::PasswordChangeRequired.into(),
            AccountError::NotOnYourOwnAccount.into(),
            AccountError::NoSuchAccount("anna".into()).into(),
            AccountError::TwoFactorCodeNeeded.into(),
            AccountError::WrongTwoFactorCode.into(),
            AccountError::TwoFactorCodeUsed.into(),
            AccountError::TwoFactorEnrolmentRequired.into(),
            AccountError::TwoFactorRequiredBySite.into(),
            AccountError::NoTwoFactorEnrolment.into(),
            AccountError::TwoFactorAlreadyOn.into(),
            AccountError::Taken("anna".into()).into(),
            AccountError::InvalidCredentials.into(),
            AccountError::TooManyAttempts(30).into(),
            AccountError::Busy.into(),
            AccountError::StorageUnavailable.into(),
            AccountError::NotSignedIn.into(),
            RevokeError::NotFound.into(),
            NoSuchPrompt.into(),
            ApiError::unknown_session("987654321"),
        ];
        for error in &errors {
            let detail = error
                .detail
                .as_ref()
                .unwrap_or_else(|| panic!("`{}` has a detail", error.message));
            assert_eq!(shown(detail), error.message, "{detail:?}");
        }
        for (error, detail) in [
            (
                MailError::Address {
                    address: "not an address".into(),
                },
                mail(&MailError::Address {
                    address: "not an address".into(),
                }),
            ),
            (
                MailError::Send("550 no such user".into()),
                mail(&MailError::Send("550 no such user".into())),
            ),
        ] {
            assert_eq!(shown(&detail.expect("a detail")), error.to_string());
        }
    }

    #[test]
    fn plugins_that_cannot_run_a_command_are_said_as_the_kernel_says_them() {
        use std::time::Duration;

        use crate::plugin_host::{PluginFailure, PluginFailureKind};
        let plugin = || "sysinfo".to_owned();
        for error in [
            DispatchError::UnknownPlugin(plugin()),
            DispatchError::NotEnabled {
                site: "acme".into(),
                plugin: plugin(),
            },
            DispatchError::Suspended {
                site: "acme".into(),
                plugin: plugin(),
                retry_in: Duration::from_secs(60),
            },
            DispatchError::Busy { plugin: plugin() },
            DispatchError::DeadlineExceeded {
                plugin: plugin(),
                limit_ms: 5000,
            },
            DispatchError::MemoryExceeded {
                plugin: plugin(),
                limit_mb: 64,
            },
            DispatchError::Panicked {
                plugin: plugin(),
                message: "index out of bounds".into(),
            },
            DispatchError::Trapped {
                plugin: plugin(),
                message: "wasm trap: unreachable".into(),
            },
        ] {
            let detail = dispatch(&error).unwrap_or_else(|| panic!("`{error}` has a detail"));
            assert_eq!(shown(&detail), error.to_string(), "{detail:?}");
        }
        // The plugin's own refusal is in its own words.
        let own = DispatchError::Plugin(PluginFailure {
            kind: PluginFailureKind::Denied,
            message: "only the owner may delete this script".into(),
        });
        assert_eq!(dispatch(&own), None);
    }

    #[test]
    fn a_message_a_person_sent_wrong_is_said_as_the_kernel_says_it() {
        use tether_protocol::{CustomerRequest, MAX_CHAT_CHARS, ProtocolError, decode};
        let chat = |text: String| {
            serde_json::json!({ "v": 1, "type": "chat.send", "body": { "text": text } }).to_string()
        };
        for text in [" ".to_owned(), "x".repeat(MAX_CHAT_CHARS + 1)] {
            let (_, error) = decode::<CustomerRequest>(&chat(text)).expect_err("refused");
            let ProtocolError::InvalidBody { reason, .. } = &error else {
                panic!("{error}")
            };
            let api = ApiError::from(error.clone());
            let detail = api.detail.expect("a detail");
            assert_eq!(shown(&detail), reason.to_string());
        }
        let huge = chat("x".repeat(70 * 1024));
        let (_, error) = decode::<CustomerRequest>(&huge).expect_err("refused");
        assert_eq!(shown(&error.detail().expect("a detail")), error.to_string());
        let csrf = ApiError::csrf_token_missing();
        assert_eq!(shown(csrf.detail.as_ref().expect("a detail")), csrf.message);
    }

    #[test]
    fn every_rule_the_site_form_can_break_has_a_detail() {
        let broken = |reason: SiteRule| SiteError {
            site: "acme".into(),
            reason,
        };
        for (reason, key) in [
            (SiteRule::NameMissing, "site_name_missing"),
            (SiteRule::NameTooLong { max: 80 }, "site_name_too_long"),
            (SiteRule::MaxCustomers, "site_max_customers"),
            (
                SiteRule::RetentionTooLong { max: 36_500 },
                "site_retention_too_long",
            ),
            (
                SiteRule::PluginNotLoaded {
                    plugin: "nope".into(),
                    loaded: vec!["echo".into()],
                },
                "site_plugin_not_loaded",
            ),
            (SiteRule::AllAndSome, "site_plugins_all_and_some"),
            (
                SiteRule::ListedTwice {
                    plugin: "echo".into(),
                },
                "site_plugin_listed_twice",
            ),
        ] {
            let detail = site(&broken(reason.clone())).expect("a detail");
            assert_eq!(serde_json::json!(detail)["key"], key, "{reason}");
            // The English UI has words for it, values filled in.
            let words = shown(&detail);
            assert!(!words.contains('{'), "{words}");
        }
        assert_eq!(
            shown(&site(&broken(SiteRule::NameTooLong { max: 80 })).expect("a detail")),
            "the site name is at most 80 characters"
        );
        // Only the operator's file can break these: English for them.
        assert_eq!(site(&broken(SiteRule::IdFormat)), None);
        assert_eq!(site(&broken(SiteRule::ConfiguredTwice)), None);
    }

    #[test]
    fn what_nobody_can_act_on_has_no_detail() {
        assert_eq!(session(&SessionError::NoSuchPrompt("c-1".into())), None);
        assert_eq!(
            account(&AccountError::PasswordNotHashed("out of memory".into())),
            None
        );
        assert_eq!(mail(&MailError::Tls("ssl".into())), None);
    }
}
