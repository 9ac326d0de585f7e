-- Bounded conversation reads (docs/efficiency.md): measured on 1,000,000 conversations of one
-- project, a filter that matched nothing walked the whole sort index (3.7-6.3 s), and the metrics
-- read their sample ten times (73-126 ms). Now a page walks at most 5,000 rows of its sort index
-- (exact when they hold a full page); otherwise it is sorted within the range's 20,000 most
-- recently active conversations (`window`; `window_full` when the range holds more), and the
-- metrics read their 10,000 once.

create or replace function public.conversation_page(
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
  windowed boolean;
  window_full boolean;
  page_window constant integer := 20000;
  page_walk constant integer := 5000;
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
  -- First walk the sort's own index (WALK rows at most): the first matches in key order are the
  -- exact page. Only when the range or the filters are so narrow that WALK rows hold no full page
  -- does the page come from the range's WINDOW most recently active conversations, sorted.
  execute format($q$
    with walk as (
      select c.%1$I as k, c.session_id, c.started_at, c.ended_at, c.models, c.endpoints, c.providers
      from public.conversations c
      where c.project_id = $1
        and ($7 is null or (c.%1$I, c.session_id, c.started_at) %3$s (($7 ->> 0)::%2$s, $7 ->> 1, ($7 ->> 2)::timestamptz))
      order by c.%1$I %4$s, c.session_id %4$s, c.started_at %4$s
      limit $9
    ), picked as (
      select x.k, x.session_id, x.started_at from walk x
      where x.ended_at >= $2 and x.started_at < $3
        and ($4 is null or $4 = any(x.models)) and ($5 is null or $5 = any(x.endpoints))
        and ($6 is null or $6 = any(x.providers))
      order by x.k %4$s, x.session_id %4$s, x.started_at %4$s
      limit $8 + 1
    ), rows as (
      select c, row_number() over (order by p.k %4$s, p.session_id %4$s, p.started_at %4$s) as i
      from picked p join public.conversations c
        on c.project_id = $1 and c.session_id = p.session_id and c.started_at = p.started_at)
    select coalesce(jsonb_agg(public.conversation_json(r.c) order by r.i) filter (where r.i <= $8), '[]'::jsonb),
           (array_agg(jsonb_build_array((r.c).%1$I::text, (r.c).session_id, (r.c).started_at::text))
              filter (where r.i = $8))[1],
           count(*), (select count(*) from walk) >= $9
    from rows r$q$,
    key_column, key_type, case p_order when 'desc' then '<' else '>' end, p_order)
  into page, last_key, n, windowed
  using p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, after, p_limit, page_walk;
  windowed := windowed and n <= p_limit;
  if windowed then
  execute format($q$
    with candidates as (
      select c.%1$I as k, c.session_id, c.started_at, c.models, c.endpoints, c.providers
      from public.conversations c
      where c.project_id = $1 and c.ended_at >= $2 and c.started_at < $3
        and ($9 or ($7 is null or (c.%1$I, c.session_id, c.started_at) %3$s (($7 ->> 0)::%2$s, $7 ->> 1, ($7 ->> 2)::timestamptz)))
      order by c.ended_at desc, c.session_id desc, c.started_at desc
      limit case when $9 then $10 else $8 + 1 end
    ), picked as (
      select x.k, x.session_id, x.started_at from candidates x
      where ($4 is null or $4 = any(x.models)) and ($5 is null or $5 = any(x.endpoints))
        and ($6 is null or $6 = any(x.providers))
        and ($7 is null or (x.k, x.session_id, x.started_at) %3$s (($7 ->> 0)::%2$s, $7 ->> 1, ($7 ->> 2)::timestamptz))
      order by x.k %4$s, x.session_id %4$s, x.started_at %4$s
      limit $8 + 1
    ), rows as (
      select c, row_number() over (order by p.k %4$s, p.session_id %4$s, p.started_at %4$s) as i
      from picked p join public.conversations c
        on c.project_id = $1 and c.session_id = p.session_id and c.started_at = p.started_at)
    select coalesce(jsonb_agg(public.conversation_json(r.c) order by r.i) filter (where r.i <= $8), '[]'::jsonb),
           (array_agg(jsonb_build_array((r.c).%1$I::text, (r.c).session_id, (r.c).started_at::text))
              filter (where r.i = $8))[1],
           count(*), $9 and (select count(*) from candidates) >= $10
    from rows r$q$,
    key_column, key_type, case p_order when 'desc' then '<' else '>' end, p_order)
  into page, last_key, n, window_full
  using p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, after, p_limit, true, page_window;
  end if;
  return jsonb_build_object(
    'sessions', page, 'sort', p_sort, 'order', p_order,
    'window', case when windowed then page_window end, 'window_full', coalesce(windowed and window_full, false),
    'refreshed_until', (select r.refreshed_until from public.conversation_refresh r where r.project_id = p_project),
    'next', case when n > p_limit then
      rtrim(translate(encode(convert_to(last_key::text, 'UTF8'), 'base64'), E'+/\n', '-_'), '=') end);
end $$;
comment on function public.conversation_page(uuid, timestamptz, timestamptz, text, text, text, text, text, text, integer) is
  'GET /api/tokens/sessions: conversations overlapping [from, to); newest first exactly, other sorts and filters within the 20,000 most recently active; keyset pages.';

create or replace function public.usage_token_metrics(
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
  with latest as (
    select c.total_tokens, c.zimmer, c.cost, c.turns, c.score, c.unpriced_turns, c.models, c.endpoints, c.providers
    from public.conversations c
    where c.project_id = p_project and c.ended_at >= p_from and c.started_at < p_to
    order by c.ended_at desc limit 10000
  ), recent as (
    select * from latest r
    where (p_model is null or p_model = any(r.models)) and (p_endpoint_name is null or p_endpoint_name = any(r.endpoints))
      and (p_provider is null or p_provider = any(r.providers))
  ), sums as (
    select count(*) as n, sum(r.total_tokens) as tokens, sum(r.zimmer) as zimmer, sum(r.cost) as cost,
           sum(r.turns) as turns, avg(r.score) as score, sum(r.unpriced_turns) as unpriced,
           array_agg(r.total_tokens) as all_tokens
    from recent r
  )
  -- One pass over the sample for the sums; the histogram counts the same tokens per bucket.
  select x.n, x.tokens, x.zimmer, x.cost, x.turns, x.score, x.unpriced,
         (select jsonb_agg(jsonb_build_object('min', b.lo, 'max', b.hi, 'conversations', b.n) order by b.lo)
          from (select lo, lead(lo) over (order by lo) as hi,
                       (select count(*) from unnest(x.all_tokens) t
                        where t >= lo and t < coalesce(lead_lo, 9223372036854775807)) as n
                from (select lo, lead(lo) over (order by lo) as lead_lo
                      from unnest('{0,250,500,1000,2000,4000,8000,16000,32000}'::bigint[]) lo) l) b) as histogram
  into s from sums x;
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
  'GET /api/tokens/metrics: per-request token figures; per-conversation figures over the 10,000 most recently active conversations of the range (then filtered); month projection.';
