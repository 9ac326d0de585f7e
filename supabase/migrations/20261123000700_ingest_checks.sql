-- The API's one write: public.ingest_usage checks what the API worker assumed, then stores.
--
-- API workers keep project keys and the price book in memory, so a request needs no database
-- round trip before its write. The write itself re-checks both assumptions, in the same
-- statement, so neither can be stale when a row is stored:
--   * every key the rows came in under is still live (a revoked key stores nothing);
--   * the rows were priced with the current price version (a price change reaches the next write).
-- A failed check raises a dedicated SQLSTATE; the worker refreshes what was stale and retries.

create function public.ingest_usage(p_events json, p_shard smallint, p_price_versions bigint[], p_key_ids uuid[])
returns setof uuid
language plpgsql set search_path = '' as $$
declare
  v_current bigint := (select last_value from public.model_pricing_version_seq);
  v_live int;
begin
  if exists (select from unnest(p_price_versions) as v where v is distinct from v_current) then
    raise exception 'prices changed since these events were priced' using errcode = 'TOPRC', detail = v_current::text;
  end if;
  select count(*) into v_live from public.api_keys k where k.id = any(p_key_ids) and k.revoked_at is null;
  if v_live <> (select count(distinct x) from unnest(p_key_ids) as x) then
    raise exception 'an API key of these events was revoked' using errcode = 'TOKEY';
  end if;
  return query select public.store_usage(p_events, p_shard);
end $$;
comment on function public.ingest_usage(json, smallint, bigint[], uuid[]) is
  'The API write: checks that the keys are live and the prices current (SQLSTATE TOKEY / TOPRC otherwise), then store_usage.';
revoke all on function public.ingest_usage(json, smallint, bigint[], uuid[]) from public, anon, authenticated;
