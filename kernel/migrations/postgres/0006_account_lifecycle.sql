-- An account's life after its creation: a site admin disables it (it
-- cannot sign in until enabled again) or resets its password (its owner
-- must choose a new one at the next sign-in).
ALTER TABLE accounts ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
