//! Asking, answering and revoking.

use tether_protocol::{Capability, ServerEvent};

use super::granter::{self, AskFacts, Refusal, Target};
use super::live::NoSuchPrompt;
use crate::activity::{EndReason, Scope};
use crate::plugin_host::services::{
    ConsentError, ConsentOutcome, ConsentRequest, PluginEvent, PluginScope,
};
use crate::routing::Endpoint;
use crate::session::{ParticipantId, SessionError, Sessions};
use crate::storage::{GrantRecord, Millis, ParticipantRole, StorageError, now_millis};
use crate::token::short_id;

/// The customer has no such live permission.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    #[error("no such permission to revoke")]
    NotFound,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A prompt the customer has open, as the CSRs are told of it.
struct Question<'a> {
    request: &'a str,
    plugin: &'a str,
    /// The customer's participant id.
    customer: &'a str,
    /// English.
    text: &'a str,
    /// By language code.
    texts: std::collections::BTreeMap<String, String>,
}

/// Who is involved in a consent request the granter allowed.
struct Asking {
    /// The host participant: the CSR the consent text names.
    host: String,
    host_name: String,
    customer_name: String,
}

impl Sessions {
    /// Asks the customer and waits for the answer or the timeout, if the
    /// granter allows asking.
    pub async fn request_consent(
        &self,
        scope: &PluginScope,
        request: ConsentRequest,
    ) -> Result<ConsentOutcome, ConsentError> {
        let number = request.session.clone();
        if self.require_storage().is_err() {
            return Err(ConsentError::Invalid(
                crate::storage::health::REFUSAL.to_owned(),
            ));
        }
        let Asking {
            host,
            host_name,
            customer_name,
        } = self.ask_facts(scope, &request)?;

        let id = short_id("consent");
        let answered = self.consent.open_prompt(&id, &number, &request.customer);
        // One prompt: each capability's sentence, in the order asked.
        let text = request
            .capabilities
            .iter()
            .map(|c| c.consent_text.replace("{csr}", &host_name))
            .collect::<Vec<_>>()
            .join(" ");
        let texts = translated_prompts(&request.capabilities, &host_name);
        let names: Vec<Capability> = request.capabilities.iter().map(|c| c.name).collect();
        let listed = names
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let prompt = ServerEvent::ConsentPrompt {
            session: number.clone(),
            request: id.clone(),
            plugin: scope.plugin.clone(),
            capabilities: names.clone(),
            text: text.clone(),
            texts: texts.clone(),
            detail: request.detail.clone(),
            page_open: self.router.is_connected(&Endpoint::ui(&request.customer)),
        };
        self.send_event(&Endpoint::ui(&request.customer), &prompt);
        self.send_event(&Endpoint::agent(&request.customer), &prompt);
        let question = Question {
            request: &id,
            plugin: &scope.plugin,
            customer: &request.customer,
            text: &text,
            texts,
        };
        self.tell_csrs_waiting(&number, question);
        crate::telemetry::consent_asked();
        self.record(
            &number,
            "consent.asked",
            &scope.plugin,
            format!("{customer_name}: \"{text}\" ({listed})"),
        )
        .await;

        let outcome = match tokio::time::timeout(self.settings.consent_timeout, answered).await {
            Ok(Ok(true)) => ConsentOutcome::Granted,
            Ok(Ok(false)) => ConsentOutcome::Denied,
            // Timed out, or the session ended while waiting.
            Ok(Err(_)) | Err(_) => ConsentOutcome::TimedOut,
        };
        self.consent.close_prompt(&id);
        crate::telemetry::consent_answered(outcome);

        let mut grants: Vec<GrantRecord> = Vec::new();
        if outcome == ConsentOutcome::Granted {
            let now = now_millis();
            for name in &names {
                let record = GrantRecord {
                    id: short_id("grant"),
                    session: number.clone(),
                    customer: request.customer.clone(),
                    asked_by: host.clone(),
                    plugin: scope.plugin.clone(),
                    capability: name.as_str().to_owned(),
                    granted_at: now,
                    expires_at: self
                        .settings
                        .grant_ttl
                        .map(|ttl| now + ttl.as_millis() as Millis),
                    revoked_at: None,
                };
                if let Err(error) = self.storage.insert_grant(record.clone()).await {
                    tracing::error!(%error, "could not store a consent grant; treating the answer as not given");
                    for stored in &grants {
                        let _ = self.storage.revoke_grant(&stored.id, now).await;
                    }
                    return Err(ConsentError::Invalid(
                        "the permission could not be saved; ask again".into(),
                    ));
                }
                grants.push(record);
            }
            // Stored first: a grant counts only once it is on record.
            for grant in &grants {
                self.consent.add_grant(grant.clone());
            }
        }
        let word = match outcome {
            ConsentOutcome::Granted => "granted",
            ConsentOutcome::Denied => "denied",
            ConsentOutcome::TimedOut => "timed_out",
        };
        self.record(
            &number,
            &format!("consent.{word}"),
            &customer_name,
            format!("{listed} for {}", scope.plugin),
        )
        .await;
        let answered = ServerEvent::ConsentAnswered {
            session: number.clone(),
            request: id,
            outcome: word.into(),
            grants: grants.into_iter().map(|g| g.id).collect(),
        };
        self.broadcast(&number, &answered, true);
        Ok(outcome)
    }

    /// Lets the session's CSRs show that the customer has a question open,
    /// in the words the customer sees, translated as far as the manifest
    /// translates them (each console shows its own language).
    fn tell_csrs_waiting(&self, number: &str, question: Question<'_>) {
        let (customer, csrs) = match self.with_live(number, |s| {
            let customer = s.participant(question.customer).map(|p| p.info());
            let csrs: Vec<ParticipantId> = s
                .participants
                .staff()
                .filter(|p| p.account_id.is_some())
                .map(|p| p.id.clone())
                .collect();
            Ok((customer, csrs))
        }) {
            Ok((Some(customer), csrs)) => (customer, csrs),
            _ => return,
        };
        let waiting = ServerEvent::ConsentWaiting {
            session: number.to_owned(),
            request: question.request.to_owned(),
            plugin: question.plugin.to_owned(),
            customer,
            text: question.text.to_owned(),
            texts: question.texts,
        };
        for csr in csrs {
            self.send_event(&Endpoint::ui(&csr), &waiting);
        }
    }

    /// Gathers the facts for asking and lets the granter decide. `Ok` is
    /// the host's and the customer's display names.
    fn ask_facts(
        &self,
        scope: &PluginScope,
        request: &ConsentRequest,
    ) -> Result<Asking, ConsentError> {
        let (session_on_site, target, host, customer) = self
            .with_live(&request.session, |s| {
                let host = s
                    .host()
                    .map(|h| (h.id.to_string(), h.display_name.clone()))
                    .unwrap_or_default();
                let participant = s.participant(&request.customer);
                let customer = participant
                    .map(|p| p.display_name.clone())
                    .unwrap_or_default();
                let target = match participant {
                    None => Target::Unknown,
                    Some(p) if p.role != ParticipantRole::Customer => Target::Csr {
                        host: p.role == ParticipantRole::Host,
                        agent_offers: None,
                    },
                    Some(p) => Target::Customer {
                        agent_offers: p.agent_capabilities.as_ref().map(|offered| {
                            request
                                .capabilities
                                .iter()
                                .all(|c| offered.contains(&c.name))
                        }),
                    },
                };
                Ok((s.site == scope.site, target, host, customer))
            })
            .unwrap_or((false, Target::Unknown, Default::default(), String::new()));
        let facts = AskFacts {
            declared: request.declared,
            site_enables: self.site_enables(scope),
            session_on_site,
            target,
        };
        granter::may_ask(facts)
            .map(|()| Asking {
                host: host.0,
                host_name: host.1,
                customer_name: customer,
            })
            .map_err(|refusal| match refusal {
                Refusal::Undeclared => ConsentError::UndeclaredCapability(
                    request
                        .capabilities
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                Refusal::NotEnabled => ConsentError::NotEnabled(format!(
                    "plugin `{}` is not enabled for site `{}`",
                    scope.plugin, scope.site
                )),
                Refusal::UnknownSession => ConsentError::UnknownSession(request.session.clone()),
                _ => ConsentError::UnknownParticipant(request.customer.clone()),
            })
    }

    /// The customer (page or agent) answers a prompt.
    pub fn answer_consent(
        &self,
        participant: &str,
        request: &str,
        granted: bool,
    ) -> Result<(), NoSuchPrompt> {
        self.consent.answer(participant, request, granted)
    }

    /// The customer's agent answers a prompt (in its terminal): only while
    /// the customer's page is closed, so a program on the computer cannot
    /// answer for a customer who is looking at the page.
    pub fn answer_consent_from_agent(
        &self,
        participant: &str,
        request: &str,
        granted: bool,
    ) -> Result<(), SessionError> {
        if self.router.is_connected(&Endpoint::ui(participant)) {
            return Err(SessionError::AnswerOnThePage);
        }
        self.consent
            .answer(participant, request, granted)
            .map_err(|NoSuchPrompt| SessionError::NoSuchPrompt(request.to_owned()))
    }

    /// The customer withdraws a permission: it stops counting at once, and
    /// whatever ran under it ends.
    pub async fn revoke_consent(
        &self,
        number: &str,
        participant: &str,
        grant: &str,
    ) -> Result<(), RevokeError> {
        let revoked = self
            .consent
            .revoke(number, participant, grant, now_millis())
            .ok_or(RevokeError::NotFound)?;
        if let Err(error) = self.storage.revoke_grant(grant, now_millis()).await {
            // It no longer counts here; the record says so at the next write.
            tracing::error!(%error, "could not record a revoked consent grant");
        }
        let name = self
            .with_live(number, |s| {
                Ok(s.participant(participant).map(|p| p.display_name.clone()))
            })
            .ok()
            .flatten()
            .unwrap_or_default();
        self.record(number, "consent.revoked", &name, grant).await;
        self.broadcast(
            number,
            &ServerEvent::ConsentRevoked {
                session: number.to_owned(),
                grant: grant.to_owned(),
            },
            true,
        );
        if let Ok(capability) = revoked.capability.parse::<Capability>() {
            let scope = Scope::Grant {
                session: number,
                customer: participant,
                plugin: &revoked.plugin,
                capability,
            };
            self.end_activities(scope, EndReason::ConsentWithdrawn)
                .await;
            if let Some(site) = self.site_of(number) {
                self.notify_plugin(
                    &site,
                    &revoked.plugin,
                    PluginEvent::ConsentWithdrawn {
                        session: number.to_owned(),
                        customer: participant.to_owned(),
                        capability,
                    },
                );
            }
        }
        Ok(())
    }
}

/// The prompt in every language some capability is translated into; a
/// capability without that language contributes its English sentence.
fn translated_prompts(
    capabilities: &[crate::plugin_host::services::AskedCapability],
    csr: &str,
) -> std::collections::BTreeMap<String, String> {
    let languages: std::collections::BTreeSet<&String> = capabilities
        .iter()
        .flat_map(|c| c.translations.keys())
        .collect();
    languages
        .into_iter()
        .map(|language| {
            let text = capabilities
                .iter()
                .map(|c| {
                    c.translations
                        .get(language)
                        .unwrap_or(&c.consent_text)
                        .replace("{csr}", csr)
                })
                .collect::<Vec<_>>()
                .join(" ");
            (language.clone(), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::translated_prompts;
    use crate::plugin_host::services::AskedCapability;

    #[test]
    fn prompts_are_composed_per_language_with_english_where_untranslated() {
        let capabilities = [
            AskedCapability {
                name: tether_protocol::Capability::AccountLogon,
                consent_text: "{csr} wants to log on.".into(),
                translations: [("ja".to_owned(), "{csr} がログオンします。".to_owned())].into(),
            },
            AskedCapability {
                name: tether_protocol::Capability::AccountLogoff,
                consent_text: "{csr} logs off later.".into(),
                translations: Default::default(),
            },
        ];
        let texts = translated_prompts(&capabilities, "Anna");
        assert_eq!(texts.len(), 1);
        assert_eq!(texts["ja"], "Anna がログオンします。 Anna logs off later.");
        assert!(translated_prompts(&capabilities[1..], "Anna").is_empty());
    }
}
