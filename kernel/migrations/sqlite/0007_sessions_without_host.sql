-- no-transaction
-- A session may start without a CSR: a customer who came through a
-- plugin's public page waits in it until a CSR takes it (WebACD). Its
-- `started_by` is then NULL. SQLite cannot drop a NOT NULL in place, so
-- the table is rebuilt the way SQLite's documentation says, with foreign
-- keys off while the old table is dropped: the participants, grants and
-- report lines refer to `support_sessions` by name, and every row is
-- copied as it is, so each reference holds again once the new table has
-- the name. Run again after a crash between its commit and sqlx's
-- bookkeeping, it rebuilds the table once more, to the same result.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE support_sessions_new (
    number     TEXT    PRIMARY KEY,
    site       TEXT    NOT NULL,
    mode       TEXT    NOT NULL CHECK (mode IN ('single', 'multi')),
    started_by INTEGER REFERENCES accounts (id),
    status     TEXT    NOT NULL CHECK (status IN ('active', 'ended')),
    started_at INTEGER NOT NULL,
    ended_at   INTEGER,
    end_reason TEXT
);
INSERT INTO support_sessions_new
    SELECT number, site, mode, started_by, status, started_at, ended_at, end_reason
    FROM support_sessions;
DROP TABLE support_sessions;
ALTER TABLE support_sessions_new RENAME TO support_sessions;
COMMIT;
PRAGMA foreign_keys = ON;
