//! Asking, answering and revoking.

use tether_protocol::{ErrorCode, ServerEvent};
use tokio::sync::oneshot;

use super::grants::{GrantScope, live_grant};
use crate::api_error::ApiError;
use crate::plugin_host::services::{ConsentError, ConsentOutcome, ConsentRequest, PluginScope};
use crate::routing::Endpoint;
use crate::session::Sessions;
use crate::storage::{GrantRecord, Millis, ParticipantRole, now_millis};
use crate::token::short_id;

/// A prompt waiting for the customer's answer.
pub struct PendingConsent {
    pub session: String,
    pub customer: String,
    answer: oneshot::Sender<bool>,
}

impl Sessions {
    /// Asks the customer and waits for the answer or the timeout.
    pub async fn request_consent(
        &self,
        scope: &PluginScope,
        request: ConsentRequest,
    ) -> Result<ConsentOutcome, ConsentError> {
        let number = request.session.clone();
        let unknown = || ConsentError::UnknownSession(number.clone());
        let (host_name, customer_name) = self
            .with_live(&number, |s| {
                let host = s.host().map(|h| h.display_name.clone()).unwrap_or_default();
                let customer = s
                    .participant(&request.customer)
                    .map(|c| (c.role, c.display_name.clone()));
                Ok((s.site.clone(), host, customer))
            })
            .ok()
            .filter(|(site, _, _)| site == &scope.site)
            .map(|(_, host, customer)| (host, customer))
            .ok_or_else(unknown)?;
        if !self
            .sites
            .snapshot()
            .site(&scope.site)
            .is_some_and(|site| site.enables(&scope.plugin))
        {
            let names = request
                .capabilities
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>();
            return Err(ConsentError::UndeclaredCapability(names.join(", ")));
        }
        let Some((ParticipantRole::Customer, customer_name)) = customer_name else {
            return Err(ConsentError::UnknownParticipant(request.customer));
        };

        let id = short_id("consent");
        let (answer, answered) = oneshot::channel();
        self.lock_pending_consents().insert(
            id.clone(),
            PendingConsent {
                session: number.clone(),
                customer: request.customer.clone(),
                answer,
            },
        );
        // One prompt: each capability's sentence, in the order asked.
        let text = request
            .capabilities
            .iter()
            .map(|c| c.consent_text.replace("{csr}", &host_name))
            .collect::<Vec<_>>()
            .join(" ");
        let texts = translated_prompts(&request.capabilities, &host_name);
        let names: Vec<String> = request
            .capabilities
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let listed = names.join(", ");
        let prompt = ServerEvent::ConsentPrompt {
            session: number.clone(),
            request: id.clone(),
            plugin: scope.plugin.clone(),
            capabilities: names.clone(),
            text: text.clone(),
            texts,
            detail: request.detail.clone(),
            page_open: self.router.is_connected(&Endpoint::ui(&request.customer)),
        };
        self.send_event(&Endpoint::ui(&request.customer), &prompt);
        self.send_event(&Endpoint::agent(&request.customer), &prompt);
        self.tell_csrs_waiting(&number, &id, &scope.plugin, &request.customer, &text);
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
        self.lock_pending_consents().remove(&id);

        let mut grants: Vec<String> = Vec::new();
        if outcome == ConsentOutcome::Granted {
            let now = now_millis();
            for name in &names {
                let record = GrantRecord {
                    id: short_id("grant"),
                    session: number.clone(),
                    customer: request.customer.clone(),
                    plugin: scope.plugin.clone(),
                    capability: name.clone(),
                    granted_at: now,
                    expires_at: self
                        .settings
                        .grant_ttl
                        .map(|ttl| now + ttl.as_millis() as Millis),
                    revoked_at: None,
                };
                if let Err(error) = self.storage.insert_grant(record.clone()).await {
                    tracing::error!(%error, "could not store a consent grant; treating the answer as not given");
                    for id in &grants {
                        let _ = self.storage.revoke_grant(id, now).await;
                    }
                    return Err(ConsentError::Invalid(
                        "the permission could not be saved; ask again".into(),
                    ));
                }
                grants.push(record.id);
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
            grants,
        };
        self.broadcast(&number, &answered, true);
        Ok(outcome)
    }

    /// Lets the session's CSRs show that the customer has a question open.
    fn tell_csrs_waiting(
        &self,
        number: &str,
        request: &str,
        plugin: &str,
        customer: &str,
        text: &str,
    ) {
        let (customer, csrs) = match self.with_live(number, |s| {
            let customer = s.participant(customer).map(|p| p.info());
            let csrs: Vec<String> = s
                .participants
                .values()
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
            request: request.to_owned(),
            plugin: plugin.to_owned(),
            customer,
            text: text.to_owned(),
        };
        for csr in csrs {
            self.send_event(&Endpoint::ui(&csr), &waiting);
        }
    }

    /// The customer (page or agent) answers a prompt.
    pub fn answer_consent(
        &self,
        participant: &str,
        request: &str,
        granted: bool,
    ) -> Result<(), ApiError> {
        let mut pending = self.lock_pending_consents();
        match pending.get(request) {
            Some(p) if p.customer == participant => {}
            _ => {
                return Err(ApiError::not_found(
                    "no such consent request is waiting (it may have timed out)",
                ));
            }
        }
        if let Some(p) = pending.remove(request) {
            let _ = p.answer.send(granted);
        }
        Ok(())
    }

    /// The customer withdraws a permission; later agent calls under it fail.
    pub async fn revoke_consent(
        &self,
        number: &str,
        participant: &str,
        grant: &str,
    ) -> Result<(), ApiError> {
        let grants = self.storage.grants(number).await?;
        let owned = grants
            .iter()
            .any(|g| g.id == grant && g.customer == participant && g.revoked_at.is_none());
        if !owned || !self.storage.revoke_grant(grant, now_millis()).await? {
            return Err(ApiError::not_found("no such permission to revoke"));
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
        Ok(())
    }

    /// Whether a live grant covers a call right now.
    pub(crate) async fn has_live_grant(&self, scope: GrantScope<'_>) -> Result<bool, ApiError> {
        let grants = self.storage.grants(scope.session).await?;
        Ok(live_grant(&grants, scope, now_millis()).is_some())
    }

    /// Drops prompts and calls waiting in a session that ended.
    pub(crate) fn cancel_pending_for(&self, number: &str) {
        self.lock_pending_consents()
            .retain(|_, p| p.session != number);
        let mut calls = self
            .pending_calls
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        calls.retain(|_, call| call.session != number);
    }

    fn lock_pending_consents(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, PendingConsent>> {
        self.pending_consents
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl From<ApiError> for ConsentError {
    fn from(error: ApiError) -> Self {
        match error.code {
            ErrorCode::NotFound => ConsentError::UnknownSession(error.message),
            _ => ConsentError::Invalid(error.message),
        }
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
                name: "account.logon".into(),
                consent_text: "{csr} wants to log on.".into(),
                translations: [("ja".to_owned(), "{csr} がログオンします。".to_owned())].into(),
            },
            AskedCapability {
                name: "account.logoff".into(),
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
