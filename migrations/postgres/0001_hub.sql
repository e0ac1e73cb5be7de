-- The hub's schema (PostgreSQL). Conventions, shared with migrations/sqlite/0001_hub.sql:
--   * lower-case SQL; every table has `created_at` (RFC 3339 UTC text, so both backends and the
--     sqlx `Any` driver agree on one representation);
--   * integers are 64-bit (`bigint` here, `integer` in SQLite);
--   * the database holds encodings (after the hub key layer, protocol.md §7), opaque record
--     references, case metadata, candidates, workflow state and audit: never a name, a date of
--     birth or an identifier in the clear;
--   * never edit a migration that has been applied: sqlx checks their checksums. Add a new file.

-- A local authority, council, the NI Education Authority or Tusla.
create table authorities (
    code         text primary key,
    name         text not null,
    jurisdiction text not null check (jurisdiction in
                 ('england', 'wales', 'scotland', 'northern_ireland', 'ireland')),
    created_at   text not null
);

-- A data-sharing agreement: matching happens only between its members.
create table agreements (
    id             text primary key,
    name           text not null,
    purpose        text not null,
    lawful_basis   text not null,
    retention_days bigint not null check (retention_days > 0),
    created_at     text not null
);

-- Key epochs an agreement accepts (protocol.md §2.2); the hub never compares across epochs.
create table agreement_epochs (
    agreement_id text not null references agreements (id),
    epoch        bigint not null check (epoch >= 0),
    created_at   text not null,
    primary key (agreement_id, epoch)
);

create table agreement_members (
    agreement_id   text not null references agreements (id),
    authority_code text not null references authorities (code),
    created_at     text not null,
    primary key (agreement_id, authority_code)
);

-- API keys: only the SHA-256 of the key is stored; the key itself is shown once.
create table api_keys (
    id             bigint generated always as identity primary key,
    key_hash       text not null unique,
    role           text not null check (role in ('authority', 'operator')),
    authority_code text references authorities (code),
    label          text not null,
    revoked        bigint not null default 0,
    created_at     text not null,
    check ((role = 'authority') = (authority_code is not null))
);

-- One client batch; `batch_id` makes uploads idempotent per authority.
create table submissions (
    id             bigint generated always as identity primary key,
    authority_code text not null references authorities (code),
    batch_id       text not null,
    agreement_id   text not null references agreements (id),
    epoch          bigint not null,
    role           text not null check (role in ('missing', 'roll')),
    mode           text not null check (mode in ('incremental', 'snapshot')),
    n_records      bigint not null,
    request_hash   text not null,
    result         text not null,
    created_at     text not null,
    unique (authority_code, batch_id)
);

-- One encoded record as the hub stores it. `encoding` is the hub-layer-transformed wire JSON
-- (protocol.md §6.2, §7). Case columns are set only for role = 'missing'.
create table records (
    id              bigint generated always as identity primary key,
    authority_code  text not null references authorities (code),
    agreement_id    text not null references agreements (id),
    epoch           bigint not null,
    ref             text not null,
    role            text not null check (role in ('missing', 'roll')),
    status          text not null check (status in ('active', 'withdrawn')),
    encoding        text not null,
    referral_reason text check (referral_reason in ('FTT', 'FSE', 'FTR', 'INF', 'RTL')),
    referral_source text,
    referred_on     text,
    case_status     text check (case_status in ('open', 'closed')),
    outcome         text,
    closed_at       text,
    submission_id   bigint not null references submissions (id),
    matched         bigint not null default 0,
    created_at      text not null,
    updated_at      text not null,
    unique (authority_code, agreement_id, epoch, role, ref),
    check ((role = 'missing') = (case_status is not null))
);
create index records_active on records (status, agreement_id, epoch);
create index records_unmatched on records (matched) where matched = 0;

-- A probable match between two records of different authorities under one agreement, stored
-- once per unordered pair (record_lo < record_hi).
create table candidates (
    id           bigint generated always as identity primary key,
    agreement_id text not null references agreements (id),
    record_lo    bigint not null references records (id),
    record_hi    bigint not null references records (id),
    probability  double precision not null,
    match_weight double precision not null,
    evidence     text not null,
    state        text not null check (state in ('proposed', 'confirmed', 'rejected', 'case_closed')),
    created_at   text not null,
    updated_at   text not null,
    unique (record_lo, record_hi),
    check (record_lo < record_hi)
);
create index candidates_hi on candidates (record_hi);

-- Append-only audit log with a SHA-256 hash chain (hash = SHA-256 of prev_hash and the event).
create table audit_events (
    id        bigint generated always as identity primary key,
    at        text not null,
    actor     text not null,
    action    text not null,
    subject   text not null,
    detail    text not null,
    prev_hash text not null,
    hash      text not null unique
);
create function audit_events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_events is append-only';
end;
$$;
create trigger audit_events_no_update before update or delete on audit_events
    for each row execute function audit_events_append_only();
