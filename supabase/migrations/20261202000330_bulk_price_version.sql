-- One price version per import (issue 11), not one per row.
--
-- Every price change bumps model_pricing_version_seq, and the API's write refuses rows priced
-- under an older version (ingest_usage, SQLSTATE TOPRC) so workers reload. An import or sync of
-- LiteLLM's file changes thousands of rows in one transaction: a bump per row moved the version
-- thousands of times while the transaction ran, so ingest kept reloading prices it could not yet
-- see and answered 429 after three tries. Now an import takes one version for all its rows
-- (transaction-local setting tokenoptimizer.price_version, set by pricing/catalogue.py) and bumps
-- the sequence once more after it commits, so workers reload exactly once, when the rows are there.

create or replace function public.record_price_change() returns trigger
language plpgsql set search_path = '' as $$
declare
  actor text := coalesce(nullif(current_setting('tokenoptimizer.actor', true), ''),
                         nullif(current_setting('request.jwt.claim.sub', true), ''), session_user);
  -- Set for the length of one import's transaction: all its rows share this version.
  bulk bigint := nullif(current_setting('tokenoptimizer.price_version', true), '')::bigint;
begin
  if tg_op in ('INSERT', 'UPDATE') then
    if bulk is null then
      new.version := nextval('public.model_pricing_version_seq');
    else
      new.version := bulk;
    end if;
    if tg_op = 'UPDATE' and new.last_updated is not distinct from old.last_updated then
      new.last_updated := now();
    end if;
  elsif bulk is null then
    perform nextval('public.model_pricing_version_seq');
  end if;
  insert into public.model_pricing_history (project_id, model, version, operation, old_row, new_row, changed_by, source)
  values (
    case when tg_table_name = 'project_model_pricing'
         then coalesce(to_jsonb(new) ->> 'project_id', to_jsonb(old) ->> 'project_id')::uuid end,
    coalesce(new.model, old.model),
    case when tg_op = 'DELETE' then coalesce(bulk, old.version) else new.version end,
    lower(tg_op),
    case when tg_op = 'INSERT' then null else to_jsonb(old) end,
    case when tg_op = 'DELETE' then null else to_jsonb(new) end,
    actor,
    case when tg_op = 'DELETE' then old.source else new.source end);
  return case when tg_op = 'DELETE' then old else new end;
end $$;

create or replace function public.bump_price_version() returns trigger
language plpgsql set search_path = '' as $$
begin
  if nullif(current_setting('tokenoptimizer.price_version', true), '') is null then
    perform nextval('public.model_pricing_version_seq');
  end if;
  return null;
end $$;

-- The version column's default (nextval) ran before the trigger replaced it: every insert moved
-- the sequence twice. The trigger sets the version of every row it writes; the default goes.
alter table public.model_pricing alter column version drop default;
alter table public.project_model_pricing alter column version drop default;
