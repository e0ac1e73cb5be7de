-- Matching state kept per submission (shared with migrations/postgres/0004_submission_matched.sql).
-- A record's matching has run when `records.matched = 1` or when the submission that last wrote
-- it (`records.submission_id`) has `matched = 1`: one row updated per batch in the transaction
-- that stores its candidates, instead of every record rewritten. Submissions from before this
-- migration count as unmatched, so their records keep their own flag.
alter table submissions add column matched integer not null default 0;

-- Only the per-row flip used it.
drop index records_unmatched;
