-- Which kernel node owns each live support session (orders its commands),
-- leased: an owner renews its row before `expires_at` or loses it. Times
-- here are the database server's clock, the one clock every node shares.
-- `revision` grows with every claim and renewal, so a node can only renew
-- or release the lease it was given.
CREATE TABLE session_owners (
    session    TEXT        PRIMARY KEY COLLATE "C",
    node       TEXT        NOT NULL,
    revision   BIGINT      NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
