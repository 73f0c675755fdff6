-- Tether kernel schema, version 1. Times are Unix milliseconds.

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT    NOT NULL,
    email         TEXT    NOT NULL DEFAULT '',
    site          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('csr', 'admin')),
    webacd_agent  INTEGER NOT NULL DEFAULT 0,
    session_mode  TEXT    CHECK (session_mode IN ('single', 'multi')),
    created_at    INTEGER NOT NULL
);

-- Signed-in browsers; only a hash of the cookie token is stored.
CREATE TABLE web_sessions (
    token_hash TEXT    PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE support_sessions (
    number     TEXT    PRIMARY KEY,
    site       TEXT    NOT NULL,
    mode       TEXT    NOT NULL CHECK (mode IN ('single', 'multi')),
    started_by INTEGER NOT NULL REFERENCES accounts (id),
    status     TEXT    NOT NULL CHECK (status IN ('active', 'ended')),
    started_at INTEGER NOT NULL,
    ended_at   INTEGER,
    end_reason TEXT
);

-- Join tokens are stored hashed.
CREATE TABLE participants (
    id              TEXT    PRIMARY KEY,
    session         TEXT    NOT NULL REFERENCES support_sessions (number),
    role            TEXT    NOT NULL CHECK (role IN ('host', 'assistant', 'customer')),
    display_name    TEXT    NOT NULL,
    account_id      INTEGER REFERENCES accounts (id),
    join_token_hash TEXT    UNIQUE,
    joined_at       INTEGER NOT NULL,
    left_at         INTEGER
);
CREATE INDEX participants_by_session ON participants (session);

CREATE TABLE consent_grants (
    id         TEXT    PRIMARY KEY,
    session    TEXT    NOT NULL REFERENCES support_sessions (number),
    customer   TEXT    NOT NULL REFERENCES participants (id),
    plugin     TEXT    NOT NULL,
    capability TEXT    NOT NULL,
    granted_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX consent_grants_by_session ON consent_grants (session);

-- The session details report.
CREATE TABLE session_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    session TEXT    NOT NULL REFERENCES support_sessions (number),
    at      INTEGER NOT NULL,
    kind    TEXT    NOT NULL,
    actor   TEXT    NOT NULL DEFAULT '',
    detail  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX session_events_by_session ON session_events (session, id);

CREATE TABLE plugin_kv (
    site   TEXT NOT NULL,
    plugin TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  BLOB NOT NULL,
    PRIMARY KEY (site, plugin, key)
);
