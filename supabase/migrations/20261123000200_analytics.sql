-- Dashboard analytics, written once: SQL functions that return the exact JSON shapes of
-- docs/api.md, called by the Flask API (local, self-hosted) and by supabase-js `rpc` (hosted).
--
-- Reads come from rollups, never from a scan of usage_logs, so they stay fast at millions of
-- rows. A range [from, to) is cut into three tiers, each counted once:
--   * whole UTC days           -> usage_rollups_daily (this migration)
--   * whole UTC hours          -> usage_rollups_hourly
--   * the partial edge hours   -> usage_logs rows (at most one hour at each end, read by index),
--                                 or the hour's rollup when no row of it lies outside the range
-- so totals are exact for any from/to, including the hour that is still running.
-- Otherwise only the logs page, sessions and first/last-seen timestamps read usage_logs rows.
--
-- Money stays numeric and leaves as a JSON string without trailing zeros (one value, one
-- spelling: "0.0013", "0"); counts are numbers. A cost is null when a set of requests has none
-- priced ("unknown", never 0). Times are UTC ISO 8601.
-- Every function takes the project and filters by it; team row-level security arrives later,
-- until then any signed-in user who knows a project id can read it through these functions.


-- Daily rollups -------------------------------------------------------------------------------

create table public.usage_rollups_daily (like public.usage_rollups_hourly including defaults including constraints);
alter table public.usage_rollups_daily
  drop column shard,  -- the hourly table stripes rows for concurrent writers; one row per day is enough here
  add primary key (project_id, bucket, model, endpoint_name, provider),
  add foreign key (project_id) references public.projects (id) on delete cascade;
comment on table public.usage_rollups_daily is
  'Per UTC day sums of usage_rollups_hourly, so 30- and 90-day dashboards read ~24x fewer rows; written with the hourly rows.';
comment on column public.usage_rollups_daily.bucket is 'Start of the UTC day.';
alter table public.usage_rollups_daily enable row level security;

create function public.int_array_neg(a integer[]) returns integer[]
language sql immutable parallel safe set search_path = '' as $$
  select array_agg(-x order by i) from unnest(a) with ordinality as t(x, i)
$$;

create aggregate public.int_array_sum(integer[]) (sfunc = public.int_array_add, stype = integer[]);
comment on aggregate public.int_array_sum(integer[]) is 'Element-wise sum of latency histograms (for triggers; reads use explicit sums, which are faster).';

-- One function for insert, update and delete on the hourly table: the daily row moves by
-- (new rows) - (old rows). Updates carry over only rows whose request count is unchanged,
-- i.e. re-pricing (cost, unpriced_requests): new requests reach the daily table from whoever
-- writes them into the hourly table (public.store_usage and rebuild_usage_rollups() in the
-- ingest migration write both tables), and counting their hourly upserts here too would
-- count them twice.
create function public.rollup_hourly_into_daily() returns trigger
language plpgsql set search_path = '' as $$
declare
  changes text := case tg_op
    when 'INSERT' then 'select false as gone, * from new_rows'
    when 'DELETE' then 'select true as gone, * from old_rows'
    else 'select false as gone, n.* from new_rows n join old_rows o using (project_id, bucket, model, endpoint_name, provider, shard)
          where n.requests = o.requests
          union all
          select true, o.* from old_rows o join new_rows n using (project_id, bucket, model, endpoint_name, provider, shard)
          where n.requests = o.requests' end;
begin
  execute format($sql$
    insert into public.usage_rollups_daily as d (
      project_id, bucket, model, endpoint_name, provider, requests, errors, unpriced_requests,
      prompt_tokens, completion_tokens, total_tokens, cached_tokens, cache_write_tokens,
      reasoning_tokens, cost, latency_sum, latency_count, latency_hist)
    select project_id, date_trunc('day', bucket, 'UTC'), model, endpoint_name, provider,
           sum(case when gone then -requests else requests end),
           sum(case when gone then -errors else errors end),
           sum(case when gone then -unpriced_requests else unpriced_requests end),
           sum(case when gone then -prompt_tokens else prompt_tokens end),
           sum(case when gone then -completion_tokens else completion_tokens end),
           sum(case when gone then -total_tokens else total_tokens end),
           sum(case when gone then -cached_tokens else cached_tokens end),
           sum(case when gone then -cache_write_tokens else cache_write_tokens end),
           sum(case when gone then -reasoning_tokens else reasoning_tokens end),
           sum(case when gone then -cost else cost end),
           sum(case when gone then -latency_sum else latency_sum end),
           sum(case when gone then -latency_count else latency_count end),
           public.int_array_sum(case when gone then public.int_array_neg(latency_hist) else latency_hist end)
    from (%s) c
    group by 1, 2, 3, 4, 5
    on conflict (project_id, bucket, model, endpoint_name, provider) do update set
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
      latency_hist = public.int_array_add(d.latency_hist, excluded.latency_hist)
  $sql$, changes);
  return null;
end $$;

create trigger usage_rollups_hourly_daily_insert after insert on public.usage_rollups_hourly
  referencing new table as new_rows for each statement execute function public.rollup_hourly_into_daily();
create trigger usage_rollups_hourly_daily_update after update on public.usage_rollups_hourly
  referencing old table as old_rows new table as new_rows for each statement
  execute function public.rollup_hourly_into_daily();
create trigger usage_rollups_hourly_daily_delete after delete on public.usage_rollups_hourly
  referencing old table as old_rows for each statement execute function public.rollup_hourly_into_daily();

-- Databases that already hold usage get their daily rows now.
insert into public.usage_rollups_daily (
  project_id, bucket, model, endpoint_name, provider, requests, errors, unpriced_requests,
  prompt_tokens, completion_tokens, total_tokens, cached_tokens, cache_write_tokens,
  reasoning_tokens, cost, latency_sum, latency_count, latency_hist)
select project_id, date_trunc('day', bucket, 'UTC'), model, endpoint_name, provider, sum(requests),
       sum(errors), sum(unpriced_requests), sum(prompt_tokens), sum(completion_tokens), sum(total_tokens),
       sum(cached_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost), sum(latency_sum),
       sum(latency_count), public.int_array_sum(latency_hist)
from public.usage_rollups_hourly
group by 1, 2, 3, 4, 5;

-- first_seen / last_seen of unpriced models are two index probes per model with this.
create index usage_logs_unpriced_ts_idx on public.usage_logs (project_id, model, ts) where not priced;

-- The reads below sum histograms with one explicit sum per bucket (~7x faster than an
-- element-wise array aggregate); this guard fails the migration if the bucket list ever changes size.
do $$
begin
  if cardinality(public.latency_bounds()) <> 26 then
    raise exception 'latency_bounds() has % buckets; update the histogram sums in this migration',
      cardinality(public.latency_bounds());
  end if;
end $$;


-- Internal building blocks (not callable by clients) ------------------------------------------

-- Percentile from histogram counts, interpolating linearly inside the bucket that holds the
-- q-th request; the open last bucket (>= 120 s) reports its lower bound.
create function public.latency_percentile(p_hist bigint[], p_q double precision) returns double precision
language sql immutable parallel safe set search_path = '' as $$
  with h as (
    select u.i, u.n::double precision as n,
           sum(u.n) over (order by u.i)::double precision as cum,
           b.bounds[u.i] as lo, b.bounds[u.i + 1] as hi
    from unnest(p_hist) with ordinality as u(n, i), (select public.latency_bounds() as bounds) b
  ), t as (select sum(n) * p_q as rank, sum(n) as total from h)
  select case when h.hi is null then h.lo else h.lo + (h.hi - h.lo) * (t.rank - (h.cum - h.n)) / h.n end
  from h, t
  where t.total > 0 and h.n > 0 and h.cum >= t.rank
  order by h.i
  limit 1
$$;
comment on function public.latency_percentile(bigint[], double precision) is
  'q-th latency (0 < q <= 1) from counts per latency_bounds() bucket, linearly interpolated inside the bucket; null when empty.';

-- Rollup-shaped rows that together cover [p_from, p_to) exactly once (see the header).
-- p_days = false keeps hour resolution (hourly time series). unpriced_tokens is exact for
-- raw rows and for rollup rows that are all priced or all unpriced, null when mixed.
create function public.usage_slices(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text, p_endpoint_name text,
  p_provider text, p_days boolean)
returns table (
  bucket timestamptz, span interval, model text, endpoint_name text, provider text,
  requests bigint, errors bigint, unpriced_requests bigint, prompt_tokens bigint,
  completion_tokens bigint, total_tokens bigint, cached_tokens bigint, unpriced_tokens bigint,
  cost numeric, latency_sum double precision, latency_count bigint, latency_hist integer[])
language plpgsql stable parallel safe set search_path = '' as $$
#variable_conflict use_column
declare
  -- [h1, h2): whole hours; [d1, d2): whole days inside them (empty unless p_days).
  h1 timestamptz := case when date_trunc('hour', p_from, 'UTC') = p_from then p_from
                         else date_trunc('hour', p_from, 'UTC') + interval '1 hour' end;
  h2 timestamptz := greatest(date_trunc('hour', p_to, 'UTC'), h1);
  d1 timestamptz;
  d2 timestamptz;
begin
  -- An edge hour with no stored row outside [from, to) is read whole from the rollups (exact,
  -- and the usual case for to = now): one index probe instead of an hour of rows.
  if p_from > date_trunc('hour', p_from, 'UTC') and date_trunc('hour', p_from, 'UTC') + interval '1 hour' <= p_to
     and not exists (select from public.usage_logs e where e.project_id = p_project
                     and e.ts >= date_trunc('hour', p_from, 'UTC') and e.ts < p_from) then
    h1 := date_trunc('hour', p_from, 'UTC');
  end if;
  if p_to > date_trunc('hour', p_to, 'UTC') and date_trunc('hour', p_to, 'UTC') >= h1
     and not exists (select from public.usage_logs e where e.project_id = p_project
                     and e.ts >= p_to and e.ts < date_trunc('hour', p_to, 'UTC') + interval '1 hour') then
    h2 := date_trunc('hour', p_to, 'UTC') + interval '1 hour';
  end if;
  d1 := case when not p_days then 'infinity'::timestamptz
             when date_trunc('day', h1, 'UTC') = h1 then h1
             else date_trunc('day', h1, 'UTC') + interval '1 day' end;
  d2 := greatest(date_trunc('day', h2, 'UTC'), d1);
  -- Plain range conditions per branch, so each one is an index range scan.
  return query
  select d.bucket, interval '1 day', d.model, d.endpoint_name, d.provider, d.requests, d.errors,
         d.unpriced_requests, d.prompt_tokens, d.completion_tokens, d.total_tokens, d.cached_tokens,
         case when d.unpriced_requests = 0 then 0 when d.unpriced_requests = d.requests then d.total_tokens end,
         d.cost, d.latency_sum, d.latency_count, d.latency_hist
  from public.usage_rollups_daily d
  where d.project_id = p_project and d.bucket >= d1 and d.bucket < d2
    and (p_model is null or d.model = p_model)
    and (p_endpoint_name is null or d.endpoint_name = p_endpoint_name)
    and (p_provider is null or d.provider = p_provider)
  union all
  select hr.bucket, interval '1 hour', hr.model, hr.endpoint_name, hr.provider, hr.requests, hr.errors,
         hr.unpriced_requests, hr.prompt_tokens, hr.completion_tokens, hr.total_tokens, hr.cached_tokens,
         case when hr.unpriced_requests = 0 then 0 when hr.unpriced_requests = hr.requests then hr.total_tokens end,
         hr.cost, hr.latency_sum, hr.latency_count, hr.latency_hist
  from public.usage_rollups_hourly hr
  where hr.project_id = p_project
    and ((hr.bucket >= h1 and hr.bucket < least(d1, h2)) or (hr.bucket >= greatest(d2, h1) and hr.bucket < h2))
    and (p_model is null or hr.model = p_model)
    and (p_endpoint_name is null or hr.endpoint_name = p_endpoint_name)
    and (p_provider is null or hr.provider = p_provider)
  union all
  select date_trunc('hour', l.ts, 'UTC'), interval '1 hour', l.model, l.endpoint_name, l.provider,
         count(*), count(*) filter (where l.status = 'error'), count(*) filter (where not l.priced),
         sum(l.prompt_tokens), sum(l.completion_tokens), sum(l.total_tokens), sum(l.cached_tokens),
         coalesce(sum(l.total_tokens) filter (where not l.priced), 0), coalesce(sum(l.total_cost), 0),
         coalesce(sum(l.latency_ms), 0), count(l.latency_ms), public.latency_histogram(array_agg(l.latency_ms))
  from (
    select * from public.usage_logs e
    where e.project_id = p_project and e.ts >= p_from and e.ts < least(h1, p_to)
    union all
    select * from public.usage_logs e
    where e.project_id = p_project and e.ts >= greatest(h2, p_from) and e.ts < p_to
  ) l
  where (p_model is null or l.model = p_model)
    and (p_endpoint_name is null or l.endpoint_name = p_endpoint_name)
    and (p_provider is null or l.provider = p_provider)
  group by 1, 3, 4, 5;
end $$;
comment on function public.usage_slices(uuid, timestamptz, timestamptz, text, text, text, boolean) is
  'Rollup-shaped rows covering [from, to) once: daily rollups for whole days, hourly for whole hours, usage_logs for partial edge hours.';

-- Sums per group ('total' = one group, or model / endpoint_name / provider) with the histogram.
create function public.usage_groups(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text, p_endpoint_name text,
  p_provider text, p_by text)
returns table (
  key text, requests bigint, errors bigint, unpriced_requests bigint, prompt_tokens bigint,
  completion_tokens bigint, total_tokens bigint, cached_tokens bigint, cost numeric,
  latency_sum double precision, latency_count bigint, latency_hist bigint[])
language sql stable parallel safe set search_path = '' as $$
  select case p_by when 'model' then s.model when 'endpoint_name' then s.endpoint_name
                   when 'provider' then s.provider end,
         coalesce(sum(s.requests), 0)::bigint, coalesce(sum(s.errors), 0)::bigint,
         coalesce(sum(s.unpriced_requests), 0)::bigint, coalesce(sum(s.prompt_tokens), 0)::bigint,
         coalesce(sum(s.completion_tokens), 0)::bigint, coalesce(sum(s.total_tokens), 0)::bigint,
         coalesce(sum(s.cached_tokens), 0)::bigint, coalesce(sum(s.cost), 0),
         coalesce(sum(s.latency_sum), 0), coalesce(sum(s.latency_count), 0)::bigint,
         array[sum(s.latency_hist[1]), sum(s.latency_hist[2]), sum(s.latency_hist[3]), sum(s.latency_hist[4]),
               sum(s.latency_hist[5]), sum(s.latency_hist[6]), sum(s.latency_hist[7]), sum(s.latency_hist[8]),
               sum(s.latency_hist[9]), sum(s.latency_hist[10]), sum(s.latency_hist[11]), sum(s.latency_hist[12]),
               sum(s.latency_hist[13]), sum(s.latency_hist[14]), sum(s.latency_hist[15]), sum(s.latency_hist[16]),
               sum(s.latency_hist[17]), sum(s.latency_hist[18]), sum(s.latency_hist[19]), sum(s.latency_hist[20]),
               sum(s.latency_hist[21]), sum(s.latency_hist[22]), sum(s.latency_hist[23]), sum(s.latency_hist[24]),
               sum(s.latency_hist[25]), sum(s.latency_hist[26])]::bigint[]
  from public.usage_slices(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, true) s
  group by 1
$$;
comment on function public.usage_groups(uuid, timestamptz, timestamptz, text, text, text, text) is
  'Sums and latency histogram per group (total, model, endpoint_name or provider) over [from, to).';

-- The cost of a set of requests: null when there are requests and none is priced.
create function public.cost_json(p_cost numeric, p_requests bigint, p_unpriced bigint) returns jsonb
language sql immutable parallel safe set search_path = '' as $$
  select case when p_requests > 0 and p_unpriced = p_requests then 'null'::jsonb else to_jsonb(trim_scale(p_cost)::text) end
$$;

create function public.usage_totals_json(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text, p_endpoint_name text, p_provider text)
returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object(
    'requests', coalesce(g.requests, 0), 'errors', coalesce(g.errors, 0),
    'error_rate', case when g.requests > 0 then g.errors::double precision / g.requests end,
    'prompt_tokens', coalesce(g.prompt_tokens, 0), 'completion_tokens', coalesce(g.completion_tokens, 0),
    'total_tokens', coalesce(g.total_tokens, 0), 'cached_tokens', coalesce(g.cached_tokens, 0),
    'cost', public.cost_json(coalesce(g.cost, 0), coalesce(g.requests, 0), coalesce(g.unpriced_requests, 0)),
    'unpriced_requests', coalesce(g.unpriced_requests, 0),
    'avg_latency_ms', case when g.latency_count > 0 then g.latency_sum / g.latency_count end,
    'p95_latency_ms', public.latency_percentile(g.latency_hist, 0.95))
  from (select 1) one
  left join public.usage_groups(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, 'total') g on true
$$;

create function public.fraction_change(p_now numeric, p_before numeric) returns double precision
language sql immutable parallel safe set search_path = '' as $$
  select case when p_before is null or p_before = 0 then null
              else ((coalesce(p_now, 0) - p_before) / p_before)::double precision end
$$;

-- Arguments every public read checks the same way.
create function public.check_read_args(p_project uuid, p_from timestamptz, p_to timestamptz) returns void
language plpgsql stable set search_path = '' as $$
begin
  if p_project is null then
    raise exception using errcode = '22023', column = 'project', message = 'project is required';
  end if;
  if p_from is null or p_to is null or not (p_from < p_to) then
    raise exception using errcode = '22023', column = 'from', message = 'from must be before to';
  end if;
  if p_from < '1970-01-01'::timestamptz or p_to > '2200-01-01'::timestamptz then
    raise exception using errcode = '22023', column = 'from', message = 'from and to must lie between 1970 and 2200';
  end if;
end $$;


-- Public reads ---------------------------------------------------------------------------------

create function public.usage_summary(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null)
returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  cur jsonb;
  prev jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  cur := public.usage_totals_json(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider);
  prev := public.usage_totals_json(p_project, p_from - (p_to - p_from), p_from, p_model, p_endpoint_name, p_provider);
  return jsonb_build_object(
    'from', p_from, 'to', p_to, 'totals', cur, 'previous', prev,
    'change', jsonb_build_object(
      'requests', public.fraction_change((cur ->> 'requests')::numeric, (prev ->> 'requests')::numeric),
      'total_tokens', public.fraction_change((cur ->> 'total_tokens')::numeric, (prev ->> 'total_tokens')::numeric),
      'cost', public.fraction_change((cur ->> 'cost')::numeric, (prev ->> 'cost')::numeric)));
end $$;
comment on function public.usage_summary(uuid, timestamptz, timestamptz, text, text, text) is
  'GET /api/dashboard: totals over [from, to), the same for the equal period before, and the fractional change.';

create function public.usage_timeseries(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null, p_bucket text default 'day')
returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  step interval;
  result jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  if p_bucket is null or p_bucket not in ('hour', 'day') then
    raise exception using errcode = '22023', column = 'bucket', message = 'bucket must be hour or day';
  end if;
  step := ('1 ' || p_bucket)::interval;
  if extract(epoch from p_to - p_from) / extract(epoch from step) > 10000 then
    raise exception using errcode = '22023', column = 'bucket',
      message = 'more than 10000 buckets in the range; use bucket=day or a shorter range';
  end if;
  with s as (
    select date_trunc(p_bucket, s.bucket, 'UTC') as t, sum(s.requests)::bigint as requests,
           sum(s.errors)::bigint as errors, sum(s.prompt_tokens)::bigint as prompt_tokens,
           sum(s.completion_tokens)::bigint as completion_tokens, sum(s.total_tokens)::bigint as total_tokens,
           sum(s.cost) as cost, sum(s.unpriced_requests)::bigint as unpriced_requests
    from public.usage_slices(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, p_bucket = 'day') s
    group by 1
  ), pts as (
    select g.t from generate_series(date_trunc(p_bucket, p_from, 'UTC'),
                                    date_trunc(p_bucket, p_to - interval '1 microsecond', 'UTC'), step) as g(t)
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           't', pts.t, 'requests', coalesce(s.requests, 0), 'errors', coalesce(s.errors, 0),
           'prompt_tokens', coalesce(s.prompt_tokens, 0), 'completion_tokens', coalesce(s.completion_tokens, 0),
           'total_tokens', coalesce(s.total_tokens, 0),
           'cost', public.cost_json(coalesce(s.cost, 0), coalesce(s.requests, 0), coalesce(s.unpriced_requests, 0)),
           'unpriced_requests', coalesce(s.unpriced_requests, 0)) order by pts.t), '[]'::jsonb)
  into result
  from pts left join s on s.t = pts.t;
  return jsonb_build_object('bucket', p_bucket, 'points', result);
end $$;
comment on function public.usage_timeseries(uuid, timestamptz, timestamptz, text, text, text, text) is
  'GET /api/usage/timeseries: requests, tokens and cost per UTC hour or day, every bucket present, oldest first.';

create function public.usage_breakdown(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null, p_by text default 'model')
returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  result jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  if p_by is null or p_by not in ('model', 'endpoint_name', 'provider') then
    raise exception using errcode = '22023', column = 'by', message = 'by must be model, endpoint_name or provider';
  end if;
  with g as (
    select * from public.usage_groups(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, p_by)
  ), t as (select sum(g.cost) as cost from g)
  select coalesce(jsonb_agg(jsonb_build_object(
           'key', g.key, 'requests', g.requests, 'errors', g.errors,
           'prompt_tokens', g.prompt_tokens, 'completion_tokens', g.completion_tokens,
           'total_tokens', g.total_tokens, 'cost', public.cost_json(g.cost, g.requests, g.unpriced_requests),
           'unpriced_requests', g.unpriced_requests,
           'share', case when t.cost > 0 and g.unpriced_requests < g.requests
                         then (g.cost / t.cost)::double precision end,
           'avg_latency_ms', case when g.latency_count > 0 then g.latency_sum / g.latency_count end,
           'p50_latency_ms', public.latency_percentile(g.latency_hist, 0.5),
           'p95_latency_ms', public.latency_percentile(g.latency_hist, 0.95))
         order by g.cost desc, g.requests desc, g.key), '[]'::jsonb)
  into result
  from g, t;
  return jsonb_build_object('by', p_by, 'groups', result);
end $$;
comment on function public.usage_breakdown(uuid, timestamptz, timestamptz, text, text, text, text) is
  'GET /api/usage/breakdown: per model, endpoint_name or provider: sums, share of priced cost, latency avg/p50/p95.';

-- One usage row as the API shows it (logs, export, session turns).
create function public.usage_log_json(l public.usage_logs) returns jsonb
language sql stable parallel safe set search_path = '' as $$
  select jsonb_build_object(
    'id', l.id, 'timestamp', l.ts, 'model', l.model, 'provider', l.provider,
    'endpoint_name', l.endpoint_name, 'latency_ms', l.latency_ms, 'status', l.status,
    'error_type', l.error_type, 'prompt_tokens', l.prompt_tokens,
    'completion_tokens', l.completion_tokens, 'total_tokens', l.total_tokens,
    'cached_tokens', l.cached_tokens, 'cache_write_tokens', l.cache_write_tokens,
    'reasoning_tokens', l.reasoning_tokens, 'input_cost', trim_scale(l.input_cost)::text,
    'output_cost', trim_scale(l.output_cost)::text, 'total_cost', trim_scale(l.total_cost)::text,
    'priced', l.priced, 'session_id', l.session_id)
$$;

-- Cursor: URL-safe base64 of "<epoch microseconds>|<id>" of the last row of a page.
create function public.usage_logs_page(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null, p_status text default null,
  p_cursor text default null, p_limit integer default 100)
returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  after_ts timestamptz := 'infinity';
  after_id uuid := 'ffffffff-ffff-ffff-ffff-ffffffffffff';
  decoded text;
  page_rows jsonb;
  last_ts timestamptz;
  last_id uuid;
  n integer;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception using errcode = '22023', column = 'limit', message = 'limit must be between 1 and 500';
  end if;
  if p_status is not null and p_status not in ('ok', 'error') then
    raise exception using errcode = '22023', column = 'status', message = 'status must be ok or error';
  end if;
  if p_cursor is not null then
    begin
      decoded := convert_from(decode(translate(p_cursor, '-_', '+/')
                                     || repeat('=', (4 - length(p_cursor) % 4) % 4), 'base64'), 'UTF8');
      after_ts := timestamptz 'epoch' + split_part(decoded, '|', 1)::bigint * interval '1 microsecond';
      after_id := split_part(decoded, '|', 2)::uuid;
    exception when others then
      raise exception using errcode = '22023', column = 'cursor', message = 'cursor is not one this API returned';
    end;
  end if;
  with page as (
    select l as r, l.ts, l.id from public.usage_logs l
    where l.project_id = p_project and l.ts >= p_from and l.ts < p_to
      and (l.ts, l.id) < (after_ts, after_id)
      and (p_model is null or l.model = p_model)
      and (p_endpoint_name is null or l.endpoint_name = p_endpoint_name)
      and (p_provider is null or l.provider = p_provider)
      and (p_status is null or l.status = p_status)
    order by l.ts desc, l.id desc
    limit p_limit + 1
  ), numbered as (select row_number() over (order by p.ts desc, p.id desc) as i, p.ts, p.id, p.r as l from page p)
  select coalesce(jsonb_agg(public.usage_log_json(x.l) order by x.i) filter (where x.i <= p_limit), '[]'::jsonb),
         count(*),
         max(x.ts) filter (where x.i = p_limit), (array_agg(x.id) filter (where x.i = p_limit))[1]
  into page_rows, n, last_ts, last_id
  from numbered x;
  return jsonb_build_object('rows', page_rows, 'next', case when n > p_limit then
    rtrim(translate(encode(convert_to(((extract(epoch from last_ts) * 1000000)::bigint)::text || '|' || last_id, 'UTF8'),
                           'base64'), E'+/\n', '-_'), '=') end);
end $$;
comment on function public.usage_logs_page(uuid, timestamptz, timestamptz, text, text, text, text, text, integer) is
  'GET /api/logs: usage rows newest first, keyset-paginated on (ts, id); pass next back as p_cursor.';

create function public.unpriced_models(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null)
returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  result jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  with s as (
    select * from public.usage_slices(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, true) s
    where s.unpriced_requests > 0
  ), m as (
    -- A rollup row that mixes priced and unpriced requests (a price added mid-day, not yet
    -- re-priced) cannot split its tokens, so those few rows are counted from usage_logs.
    select s.model, sum(s.unpriced_requests)::bigint as requests,
           sum(coalesce(s.unpriced_tokens, (
             select coalesce(sum(l.total_tokens), 0) from public.usage_logs l
             where l.project_id = p_project and l.model = s.model and not l.priced
               and l.endpoint_name = s.endpoint_name and l.provider = s.provider
               and l.ts >= greatest(s.bucket, p_from) and l.ts < least(s.bucket + s.span, p_to))))::bigint as total_tokens
    from s group by s.model
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'model', m.model, 'requests', m.requests, 'total_tokens', m.total_tokens,
           'first_seen', (select min(l.ts) from public.usage_logs l
                          where l.project_id = p_project and l.model = m.model and not l.priced
                            and l.ts >= p_from and l.ts < p_to
                            and (p_endpoint_name is null or l.endpoint_name = p_endpoint_name)
                            and (p_provider is null or l.provider = p_provider)),
           'last_seen', (select max(l.ts) from public.usage_logs l
                         where l.project_id = p_project and l.model = m.model and not l.priced
                           and l.ts >= p_from and l.ts < p_to
                           and (p_endpoint_name is null or l.endpoint_name = p_endpoint_name)
                           and (p_provider is null or l.provider = p_provider)))
         order by m.requests desc, m.model), '[]'::jsonb)
  into result
  from m;
  return jsonb_build_object('models', result);
end $$;
comment on function public.unpriced_models(uuid, timestamptz, timestamptz, text, text, text) is
  'GET /api/pricing/unpriced: models seen in [from, to) with no price: requests, tokens, first and last seen.';


-- Conversations, efficiency and advice -------------------------------------------------------

-- Newest session turns in a range without touching rows that have no session.
create index usage_logs_session_recent_idx on public.usage_logs (project_id, ts desc) include (session_id)
  where session_id is not null;

create function public.usage_sessions(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null, p_limit integer default 50)
returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  recent text[] := '{}';
  sid text;
  turn_ts timestamptz;
  last_ts timestamptz;
  before timestamptz := p_to;
  seen integer;
  result jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception using errcode = '22023', column = 'limit', message = 'limit must be between 1 and 500';
  end if;
  -- Walk turns newest first until p_limit distinct sessions are found: cost follows the page,
  -- not the range. Batches with LIMIT, so the planner walks the index instead of sorting the range.
  loop
    seen := 0;
    for sid, turn_ts in
      select l.session_id, l.ts from public.usage_logs l
      where l.project_id = p_project and l.ts >= p_from and l.ts <= before and l.ts < p_to
        and l.session_id is not null
        and (p_model is null or l.model = p_model)
        and (p_endpoint_name is null or l.endpoint_name = p_endpoint_name)
        and (p_provider is null or l.provider = p_provider)
      order by l.ts desc
      limit 2000
    loop
      seen := seen + 1;
      last_ts := turn_ts;
      if not sid = any(recent) then
        recent := recent || sid;
        exit when cardinality(recent) >= p_limit;
      end if;
    end loop;
    exit when cardinality(recent) >= p_limit or seen < 2000;
    -- Re-reading the last timestamp's rows is harmless (sessions are deduplicated); only a
    -- timestamp shared by 2,000+ rows forces a strict step past it.
    before := case when last_ts = before then last_ts - interval '1 microsecond' else last_ts end;
  end loop;
  select coalesce(jsonb_agg(jsonb_build_object(
           'session_id', s.session_id, 'requests', s.requests, 'errors', s.errors,
           'prompt_tokens', s.prompt_tokens, 'completion_tokens', s.completion_tokens,
           'total_tokens', s.total_tokens, 'cost', public.cost_json(s.cost, s.requests, s.unpriced_requests),
           'unpriced_requests', s.unpriced_requests, 'first_seen', s.first_seen, 'last_seen', s.last_seen,
           'models', s.models) order by s.last_seen desc, s.session_id), '[]'::jsonb)
  into result
  from (
    select l.session_id, count(*) as requests, count(*) filter (where l.status = 'error') as errors,
           sum(l.prompt_tokens) as prompt_tokens, sum(l.completion_tokens) as completion_tokens,
           sum(l.total_tokens) as total_tokens, coalesce(sum(l.total_cost), 0) as cost,
           count(*) filter (where not l.priced) as unpriced_requests, min(l.ts) as first_seen,
           max(l.ts) as last_seen, to_jsonb(array_agg(distinct l.model)) as models
    from unnest(recent) as r(session_id)
    join public.usage_logs l on l.project_id = p_project and l.session_id = r.session_id
    where l.ts >= p_from and l.ts < p_to
      and (p_model is null or l.model = p_model)
      and (p_endpoint_name is null or l.endpoint_name = p_endpoint_name)
      and (p_provider is null or l.provider = p_provider)
    group by l.session_id
  ) s;
  return jsonb_build_object('sessions', result);
end $$;
comment on function public.usage_sessions(uuid, timestamptz, timestamptz, text, text, text, integer) is
  'GET /api/tokens/sessions: the most recently active sessions in [from, to) with their sums over the range.';

create function public.usage_session(p_project uuid, p_session_id text) returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  result jsonb;
begin
  if p_project is null then
    raise exception using errcode = '22023', column = 'project', message = 'project is required';
  end if;
  with turns as (
    select l from public.usage_logs l
    where l.project_id = p_project and l.session_id = p_session_id
    order by l.ts, l.id
    limit 1001
  ), numbered as (
    select row_number() over (order by (t.l).ts, (t.l).id) as i, t.l from turns t
  )
  select jsonb_build_object(
    'session_id', p_session_id,
    'totals', jsonb_build_object(
      'requests', count(*) filter (where i <= 1000),
      'prompt_tokens', coalesce(sum((l).prompt_tokens) filter (where i <= 1000), 0),
      'completion_tokens', coalesce(sum((l).completion_tokens) filter (where i <= 1000), 0),
      'total_tokens', coalesce(sum((l).total_tokens) filter (where i <= 1000), 0),
      'cost', public.cost_json(coalesce(sum((l).total_cost) filter (where i <= 1000), 0),
                               count(*) filter (where i <= 1000), count(*) filter (where i <= 1000 and not (l).priced)),
      'unpriced_requests', count(*) filter (where i <= 1000 and not (l).priced),
      'first_seen', min((l).ts), 'last_seen', max((l).ts) filter (where i <= 1000)),
    'turns', coalesce(jsonb_agg(public.usage_log_json(l) order by i) filter (where i <= 1000), '[]'::jsonb),
    'truncated', count(*) > 1000)
  into result
  from numbered;
  return result;
end $$;
comment on function public.usage_session(uuid, text) is
  'GET /api/session/<id>: a conversation''s turns oldest first (at most 1,000) with their totals.';

-- Per-request efficiency from the rollups (exact over the range); conversation figures over
-- the most recently active sessions (counting every session of a long range means reading
-- every turn in it, far too slow for a dashboard at millions of rows).
create function public.usage_token_metrics(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null)
returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  g record;
  s record;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  select coalesce(sum(x.requests), 0)::bigint as requests, coalesce(sum(x.prompt_tokens), 0)::bigint as prompt_tokens,
         coalesce(sum(x.completion_tokens), 0)::bigint as completion_tokens,
         coalesce(sum(x.total_tokens), 0)::bigint as total_tokens, coalesce(sum(x.cached_tokens), 0)::bigint as cached_tokens,
         coalesce(sum(x.cost), 0) as cost, coalesce(sum(x.unpriced_requests), 0)::bigint as unpriced_requests
  into g
  from public.usage_slices(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, true) x;
  select count(*) as sessions, avg((r ->> 'requests')::bigint)::double precision as turns,
         avg((r ->> 'total_tokens')::bigint)::double precision as tokens,
         avg((r ->> 'prompt_tokens')::bigint)::double precision as prompt_tokens
  into s
  from jsonb_array_elements(public.usage_sessions(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, 200)
                            -> 'sessions') r;
  return jsonb_build_object(
    'requests', g.requests, 'prompt_tokens', g.prompt_tokens, 'completion_tokens', g.completion_tokens,
    'total_tokens', g.total_tokens, 'cached_tokens', g.cached_tokens,
    'avg_prompt_tokens', case when g.requests > 0 then g.prompt_tokens::double precision / g.requests end,
    'avg_completion_tokens', case when g.requests > 0 then g.completion_tokens::double precision / g.requests end,
    'completion_to_prompt_ratio', case when g.prompt_tokens > 0 then g.completion_tokens::double precision / g.prompt_tokens end,
    'cached_prompt_share', case when g.prompt_tokens > 0 then g.cached_tokens::double precision / g.prompt_tokens end,
    'cost_per_request', case when g.requests > g.unpriced_requests
                             then to_jsonb(trim_scale(round(g.cost / (g.requests - g.unpriced_requests), 12))::text) else 'null'::jsonb end,
    'recent_sessions', jsonb_build_object(
      'sessions', s.sessions, 'avg_turns', s.turns, 'avg_total_tokens', s.tokens,
      'avg_prompt_tokens_per_turn', case when s.turns > 0 then s.prompt_tokens / s.turns end));
end $$;
comment on function public.usage_token_metrics(uuid, timestamptz, timestamptz, text, text, text) is
  'GET /api/tokens/metrics: tokens per request, completion/prompt ratio, cache share, cost per priced request; averages over the 200 most recent sessions.';

-- For each endpoint x model with priced traffic: what the same tokens would have cost on the
-- next cheaper model of the same provider (the cheaper model with the highest price, so the
-- step down is the smallest), at list input/output prices. Savings are exact numeric.
create function public.usage_optimization(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null)
returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  result jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  with usage as (
    -- Priced traffic only: rollup rows without an unpriced request.
    select x.endpoint_name, x.model, x.provider, sum(x.requests)::bigint as requests, sum(x.cost) as cost,
           sum(x.prompt_tokens)::bigint as prompt_tokens, sum(x.completion_tokens)::bigint as completion_tokens
    from public.usage_slices(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, true) x
    where x.unpriced_requests = 0
    group by 1, 2, 3
  ), current_price as (
    select u.*, mp.input_price, mp.output_price, mp.provider as price_provider
    from usage u join public.model_pricing mp on mp.model = u.model
  ), advice as (
    select c.*, alt.model as alt_model, alt.input_price as alt_input, alt.output_price as alt_output,
           c.prompt_tokens / 1000.0 * alt.input_price + c.completion_tokens / 1000.0 * alt.output_price as alt_cost
    from current_price c
    cross join lateral (
      select m.model, m.input_price, m.output_price from public.model_pricing m
      where m.provider = c.price_provider and m.model <> c.model
        and m.output_price > 0 and m.model not like '%embedding%'
        and m.input_price <= c.input_price and m.output_price <= c.output_price
        and (m.input_price < c.input_price or m.output_price < c.output_price)
      order by m.input_price + m.output_price desc, m.model
      limit 1
    ) alt
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'type', 'cheaper_model', 'endpoint_name', a.endpoint_name, 'model', a.model,
           'provider', a.provider, 'suggested_model', a.alt_model, 'requests', a.requests,
           'prompt_tokens', a.prompt_tokens, 'completion_tokens', a.completion_tokens,
           'current_cost', trim_scale(a.cost)::text, 'suggested_cost', trim_scale(a.alt_cost)::text,
           'savings', trim_scale(a.cost - a.alt_cost)::text,
           'savings_share', case when a.cost > 0 then ((a.cost - a.alt_cost) / a.cost)::double precision end,
           'message', format('Route %s from %s to %s: the same tokens would have cost $%s instead of $%s.',
                             a.endpoint_name, a.model, a.alt_model, trim_scale(round(a.alt_cost, 2)),
                             trim_scale(round(a.cost, 2))))
         order by a.cost - a.alt_cost desc, a.endpoint_name, a.model), '[]'::jsonb)
  into result
  from advice a
  where a.cost - a.alt_cost > 0;
  return jsonb_build_object('recommendations', result);
end $$;
comment on function public.usage_optimization(uuid, timestamptz, timestamptz, text, text, text) is
  'GET /api/optimization: per endpoint and model, the next cheaper model of the same provider and the exact saving on the range''s tokens.';

-- Things to look at: unpriced traffic, endpoints failing often, a day costing far more than usual.
create function public.usage_alerts(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null)
returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  result jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  -- One pass over the rollups feeds all three checks.
  with s as materialized (
    select x.bucket, x.model, x.endpoint_name, x.requests, x.errors, x.unpriced_requests, x.cost
    from public.usage_slices(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, true) x
  ), unpriced as (
    select s.model, sum(s.unpriced_requests)::bigint as requests from s group by 1 having sum(s.unpriced_requests) > 0
  ), failing as (
    select s.endpoint_name, sum(s.requests)::bigint as requests, sum(s.errors)::bigint as errors
    from s group by 1 having sum(s.errors) >= 5 and sum(s.errors) >= 0.05 * sum(s.requests)
  ), days as (
    select date_trunc('day', s.bucket, 'UTC') as day, sum(s.cost) as cost from s group by 1
  ), typical as (select avg(days.cost) as mean, count(*) as n from days)
  select
    coalesce((select jsonb_agg(jsonb_build_object(
       'type', 'unpriced_model', 'severity', 'warning', 'model', u.model, 'requests', u.requests,
       'message', format('%s requests to %s have no price, so their cost is missing from the totals.',
                         u.requests, u.model)) order by u.requests desc, u.model) from unpriced u), '[]'::jsonb)
    || coalesce((select jsonb_agg(jsonb_build_object(
       'type', 'error_rate', 'severity', case when f.errors >= 0.2 * f.requests then 'critical' else 'warning' end,
       'endpoint_name', f.endpoint_name, 'requests', f.requests, 'errors', f.errors,
       'error_rate', f.errors::double precision / f.requests,
       'message', format('%s failed %s of %s requests (%s%%).', f.endpoint_name, f.errors, f.requests,
                         round(100.0 * f.errors / f.requests, 1))) order by f.errors desc, f.endpoint_name)
       from failing f), '[]'::jsonb)
    || coalesce((select jsonb_agg(jsonb_build_object(
       'type', 'cost_spike', 'severity', 'warning', 'day', d.day, 'cost', trim_scale(d.cost)::text,
       'typical_cost', trim_scale(round(t.mean, 6))::text,
       'message', format('Spend on %s was $%s, %s times the daily average of $%s.', to_char(d.day, 'YYYY-MM-DD'),
                         trim_scale(round(d.cost, 2)), round(d.cost / t.mean, 1), trim_scale(round(t.mean, 2))))
       order by d.day) from days d, typical t where t.n >= 3 and t.mean > 0 and d.cost > 3 * t.mean), '[]'::jsonb)
  into result;
  return jsonb_build_object('alerts', result);
end $$;
comment on function public.usage_alerts(uuid, timestamptz, timestamptz, text, text, text) is
  'GET /api/alerts: unpriced models, endpoints with an error rate of 5% or more (at least 5 errors), days costing over 3x the average.';


-- Privileges: clients call the public reads; the building blocks stay internal.
revoke all on function public.int_array_neg(integer[]) from public, anon, authenticated;
revoke all on function public.int_array_sum(integer[]) from public, anon, authenticated;
revoke all on function public.rollup_hourly_into_daily() from public, anon, authenticated;
revoke all on function public.latency_percentile(bigint[], double precision) from public, anon, authenticated;
revoke all on function public.usage_slices(uuid, timestamptz, timestamptz, text, text, text, boolean) from public, anon, authenticated;
revoke all on function public.usage_groups(uuid, timestamptz, timestamptz, text, text, text, text) from public, anon, authenticated;
revoke all on function public.cost_json(numeric, bigint, bigint) from public, anon, authenticated;
revoke all on function public.usage_totals_json(uuid, timestamptz, timestamptz, text, text, text) from public, anon, authenticated;
revoke all on function public.fraction_change(numeric, numeric) from public, anon, authenticated;
revoke all on function public.check_read_args(uuid, timestamptz, timestamptz) from public, anon, authenticated;
revoke all on function public.usage_log_json(public.usage_logs) from public, anon, authenticated;

revoke all on function public.usage_summary(uuid, timestamptz, timestamptz, text, text, text) from public, anon;
revoke all on function public.usage_timeseries(uuid, timestamptz, timestamptz, text, text, text, text) from public, anon;
revoke all on function public.usage_breakdown(uuid, timestamptz, timestamptz, text, text, text, text) from public, anon;
revoke all on function public.usage_logs_page(uuid, timestamptz, timestamptz, text, text, text, text, text, integer) from public, anon;
revoke all on function public.unpriced_models(uuid, timestamptz, timestamptz, text, text, text) from public, anon;
grant execute on function public.usage_summary(uuid, timestamptz, timestamptz, text, text, text) to authenticated, service_role;
grant execute on function public.usage_timeseries(uuid, timestamptz, timestamptz, text, text, text, text) to authenticated, service_role;
grant execute on function public.usage_breakdown(uuid, timestamptz, timestamptz, text, text, text, text) to authenticated, service_role;
grant execute on function public.usage_logs_page(uuid, timestamptz, timestamptz, text, text, text, text, text, integer) to authenticated, service_role;
grant execute on function public.unpriced_models(uuid, timestamptz, timestamptz, text, text, text) to authenticated, service_role;

revoke all on function public.usage_sessions(uuid, timestamptz, timestamptz, text, text, text, integer) from public, anon;
revoke all on function public.usage_session(uuid, text) from public, anon;
revoke all on function public.usage_token_metrics(uuid, timestamptz, timestamptz, text, text, text) from public, anon;
revoke all on function public.usage_optimization(uuid, timestamptz, timestamptz, text, text, text) from public, anon;
revoke all on function public.usage_alerts(uuid, timestamptz, timestamptz, text, text, text) from public, anon;
grant execute on function public.usage_sessions(uuid, timestamptz, timestamptz, text, text, text, integer) to authenticated, service_role;
grant execute on function public.usage_session(uuid, text) to authenticated, service_role;
grant execute on function public.usage_token_metrics(uuid, timestamptz, timestamptz, text, text, text) to authenticated, service_role;
grant execute on function public.usage_optimization(uuid, timestamptz, timestamptz, text, text, text) to authenticated, service_role;
grant execute on function public.usage_alerts(uuid, timestamptz, timestamptz, text, text, text) to authenticated, service_role;
