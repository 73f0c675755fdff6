-- The resume token before the current one stays valid, so an agent whose
-- connection broke before it could keep its new token can still rejoin.
ALTER TABLE participants ADD COLUMN previous_resume_token_hash TEXT;
CREATE UNIQUE INDEX participants_by_previous_resume_token ON participants (previous_resume_token_hash);
