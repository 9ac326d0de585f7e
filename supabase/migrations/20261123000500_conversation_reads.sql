-- Conversation efficiency: sessions, a session's turns, token metrics and alerts (savings advice
-- is in the next migration). Same conventions as the analytics reads (previous
-- migration): JSON shapes of docs/api.md, money as exact strings, every function takes the project.

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

revoke all on function public.usage_sessions(uuid, timestamptz, timestamptz, text, text, text, integer) from public, anon;
revoke all on function public.usage_session(uuid, text) from public, anon;
revoke all on function public.usage_token_metrics(uuid, timestamptz, timestamptz, text, text, text) from public, anon;
revoke all on function public.usage_alerts(uuid, timestamptz, timestamptz, text, text, text) from public, anon;
grant execute on function public.usage_sessions(uuid, timestamptz, timestamptz, text, text, text, integer) to authenticated, service_role;
grant execute on function public.usage_session(uuid, text) to authenticated, service_role;
grant execute on function public.usage_token_metrics(uuid, timestamptz, timestamptz, text, text, text) to authenticated, service_role;
grant execute on function public.usage_alerts(uuid, timestamptz, timestamptz, text, text, text) to authenticated, service_role;
