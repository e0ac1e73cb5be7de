-- Retention, erasure, follow-ups and key rotation (protocol.md §13–§14), PostgreSQL.
-- Shared with migrations/sqlite/0003_retention.sql.

-- When a record's encoding was purged (closed case, withdrawal, erasure, retention, retired
-- epoch). A purged record keeps its opaque reference and case codes, never its encoding.
alter table records add column purged_at text;

-- The end of an epoch's rollover window: after it the epoch is refused and its records purged.
alter table agreement_epochs add column retire_after text;

-- The 6- and 18-week follow-ups of a case closed as found (domain notes §10).
create table case_follow_ups (
    id             bigint generated always as identity primary key,
    record_id      bigint not null references records (id),
    authority_code text not null references authorities (code),
    kind           text not null check (kind in ('6_weeks', '18_weeks')),
    due_on         text not null,
    done_at        text,
    created_at     text not null,
    unique (record_id, kind)
);
create index case_follow_ups_due on case_follow_ups (authority_code, due_on);
