-- Offer ids, unique among the nodes: a CSR answers an offer by its id
-- whichever node made it, and plugins keep their records by it. Ids are
-- 1 to 2^32 - 1 (the plugin API's u32) and start again after the last.
CREATE SEQUENCE offer_ids AS BIGINT MINVALUE 1 MAXVALUE 4294967295 CYCLE;
