-- Unpriced, with a reason (issue 11): every unpriced request says why it has no cost.
--
-- usage_logs.unpriced_reason is written by the API with the row (store_usage) and by
-- `pricing reprice` (reprice_usage); both functions are the bodies of
-- 20261202000100_per_project_event_ids.sql with that one column added. The reasons and their
-- fixes are defined once, in backend/tokenoptimizer_server/pricing/cost.py (UNPRICED_REASONS).
-- Rows stored before this migration had one way to be unpriced: no price row.

alter table public.usage_logs add column unpriced_reason text;
update public.usage_logs set unpriced_reason = 'no_price_row' where not priced;
alter table public.usage_logs add constraint usage_logs_reason_only_when_unpriced check (not priced or unpriced_reason is null);
comment on column public.usage_logs.unpriced_reason is
  'Why an unpriced request has no cost: no_price_row, service_tier_without_rate, non_token_unit or token_kind_without_rate; null when priced.';
-- Unpriced rows are few: the counts by reason read them through this index only.
create index usage_logs_unpriced_idx on public.usage_logs (project_id, ts) include (model, unpriced_reason) where not priced;

create or replace function public.store_usage(p_events json, p_shard smallint default null)
returns table (project_id uuid, id uuid)
language plpgsql set search_path = '' as $$
#variable_conflict use_column
declare
  -- Callers that write concurrently pass different shards (the API: one per worker process).
  v_shard smallint := coalesce(p_shard, (pg_backend_pid() % 16)::smallint);
begin
  return query
  with ins as (
    insert into public.usage_logs (id, project_id, ts, model, provider, endpoint_name, prompt_tokens, completion_tokens, total_tokens,
      cached_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, latency_ms, status, error_type,
      session_id, user_id, stream, service_tier, metadata, sdk_name, sdk_version, input_cost, output_cost,
      total_cost, priced, pricing_model, pricing_version, unpriced_reason)
    select e.id, e.project_id, e.ts, e.model, e.provider, e.endpoint_name, e.prompt_tokens, e.completion_tokens, e.total_tokens, e.cached_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.reasoning_tokens, e.latency_ms, e.status, e.error_type, e.session_id, e.user_id, e.stream, e.service_tier, e.metadata, e.sdk_name, e.sdk_version, e.input_cost, e.output_cost, e.total_cost, e.priced, e.pricing_model, e.pricing_version, e.unpriced_reason
    from json_to_recordset(p_events) as e(id uuid, project_id uuid, ts timestamptz, model text, provider text,
      endpoint_name text, prompt_tokens int, completion_tokens int, total_tokens int, cached_tokens int,
      cache_write_tokens int, cache_write_1h_tokens int, reasoning_tokens int, latency_ms float8, status text,
      error_type text, session_id text, user_id text, stream bool, service_tier text, metadata jsonb,
      sdk_name text, sdk_version text, input_cost numeric, output_cost numeric, total_cost numeric, priced bool,
      pricing_model text, pricing_version bigint, unpriced_reason text)
    on conflict on constraint usage_logs_pkey do nothing
    -- Only what the rollups read: returning whole rows cost ~10 µs a row (15% of a batch's store).
    returning id, project_id, ts, model, endpoint_name, provider, status, priced, prompt_tokens,
      completion_tokens, total_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, total_cost, latency_ms
  ), hourly as (
    insert into public.usage_rollups_hourly as r (
      project_id, bucket, model, endpoint_name, provider, shard, requests, errors, unpriced_requests,
      prompt_tokens, completion_tokens, total_tokens, cached_tokens, cache_write_tokens,
      reasoning_tokens, cost, latency_sum, latency_count, latency_hist)
    select i.project_id, date_trunc('hour', i.ts, 'UTC'), i.model, i.endpoint_name, i.provider, v_shard,
           count(*), count(*) filter (where i.status = 'error'), count(*) filter (where not i.priced),
           sum(i.prompt_tokens), sum(i.completion_tokens), sum(i.total_tokens), sum(i.cached_tokens),
           sum(i.cache_write_tokens), sum(i.reasoning_tokens), coalesce(sum(i.total_cost), 0),
           coalesce(sum(i.latency_ms), 0), count(i.latency_ms), (select array_agg(coalesce(h.n, 0)::integer order by g.bucket)
              from generate_series(1, cardinality(public.latency_bounds())) as g(bucket)
              left join (select width_bucket(x, public.latency_bounds()) as bucket, count(*) as n
                         from unnest(array_agg(i.latency_ms)) as x where x is not null group by 1) h using (bucket))
    from ins i
    group by 1, 2, 3, 4, 5
    order by 1, 2, 3, 4, 5
    on conflict (project_id, bucket, model, endpoint_name, provider, shard) do update set
      requests = r.requests + excluded.requests,
      errors = r.errors + excluded.errors,
      unpriced_requests = r.unpriced_requests + excluded.unpriced_requests,
      prompt_tokens = r.prompt_tokens + excluded.prompt_tokens,
      completion_tokens = r.completion_tokens + excluded.completion_tokens,
      total_tokens = r.total_tokens + excluded.total_tokens,
      cached_tokens = r.cached_tokens + excluded.cached_tokens,
      cache_write_tokens = r.cache_write_tokens + excluded.cache_write_tokens,
      reasoning_tokens = r.reasoning_tokens + excluded.reasoning_tokens,
      cost = r.cost + excluded.cost,
      latency_sum = r.latency_sum + excluded.latency_sum,
      latency_count = r.latency_count + excluded.latency_count,
      latency_hist = (select array_agg(coalesce(x, 0) + coalesce(y, 0) order by n)
                      from unnest(r.latency_hist, excluded.latency_hist) with ordinality as t(x, y, n))
  ), daily as (
    insert into public.usage_rollups_daily as d (
      project_id, bucket, model, endpoint_name, provider, shard, requests, errors, unpriced_requests,
      prompt_tokens, completion_tokens, total_tokens, cached_tokens, cache_write_tokens,
      reasoning_tokens, cost, latency_sum, latency_count, latency_hist)
    select i.project_id, date_trunc('day', i.ts, 'UTC'), i.model, i.endpoint_name, i.provider, v_shard,
           count(*), count(*) filter (where i.status = 'error'), count(*) filter (where not i.priced),
           sum(i.prompt_tokens), sum(i.completion_tokens), sum(i.total_tokens), sum(i.cached_tokens),
           sum(i.cache_write_tokens), sum(i.reasoning_tokens), coalesce(sum(i.total_cost), 0),
           coalesce(sum(i.latency_ms), 0), count(i.latency_ms), (select array_agg(coalesce(h.n, 0)::integer order by g.bucket)
              from generate_series(1, cardinality(public.latency_bounds())) as g(bucket)
              left join (select width_bucket(x, public.latency_bounds()) as bucket, count(*) as n
                         from unnest(array_agg(i.latency_ms)) as x where x is not null group by 1) h using (bucket))
    from ins i
    group by 1, 2, 3, 4, 5
    order by 1, 2, 3, 4, 5
    on conflict (project_id, bucket, model, endpoint_name, provider, shard) do update set
      requests = d.requests + excluded.requests,
      errors = d.errors + excluded.errors,
      unpriced_requests = d.unpriced_requests + excluded.unpriced_requests,
      prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
      completion_tokens = d.completion_tokens + excluded.completion_tokens,
      total_tokens = d.total_tokens + excluded.total_tokens,
      cached_tokens = d.cached_tokens + excluded.cached_tokens,
      cache_write_tokens = d.cache_write_tokens + excluded.cache_write_tokens,
      reasoning_tokens = d.reasoning_tokens + excluded.reasoning_tokens,
      cost = d.cost + excluded.cost,
      latency_sum = d.latency_sum + excluded.latency_sum,
      latency_count = d.latency_count + excluded.latency_count,
      latency_hist = (select array_agg(coalesce(x, 0) + coalesce(y, 0) order by n)
                      from unnest(d.latency_hist, excluded.latency_hist) with ordinality as t(x, y, n))
  )
  select i.project_id, i.id from ins i;
end $$;
comment on function public.store_usage(json, smallint) is
  'Stores priced usage events (a JSON array of usage_logs rows) idempotently on (project_id, id), updates the rollups, returns the (project_id, id) pairs newly stored.';
revoke all on function public.store_usage(json, smallint) from public, anon, authenticated;

create or replace function public.reprice_usage(p_changes jsonb) returns integer
language plpgsql set search_path = '' as $$
declare
  changed integer;
begin
  -- Every CTE sees the rows as they were before the update, so `old` holds the old costs.
  with ch as (
    select * from jsonb_to_recordset(p_changes) as c(project_id uuid, id uuid, input_cost numeric, output_cost numeric,
      total_cost numeric, priced boolean, pricing_model text, pricing_version bigint, unpriced_reason text)
  ), old as (
    select l.id, l.project_id, l.ts, l.model, l.endpoint_name, l.provider, l.total_cost, l.priced
    from public.usage_logs l join ch on (ch.project_id, ch.id) = (l.project_id, l.id)
  ), upd as (
    update public.usage_logs u set input_cost = ch.input_cost, output_cost = ch.output_cost,
      total_cost = ch.total_cost, priced = ch.priced, pricing_model = ch.pricing_model,
      pricing_version = ch.pricing_version, unpriced_reason = ch.unpriced_reason
    from ch where (u.project_id, u.id) = (ch.project_id, ch.id)
    returning u.id
  ), delta as (
    select o.project_id, o.ts, o.model, o.endpoint_name, o.provider,
           coalesce(ch.total_cost, 0) - coalesce(o.total_cost, 0) as cost_delta,
           (not ch.priced)::int - (not o.priced)::int as unpriced_delta
    from old o join ch on (ch.project_id, ch.id) = (o.project_id, o.id)
  ), hourly as (
    -- The difference goes to one shard of each key (the lowest); readers sum over shards anyway.
    update public.usage_rollups_hourly r set cost = r.cost + d.cost_delta,
      unpriced_requests = r.unpriced_requests + d.unpriced_delta
    from (select project_id, date_trunc('hour', ts, 'UTC') as bucket, model, endpoint_name, provider,
                 sum(cost_delta) as cost_delta, sum(unpriced_delta) as unpriced_delta
          from delta group by 1, 2, 3, 4, 5) d
    where (r.project_id, r.bucket, r.model, r.endpoint_name, r.provider) = (d.project_id, d.bucket, d.model, d.endpoint_name, d.provider)
      and r.shard = (select min(s.shard) from public.usage_rollups_hourly s
                     where (s.project_id, s.bucket, s.model, s.endpoint_name, s.provider)
                         = (d.project_id, d.bucket, d.model, d.endpoint_name, d.provider))
  ), daily as (
    update public.usage_rollups_daily r set cost = r.cost + d.cost_delta,
      unpriced_requests = r.unpriced_requests + d.unpriced_delta
    from (select project_id, date_trunc('day', ts, 'UTC') as bucket, model, endpoint_name, provider,
                 sum(cost_delta) as cost_delta, sum(unpriced_delta) as unpriced_delta
          from delta group by 1, 2, 3, 4, 5) d
    where (r.project_id, r.bucket, r.model, r.endpoint_name, r.provider) = (d.project_id, d.bucket, d.model, d.endpoint_name, d.provider)
      and r.shard = (select min(s.shard) from public.usage_rollups_daily s
                     where (s.project_id, s.bucket, s.model, s.endpoint_name, s.provider)
                         = (d.project_id, d.bucket, d.model, d.endpoint_name, d.provider))
  )
  select count(*) into changed from upd;
  return changed;
end $$;
comment on function public.reprice_usage(jsonb) is
  'Applies new costs to usage_logs rows (a JSON array of {project_id, id, input_cost, output_cost, total_cost, priced, pricing_model, pricing_version}) and moves the differences into both rollup tables.';

-- What each reason means and how to fix it: one home, read by the API and by supabase-js alike.
create table public.unpriced_reasons (
  reason text primary key,
  meaning text not null,
  fix text not null
);
comment on table public.unpriced_reasons is 'The reasons a request can be unpriced (usage_logs.unpriced_reason) and the fix for each.';
insert into public.unpriced_reasons (reason, meaning, fix) values
  ('no_price_row', 'No price row matches this model name.',
   'Add a price for the model (Pricing page or `tokenoptimizer pricing set`), add the name as an alias of an existing row, or run `tokenoptimizer pricing sync`.'),
  ('service_tier_without_rate', 'The response named a service tier (priority, flex, batch…) that the model''s row has no rates for.',
   'Add the tier''s rates to the row''s service_tiers (PUT /api/pricing/<model>), or sync prices if LiteLLM lists them.'),
  ('non_token_unit', 'The model is billed per image, second or character, not per token, so token counts cannot price it.',
   'Nothing to add per token: track this model''s spend from the provider''s invoice, or set a token price for it if you agreed one.'),
  ('token_kind_without_rate', 'The row has no rate for a kind of token the request used (e.g. output tokens on an input-only row).',
   'Set the missing rate on the row (e.g. output_price), then `tokenoptimizer pricing reprice` the affected range.');
alter table public.unpriced_reasons enable row level security;
grant select on public.unpriced_reasons to authenticated;
create policy "Signed-in users can read the unpriced reasons" on public.unpriced_reasons
  for select to authenticated using (true);
-- A check, not a foreign key: a foreign key is a trigger on every ingested row.
alter table public.usage_logs add constraint usage_logs_unpriced_reason_check
  check (unpriced_reason in ('no_price_row', 'service_tier_without_rate', 'non_token_unit', 'token_kind_without_rate'));

-- GET /api/pricing/unpriced/reasons: unpriced requests of a range by reason, then model.
create function public.unpriced_by_reason(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null)
returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' as $$
declare
  result jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  with m as (
    select coalesce(l.unpriced_reason, 'no_price_row') as reason, l.model, count(*) as requests, max(l.ts) as last_seen
    from public.usage_logs l
    where l.project_id = p_project and not l.priced and l.ts >= p_from and l.ts < p_to
      and (p_model is null or l.model = p_model)
      and (p_endpoint_name is null or l.endpoint_name = p_endpoint_name)
      and (p_provider is null or l.provider = p_provider)
    group by 1, 2
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'reason', r.reason, 'meaning', r.meaning, 'fix', r.fix, 'requests', g.requests, 'models', g.models)
         order by g.requests desc, r.reason), '[]'::jsonb)
  into result
  from (select m.reason, sum(m.requests)::bigint as requests,
               jsonb_agg(jsonb_build_object('model', m.model, 'requests', m.requests, 'last_seen', m.last_seen)
                         order by m.requests desc, m.model) as models
        from m group by m.reason) g
  join public.unpriced_reasons r on r.reason = g.reason;
  return jsonb_build_object('reasons', result);
end $$;
comment on function public.unpriced_by_reason(uuid, timestamptz, timestamptz, text, text, text) is
  'GET /api/pricing/unpriced/reasons: unpriced requests in [from, to) by reason (with its fix), then by model.';
revoke all on function public.unpriced_by_reason(uuid, timestamptz, timestamptz, text, text, text) from public, anon;
grant execute on function public.unpriced_by_reason(uuid, timestamptz, timestamptz, text, text, text) to authenticated, service_role;
