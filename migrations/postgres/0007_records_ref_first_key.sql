-- The unique key of records, ref first: (ref, authority_code, agreement_id, epoch, role).
--
-- Within one batch every row shares authority, agreement, epoch and role, so with those columns
-- first each comparison of a B-tree descent walked four equal text and integer columns before
-- reaching the one that differs; a profile of the server during a bulk insert had half its time
-- in that descent (`_bt_compare`, `nocache_index_getattr`, `bttextcmp`). With ref first a
-- comparison is nearly always settled by its first column. The key is the same set of columns,
-- so `on conflict (authority_code, agreement_id, epoch, role, ref)` still infers it.
--
-- The lookups by authority and ref (withdrawing a record, closing a case) are served by this
-- index; with the old column order they scanned every index entry of the authority.
--
-- The snapshot withdrawal (every active record of an authority, agreement, epoch and role not
-- brought by this submission) now goes through the submission ids: `records_submission` is a
-- bigint key that each batch appends to at its right edge.
create unique index records_ref_key on records (ref, authority_code, agreement_id, epoch, role);
alter table records drop constraint records_authority_code_agreement_id_epoch_role_ref_key;
create index records_submission on records (submission_id);
