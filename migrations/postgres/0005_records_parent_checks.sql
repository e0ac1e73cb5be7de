-- PostgreSQL only. A row-level foreign key is a trigger that looks up and key-share-locks the
-- parent row for every row inserted: the three on `records` cost about 45% of a bulk insert
-- (250,000 rows: 5.4 s with them, 2.9 s without, on the project's 2-core machine). The rows of a
-- batch share their authority, agreement and submission, so the same guarantee is checked
-- once per statement over the statement's new rows, and the parent rows, which the hub never
-- deletes or re-keys, are kept from being deleted or re-keyed. SQLite keeps its foreign keys:
-- there a check is an index probe, with no lock.
alter table records drop constraint records_authority_code_fkey;
alter table records drop constraint records_agreement_id_fkey;
alter table records drop constraint records_submission_id_fkey;

create function records_check_parents() returns trigger language plpgsql as $$
begin
    if exists (
        select 1
        from (select distinct authority_code, agreement_id, submission_id from new_records) n
        where not exists (select 1 from authorities a where a.code = n.authority_code)
           or not exists (select 1 from agreements g where g.id = n.agreement_id)
           or not exists (select 1 from submissions s where s.id = n.submission_id)
    ) then
        raise foreign_key_violation
            using message = 'records: the authority, agreement or submission does not exist';
    end if;
    return null;
end
$$;

create trigger records_parents_inserted after insert on records
    referencing new table as new_records
    for each statement execute function records_check_parents();
create trigger records_parents_updated after update on records
    referencing new table as new_records
    for each statement execute function records_check_parents();

create function records_parent_kept() returns trigger language plpgsql as $$
begin
    raise foreign_key_violation
        using message = format('%s rows are never deleted or re-keyed: records refer to them',
                               tg_table_name);
end
$$;

create trigger authorities_kept before delete or update of code on authorities
    for each row execute function records_parent_kept();
create trigger agreements_kept before delete or update of id on agreements
    for each row execute function records_parent_kept();
create trigger submissions_kept before delete or update of id on submissions
    for each row execute function records_parent_kept();
