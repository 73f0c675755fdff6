-- A grant names the CSR (the host participant) whose request the customer
-- allowed: after control passes, another host must ask again. Grants from
-- before this column belong to sessions that ended with the kernel.
ALTER TABLE consent_grants ADD COLUMN asked_by TEXT NOT NULL DEFAULT '';
