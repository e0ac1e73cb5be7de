-- The open cases of one authority, for `GET /v1/cases` (shared with
-- migrations/sqlite/0007_open_cases.sql): a partial index holds only open cases, a small
-- share of the records, so listing an authority's never walks its roll.
create index records_open_cases on records (authority_code, created_at) where case_status = 'open';
