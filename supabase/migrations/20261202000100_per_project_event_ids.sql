-- Event ids are unique within a project, not across projects (DESIGN.md: "An event id is unique
-- within its project; one project's ids never touch another's").
--
-- Before this migration usage_logs.id alone was the primary key, so when project B sent an id that
-- project A had already stored, B was answered {"accepted": 0, "duplicates": 1}: B's event was
-- lost, and B learned that the id existed elsewhere. The key is now (project_id, id).
-- Stored rows need no change: their ids were unique across all projects, so they are unique within
-- each. store_usage and ingest_usage now return (project_id, id), so a group commit that holds the
-- same id from two projects can tell whose row was stored; reprice_usage matches on both columns.

alter table public.usage_logs drop constraint usage_logs_pkey;
alter table public.usage_logs add constraint usage_logs_pkey primary key (project_id, id);
comment on constraint usage_logs_pkey on public.usage_logs is
  'The idempotency key: an event id repeated within a project is stored once; other projects'' ids never collide.';

-- A function's result type cannot change in place: drop the two (the API's only write path) and
-- create them again in the same transaction, so no writer ever sees them missing.
drop function public.ingest_usage(json, smallint, bigint[], uuid[]);
drop function public.store_usage(json, smallint);

create function public.store_usage(p_events json, p_shard smallint default null)
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
      total_cost, priced, pricing_model, pricing_version)
    select e.id, e.project_id, e.ts, e.model, e.provider, e.endpoint_name, e.prompt_tokens, e.completion_tokens, e.total_tokens, e.cached_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.reasoning_tokens, e.latency_ms, e.status, e.error_type, e.session_id, e.user_id, e.stream, e.service_tier, e.metadata, e.sdk_name, e.sdk_version, e.input_cost, e.output_cost, e.total_cost, e.priced, e.pricing_model, e.pricing_version
    from json_to_recordset(p_events) as e(id uuid, project_id uuid, ts timestamptz, model text, provider text,
      endpoint_name text, prompt_tokens int, completion_tokens int, total_tokens int, cached_tokens int,
      cache_write_tokens int, cache_write_1h_tokens int, reasoning_tokens int, latency_ms float8, status text,
      error_type text, session_id text, user_id text, stream bool, service_tier text, metadata jsonb,
      sdk_name text, sdk_version text, input_cost numeric, output_cost numeric, total_cost numeric, priced bool,
      pricing_model text, pricing_version bigint)
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

create function public.ingest_usage(p_events json, p_shard smallint, p_price_versions bigint[], p_key_ids uuid[])
returns table (project_id uuid, id uuid)
language plpgsql set search_path = '' as $$
#variable_conflict use_column
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
  return query select s.project_id, s.id from public.store_usage(p_events, p_shard) as s;
end $$;
comment on function public.ingest_usage(json, smallint, bigint[], uuid[]) is
  'The API write: checks that the keys are live and the prices current (SQLSTATE TOKEY / TOPRC otherwise), then store_usage; returns the (project_id, id) pairs newly stored.';
revoke all on function public.ingest_usage(json, smallint, bigint[], uuid[]) from public, anon, authenticated;

create or replace function public.reprice_usage(p_changes jsonb) returns integer
language plpgsql set search_path = '' as $$
declare
  changed integer;
begin
  -- Every CTE sees the rows as they were before the update, so `old` holds the old costs.
  with ch as (
    select * from jsonb_to_recordset(p_changes) as c(project_id uuid, id uuid, input_cost numeric, output_cost numeric,
      total_cost numeric, priced boolean, pricing_model text, pricing_version bigint)
  ), old as (
    select l.id, l.project_id, l.ts, l.model, l.endpoint_name, l.provider, l.total_cost, l.priced
    from public.usage_logs l join ch on (ch.project_id, ch.id) = (l.project_id, l.id)
  ), upd as (
    update public.usage_logs u set input_cost = ch.input_cost, output_cost = ch.output_cost,
      total_cost = ch.total_cost, priced = ch.priced, pricing_model = ch.pricing_model,
      pricing_version = ch.pricing_version
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
