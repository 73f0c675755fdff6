-- Sites: tether.toml seeds the ones not stored yet; after that site admins
-- edit them and the stored values win. `plugins` is a JSON array of plugin
-- ids, or ["*"] for every loaded plugin.
CREATE TABLE sites (
    id                    TEXT    PRIMARY KEY,
    name                  TEXT    NOT NULL,
    plugins               TEXT    NOT NULL CHECK (json_valid(plugins)),
    session_mode          TEXT    NOT NULL CHECK (session_mode IN ('single', 'multi')),
    max_customers_per_csr INTEGER NOT NULL CHECK (max_customers_per_csr >= 1),
    updated_at            INTEGER NOT NULL
);
