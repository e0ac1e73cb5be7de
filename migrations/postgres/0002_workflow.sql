-- Two-sided confirmation and sealed disclosure (protocol.md §11–§12), PostgreSQL.
-- Shared with migrations/sqlite/0002_workflow.sql.
--   * candidates gains the full state machine (protocol.md §11.1) and a `version` counter that
--     every transition increments; transitions are conditional updates on the expected state,
--     so concurrent confirmations and rejections cannot both win;
--   * the hub stores sealed disclosures as HPKE ciphertext only (never a plaintext field);
--   * free-text notes are the coordinator's reasons and must not carry personal data.

alter table candidates drop constraint candidates_state_check;
update candidates set state = 'confirmed_both' where state = 'confirmed';
alter table candidates add constraint candidates_state_check check (state in ('proposed',
    'confirmed_one', 'confirmed_both', 'disclosed', 'verified_same', 'verified_different',
    'rejected', 'expired', 'withdrawn', 'case_closed'));
alter table candidates add column version bigint not null default 0;
create index candidates_state on candidates (state, updated_at);

-- An authority's X25519 public key for receiving disclosures (protocol.md §12.1). Registering a
-- new key retires the previous one; retired keys stay so old ciphertexts keep their recipient.
create table disclosure_keys (
    id             bigint generated always as identity primary key,
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
    id             bigint generated always as identity primary key,
    candidate_id   bigint not null references candidates (id),
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
    candidate_id     bigint not null references candidates (id),
    sender           text not null references authorities (code),
    recipient        text not null references authorities (code),
    recipient_key_id bigint not null references disclosure_keys (id),
    enc              text not null,
    ct               text not null,
    created_at       text not null,
    released_at      text,
    n_downloads      bigint not null default 0,
    purged_at        text,
    primary key (candidate_id, sender)
);

-- Which authorities an audit event concerns, for a data-protection officer's export.
create table audit_parties (
    event_id       bigint not null references audit_events (id),
    authority_code text not null,
    primary key (authority_code, event_id)
);
