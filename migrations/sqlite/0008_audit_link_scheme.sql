-- Keyed audit links (protocol.md §14.6): each event says how its link was computed.
--   1 = legacy unkeyed SHA-256 (every event written before this migration),
--   2 = HMAC-SHA256 under the chain key derived from the hub key, covering the parties too.
-- Legacy links verify only as a prefix of the chain, before its first keyed link.
alter table audit_events add column scheme integer not null default 1;
