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

-- Internal: clients call the public reads (next migration), never these.
revoke all on function public.latency_percentile(bigint[], double precision) from public, anon, authenticated;
revoke all on function public.usage_slices(uuid, timestamptz, timestamptz, text, text, text, boolean) from public, anon, authenticated;
revoke all on function public.usage_groups(uuid, timestamptz, timestamptz, text, text, text, text) from public, anon, authenticated;
revoke all on function public.cost_json(numeric, bigint, bigint) from public, anon, authenticated;
revoke all on function public.usage_totals_json(uuid, timestamptz, timestamptz, text, text, text) from public, anon, authenticated;
revoke all on function public.fraction_change(numeric, numeric) from public, anon, authenticated;
revoke all on function public.check_read_args(uuid, timestamptz, timestamptz) from public, anon, authenticated;
