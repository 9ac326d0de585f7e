-- Conversation pages: the sort's walk reads the index alone when no model, endpoint or provider
-- filter is given, so it can look 10x further before falling back to the window.
-- At 10M usage rows, turns and score ascending over 7 days missed the 100 ms p95 (84-92 ms p50,
-- up to 114 ms p95, docs/benchmarks.md): the first 5,000 conversations of the sort held no page of
-- the range, so each call sorted the range's 20,000 most recent conversations instead. The walk
-- fetched every row it looked at from the table (for ended_at and the filter arrays). The sort
-- indexes now carry ended_at (INCLUDE), the walk reads only the index when no filter is set
-- (an index-only scan: no table page is touched for rows outside the range), and then looks at
-- 50,000 rows instead of 5,000, stopping at the first full page. With a filter the walk is as
-- before (it needs the arrays). The window, where a narrow range still needs it (at 10M rows the
-- lowest turns and scores were all old conversations), reads the recency index alone as well: it
-- carries the sort keys and the filter arrays.
-- Same function otherwise, security invoker as 20261204000300 left it.

drop index public.conversations_cost_idx;
drop index public.conversations_tokens_idx;
drop index public.conversations_turns_idx;
drop index public.conversations_score_idx;
create index conversations_cost_idx on public.conversations (project_id, cost, session_id, started_at) include (ended_at);
create index conversations_tokens_idx on public.conversations (project_id, total_tokens, session_id, started_at) include (ended_at);
create index conversations_turns_idx on public.conversations (project_id, turns, session_id, started_at) include (ended_at);
create index conversations_score_idx on public.conversations (project_id, score, session_id, started_at) include (ended_at);
-- The window (a narrow range: its most recent conversations, sorted) reads the index alone too,
-- with a model, endpoint or provider filter as well, and so does the token metrics' sample of the
-- 10,000 most recent (under the fence, a wider index without zimmer and unpriced_turns made the
-- planner sort the whole range instead: 117 ms at 10M rows; 36 ms with them).
drop index public.conversations_recent_idx;
create index conversations_recent_idx on public.conversations (project_id, ended_at, session_id, started_at)
  include (cost, total_tokens, turns, score, zimmer, unpriced_turns, models, endpoints, providers);

create or replace function public.conversation_page(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null, p_sort text default 'recent',
  p_order text default 'desc', p_cursor text default null, p_limit integer default 50)
returns jsonb
language plpgsql stable security invoker set search_path = '' set timezone = 'UTC' set jit = off as $$
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
  page_walk_index_only constant integer := 50000;
  filtered boolean := p_model is not null or p_endpoint_name is not null or p_provider is not null;
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
  -- A model, endpoint or provider the project has never used (by its daily rollups) is in no
  -- conversation: the answer is an empty page at once, instead of a walk and a window that find nothing.
  if (p_model is not null and not exists (
        select from public.usage_rollups_daily d where d.project_id = p_project and d.model = p_model))
     or (p_endpoint_name is not null and not exists (
        select from public.usage_rollups_daily d where d.project_id = p_project and d.endpoint_name = p_endpoint_name))
     or (p_provider is not null and not exists (
        select from public.usage_rollups_daily d where d.project_id = p_project and d.provider = p_provider)) then
    return jsonb_build_object(
      'sessions', '[]'::jsonb, 'sort', p_sort, 'order', p_order, 'window', null, 'window_full', false,
      'refreshed_until', (select r.refreshed_until from public.conversation_refresh r where r.project_id = p_project),
      'next', null);
  end if;
  -- First walk the sort's own index (WALK rows at most): the first matches in key order are the
  -- exact page. Only when the range or the filters are so narrow that WALK rows hold no full page
  -- does the page come from the range's WINDOW most recently active conversations, sorted.
  execute format($q$
    with walk as (
      select c.%1$I as k, c.session_id, c.started_at, c.ended_at, %6$s
      from public.conversations c
      where c.project_id = $1 %5$s
        and ($7 is null or (c.%1$I, c.session_id, c.started_at) %3$s (($7 ->> 0)::%2$s, $7 ->> 1, ($7 ->> 2)::timestamptz))
      order by c.%1$I %4$s, c.session_id %4$s, c.started_at %4$s
      limit $9
    ), picked as (
      -- The walk is in key order: the first matches are the page, and reading stops there (no
      -- sort of the whole walk).
      select x.k, x.session_id, x.started_at from walk x
      where x.ended_at >= $2 and x.started_at < $3
        and ($4 is null or $4 = any(x.models)) and ($5 is null or $5 = any(x.endpoints))
        and ($6 is null or $6 = any(x.providers))
      limit $8 + 1
    ), rows as (
      select c, row_number() over (order by p.k %4$s, p.session_id %4$s, p.started_at %4$s) as i
      from picked p join public.conversations c
        on c.project_id = $1 and c.session_id = p.session_id and c.started_at = p.started_at)
    select coalesce(jsonb_agg(public.conversation_json(r.c) order by r.i) filter (where r.i <= $8), '[]'::jsonb),
           (array_agg(jsonb_build_array((r.c).%1$I::text, (r.c).session_id, (r.c).started_at::text))
              filter (where r.i = $8))[1],
           -- The walk's length only matters when the page is not full: counted then, so a page
           -- found early stops the walk there.
           count(*), case when count(*) > $8 then false else (select count(*) from walk) >= $9 end
    from rows r$q$,
    key_column, key_type, case p_order when 'desc' then '<' else '>' end, p_order,
    -- Recency: no conversation of the range ended before it starts, so the walk starts there
    -- (index range on ended_at), and oldest first is exact as newest first is.
    case when p_sort = 'recent' then 'and c.ended_at >= $2' else '' end,
    -- Without a filter the arrays are not needed: the walk is an index-only scan.
    case when filtered then 'c.models, c.endpoints, c.providers'
         else 'null::text[] as models, null::text[] as endpoints, null::text[] as providers' end)
  into page, last_key, n, windowed
  using p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, after, p_limit,
        case when filtered then page_walk else page_walk_index_only end;
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
  'GET /api/tokens/sessions: conversations overlapping [from, to); newest and oldest first exactly, other sorts and filters within the 20,000 most recently active when the first 50,000 of the sort (5,000 with a filter) hold no page; a filter value the project never used answers an empty page at once; keyset pages.';
