-- The conversations rollup, refreshed from the rows that are new instead of re-reading a window.
--
-- Until now refresh_conversations re-read every session with a turn in the last 10 minutes from
-- the start of its conversation, every 5 s: under a steady load it read >= 600 x the ingest rate
-- of rows per call and took ~30% of a core (docs/benchmarks.md). Now:
--   * "new" means stored since the last refresh: received_at in [watermark, until), found through a
--     BRIN index (received_at follows the table's physical order; BRIN costs ingest next to nothing);
--   * `until` is the settled point: no transaction that is still open can add a row received before
--     it (received_at is its transaction's start, now()), so nothing committed late is skipped, and
--     a turn stored hours after its own timestamp still joins its conversation;
--   * a new turn inside a conversation's span, or after the session's last conversation, is added to
--     the stored totals without reading the conversation's other turns;
--   * only a turn that lands before or between a session's conversations (it may join two) makes
--     that session rebuild from the conversation it joins, reading rows received before `until`.
-- The watermark's meaning changes (received_at, not ts), so every project is rebuilt once.

-- The settled point: the start of the oldest open transaction in this database, or now.
create function public.conversations_settled_until() returns timestamptz
language plpgsql volatile set search_path = '' as $$
declare
  oldest timestamptz;
  hidden boolean;
begin
  perform pg_catalog.pg_stat_clear_snapshot();  -- pg_stat_activity as of now, not of this transaction's first look
  select min(a.xact_start), bool_or(a.state is null)
  into oldest, hidden
  from pg_catalog.pg_stat_activity a
  where a.datname = pg_catalog.current_database() and a.pid <> pg_catalog.pg_backend_pid()
    and a.backend_type = 'client backend';
  -- A role that may not see other sessions (no pg_read_all_stats) holds back a margin instead.
  return least(pg_catalog.clock_timestamp(), oldest,
               case when hidden then pg_catalog.clock_timestamp() - interval '1 minute' end);
end $$;
comment on function public.conversations_settled_until() is
  'No open transaction can still add a usage row with received_at before this instant: the refresh''s upper bound.';

create index usage_logs_received_brin on public.usage_logs using brin (received_at) with (autosummarize = on);

-- Rebuild one session's conversations from p_anchor on, from rows received before p_until.
create function public.rebuild_session_conversations(
  p_project uuid, p_session_id text, p_anchor timestamptz, p_until timestamptz, p_gap interval,
  p_multipliers jsonb, p_baseline numeric)
returns void
language sql volatile set search_path = '' as $$
  delete from public.conversations c
  where c.project_id = p_project and c.session_id = p_session_id and c.started_at >= p_anchor;
  with turns as (
    select l.ts, l.id, l.model, l.endpoint_name, l.provider, l.status, l.prompt_tokens, l.completion_tokens,
           l.total_tokens, l.total_cost, l.priced,
           l.total_tokens * coalesce((p_multipliers ->> l.model)::numeric, 1) as weighted,
           case when l.ts - lag(l.ts) over (order by l.ts, l.id) <= p_gap then 0 else 1 end as starts
    from public.usage_logs l
    where l.project_id = p_project and l.session_id = p_session_id and l.ts >= p_anchor and l.received_at < p_until
  ), numbered as (select t.*, sum(t.starts) over (order by t.ts, t.id) as n from turns t),
  g as (
    select min(x.ts) as started_at, max(x.ts) as ended_at, count(*)::integer as turns,
           count(*) filter (where x.status = 'error')::integer as errors, sum(x.prompt_tokens) as prompt_tokens,
           sum(x.completion_tokens) as completion_tokens, sum(x.total_tokens) as total_tokens,
           sum(x.weighted) as weighted, coalesce(sum(x.total_cost), 0) as cost,
           count(*) filter (where not x.priced)::integer as unpriced, array_agg(distinct x.model) as models,
           array_agg(distinct x.endpoint_name) as endpoints, array_agg(distinct x.provider) as providers,
           round(sum(x.weighted) / count(*), 2) as zimmer
    from numbered x group by x.n
  )
  insert into public.conversations (project_id, session_id, started_at, ended_at, turns, errors, prompt_tokens,
    completion_tokens, total_tokens, weighted_tokens, cost, unpriced_turns, models, endpoints, providers,
    zimmer, score, rating, status)
  select p_project, p_session_id, g.started_at, g.ended_at, g.turns, g.errors, g.prompt_tokens, g.completion_tokens,
         g.total_tokens, g.weighted, g.cost, g.unpriced, g.models, g.endpoints, g.providers, g.zimmer,
         public.efficiency_score(g.zimmer, p_baseline), public.zimmer_rating(g.zimmer),
         public.efficiency_status(public.efficiency_score(g.zimmer, p_baseline))
  from g;
$$;

-- Each project's settings, defaults filled in.
create function public.conversation_settings()
returns table (project_id uuid, gap interval, multipliers jsonb, baseline numeric)
language sql stable set search_path = '' as $$
  select pr.id, make_interval(mins => coalesce(e.session_gap_minutes, 30)),
         coalesce(e.model_multipliers, '{}'::jsonb), coalesce(e.zimmer_baseline, 300)
  from public.projects pr left join public.efficiency_settings e on e.project_id = pr.id
$$;

-- New turns (received in [the project's watermark, p_until)) of sessions where each one lies inside
-- a stored conversation's span or after the session's last conversation: added to the totals
-- (folded). Sessions with any other new turn are returned unfolded, with their earliest new turn,
-- for the caller to rebuild. One row per session with new turns.
create function public.fold_new_turns(p_since timestamptz, p_until timestamptz)
returns table (project_id uuid, session_id text, first_new timestamptz, folded boolean)
language sql volatile set search_path = '' set work_mem = '64MB' as $$
  with new as (
    select l.project_id, l.session_id, l.ts, l.id, l.model, l.endpoint_name, l.provider, l.status,
           l.prompt_tokens, l.completion_tokens, l.total_tokens, l.total_cost, l.priced, s.gap, s.baseline,
           l.total_tokens * coalesce((s.multipliers ->> l.model)::numeric, 1) as weighted
    from public.usage_logs l
    join public.conversation_refresh r on r.project_id = l.project_id
    join public.conversation_settings() s on s.project_id = l.project_id
    where l.received_at >= p_since and l.received_at < p_until and l.received_at >= r.refreshed_until
      and l.session_id is not null
  ), sessions as (
    select n.project_id, n.session_id, last.started_at as last_start, last.ended_at as last_end
    from (select distinct project_id, session_id from new) n
    left join lateral (
      select c.started_at, c.ended_at from public.conversations c
      where c.project_id = n.project_id and c.session_id = n.session_id
      order by c.started_at desc limit 1) last on true
  ), placed as (
    -- inside: the stored conversation whose span holds the turn (the last one, or looked up for
    -- turns before it: the rare late turn).
    select n.*, s.last_start, s.last_end,
           case when n.ts >= s.last_start and n.ts <= s.last_end then s.last_start
                when prev.ended_at >= n.ts then prev.started_at end as inside_start
    from new n
    join sessions s using (project_id, session_id)
    left join lateral (
      select c.started_at, c.ended_at from public.conversations c
      where n.ts < s.last_start and c.project_id = n.project_id and c.session_id = n.session_id
        and c.started_at <= n.ts
      order by c.started_at desc limit 1) prev on true
  ), flagged as (
    -- A turn before the session's last end and inside no conversation may start or join one: the
    -- whole session is left to the rebuild.
    select p.*, bool_or(p.inside_start is null and coalesce(p.ts < p.last_end, false)) over s as early, min(p.ts) over s as first_new
    from placed p window s as (partition by p.project_id, p.session_id)
  ), simple as (
    select f.* from flagged f where not f.early
  ), tail as (
    -- After the last conversation: the inactivity gap splits them, the first joins it if close enough.
    select t.*, sum(t.starts) over (partition by t.project_id, t.session_id order by t.ts, t.id) as grp
    from (
      select p.*, case when p.ts - coalesce(lag(p.ts) over w, p.last_end) <= p.gap then 0 else 1 end as starts
      from simple p where p.inside_start is null
      window w as (partition by p.project_id, p.session_id order by p.ts, p.id)) t
  ), targeted as (
    select p.project_id, p.session_id, p.ts, p.model, p.endpoint_name, p.provider, p.status, p.prompt_tokens,
           p.completion_tokens, p.total_tokens, p.total_cost, p.priced, p.baseline, p.weighted,
           p.inside_start as target, 0::bigint as grp
    from simple p where p.inside_start is not null
    union all
    select t.project_id, t.session_id, t.ts, t.model, t.endpoint_name, t.provider, t.status, t.prompt_tokens,
           t.completion_tokens, t.total_tokens, t.total_cost, t.priced, t.baseline, t.weighted,
           case when t.grp = 0 then t.last_start end, t.grp
    from tail t
  ), g as (
    select x.project_id, x.session_id, x.target, x.grp, min(x.baseline) as baseline,
           min(x.ts) as started_at, max(x.ts) as ended_at, count(*)::integer as turns,
           count(*) filter (where x.status = 'error')::integer as errors, sum(x.prompt_tokens) as prompt_tokens,
           sum(x.completion_tokens) as completion_tokens, sum(x.total_tokens) as total_tokens,
           sum(x.weighted) as weighted, coalesce(sum(x.total_cost), 0) as cost,
           count(*) filter (where not x.priced)::integer as unpriced, array_agg(distinct x.model) as models,
           array_agg(distinct x.endpoint_name) as endpoints, array_agg(distinct x.provider) as providers
    from targeted x group by x.project_id, x.session_id, x.target, x.grp
  ), totals as (
    -- The conversations that new turns join, with their new Zimmer figure.
    select g.*, round((c.weighted_tokens + g.weighted) / (c.turns + g.turns), 2) as zimmer
    from g join public.conversations c
      on c.project_id = g.project_id and c.session_id = g.session_id and c.started_at = g.target
  ), merged as (
    update public.conversations c set
      ended_at = greatest(c.ended_at, t.ended_at), turns = c.turns + t.turns, errors = c.errors + t.errors,
      prompt_tokens = c.prompt_tokens + t.prompt_tokens, completion_tokens = c.completion_tokens + t.completion_tokens,
      total_tokens = c.total_tokens + t.total_tokens, weighted_tokens = c.weighted_tokens + t.weighted,
      cost = c.cost + t.cost, unpriced_turns = c.unpriced_turns + t.unpriced,
      models = array(select distinct m from unnest(c.models || t.models) m order by 1),
      endpoints = array(select distinct m from unnest(c.endpoints || t.endpoints) m order by 1),
      providers = array(select distinct m from unnest(c.providers || t.providers) m order by 1),
      zimmer = t.zimmer, score = public.efficiency_score(t.zimmer, t.baseline), rating = public.zimmer_rating(t.zimmer),
      status = public.efficiency_status(public.efficiency_score(t.zimmer, t.baseline)), refreshed_at = now()
    from totals t
    where c.project_id = t.project_id and c.session_id = t.session_id and c.started_at = t.target
    returning c.project_id, c.session_id
  ), added as (
    insert into public.conversations (project_id, session_id, started_at, ended_at, turns, errors, prompt_tokens,
      completion_tokens, total_tokens, weighted_tokens, cost, unpriced_turns, models, endpoints, providers,
      zimmer, score, rating, status)
    select g.project_id, g.session_id, g.started_at, g.ended_at, g.turns, g.errors, g.prompt_tokens,
           g.completion_tokens, g.total_tokens, g.weighted, g.cost, g.unpriced, g.models, g.endpoints, g.providers,
           z.zimmer, public.efficiency_score(z.zimmer, g.baseline), public.zimmer_rating(z.zimmer),
           public.efficiency_status(public.efficiency_score(z.zimmer, g.baseline))
    from g, lateral (select round(g.weighted / g.turns, 2) as zimmer) z
    where g.target is null
    returning project_id, session_id
  )
  select c.project_id, c.session_id, null::timestamptz, true
  from (select * from merged union select * from added) c
  union all
  select distinct f.project_id, f.session_id, f.first_new, false from flagged f where f.early
$$;

-- A project's conversations from all its rows received before p_until (first run, settings changed).
create function public.build_project_conversations(p_project uuid, p_until timestamptz) returns integer
language plpgsql volatile set search_path = '' as $$
declare
  st record;
  s record;
  n integer := 0;
begin
  select * into st from public.conversation_settings() x where x.project_id = p_project;
  delete from public.conversations c where c.project_id = p_project;
  for s in
    select distinct l.session_id from public.usage_logs l
    where l.project_id = p_project and l.session_id is not null and l.received_at < p_until
  loop
    perform public.rebuild_session_conversations(p_project, s.session_id, '-infinity', p_until,
                                                 st.gap, st.multipliers, st.baseline);
    n := n + 1;
  end loop;
  return n;
end $$;

-- The evaluator job's entry point.
drop function public.refresh_conversations(interval);
drop function public.refresh_project_conversations(uuid, timestamptz, timestamptz);
drop function public.rebuild_session_conversations(uuid, text, timestamptz, interval, jsonb, numeric);

create function public.refresh_conversations() returns integer
language plpgsql volatile security definer set search_path = '' set timezone = 'UTC' as $$
declare
  until timestamptz;
  since timestamptz;
  p record;
  s record;
  settings record;
  anchor timestamptz;
  n integer := 0;
begin
  -- One refresh at a time (the job, a CLI report, a test): two would count the same rows.
  perform pg_advisory_xact_lock(hashtext('tokenoptimizer.refresh_conversations'));
  until := public.conversations_settled_until();
  -- Summarise the BRIN index's new page ranges (the pages stored since the last call, so cheap):
  -- unsummarised ranges match every search, and autovacuum gets to them only once a minute or so.
  perform pg_catalog.brin_summarize_new_values('public.usage_logs_received_brin'::regclass);
  -- Projects never built, or whose settings changed: from all their rows.
  for p in
    select pr.id from public.projects pr
    left join public.efficiency_settings e on e.project_id = pr.id
    left join public.conversation_refresh r on r.project_id = pr.id
    where r.project_id is null or coalesce(e.rebuild_requested, false)
  loop
    n := n + public.build_project_conversations(p.id, until);
    update public.efficiency_settings e set rebuild_requested = false where e.project_id = p.id;
    insert into public.conversation_refresh (project_id, refreshed_until) values (p.id, until)
    on conflict (project_id) do update set refreshed_until = excluded.refreshed_until;
  end loop;
  -- The others: what was stored since their watermark.
  select min(r.refreshed_until) into since from public.conversation_refresh r where r.refreshed_until < until;
  if since is not null then
    for s in select * from public.fold_new_turns(since, until) loop
      if not s.folded then
        -- Rebuilt from the conversation the earliest new turn joins (or from that turn).
        select st.gap, st.multipliers, st.baseline into settings
        from public.conversation_settings() st where st.project_id = s.project_id;
        anchor := null;
        select c.started_at into anchor from public.conversations c
        where c.project_id = s.project_id and c.session_id = s.session_id and c.started_at <= s.first_new
          and c.ended_at + settings.gap >= s.first_new
        order by c.started_at desc limit 1;
        perform public.rebuild_session_conversations(s.project_id, s.session_id, coalesce(anchor, s.first_new),
                                                     until, settings.gap, settings.multipliers, settings.baseline);
      end if;
      n := n + 1;
    end loop;
    update public.conversation_refresh r set refreshed_until = until where r.refreshed_until < until;
  end if;
  return n;
end $$;
comment on function public.refresh_conversations() is
  'Evaluator job: brings public.conversations up to date with the usage rows stored since the last call.';
comment on table public.conversation_refresh is
  'The evaluator''s watermark per project: usage rows with received_at before refreshed_until are in conversations; a project without a row is built from all its rows.';

-- Every project is rebuilt once: the old watermark was a ts, this one is a received_at.
delete from public.conversation_refresh;

revoke all on function public.conversations_settled_until() from public, anon, authenticated;
revoke all on function public.rebuild_session_conversations(uuid, text, timestamptz, timestamptz, interval, jsonb, numeric)
  from public, anon, authenticated;
revoke all on function public.conversation_settings() from public, anon, authenticated;
revoke all on function public.fold_new_turns(timestamptz, timestamptz) from public, anon, authenticated;
revoke all on function public.build_project_conversations(uuid, timestamptz) from public, anon, authenticated;
revoke all on function public.refresh_conversations() from public, anon, authenticated;
