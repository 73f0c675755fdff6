//! The statements both SQL back ends run, written once. The text uses
//! `$1`, `$2`, … placeholders, which PostgreSQL reads and sqlx's SQLite
//! driver maps to the same arguments, and only SQL both databases speak
//! (`ON CONFLICT`, `RETURNING`, `substr`, `lower`). sqlx's pools are typed
//! by database, so [`sql_storage!`] writes the `Storage` and `PluginKv`
//! implementations for one back end's type; a back end adds what is its
//! own (opening, and `still_there` for the health check).

use super::StorageError;
use crate::plugin_host::services::KvError;

pub(super) fn backend(error: sqlx::Error) -> StorageError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StorageError::Conflict(db.message().to_owned())
        }
        _ => StorageError::Backend(error.to_string()),
    }
}

/// `text` as a LIKE pattern matching it anywhere, any case: its own `%`,
/// `_` and `\` stand for themselves.
pub(super) fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub(super) fn kv_error(error: sqlx::Error) -> KvError {
    KvError::Unavailable(error.to_string())
}

/// `impl Storage` and `impl PluginKv` for `$storage`, a struct with a
/// `pool` of `$database` and a `fn still_there(&self) -> Result<(),
/// StorageError>`. The names the statements use (records, row readers,
/// `backend`, `kv_error`) are imported where it is used.
macro_rules! sql_storage {
    ($storage:ty, $database:ty) => {
        #[async_trait::async_trait]
        impl $crate::storage::Storage for $storage {
            async fn check(&self) -> Result<(), StorageError> {
                self.still_there()?;
                sqlx::query(
                    "INSERT INTO storage_probe (id, at) VALUES (1, $1)
                     ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                )
                .bind(now_millis())
                .execute(&self.pool)
                .await
                .map_err(|error| {
                    StorageError::Backend(format!("the database cannot be written: {error}"))
                })?;
                Ok(())
            }

            async fn sites(&self) -> Result<Vec<SiteRecord>, StorageError> {
                sqlx::query("SELECT * FROM sites ORDER BY id")
                    .try_map(site)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)
            }

            async fn save_site(&self, record: &SiteRecord) -> Result<(), StorageError> {
                let plugins = serde_json::to_string(&record.plugins)
                    .map_err(|error| StorageError::Backend(error.to_string()))?;
                sqlx::query(
                    "INSERT INTO sites (id, name, plugins, session_mode, max_customers_per_csr,
                         two_factor, report_retention_days, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, plugins = excluded.plugins,
                         session_mode = excluded.session_mode,
                         max_customers_per_csr = excluded.max_customers_per_csr,
                         two_factor = excluded.two_factor,
                         report_retention_days = excluded.report_retention_days,
                         updated_at = excluded.updated_at",
                )
                .bind(&record.id)
                .bind(&record.name)
                .bind(plugins)
                .bind(record.session_mode.as_str())
                .bind(i64::from(record.max_customers_per_csr))
                .bind(record.two_factor.as_str())
                .bind(i64::from(record.report_retention_days))
                .bind(record.updated_at)
                .execute(&self.pool)
                .await
                .map(|_| ())
                .map_err(backend)
            }

            async fn create_account(&self, new: NewAccount) -> Result<Account, StorageError> {
                let created_at = now_millis();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO accounts (username, display_name, email, site, password_hash, role, webacd_agent, session_mode, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(&new.username)
                .bind(&new.display_name)
                .bind(&new.email)
                .bind(&new.site)
                .bind(&new.password_hash)
                .bind(new.role.as_str())
                .bind(new.webacd_agent)
                .bind(new.session_mode.map(SessionMode::as_str))
                .bind(created_at)
                .fetch_one(&self.pool)
                .await
                .map_err(|error| match backend(error) {
                    StorageError::Conflict(_) => StorageError::Conflict(format!("account `{}`", new.username)),
                    other => other,
                })?;
                Ok(Account {
                    id,
                    username: new.username,
                    display_name: new.display_name,
                    email: new.email,
                    site: new.site,
                    password_hash: new.password_hash,
                    role: new.role,
                    webacd_agent: new.webacd_agent,
                    session_mode: new.session_mode,
                    created_at,
                    disabled: false,
                    must_change_password: false,
                    totp_secret: None,
                    totp_pending: None,
                    totp_last_step: None,
                    recovery_codes: Vec::new(),
                })
            }

            async fn account(&self, id: i64) -> Result<Option<Account>, StorageError> {
                sqlx::query("SELECT * FROM accounts WHERE id = $1")
                    .bind(id)
                    .try_map(account)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)
            }

            async fn account_by_username(&self, username: &str) -> Result<Option<Account>, StorageError> {
                sqlx::query("SELECT * FROM accounts WHERE lower(username) = lower($1)")
                    .bind(username)
                    .try_map(account)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)
            }

            async fn accounts_of_site(&self, site: &str) -> Result<Vec<Account>, StorageError> {
                sqlx::query("SELECT * FROM accounts WHERE site = $1 ORDER BY lower(username)")
                    .bind(site)
                    .try_map(account)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)
            }

            async fn update_account(&self, a: &Account) -> Result<(), StorageError> {
                sqlx::query(
                    "UPDATE accounts SET display_name = $1, email = $2, role = $3, webacd_agent = $4, session_mode = $5 WHERE id = $6",
                )
                .bind(&a.display_name)
                .bind(&a.email)
                .bind(a.role.as_str())
                .bind(a.webacd_agent)
                .bind(a.session_mode.map(SessionMode::as_str))
                .bind(a.id)
                .execute(&self.pool)
                .await
                .map(|_| ())
                .map_err(backend)
            }

            async fn set_password(&self, id: i64, hash: &str, must_change: bool) -> Result<bool, StorageError> {
                sqlx::query("UPDATE accounts SET password_hash = $1, must_change_password = $2 WHERE id = $3")
                    .bind(hash)
                    .bind(must_change)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map(|done| done.rows_affected() == 1)
                    .map_err(backend)
            }

            async fn set_disabled(&self, id: i64, disabled: bool) -> Result<bool, StorageError> {
                sqlx::query("UPDATE accounts SET disabled = $1 WHERE id = $2")
                    .bind(disabled)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map(|done| done.rows_affected() == 1)
                    .map_err(backend)
            }

            async fn set_totp_pending(&self, id: i64, secret: Option<&str>) -> Result<bool, StorageError> {
                sqlx::query("UPDATE accounts SET totp_pending = $1 WHERE id = $2")
                    .bind(secret)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map(|done| done.rows_affected() == 1)
                    .map_err(backend)
            }

            async fn confirm_totp(
                &self,
                id: i64,
                secret: &str,
                step: i64,
                recovery_codes: &[String],
            ) -> Result<bool, StorageError> {
                // Only the secret still pending: a second confirmation of
                // the same enrolment changes nothing.
                sqlx::query(
                    "UPDATE accounts SET totp_secret = $1, totp_pending = NULL, totp_last_step = $2,
                         recovery_codes = $3
                     WHERE id = $4 AND totp_pending = $1",
                )
                .bind(secret)
                .bind(step)
                .bind(recovery_codes.join(" "))
                .bind(id)
                .execute(&self.pool)
                .await
                .map(|done| done.rows_affected() == 1)
                .map_err(backend)
            }

            async fn clear_totp(&self, id: i64) -> Result<bool, StorageError> {
                sqlx::query(
                    "UPDATE accounts SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL,
                         recovery_codes = ''
                     WHERE id = $1",
                )
                .bind(id)
                .execute(&self.pool)
                .await
                .map(|done| done.rows_affected() == 1)
                .map_err(backend)
            }

            async fn use_totp_step(&self, id: i64, step: i64) -> Result<bool, StorageError> {
                sqlx::query(
                    "UPDATE accounts SET totp_last_step = $1
                     WHERE id = $2 AND totp_secret IS NOT NULL
                         AND (totp_last_step IS NULL OR totp_last_step < $1)",
                )
                .bind(step)
                .bind(id)
                .execute(&self.pool)
                .await
                .map(|done| done.rows_affected() == 1)
                .map_err(backend)
            }

            async fn use_recovery_code(
                &self,
                id: i64,
                before: &[String],
                after: &[String],
            ) -> Result<bool, StorageError> {
                sqlx::query("UPDATE accounts SET recovery_codes = $1 WHERE id = $2 AND recovery_codes = $3")
                    .bind(after.join(" "))
                    .bind(id)
                    .bind(before.join(" "))
                    .execute(&self.pool)
                    .await
                    .map(|done| done.rows_affected() == 1)
                    .map_err(backend)
            }

            async fn delete_account(&self, id: i64) -> Result<bool, StorageError> {
                // The sessions and reports the account took part in stay,
                // with the names they were written with; only the link to
                // the account goes, in the same transaction as the account.
                let mut tx = self.pool.begin().await.map_err(backend)?;
                sqlx::query("UPDATE support_sessions SET started_by = NULL WHERE started_by = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                sqlx::query("UPDATE participants SET account_id = NULL WHERE account_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                let deleted = sqlx::query("DELETE FROM accounts WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?
                    .rows_affected()
                    == 1;
                tx.commit().await.map_err(backend)?;
                Ok(deleted)
            }

            async fn delete_web_sessions_of(&self, account_id: i64, except: Option<&str>) -> Result<(), StorageError> {
                sqlx::query("DELETE FROM web_sessions WHERE account_id = $1 AND token_hash <> $2")
                    .bind(account_id)
                    .bind(except.unwrap_or_default())
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                Ok(())
            }

            async fn count_accounts(&self) -> Result<u64, StorageError> {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(backend)?;
                Ok(count.max(0) as u64)
            }

            async fn create_web_session(&self, web: WebSession) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO web_sessions (token_hash, account_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(&web.token_hash)
                .bind(web.account_id)
                .bind(&web.csrf_token)
                .bind(web.expires_at)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
                Ok(())
            }

            async fn web_session(&self, token_hash: &str) -> Result<Option<WebSession>, StorageError> {
                sqlx::query("SELECT * FROM web_sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .try_map(web_session)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)
            }

            async fn delete_web_session(&self, token_hash: &str) -> Result<(), StorageError> {
                sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                Ok(())
            }

            async fn create_session(&self, record: SessionRecord) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO support_sessions (number, site, mode, started_by, status, started_at, ended_at, end_reason)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&record.number)
                .bind(&record.site)
                .bind(record.mode.as_str())
                .bind(record.started_by)
                .bind(record.status.as_str())
                .bind(record.started_at)
                .bind(record.ended_at)
                .bind(&record.end_reason)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
                Ok(())
            }

            async fn session(&self, number: &str) -> Result<Option<SessionRecord>, StorageError> {
                sqlx::query("SELECT * FROM support_sessions WHERE number = $1")
                    .bind(number)
                    .try_map(session)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)
            }

            async fn active_sessions(&self) -> Result<Vec<SessionRecord>, StorageError> {
                sqlx::query(
                    "SELECT * FROM support_sessions WHERE status = 'active' ORDER BY started_at, number",
                )
                .try_map(session)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)
            }

            async fn end_session(
                &self,
                number: &str,
                at: Millis,
                reason: &str,
                outcome: &str,
            ) -> Result<(), StorageError> {
                sqlx::query(
                    "UPDATE support_sessions SET status = 'ended', ended_at = $1, end_reason = $2,
                         outcome = $4
                     WHERE number = $3 AND status = 'active'",
                )
                .bind(at)
                .bind(reason)
                .bind(number)
                .bind(outcome)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
                Ok(())
            }

            async fn add_participant(&self, p: ParticipantRecord) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO participants (id, session, role, display_name, account_id, join_token_hash, joined_at, left_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&p.id)
                .bind(&p.session)
                .bind(p.role.as_str())
                .bind(&p.display_name)
                .bind(p.account_id)
                .bind(&p.join_token_hash)
                .bind(p.joined_at)
                .bind(p.left_at)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
                Ok(())
            }

            async fn set_participant_role(
                &self,
                id: &str,
                role: ParticipantRole,
            ) -> Result<(), StorageError> {
                sqlx::query("UPDATE participants SET role = $1 WHERE id = $2")
                    .bind(role.as_str())
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                Ok(())
            }

            async fn participant_left(&self, id: &str, at: Millis) -> Result<(), StorageError> {
                sqlx::query("UPDATE participants SET left_at = $1 WHERE id = $2 AND left_at IS NULL")
                    .bind(at)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                Ok(())
            }

            async fn participants(&self, number: &str) -> Result<Vec<ParticipantRecord>, StorageError> {
                sqlx::query("SELECT * FROM participants WHERE session = $1 ORDER BY joined_at, id")
                    .bind(number)
                    .try_map(participant)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)
            }

            async fn participant_by_token(
                &self,
                token_hash: &str,
            ) -> Result<Option<ParticipantRecord>, StorageError> {
                sqlx::query("SELECT * FROM participants WHERE join_token_hash = $1")
                    .bind(token_hash)
                    .try_map(participant)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)
            }

            async fn set_resume_token(
                &self,
                participant: &str,
                token_hash: &str,
            ) -> Result<(), StorageError> {
                sqlx::query(
                    "UPDATE participants SET previous_resume_token_hash = resume_token_hash, resume_token_hash = $1
                     WHERE id = $2",
                )
                .bind(token_hash)
                .bind(participant)
                .execute(&self.pool)
                .await
                .map(|_| ())
                .map_err(backend)
            }

            async fn participant_by_resume_token(
                &self,
                token_hash: &str,
            ) -> Result<Option<ParticipantRecord>, StorageError> {
                sqlx::query(
                    "SELECT * FROM participants WHERE resume_token_hash = $1 OR previous_resume_token_hash = $1",
                )
                .bind(token_hash)
                .try_map(participant)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)
            }

            async fn insert_grant(&self, g: GrantRecord) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO consent_grants (id, session, customer, asked_by, plugin, capability, granted_at, expires_at, revoked_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&g.id)
                .bind(&g.session)
                .bind(&g.customer)
                .bind(&g.asked_by)
                .bind(&g.plugin)
                .bind(&g.capability)
                .bind(g.granted_at)
                .bind(g.expires_at)
                .bind(g.revoked_at)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
                Ok(())
            }

            async fn revoke_grant(&self, id: &str, at: Millis) -> Result<bool, StorageError> {
                // Of two revocations at once (two nodes), one finds it live; the
                // other finds it revoked.
                let done = sqlx::query(
                    "UPDATE consent_grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                )
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn grants(&self, number: &str) -> Result<Vec<GrantRecord>, StorageError> {
                sqlx::query("SELECT * FROM consent_grants WHERE session = $1 ORDER BY granted_at, id")
                    .bind(number)
                    .try_map(grant)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)
            }

            async fn append_event(&self, number: &str, entry: ReportEntry) -> Result<(), StorageError> {
                self.append_events(&[(number.to_owned(), entry)]).await
            }

            async fn append_events(&self, lines: &[(String, ReportEntry)]) -> Result<(), StorageError> {
                if lines.is_empty() {
                    return Ok(());
                }
                // One statement for the whole batch: each statement is a round
                // trip (to SQLite's worker thread, or to the server), and a round
                // trip per line cost more than writing the lines. One statement
                // is one atomic write, and rows are numbered in the order of their
                // values.
                let mut insert = sqlx::QueryBuilder::<$database>::new(
                    "INSERT INTO session_events (session, at, kind, actor, detail) ",
                );
                insert.push_values(lines, |mut row, (number, entry)| {
                    row.push_bind(number)
                        .push_bind(entry.at)
                        .push_bind(&entry.kind)
                        .push_bind(&entry.actor)
                        .push_bind(&entry.detail);
                });
                insert
                    .build()
                    .execute(&self.pool)
                    .await
                    .map(|_| ())
                    .map_err(backend)
            }

            async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StorageError> {
                sqlx::query(
                    "INSERT INTO audit_log (site, at, actor, actor_name, client, action, detail)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&entry.site)
                .bind(entry.at)
                .bind(&entry.actor)
                .bind(&entry.actor_name)
                .bind(&entry.client)
                .bind(&entry.action)
                .bind(&entry.detail)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
                Ok(())
            }

            async fn audit_log(&self, site: &str, limit: u32) -> Result<Vec<AuditEntry>, StorageError> {
                sqlx::query(
                    "SELECT site, at, actor, actor_name, client, action, detail FROM audit_log
                     WHERE site = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(site)
                .bind(i64::from(limit))
                .try_map(audit_entry)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)
            }

            async fn session_history(
                &self,
                query: &HistoryQuery,
            ) -> Result<Vec<HistoryEntry>, StorageError> {
                // Each filter is `(its value IS NULL OR …)`, so one text
                // serves every combination; CAST types a NULL for
                // PostgreSQL.
                let rows = sqlx::query(
                    "SELECT s.number, s.started_at, s.ended_at, s.status, s.outcome, s.end_reason
                     FROM support_sessions s
                     WHERE s.site = $1
                       AND (CAST($2 AS BIGINT) IS NULL OR s.started_by = $2 OR EXISTS (
                             SELECT 1 FROM participants p WHERE p.session = s.number AND p.account_id = $2))
                       AND (CAST($3 AS BIGINT) IS NULL OR s.started_at >= $3)
                       AND (CAST($4 AS BIGINT) IS NULL OR s.started_at < $4)
                       AND (CAST($5 AS TEXT) IS NULL OR EXISTS (
                             SELECT 1 FROM participants p WHERE p.session = s.number
                               AND p.role IN ('host', 'assistant')
                               AND lower(p.display_name) LIKE $5 ESCAPE '\\'))
                       AND (CAST($6 AS TEXT) IS NULL OR EXISTS (
                             SELECT 1 FROM participants p WHERE p.session = s.number
                               AND p.role = 'customer'
                               AND lower(p.display_name) LIKE $6 ESCAPE '\\'))
                       AND (CAST($7 AS TEXT) IS NULL
                            OR ($7 = 'running' AND s.status = 'active')
                            OR s.outcome = $7)
                     ORDER BY s.started_at DESC, s.number
                     LIMIT $8",
                )
                .bind(&query.site)
                .bind(query.account)
                .bind(query.from)
                .bind(query.to)
                .bind(query.csr.as_deref().map(like_pattern))
                .bind(query.customer.as_deref().map(like_pattern))
                .bind(query.outcome.as_deref())
                .bind(i64::from(query.limit))
                .try_map(history_entry)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
                let mut entries = Vec::with_capacity(rows.len());
                for mut entry in rows {
                    for p in self.participants(&entry.number).await? {
                        match p.role {
                            ParticipantRole::Customer => entry.customers.push(p.display_name),
                            ParticipantRole::Host | ParticipantRole::Assistant => {
                                if !entry.csrs.contains(&p.display_name) {
                                    entry.csrs.push(p.display_name);
                                }
                            }
                        }
                    }
                    entries.push(entry);
                }
                Ok(entries)
            }

            async fn purge_reports(&self, site: &str, ended_before: Millis) -> Result<u64, StorageError> {
                // What refers to a session goes first (grants refer to
                // participants too).
                let mut tx = self.pool.begin().await.map_err(backend)?;
                for statement in [
                    "DELETE FROM session_events WHERE session IN (SELECT number FROM support_sessions
                         WHERE site = $1 AND status = 'ended' AND ended_at < $2)",
                    "DELETE FROM consent_grants WHERE session IN (SELECT number FROM support_sessions
                         WHERE site = $1 AND status = 'ended' AND ended_at < $2)",
                    "DELETE FROM participants WHERE session IN (SELECT number FROM support_sessions
                         WHERE site = $1 AND status = 'ended' AND ended_at < $2)",
                ] {
                    sqlx::query(statement)
                        .bind(site)
                        .bind(ended_before)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                }
                let purged = sqlx::query(
                    "DELETE FROM support_sessions WHERE site = $1 AND status = 'ended' AND ended_at < $2",
                )
                .bind(site)
                .bind(ended_before)
                .execute(&mut *tx)
                .await
                .map_err(backend)?
                .rows_affected();
                tx.commit().await.map_err(backend)?;
                Ok(purged)
            }

            async fn events(&self, number: &str) -> Result<Vec<ReportEntry>, StorageError> {
                sqlx::query(
                    "SELECT at, kind, actor, detail FROM session_events WHERE session = $1 ORDER BY id",
                )
                .bind(number)
                .try_map(report_entry)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)
            }
        }

        #[async_trait::async_trait]
        impl $crate::plugin_host::services::PluginKv for $storage {
            async fn get(&self, scope: &PluginScope, key: &str) -> Result<Option<Vec<u8>>, KvError> {
                sqlx::query_scalar(
                    "SELECT value FROM plugin_kv WHERE site = $1 AND plugin = $2 AND key = $3",
                )
                .bind(&scope.site)
                .bind(&scope.plugin)
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(kv_error)
            }

            async fn set(&self, scope: &PluginScope, key: &str, value: Vec<u8>) -> Result<(), KvError> {
                sqlx::query(
                    "INSERT INTO plugin_kv (site, plugin, key, value) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (site, plugin, key) DO UPDATE SET value = excluded.value",
                )
                .bind(&scope.site)
                .bind(&scope.plugin)
                .bind(key)
                .bind(value)
                .execute(&self.pool)
                .await
                .map_err(kv_error)?;
                Ok(())
            }

            async fn delete(&self, scope: &PluginScope, key: &str) -> Result<bool, KvError> {
                let done =
                    sqlx::query("DELETE FROM plugin_kv WHERE site = $1 AND plugin = $2 AND key = $3")
                        .bind(&scope.site)
                        .bind(&scope.plugin)
                        .bind(key)
                        .execute(&self.pool)
                        .await
                        .map_err(kv_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn list_keys(&self, scope: &PluginScope, prefix: &str) -> Result<Vec<String>, KvError> {
                // `substr` instead of LIKE, so `%` and `_` in a prefix are literal.
                sqlx::query_scalar(
                    "SELECT key FROM plugin_kv WHERE site = $1 AND plugin = $2 AND substr(key, 1, length($3)) = $3 ORDER BY key",
                )
                .bind(&scope.site)
                .bind(&scope.plugin)
                .bind(prefix)
                .fetch_all(&self.pool)
                .await
                .map_err(kv_error)
            }

            async fn compare_and_swap(
                &self,
                scope: &PluginScope,
                key: &str,
                expected: Option<Vec<u8>>,
                value: Option<Vec<u8>>,
            ) -> Result<bool, KvError> {
                // Each case is one statement whose condition is the expected value,
                // which both databases run atomically: of racing swaps the first
                // takes the row and the others find their condition false (or the
                // key taken). No transaction holds a lock across a read and a write
                // (under load on SQLite the lock, not the work, was what took time).
                let (site, plugin) = (&scope.site, &scope.plugin);
                let done = match (expected, value) {
                    (None, Some(value)) => sqlx::query(
                        "INSERT INTO plugin_kv (site, plugin, key, value) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (site, plugin, key) DO NOTHING",
                    )
                    .bind(site)
                    .bind(plugin)
                    .bind(key)
                    .bind(value),
                    (Some(expected), Some(value)) => sqlx::query(
                        "UPDATE plugin_kv SET value = $1 WHERE site = $2 AND plugin = $3 AND key = $4 AND value = $5",
                    )
                    .bind(value)
                    .bind(site)
                    .bind(plugin)
                    .bind(key)
                    .bind(expected),
                    (Some(expected), None) => sqlx::query(
                        "DELETE FROM plugin_kv WHERE site = $1 AND plugin = $2 AND key = $3 AND value = $4",
                    )
                    .bind(site)
                    .bind(plugin)
                    .bind(key)
                    .bind(expected),
                    // Nothing to write: it "swaps" when the key is absent.
                    (None, None) => return Ok(self.get(scope, key).await?.is_none()),
                }
                .execute(&self.pool)
                .await
                .map_err(kv_error)?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

pub(super) use sql_storage;
