-- Conversation efficiency (docs/efficiency.md): a session's turns form conversations, split after
-- a gap of inactivity; each conversation has turns, tokens, cost, duration, models, Zimmer Tokens,
-- an efficiency score, a rating and a status. They live in a rollup, public.conversations, that
-- the evaluator job refreshes from new usage rows (refresh_conversations, every few seconds, never
-- on the ingest path), so the reads below walk the rollup's indexes instead of usage_logs.
-- Replaces usage_session and usage_token_metrics of *_conversation_reads.sql; /api/tokens/sessions now
-- reads conversation_page (next migration). usage_sessions stays as it was: the savings advice
-- (usage_optimization) walks it for its recent sessions.

-- Settings -------------------------------------------------------------------------------------

create table public.efficiency_settings (
  project_id uuid primary key references public.projects (id) on delete cascade,
  session_gap_minutes integer not null default 30 check (session_gap_minutes between 1 and 1440),
  zimmer_baseline numeric not null default 300 check (zimmer_baseline > 0),
  model_multipliers jsonb not null default '{}'::jsonb check (jsonb_typeof(model_multipliers) = 'object'),
  rebuild_requested boolean not null default false,
  updated_at timestamptz not null default now()
);
comment on table public.efficiency_settings is
  'Per project: the inactivity gap that splits a session, the Zimmer baseline of the score and per-model multipliers.';
comment on column public.efficiency_settings.model_multipliers is
  'Zimmer multiplier per model name as stored in usage_logs.model, e.g. {"gpt-4o": 1.5}; absent models count 1.0.';
comment on column public.efficiency_settings.rebuild_requested is
  'Set when the settings change; the evaluator job then rebuilds the project''s conversations from its rows.';
alter table public.efficiency_settings enable row level security;

-- The formulas, defined once (docs/efficiency.md) -------------------------------------------------

create function public.zimmer_rating(p_zimmer numeric) returns text
language sql immutable parallel safe set search_path = '' as $$
  select case when p_zimmer <= 200 then 'Excellent' when p_zimmer <= 400 then 'Good'
              when p_zimmer <= 600 then 'Fair' else 'Poor' end
$$;
comment on function public.zimmer_rating(numeric) is 'Rating from Zimmer Tokens: Excellent <= 200 < Good <= 400 < Fair <= 600 < Poor.';

create function public.efficiency_score(p_zimmer numeric, p_baseline numeric) returns numeric
language sql immutable parallel safe set search_path = '' as $$
  select round(100 * greatest(0, 1 - p_zimmer / p_baseline), 1)
$$;
comment on function public.efficiency_score(numeric, numeric) is
  'Efficiency score 0-100 = 100 x max(0, 1 - Zimmer / baseline), to one decimal as shown.';

create function public.efficiency_status(p_score numeric) returns text
language sql immutable parallel safe set search_path = '' as $$
  select case when p_score >= 80 then 'Excellent' when p_score >= 60 then 'Good'
              when p_score >= 40 then 'Fair' else 'Poor' end
$$;
comment on function public.efficiency_status(numeric) is 'Status from the shown score: Excellent >= 80, Good >= 60, Fair >= 40, else Poor.';

-- The rollup -----------------------------------------------------------------------------------

create table public.conversations (
  project_id uuid not null references public.projects (id) on delete cascade,
  session_id text not null,
  started_at timestamptz not null,
  ended_at timestamptz not null,
  turns integer not null check (turns > 0),
  errors integer not null,
  prompt_tokens bigint not null,
  completion_tokens bigint not null,
  total_tokens bigint not null,
  weighted_tokens numeric not null,
  cost numeric not null,
  unpriced_turns integer not null,
  models text[] not null,
  endpoints text[] not null,
  providers text[] not null,
  zimmer numeric not null,
  score numeric not null,
  rating text not null,
  status text not null,
  refreshed_at timestamptz not null default now(),
  primary key (project_id, session_id, started_at)
);
comment on table public.conversations is
  'One row per conversation: a session''s turns with no gap longer than the project''s session gap. Maintained by refresh_conversations.';
comment on column public.conversations.weighted_tokens is 'Sum of total_tokens x the model''s Zimmer multiplier; zimmer = weighted_tokens / turns.';
comment on column public.conversations.cost is 'Sum of priced turns only; unpriced_turns says how many are missing.';
alter table public.conversations enable row level security;
-- Keyset pages for each sort: (key, session_id, started_at) is unique.
create index conversations_recent_idx on public.conversations (project_id, ended_at, session_id, started_at);
create index conversations_cost_idx on public.conversations (project_id, cost, session_id, started_at);
create index conversations_tokens_idx on public.conversations (project_id, total_tokens, session_id, started_at);
create index conversations_turns_idx on public.conversations (project_id, turns, session_id, started_at);
create index conversations_score_idx on public.conversations (project_id, score, session_id, started_at);
create index conversations_refreshed_idx on public.conversations (project_id, refreshed_at);

create table public.conversation_refresh (
  project_id uuid primary key references public.projects (id) on delete cascade,
  refreshed_until timestamptz not null
);
comment on table public.conversation_refresh is
  'The evaluator''s watermark per project: usage rows with ts before refreshed_until minus the lateness margin are in conversations; a project without a row is built from all its rows.';
alter table public.conversation_refresh enable row level security;

-- Rebuild the conversations of one session from p_anchor on (p_anchor starts a conversation).
create function public.rebuild_session_conversations(
  p_project uuid, p_session_id text, p_anchor timestamptz, p_gap interval, p_multipliers jsonb, p_baseline numeric)
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
    where l.project_id = p_project and l.session_id = p_session_id and l.ts >= p_anchor
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

-- Sessions of one project with turns in [p_since, p_until): rebuild each from the conversation
-- that the earliest new turn joins (or starts). Returns how many sessions were rebuilt.
create function public.refresh_project_conversations(p_project uuid, p_since timestamptz, p_until timestamptz)
returns integer
language plpgsql volatile set search_path = '' set timezone = 'UTC' as $$
declare
  gap interval := interval '30 minutes';
  multipliers jsonb := '{}'::jsonb;
  baseline numeric := 300;
  s record;
  anchor timestamptz;
  n integer := 0;
begin
  select make_interval(mins => e.session_gap_minutes), e.model_multipliers, e.zimmer_baseline
  into gap, multipliers, baseline
  from public.efficiency_settings e where e.project_id = p_project;
  gap := coalesce(gap, interval '30 minutes');
  multipliers := coalesce(multipliers, '{}'::jsonb);
  baseline := coalesce(baseline, 300);
  for s in
    select l.session_id, min(l.ts) as first_new from public.usage_logs l
    where l.project_id = p_project and l.ts >= p_since and l.ts < p_until and l.session_id is not null
    group by l.session_id
  loop
    anchor := null;
    select c.started_at into anchor from public.conversations c
    where c.project_id = p_project and c.session_id = s.session_id and c.started_at <= s.first_new
      and c.ended_at + gap >= s.first_new
    order by c.started_at desc limit 1;
    perform public.rebuild_session_conversations(p_project, s.session_id, coalesce(anchor, s.first_new),
                                                 gap, multipliers, baseline);
    n := n + 1;
  end loop;
  return n;
end $$;

-- The evaluator job's entry point: every project's sessions with turns since the last refresh
-- (minus p_lateness, for rows committed late), and full rebuilds of projects whose settings changed.
create function public.refresh_conversations(p_lateness interval default interval '10 minutes')
returns integer
language plpgsql volatile security definer set search_path = '' set timezone = 'UTC' as $$
declare
  until timestamptz := now();
  p record;
  n integer := 0;
begin
  -- One refresh at a time (the job, a CLI report, a test): two would rebuild the same rows.
  perform pg_advisory_xact_lock(hashtext('tokenoptimizer.refresh_conversations'));
  for p in
    select pr.id, coalesce(e.rebuild_requested, false) as rebuild,
           case when coalesce(e.rebuild_requested, false) then '-infinity'
                else coalesce(r.refreshed_until - p_lateness, '-infinity') end as since
    from public.projects pr
    left join public.efficiency_settings e on e.project_id = pr.id
    left join public.conversation_refresh r on r.project_id = pr.id
  loop
    if p.rebuild then
      delete from public.conversations c where c.project_id = p.id;
      update public.efficiency_settings e set rebuild_requested = false where e.project_id = p.id;
    end if;
    n := n + public.refresh_project_conversations(p.id, p.since, 'infinity');
    insert into public.conversation_refresh (project_id, refreshed_until) values (p.id, until)
    on conflict (project_id) do update set refreshed_until = excluded.refreshed_until;
  end loop;
  return n;
end $$;
comment on function public.refresh_conversations(interval) is
  'Evaluator job: brings public.conversations up to date with usage rows stored since the last call.';

-- Reads ----------------------------------------------------------------------------------------

create function public.conversation_json(c public.conversations) returns jsonb
language sql stable parallel safe set search_path = '' as $$
  select jsonb_build_object(
    'session_id', c.session_id, 'started_at', c.started_at, 'ended_at', c.ended_at,
    'duration_s', extract(epoch from c.ended_at - c.started_at)::double precision,
    'turns', c.turns, 'errors', c.errors, 'prompt_tokens', c.prompt_tokens,
    'completion_tokens', c.completion_tokens, 'total_tokens', c.total_tokens,
    'cost', public.cost_json(c.cost, c.turns, c.unpriced_turns), 'unpriced_turns', c.unpriced_turns,
    'models', to_jsonb(c.models), 'zimmer_tokens', c.zimmer, 'efficiency_score', c.score,
    'rating', c.rating, 'status', c.status)
$$;

drop function public.usage_token_metrics(uuid, timestamptz, timestamptz, text, text, text);
drop function public.usage_session(uuid, text);
