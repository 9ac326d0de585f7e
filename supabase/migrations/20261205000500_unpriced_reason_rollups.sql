-- Unpriced requests counted by reason in rollups (issue 13 follow-up to issue 11): the Pricing
-- page's "unpriced reasons" read counted every unpriced usage_logs row of its range (0.8 s p95 at
-- 10M rows / 90 days). It now reads bounded data, tiered as usage_slices is: whole days from
-- usage_unpriced_daily, whole hours from usage_unpriced_hourly, the partial edge hours from the
-- unpriced rows themselves (usage_logs_unpriced_idx, at most an hour at each end).
--
-- Separate tables rather than four more counters on usage_rollups_*: store_usage only writes them
-- for unpriced rows, so a batch that is all priced (the usual case) does no extra writes; and a new
-- reason needs no new column. last_seen is kept per row so the read's per-model last_seen stays exact.
-- store_usage, reprice_usage and rebuild_usage_rollups are redefined to keep them; store_usage is
-- the latest definition (see the note above it) with two CTEs added.

create table public.usage_unpriced_hourly (
  project_id uuid not null references public.projects (id) on delete cascade,
  bucket timestamptz not null,
  model text not null,
  endpoint_name text not null,
  provider text not null,
  reason text not null,
  shard smallint not null default 0,
  requests bigint not null default 0,
  last_seen timestamptz,
  primary key (project_id, bucket, model, endpoint_name, provider, reason, shard)
);
comment on table public.usage_unpriced_hourly is
  'Per hour x project x model x endpoint x provider x unpriced_reason: how many unpriced requests, and the latest. Written with usage_logs rows; striped by shard like usage_rollups_hourly, readers sum.';
comment on column public.usage_unpriced_hourly.last_seen is
  'ts of the latest unpriced request of the row (null once re-pricing left none).';
create table public.usage_unpriced_daily (like public.usage_unpriced_hourly including defaults including constraints);
alter table public.usage_unpriced_daily add primary key (project_id, bucket, model, endpoint_name, provider, reason, shard);
alter table public.usage_unpriced_daily add foreign key (project_id) references public.projects (id) on delete cascade;
comment on table public.usage_unpriced_daily is 'Per UTC day, as usage_unpriced_hourly.';

alter table public.usage_unpriced_hourly enable row level security;
alter table public.usage_unpriced_daily enable row level security;
create policy "Members can read their projects' hourly unpriced counts" on public.usage_unpriced_hourly
  for select to authenticated using (project_id in (select public.projects_with_role()));
create policy "Members can read their projects' daily unpriced counts" on public.usage_unpriced_daily
  for select to authenticated using (project_id in (select public.projects_with_role()));
revoke all on public.usage_unpriced_hourly, public.usage_unpriced_daily from anon;
revoke insert, update, delete, truncate, references, trigger on public.usage_unpriced_hourly, public.usage_unpriced_daily from authenticated;

-- Rows already stored.
insert into public.usage_unpriced_hourly (project_id, bucket, model, endpoint_name, provider, reason, shard, requests, last_seen)
select l.project_id, date_trunc('hour', l.ts, 'UTC'), l.model, l.endpoint_name, l.provider,
       coalesce(l.unpriced_reason, 'no_price_row'), 0, count(*), max(l.ts)
from public.usage_logs l where not l.priced group by 1, 2, 3, 4, 5, 6;
insert into public.usage_unpriced_daily (project_id, bucket, model, endpoint_name, provider, reason, shard, requests, last_seen)
select h.project_id, date_trunc('day', h.bucket, 'UTC'), h.model, h.endpoint_name, h.provider, h.reason, 0,
       sum(h.requests), max(h.last_seen)
from public.usage_unpriced_hourly h group by 1, 2, 3, 4, 5, 6;

-- store_usage: the body of 20261205000400_request_features.sql with unpriced_reason returned and the two
-- unpriced CTEs added (only rows with not priced reach them).
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
      total_cost, priced, pricing_model, pricing_version, unpriced_reason, tools, json_output, images, prefix_hash,
      prefix_chars)
    select e.id, e.project_id, e.ts, e.model, e.provider, e.endpoint_name, e.prompt_tokens, e.completion_tokens, e.total_tokens, e.cached_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.reasoning_tokens, e.latency_ms, e.status, e.error_type, e.session_id, e.user_id, e.stream, e.service_tier, e.metadata, e.sdk_name, e.sdk_version, e.input_cost, e.output_cost, e.total_cost, e.priced, e.pricing_model, e.pricing_version, e.unpriced_reason,
      e.tools, e.json_output, e.images, e.prefix_hash, e.prefix_chars
    from json_to_recordset(p_events) as e(id uuid, project_id uuid, ts timestamptz, model text, provider text,
      endpoint_name text, prompt_tokens int, completion_tokens int, total_tokens int, cached_tokens int,
      cache_write_tokens int, cache_write_1h_tokens int, reasoning_tokens int, latency_ms float8, status text,
      error_type text, session_id text, user_id text, stream bool, service_tier text, metadata jsonb,
      sdk_name text, sdk_version text, input_cost numeric, output_cost numeric, total_cost numeric, priced bool,
      pricing_model text, pricing_version bigint, unpriced_reason text, tools smallint, json_output bool,
      images smallint, prefix_hash text, prefix_chars int)
    on conflict on constraint usage_logs_pkey do nothing
    -- Only what the rollups read: returning whole rows cost ~10 µs a row (15% of a batch's store).
    returning id, project_id, ts, model, endpoint_name, provider, status, priced, unpriced_reason, prompt_tokens,
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
  ), unpriced_hourly as (
    insert into public.usage_unpriced_hourly as uh (project_id, bucket, model, endpoint_name, provider, reason, shard, requests, last_seen)
    select i.project_id, date_trunc('hour', i.ts, 'UTC'), i.model, i.endpoint_name, i.provider,
           coalesce(i.unpriced_reason, 'no_price_row'), v_shard, count(*), max(i.ts)
    from ins i
    where not i.priced
    group by 1, 2, 3, 4, 5, 6
    order by 1, 2, 3, 4, 5, 6
    on conflict (project_id, bucket, model, endpoint_name, provider, reason, shard) do update set
      requests = uh.requests + excluded.requests,
      last_seen = greatest(uh.last_seen, excluded.last_seen)
  ), unpriced_daily as (
    insert into public.usage_unpriced_daily as ud (project_id, bucket, model, endpoint_name, provider, reason, shard, requests, last_seen)
    select i.project_id, date_trunc('day', i.ts, 'UTC'), i.model, i.endpoint_name, i.provider,
           coalesce(i.unpriced_reason, 'no_price_row'), v_shard, count(*), max(i.ts)
    from ins i
    where not i.priced
    group by 1, 2, 3, 4, 5, 6
    order by 1, 2, 3, 4, 5, 6
    on conflict (project_id, bucket, model, endpoint_name, provider, reason, shard) do update set
      requests = ud.requests + excluded.requests,
      last_seen = greatest(ud.last_seen, excluded.last_seen)
  )
  select i.project_id, i.id from ins i;
end $$;

revoke all on function public.store_usage(json, smallint) from public, anon, authenticated;

-- reprice_usage: the body of 20261202000310_unpriced_reasons.sql, plus moving each changed row's
-- count from its old reason to its new one (to shard 0 of each key: readers sum over shards, so a
-- negative shard-0 row is fine), then last_seen recomputed for the keys it touched.
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
    select l.id, l.project_id, l.ts, l.model, l.endpoint_name, l.provider, l.total_cost, l.priced, l.unpriced_reason
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
  ), moves as (
    select o.project_id, o.ts, o.model, o.endpoint_name, o.provider,
           coalesce(o.unpriced_reason, 'no_price_row') as reason, -1 as n
    from old o where not o.priced
    union all
    select o.project_id, o.ts, o.model, o.endpoint_name, o.provider,
           coalesce(ch.unpriced_reason, 'no_price_row'), 1
    from old o join ch on (ch.project_id, ch.id) = (o.project_id, o.id) where not ch.priced
  ), unpriced_hourly as (
    insert into public.usage_unpriced_hourly as u (project_id, bucket, model, endpoint_name, provider, reason, shard, requests, last_seen)
    select m.project_id, date_trunc('hour', m.ts, 'UTC'), m.model, m.endpoint_name, m.provider, m.reason, 0,
           sum(m.n), max(m.ts) filter (where m.n > 0)
    from moves m group by 1, 2, 3, 4, 5, 6 having sum(m.n) <> 0
    on conflict (project_id, bucket, model, endpoint_name, provider, reason, shard) do update set
      requests = u.requests + excluded.requests, last_seen = greatest(u.last_seen, excluded.last_seen)
  ), unpriced_daily as (
    insert into public.usage_unpriced_daily as u (project_id, bucket, model, endpoint_name, provider, reason, shard, requests, last_seen)
    select m.project_id, date_trunc('day', m.ts, 'UTC'), m.model, m.endpoint_name, m.provider, m.reason, 0,
           sum(m.n), max(m.ts) filter (where m.n > 0)
    from moves m group by 1, 2, 3, 4, 5, 6 having sum(m.n) <> 0
    on conflict (project_id, bucket, model, endpoint_name, provider, reason, shard) do update set
      requests = u.requests + excluded.requests, last_seen = greatest(u.last_seen, excluded.last_seen)
  )
  select count(*) into changed from upd;
  -- A row that became priced may have been its key's latest: read last_seen again from the rows
  -- (this statement sees the update above; the partial index on unpriced rows keeps it short).
  update public.usage_unpriced_hourly u set last_seen = (
      select max(l.ts) from public.usage_logs l
      where l.project_id = u.project_id and l.model = u.model and not l.priced
        and l.ts >= u.bucket and l.ts < u.bucket + interval '1 hour'
        and l.endpoint_name = u.endpoint_name and l.provider = u.provider
        and coalesce(l.unpriced_reason, 'no_price_row') = u.reason)
  from (select distinct l.project_id, date_trunc('hour', l.ts, 'UTC') as bucket, l.model, l.endpoint_name, l.provider
        from jsonb_to_recordset(p_changes) as c(project_id uuid, id uuid)
        join public.usage_logs l on (l.project_id, l.id) = (c.project_id, c.id)) k
  where (u.project_id, u.bucket, u.model, u.endpoint_name, u.provider) = (k.project_id, k.bucket, k.model, k.endpoint_name, k.provider);
  update public.usage_unpriced_daily u set last_seen = (
      select max(h.last_seen) from public.usage_unpriced_hourly h
      where (h.project_id, h.model, h.endpoint_name, h.provider, h.reason) = (u.project_id, u.model, u.endpoint_name, u.provider, u.reason)
        and h.bucket >= u.bucket and h.bucket < u.bucket + interval '1 day')
  from (select distinct l.project_id, date_trunc('day', l.ts, 'UTC') as bucket, l.model, l.endpoint_name, l.provider
        from jsonb_to_recordset(p_changes) as c(project_id uuid, id uuid)
        join public.usage_logs l on (l.project_id, l.id) = (c.project_id, c.id)) k
  where (u.project_id, u.bucket, u.model, u.endpoint_name, u.provider) = (k.project_id, k.bucket, k.model, k.endpoint_name, k.provider);
  return changed;
end $$;
comment on function public.reprice_usage(jsonb) is
  'Applies new costs to usage_logs rows (a JSON array of {project_id, id, input_cost, output_cost, total_cost, priced, pricing_model, pricing_version, unpriced_reason}) and moves the differences into the rollup and unpriced-count tables.';
revoke all on function public.reprice_usage(jsonb) from public, anon, authenticated;

-- rebuild_usage_rollups: the body of 20261123000300_ingest_function.sql, plus the unpriced counts.
create or replace function public.rebuild_usage_rollups() returns void
language plpgsql set search_path = '' as $$
begin
  lock table public.usage_logs in share mode;
  -- Truncate (no delete triggers fire), then plain inserts: every key is new.
  truncate public.usage_rollups_hourly, public.usage_rollups_daily, public.usage_unpriced_hourly, public.usage_unpriced_daily;
  insert into public.usage_rollups_hourly (
      project_id, bucket, model, endpoint_name, provider, shard, requests, errors, unpriced_requests,
      prompt_tokens, completion_tokens, total_tokens, cached_tokens, cache_write_tokens,
      reasoning_tokens, cost, latency_sum, latency_count, latency_hist)
    select i.project_id, date_trunc('hour', i.ts, 'UTC'), i.model, i.endpoint_name, i.provider, 0::smallint,
           count(*), count(*) filter (where i.status = 'error'), count(*) filter (where not i.priced),
           sum(i.prompt_tokens), sum(i.completion_tokens), sum(i.total_tokens), sum(i.cached_tokens),
           sum(i.cache_write_tokens), sum(i.reasoning_tokens), coalesce(sum(i.total_cost), 0),
           coalesce(sum(i.latency_ms), 0), count(i.latency_ms), public.latency_histogram(array_agg(i.latency_ms))
    from public.usage_logs i
    group by 1, 2, 3, 4, 5
    order by 1, 2, 3, 4, 5;
  insert into public.usage_rollups_daily (
      project_id, bucket, model, endpoint_name, provider, shard, requests, errors, unpriced_requests,
      prompt_tokens, completion_tokens, total_tokens, cached_tokens, cache_write_tokens,
      reasoning_tokens, cost, latency_sum, latency_count, latency_hist)
    select i.project_id, date_trunc('day', i.ts, 'UTC'), i.model, i.endpoint_name, i.provider, 0::smallint,
           count(*), count(*) filter (where i.status = 'error'), count(*) filter (where not i.priced),
           sum(i.prompt_tokens), sum(i.completion_tokens), sum(i.total_tokens), sum(i.cached_tokens),
           sum(i.cache_write_tokens), sum(i.reasoning_tokens), coalesce(sum(i.total_cost), 0),
           coalesce(sum(i.latency_ms), 0), count(i.latency_ms), public.latency_histogram(array_agg(i.latency_ms))
    from public.usage_logs i
    group by 1, 2, 3, 4, 5
    order by 1, 2, 3, 4, 5;
  insert into public.usage_unpriced_hourly (project_id, bucket, model, endpoint_name, provider, reason, shard, requests, last_seen)
    select l.project_id, date_trunc('hour', l.ts, 'UTC'), l.model, l.endpoint_name, l.provider,
           coalesce(l.unpriced_reason, 'no_price_row'), 0, count(*), max(l.ts)
    from public.usage_logs l where not l.priced group by 1, 2, 3, 4, 5, 6;
  insert into public.usage_unpriced_daily (project_id, bucket, model, endpoint_name, provider, reason, shard, requests, last_seen)
    select h.project_id, date_trunc('day', h.bucket, 'UTC'), h.model, h.endpoint_name, h.provider, h.reason, 0,
           sum(h.requests), max(h.last_seen)
    from public.usage_unpriced_hourly h group by 1, 2, 3, 4, 5, 6;
end $$;
comment on function public.rebuild_usage_rollups() is
  'Recomputes the rollup and unpriced-count tables from usage_logs; for bulk loads (COPY) that bypass store_usage.';
revoke all on function public.rebuild_usage_rollups() from public, anon, authenticated;

-- Unpriced (reason, model) counts covering [from, to) once: whole days, whole hours, edge rows.
create function public.unpriced_reason_slices(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text, p_endpoint_name text, p_provider text)
returns table (reason text, model text, requests bigint, last_seen timestamptz)
language plpgsql stable set search_path = '' as $$
#variable_conflict use_column
declare
  -- [h1, h2): whole hours; [d1, d2): whole days inside them.
  h1 timestamptz := case when date_trunc('hour', p_from, 'UTC') = p_from then p_from
                         else date_trunc('hour', p_from, 'UTC') + interval '1 hour' end;
  h2 timestamptz := greatest(date_trunc('hour', p_to, 'UTC'), h1);
  d1 timestamptz := case when date_trunc('day', h1, 'UTC') = h1 then h1
                         else date_trunc('day', h1, 'UTC') + interval '1 day' end;
  d2 timestamptz := greatest(date_trunc('day', h2, 'UTC'), d1);
begin
  return query
  select d.reason, d.model, d.requests, d.last_seen from public.usage_unpriced_daily d
  where d.project_id = p_project and d.bucket >= d1 and d.bucket < d2
    and (p_model is null or d.model = p_model)
    and (p_endpoint_name is null or d.endpoint_name = p_endpoint_name)
    and (p_provider is null or d.provider = p_provider)
  union all
  select h.reason, h.model, h.requests, h.last_seen from public.usage_unpriced_hourly h
  where h.project_id = p_project
    and ((h.bucket >= h1 and h.bucket < least(d1, h2)) or (h.bucket >= greatest(d2, h1) and h.bucket < h2))
    and (p_model is null or h.model = p_model)
    and (p_endpoint_name is null or h.endpoint_name = p_endpoint_name)
    and (p_provider is null or h.provider = p_provider)
  union all
  -- Edge rows: unpriced rows only, through usage_logs_unpriced_idx (project_id, ts) where not priced.
  select coalesce(l.unpriced_reason, 'no_price_row'), l.model, count(*), max(l.ts)
  from (
    select * from public.usage_logs e
    where e.project_id = p_project and not e.priced and e.ts >= p_from and e.ts < least(h1, p_to)
    union all
    select * from public.usage_logs e
    where e.project_id = p_project and not e.priced and e.ts >= greatest(h2, p_from) and e.ts < p_to
  ) l
  where (p_model is null or l.model = p_model)
    and (p_endpoint_name is null or l.endpoint_name = p_endpoint_name)
    and (p_provider is null or l.provider = p_provider)
  group by 1, 2;
end $$;
comment on function public.unpriced_reason_slices(uuid, timestamptz, timestamptz, text, text, text) is
  'Unpriced request counts and latest ts per (reason, model) covering [from, to) once: daily, hourly, then edge rows.';
-- Invoker, like the reads that call it: row-level security fences it (tenancy fence sweep).
revoke all on function public.unpriced_reason_slices(uuid, timestamptz, timestamptz, text, text, text) from public, anon;
grant execute on function public.unpriced_reason_slices(uuid, timestamptz, timestamptz, text, text, text) to authenticated, service_role;

-- GET /api/pricing/unpriced/reasons: the same JSON as before, from the counts above.
create or replace function public.unpriced_by_reason(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null)
returns jsonb
language plpgsql stable security invoker set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  result jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  with m as (
    select s.reason, s.model, sum(s.requests)::bigint as requests, max(s.last_seen) as last_seen
    from public.unpriced_reason_slices(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider) s
    group by 1, 2
    having sum(s.requests) > 0  -- re-pricing can leave rows that net to zero
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
  'GET /api/pricing/unpriced/reasons: unpriced requests in [from, to) by reason (with its fix), then by model; read from the unpriced-count rollups.';
