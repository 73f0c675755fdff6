-- Failed attempts the nodes count together (joining by number, signing
-- in), so attempts spread over several nodes meet one limit. Rows older
-- than their counter's window are deleted as new ones are counted.
CREATE TABLE attempts (
    id      BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    counter TEXT        NOT NULL COLLATE "C",
    key     TEXT        NOT NULL COLLATE "C",
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX attempts_by_key ON attempts (counter, key, at);
