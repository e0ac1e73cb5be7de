-- Two-sided confirmation and sealed disclosure (protocol.md §11–§12), SQLite.
-- Shared with migrations/postgres/0002_workflow.sql.
--   * candidates gains the full state machine (protocol.md §11.1) and a `version` counter that
--     every transition increments; transitions are conditional updates on the expected state,
--     so concurrent confirmations and rejections cannot both win;
--   * the hub stores sealed disclosures as HPKE ciphertext only (never a plaintext field);
--   * free-text notes are the coordinator's reasons and must not carry personal data.

-- SQLite cannot alter a check constraint: rebuild the table (nothing references it yet).
create table candidates_v2 (
    id           integer primary key autoincrement,
    agreement_id text not null references agreements (id),
    record_lo    integer not null references records (id),
    record_hi    integer not null references records (id),
    probability  real not null,
    match_weight real not null,
    evidence     text not null,
    state        text not null check (state in ('proposed', 'confirmed_one', 'confirmed_both',
                 'disclosed', 'verified_same', 'verified_different', 'rejected', 'expired',
                 'withdrawn', 'case_closed')),
    version      integer not null default 0,
    created_at   text not null,
    updated_at   text not null,
    unique (record_lo, record_hi),
    check (record_lo < record_hi)
);
insert into candidates_v2 (id, agreement_id, record_lo, record_hi, probability, match_weight,
                           evidence, state, created_at, updated_at)
    select id, agreement_id, record_lo, record_hi, probability, match_weight, evidence,
           case state when 'confirmed' then 'confirmed_both' else state end, created_at, updated_at
    from candidates;
drop table candidates;
alter table candidates_v2 rename to candidates;
create index candidates_hi on candidates (record_hi);
create index candidates_state on candidates (state, updated_at);

-- An authority's X25519 public key for receiving disclosures (protocol.md §12.1). Registering a
-- new key retires the previous one; retired keys stay so old ciphertexts keep their recipient.
create table disclosure_keys (
    id             integer primary key autoincrement,
    authority_code text not null references authorities (code),
    public_key     text not null unique,
    fingerprint    text not null,
    created_at     text not null,
    retired_at     text
);
create unique index disclosure_keys_current on disclosure_keys (authority_code)
    where retired_at is null;

-- Each side's decisions on a candidate: at most one confirmation, one rejection and one
-- verification outcome per side.
create table candidate_decisions (
    id             integer primary key autoincrement,
    candidate_id   integer not null references candidates (id),
    authority_code text not null references authorities (code),
    kind           text not null check (kind in ('confirm', 'reject', 'outcome')),
    decision       text not null check (decision in ('confirm', 'reject', 'same_child',
                   'different_child')),
    reason         text not null,
    note           text not null,
    decided_by     text not null,
    created_at     text not null,
    unique (candidate_id, authority_code, kind)
);

-- One side's record sealed to the other side's disclosure key (HPKE, protocol.md §12.2).
-- `enc` and `ct` are emptied when purged; the row stays as the release's bookkeeping.
create table disclosures (
    candidate_id     integer not null references candidates (id),
    sender           text not null references authorities (code),
    recipient        text not null references authorities (code),
    recipient_key_id integer not null references disclosure_keys (id),
    enc              text not null,
    ct               text not null,
    created_at       text not null,
    released_at      text,
    n_downloads      integer not null default 0,
    purged_at        text,
    primary key (candidate_id, sender)
);

-- Which authorities an audit event concerns, for a data-protection officer's export.
create table audit_parties (
    event_id       integer not null references audit_events (id),
    authority_code text not null,
    primary key (authority_code, event_id)
);
