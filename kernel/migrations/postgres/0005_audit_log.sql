-- What site admins did (accounts, site settings): who, what, when, from
-- where. Kept with the site's id and the admin's names as they were, so
-- it reads the same after an account is renamed or deleted.
CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site         TEXT   NOT NULL,
    at           BIGINT NOT NULL,
    actor        TEXT   NOT NULL,
    actor_name   TEXT   NOT NULL,
    client       TEXT   NOT NULL,
    action       TEXT   NOT NULL,
    detail       TEXT   NOT NULL
);
CREATE INDEX audit_log_by_site ON audit_log (site, id);
