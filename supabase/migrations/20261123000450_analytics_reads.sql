-- Dashboard reads (docs/api.md): summary, time series, breakdown, logs page, unpriced models.
-- Built on the range slicing of the previous migration; see its header for how a range is read
-- exactly once from daily rollups, hourly rollups and edge-hour rows.

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

-- Privileges: clients call the public reads; the building blocks stay internal.
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
revoke all on function public.usage_log_json(public.usage_logs) from public, anon, authenticated;
