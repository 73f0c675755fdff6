-- Two-factor sign-in, report retention and session history.
--
-- A site says who of its accounts must sign in with a second factor, and
-- how many days a session report is kept after its session ended (0: for
-- good).
ALTER TABLE sites ADD COLUMN two_factor TEXT NOT NULL DEFAULT 'optional'
    CHECK (two_factor IN ('optional', 'admins', 'everyone'));
ALTER TABLE sites ADD COLUMN report_retention_days BIGINT NOT NULL DEFAULT 0;

-- An account's TOTP secret (base32; the server must read it to check a
-- code), the one being enrolled until its first code confirms it, the last
-- time step a code was accepted for (a code is accepted once), and the
-- SHA-256 hashes of its unused recovery codes, separated by spaces.
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_pending TEXT;
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT;
ALTER TABLE accounts ADD COLUMN recovery_codes TEXT NOT NULL DEFAULT '';

-- How a session ended, in one word the history searches by
-- (`ended_by_host`, `host_did_not_return`, `account_closed`, …); NULL
-- while it runs. The history lists a site's sessions newest first.
ALTER TABLE support_sessions ADD COLUMN outcome TEXT;
CREATE INDEX support_sessions_by_site ON support_sessions (site, started_at);
