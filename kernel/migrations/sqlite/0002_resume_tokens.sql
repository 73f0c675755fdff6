-- Host agents rejoin after a restart with a resume token; only its hash is
-- stored, and each connection replaces it.
ALTER TABLE participants ADD COLUMN resume_token_hash TEXT;
CREATE UNIQUE INDEX participants_by_resume_token ON participants (resume_token_hash);
