-- One row the health check rewrites every few seconds: storage that can
-- no longer be written (read-only, full) is noticed even when nothing else
-- writes at the time.
CREATE TABLE storage_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at INTEGER NOT NULL
);
