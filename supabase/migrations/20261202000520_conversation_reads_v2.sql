-- Conversation reads over the rollup of the previous migration (docs/api.md, docs/efficiency.md):
-- a keyset-paginated list of conversations, one session with its turn timeline, the efficiency
-- metrics and the month-end cost projection. Same conventions as the analytics reads: money as
-- exact strings, every function takes the project.

-- Cursor: URL-safe base64 of the JSON array [key, session_id, started_at] of a page's last row.
create function public.conversation_page(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null, p_sort text default 'recent',
  p_order text default 'desc', p_cursor text default null, p_limit integer default 50)
returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  key_column text := case p_sort when 'recent' then 'ended_at' when 'cost' then 'cost' when 'tokens' then 'total_tokens'
                                 when 'turns' then 'turns' when 'score' then 'score' end;
  key_type text := case p_sort when 'recent' then 'timestamptz' when 'turns' then 'integer'
                               when 'tokens' then 'bigint' else 'numeric' end;
  after jsonb;
  page jsonb;
  n integer;
  last_key jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  if key_column is null then
    raise exception using errcode = '22023', column = 'sort', message = 'sort must be one of recent, cost, tokens, turns, score';
  end if;
  if p_order is null or p_order not in ('asc', 'desc') then
    raise exception using errcode = '22023', column = 'order', message = 'order must be asc or desc';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception using errcode = '22023', column = 'limit', message = 'limit must be between 1 and 500';
  end if;
  if p_cursor is not null then
    begin
      after := convert_from(decode(translate(p_cursor, '-_', '+/') || repeat('=', (4 - length(p_cursor) % 4) % 4),
                                   'base64'), 'UTF8')::jsonb;
      perform (after ->> 2)::timestamptz;
      if jsonb_array_length(after) <> 3 then raise exception 'bad cursor'; end if;
    exception when others then
      raise exception using errcode = '22023', column = 'cursor', message = 'cursor is not one this API returned';
    end;
  end if;
  execute format($q$
    with rows as (
      select c, row_number() over (order by c.%1$I %4$s, c.session_id %4$s, c.started_at %4$s) as i
      from public.conversations c
      where c.project_id = $1 and c.ended_at >= $2 and c.started_at < $3
        and ($4 is null or $4 = any(c.models)) and ($5 is null or $5 = any(c.endpoints))
        and ($6 is null or $6 = any(c.providers))
        and ($7 is null or (c.%1$I, c.session_id, c.started_at) %3$s (($7 ->> 0)::%2$s, $7 ->> 1, ($7 ->> 2)::timestamptz))
      order by c.%1$I %4$s, c.session_id %4$s, c.started_at %4$s
      limit $8 + 1)
    select coalesce(jsonb_agg(public.conversation_json(r.c) order by r.i) filter (where r.i <= $8), '[]'::jsonb),
           (array_agg(jsonb_build_array((r.c).%1$I::text, (r.c).session_id, (r.c).started_at::text))
              filter (where r.i = $8))[1],
           count(*)
    from rows r$q$,
    key_column, key_type, case p_order when 'desc' then '<' else '>' end, p_order)
  into page, last_key, n using p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, after, p_limit;
  return jsonb_build_object(
    'sessions', page, 'sort', p_sort, 'order', p_order,
    'refreshed_until', (select r.refreshed_until from public.conversation_refresh r where r.project_id = p_project),
    'next', case when n > p_limit then
      rtrim(translate(encode(convert_to(last_key::text, 'UTF8'), 'base64'), E'+/\n', '-_'), '=') end);
end $$;
comment on function public.conversation_page(uuid, timestamptz, timestamptz, text, text, text, text, text, text, integer) is
  'GET /api/tokens/sessions: conversations overlapping [from, to) sorted by recent, cost, tokens, turns or score; keyset pages.';

-- A session: its conversations (metrics from the rollup) and its turns oldest first (at most 1,000).
create function public.usage_session(p_project uuid, p_session_id text) returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  convs jsonb;
  totals jsonb;
  turns jsonb;
  more boolean;
begin
  if p_project is null then
    raise exception using errcode = '22023', column = 'project', message = 'project is required';
  end if;
  select coalesce(jsonb_agg(public.conversation_json(c) order by c.started_at), '[]'::jsonb),
         case when count(*) > 0 then jsonb_build_object(
           'turns', sum(c.turns), 'errors', sum(c.errors), 'prompt_tokens', sum(c.prompt_tokens),
           'completion_tokens', sum(c.completion_tokens), 'total_tokens', sum(c.total_tokens),
           'cost', public.cost_json(sum(c.cost), sum(c.turns)::bigint, sum(c.unpriced_turns)::bigint),
           'unpriced_turns', sum(c.unpriced_turns), 'started_at', min(c.started_at), 'ended_at', max(c.ended_at),
           'zimmer_tokens', round(sum(c.weighted_tokens) / sum(c.turns), 2),
           'efficiency_score', public.efficiency_score(round(sum(c.weighted_tokens) / sum(c.turns), 2),
                                                       coalesce(max(e.zimmer_baseline), 300)),
           'rating', public.zimmer_rating(round(sum(c.weighted_tokens) / sum(c.turns), 2)),
           'status', public.efficiency_status(public.efficiency_score(round(sum(c.weighted_tokens) / sum(c.turns), 2),
                                                                      coalesce(max(e.zimmer_baseline), 300)))) end
  into convs, totals
  from public.conversations c
  left join public.efficiency_settings e on e.project_id = c.project_id
  where c.project_id = p_project and c.session_id = p_session_id;
  with t as (
    select l from public.usage_logs l
    where l.project_id = p_project and l.session_id = p_session_id
    order by l.ts, l.id limit 1001
  ), numbered as (select row_number() over (order by (t.l).ts, (t.l).id) as i, t.l from t)
  select coalesce(jsonb_agg(public.usage_log_json(x.l) order by x.i) filter (where x.i <= 1000), '[]'::jsonb),
         count(*) > 1000
  into turns, more
  from numbered x;
  return jsonb_build_object('session_id', p_session_id, 'metrics', totals, 'conversations', convs,
                            'turns', turns, 'truncated', more,
                            'refreshed_until', (select r.refreshed_until from public.conversation_refresh r where r.project_id = p_project));
end $$;
comment on function public.usage_session(uuid, text) is
  'GET /api/session/<id>: the session''s conversations with their efficiency and its turns oldest first (at most 1,000).';

-- Month so far + the recent daily rate x the days left (docs/efficiency.md "Projection").
create function public.month_projection(p_project uuid, p_now timestamptz default now()) returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  month_start timestamptz := date_trunc('month', p_now, 'UTC');
  month_end timestamptz := date_trunc('month', p_now, 'UTC') + interval '1 month';
  first_hour timestamptz;
  rate_from timestamptz;
  so_far numeric;
  recent numeric;
  rate_days numeric;
  left_days numeric := extract(epoch from month_end - p_now) / 86400;
begin
  if p_project is null then
    raise exception using errcode = '22023', column = 'project', message = 'project is required';
  end if;
  select min(h.bucket) into first_hour from public.usage_rollups_hourly h where h.project_id = p_project;
  rate_from := greatest(p_now - interval '7 days', coalesce(first_hour, p_now));
  rate_days := extract(epoch from p_now - rate_from) / 86400;
  so_far := 0;
  recent := 0;
  if p_now > month_start then
    select coalesce(sum(x.cost), 0) into so_far from public.usage_slices(p_project, month_start, p_now, null, null, null, true) x;
  end if;
  if p_now > rate_from then
    select coalesce(sum(x.cost), 0) into recent from public.usage_slices(p_project, rate_from, p_now, null, null, null, true) x;
  end if;
  return jsonb_build_object(
    'month', to_char(month_start, 'YYYY-MM'), 'as_of', p_now, 'month_to_date', trim_scale(so_far)::text,
    'rate_from', rate_from, 'daily_rate', case when rate_days > 0 then trim_scale(round(recent / rate_days, 12))::text end,
    'days_left', round(left_days, 4),
    'projected', trim_scale(round(so_far + case when rate_days > 0 then recent / rate_days * left_days else 0 end, 12))::text);
end $$;
comment on function public.month_projection(uuid, timestamptz) is
  'Monthly cost projection: month to date + (cost of the last 7 days, or since the first usage) / days x days left.';

-- Efficiency metrics: per request from the rollups (exact over the range); per conversation over
-- the 10,000 most recently active conversations in the range (a bounded window, see sample_size).
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
  with recent as (
    select c.total_tokens, c.zimmer, c.cost, c.turns, c.score, c.unpriced_turns from public.conversations c
    where c.project_id = p_project and c.ended_at >= p_from and c.started_at < p_to
      and (p_model is null or p_model = any(c.models)) and (p_endpoint_name is null or p_endpoint_name = any(c.endpoints))
      and (p_provider is null or p_provider = any(c.providers))
    order by c.ended_at desc limit 10000
  ), bounds as (
    select b.lo, lead(b.lo) over (order by b.lo) as hi
    from unnest('{0,250,500,1000,2000,4000,8000,16000,32000}'::bigint[]) as b(lo)
  )
  select (select count(*) from recent) as n, (select sum(r.total_tokens) from recent r) as tokens,
         (select sum(r.zimmer) from recent r) as zimmer, (select sum(r.cost) from recent r) as cost,
         (select sum(r.turns) from recent r) as turns, (select avg(r.score) from recent r) as score,
         (select sum(r.unpriced_turns) from recent r) as unpriced,
         (select jsonb_agg(jsonb_build_object('min', b.lo, 'max', b.hi, 'conversations',
                   (select count(*) from recent r where r.total_tokens >= b.lo and (b.hi is null or r.total_tokens < b.hi)))
                 order by b.lo) from bounds b) as histogram
  into s;
  return jsonb_build_object(
    'requests', g.requests, 'prompt_tokens', g.prompt_tokens, 'completion_tokens', g.completion_tokens,
    'total_tokens', g.total_tokens, 'cached_tokens', g.cached_tokens,
    'avg_prompt_tokens', case when g.requests > 0 then g.prompt_tokens::double precision / g.requests end,
    'avg_completion_tokens', case when g.requests > 0 then g.completion_tokens::double precision / g.requests end,
    'completion_to_prompt_ratio', case when g.prompt_tokens > 0 then g.completion_tokens::double precision / g.prompt_tokens end,
    'cached_prompt_share', case when g.prompt_tokens > 0 then g.cached_tokens::double precision / g.prompt_tokens end,
    'cost_per_request', case when g.requests > g.unpriced_requests
                             then to_jsonb(trim_scale(round(g.cost / (g.requests - g.unpriced_requests), 12))::text) else 'null'::jsonb end,
    'conversations', jsonb_build_object(
      'sample_size', s.n, 'sample_limit', 10000,
      'avg_turns', case when s.n > 0 then round(s.turns::numeric / s.n, 2) end,
      'tokens_per_conversation', case when s.n > 0 then round(s.tokens::numeric / s.n, 2) end,
      'zimmer_per_conversation', case when s.n > 0 then round(s.zimmer / s.n, 2) end,
      'cost_per_conversation', case when s.n > 0 and s.unpriced < s.turns then to_jsonb(trim_scale(round(s.cost / s.n, 12))::text) else 'null'::jsonb end,
      'avg_efficiency_score', case when s.n > 0 then round(s.score, 1) end,
      'total_zimmer_tokens', coalesce(s.zimmer, 0),
      'cost_per_zimmer_token', case when s.zimmer > 0 and s.unpriced < s.turns then to_jsonb(trim_scale(round(s.cost / s.zimmer, 12))::text) else 'null'::jsonb end,
      'tokens_histogram', s.histogram),
    'projection', public.month_projection(p_project, least(now(), p_to)),
    'refreshed_until', (select r.refreshed_until from public.conversation_refresh r where r.project_id = p_project));
end $$;
comment on function public.usage_token_metrics(uuid, timestamptz, timestamptz, text, text, text) is
  'GET /api/tokens/metrics: per-request token figures; per-conversation tokens, Zimmer, cost, score, cost per Zimmer Token; month projection.';

revoke all on function public.zimmer_rating(numeric) from public, anon;
revoke all on function public.efficiency_score(numeric, numeric) from public, anon;
revoke all on function public.efficiency_status(numeric) from public, anon;
revoke all on function public.rebuild_session_conversations(uuid, text, timestamptz, interval, jsonb, numeric) from public, anon, authenticated;
revoke all on function public.refresh_project_conversations(uuid, timestamptz, timestamptz) from public, anon, authenticated;
revoke all on function public.refresh_conversations(interval) from public, anon, authenticated;
revoke all on function public.conversation_json(public.conversations) from public, anon, authenticated;
revoke all on function public.conversation_page(uuid, timestamptz, timestamptz, text, text, text, text, text, text, integer) from public, anon;
revoke all on function public.usage_session(uuid, text) from public, anon;
revoke all on function public.month_projection(uuid, timestamptz) from public, anon;
revoke all on function public.usage_token_metrics(uuid, timestamptz, timestamptz, text, text, text) from public, anon;
grant execute on function public.conversation_page(uuid, timestamptz, timestamptz, text, text, text, text, text, text, integer) to authenticated, service_role;
grant execute on function public.usage_session(uuid, text) to authenticated, service_role;
grant execute on function public.month_projection(uuid, timestamptz) to authenticated, service_role;
grant execute on function public.usage_token_metrics(uuid, timestamptz, timestamptz, text, text, text) to authenticated, service_role;
