-- The index on (status, agreement_id, epoch) (shared with migrations/postgres/0006_drop_records_active.sql).
-- Every active row of an agreement and epoch has the same key, so no query is served by it: the
-- retention scan by agreement and age reads nearly all of its entries (a table scan is cheaper),
-- and every other lookup of records goes by id or by the unique (authority, agreement, epoch,
-- role, ref) key. Yet each inserted row paid for it: on PostgreSQL 250,000 rows inserted on the
-- server alone took 4.0 s with it and 3.1 s without (the hub's end-to-end ingest, bound by
-- the upsert and the round trips, moved within noise).
drop index records_active;
