-- Staged uploads (issue #20 item 1; shared with migrations/sqlite/0009_staged_uploads.sql).
-- A streamed batch is received into `staged_records` chunk by chunk, each chunk in its own
-- short transaction, so no lock that searches and audit appends need is held while the body
-- arrives. The submission is `staging` until every line has been received and checked; it is
-- then `accepted` in one brief transaction (the commit point: daily limits, answer, audit
-- event), and its staged rows are moved into `records` chunk by chunk until it is `stored`.
-- At start the hub deletes what a `staging` submission left and finishes an `accepted` one.
-- Submissions written before this migration are `stored`.
alter table submissions add column state text not null default 'stored'
    check (state in ('staging', 'accepted', 'stored'));

create table staged_records (
    id              bigint generated always as identity primary key,
    submission_id   bigint not null references submissions (id),
    ref             text not null,
    encoding        text not null,
    referral_reason text,
    referral_source text,
    referred_on     text,
    case_status     text
);
create index staged_records_submission on staged_records (submission_id, id);

-- A batch never accepted has no record referring to it: its submission row may be deleted
-- (0005 keeps every other submission row).
drop trigger submissions_kept on submissions;
create trigger submissions_kept before delete or update of id on submissions
    for each row when (old.state <> 'staging') execute function records_parent_kept();
