-- Silent shadow comparisons (issue 13 item 3): the verdicts the SDK records when it replays a
-- sampled call on a candidate model. One row per (sampled call, candidate): counts, timings, the
-- score and whether the answers agreed; never any text. Kept apart from usage_logs and its
-- rollups so shadow spend is its own figure and never counts in an endpoint's totals or advice.
-- Both sides are priced at ingest with the same resolver as usage (pricing.PriceBook).

create table public.shadow_runs (
  project_id uuid not null references public.projects (id) on delete cascade,
  id uuid not null,
  ts timestamptz not null,
  received_at timestamptz not null default now(),
  endpoint_name text not null,
  sampled_call_id uuid not null,
  current_model text not null,
  current_provider text,
  candidate_model text not null,
  candidate_provider text not null,
  status text not null check (status in ('ok', 'error')),
  error_type text,
  prompt_tokens integer not null check (prompt_tokens >= 0),
  completion_tokens integer not null check (completion_tokens >= 0),
  cached_tokens integer not null default 0 check (cached_tokens >= 0),
  cache_write_tokens integer not null default 0 check (cache_write_tokens >= 0),
  latency_ms double precision check (latency_ms >= 0),
  current_prompt_tokens integer not null check (current_prompt_tokens >= 0),
  current_completion_tokens integer not null check (current_completion_tokens >= 0),
  current_cached_tokens integer not null default 0 check (current_cached_tokens >= 0),
  current_cache_write_tokens integer not null default 0 check (current_cache_write_tokens >= 0),
  current_latency_ms double precision check (current_latency_ms >= 0),
  score numeric(5, 4) check (score between 0 and 1),
  agreed boolean,
  comparator text not null,
  candidate_cost numeric,
  candidate_pricing_model text,
  current_cost numeric,
  current_pricing_model text,
  pricing_version bigint,
  sdk_version text,
  primary key (project_id, id),
  check ((score is null) = (agreed is null))
);
comment on table public.shadow_runs is
  'Shadow comparison verdicts (SDK shadow mode): a candidate model answering a sampled call, judged in the app. No content. Not usage: outside usage_logs and its rollups.';
comment on column public.shadow_runs.sampled_call_id is 'Groups the candidates of one sampled call (an id the SDK makes; not a usage_logs id).';
comment on column public.shadow_runs.agreed is 'The comparator''s judgement; null when nothing could be compared (the candidate failed, or an answer had no text).';
comment on column public.shadow_runs.candidate_cost is 'What the shadow call cost, priced at ingest like usage; null when unpriced.';
comment on column public.shadow_runs.current_cost is 'What the sampled call cost on the current model, priced from its tokens the same way.';

create index shadow_runs_project_ts_idx on public.shadow_runs (project_id, ts);

alter table public.shadow_runs enable row level security;
create policy "Members can read their projects' shadow comparisons" on public.shadow_runs
  for select to authenticated using (project_id in (select public.projects_with_role()));
-- Written only by the backend (store_shadow_runs, as the owner).
revoke all on public.shadow_runs from anon, authenticated;
grant select on public.shadow_runs to authenticated;

create function public.store_shadow_runs(p_rows json)
returns table (project_id uuid, id uuid)
language sql set search_path = '' as $$
  insert into public.shadow_runs as s (project_id, id, ts, endpoint_name, sampled_call_id, current_model, current_provider,
    candidate_model, candidate_provider, status, error_type, prompt_tokens, completion_tokens, cached_tokens,
    cache_write_tokens, latency_ms, current_prompt_tokens, current_completion_tokens, current_cached_tokens,
    current_cache_write_tokens, current_latency_ms, score, agreed, comparator, candidate_cost, candidate_pricing_model,
    current_cost, current_pricing_model, pricing_version, sdk_version)
  select r.project_id, r.id, r.ts, r.endpoint_name, r.sampled_call_id, r.current_model, r.current_provider,
    r.candidate_model, r.candidate_provider, r.status, r.error_type, r.prompt_tokens, r.completion_tokens, r.cached_tokens,
    r.cache_write_tokens, r.latency_ms, r.current_prompt_tokens, r.current_completion_tokens, r.current_cached_tokens,
    r.current_cache_write_tokens, r.current_latency_ms, r.score, r.agreed, r.comparator, r.candidate_cost,
    r.candidate_pricing_model, r.current_cost, r.current_pricing_model, r.pricing_version, r.sdk_version
  from json_to_recordset(p_rows) as r(project_id uuid, id uuid, ts timestamptz, endpoint_name text, sampled_call_id uuid,
    current_model text, current_provider text, candidate_model text, candidate_provider text, status text,
    error_type text, prompt_tokens int, completion_tokens int, cached_tokens int, cache_write_tokens int,
    latency_ms float8, current_prompt_tokens int, current_completion_tokens int, current_cached_tokens int,
    current_cache_write_tokens int, current_latency_ms float8, score numeric, agreed bool, comparator text,
    candidate_cost numeric, candidate_pricing_model text, current_cost numeric, current_pricing_model text,
    pricing_version bigint, sdk_version text)
  on conflict on constraint shadow_runs_pkey do nothing
  returning s.project_id, s.id
$$;
comment on function public.store_shadow_runs(json) is
  'The API write of shadow verdicts (in the same transaction as the batch''s usage); returns the (project_id, id) pairs newly stored.';
revoke all on function public.store_shadow_runs(json) from public, anon, authenticated;

-- Evidence per endpoint x current model x candidate: agreement with a Wilson 95% interval, n,
-- p95 latency of both sides on the same sampled calls, cost per call of each, and shadow spend.
create function public.shadow_evidence(p_project uuid, p_from timestamptz, p_to timestamptz,
                                       p_endpoint_name text default null)
returns jsonb
language plpgsql stable security invoker set search_path = '' set timezone = 'UTC' as $$
declare
  z constant double precision := 1.959963984540054;  -- the normal quantile of 97.5%
  result jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  with runs as (
    select * from public.shadow_runs r
    where r.project_id = p_project and r.ts >= p_from and r.ts < p_to
      and (p_endpoint_name is null or r.endpoint_name = p_endpoint_name)
  ), g as (
    select r.endpoint_name, r.current_model, r.candidate_model, r.candidate_provider,
           count(*)::bigint as runs, count(*) filter (where r.status = 'error')::bigint as errors,
           count(r.agreed)::bigint as n, count(*) filter (where r.agreed)::bigint as k,
           percentile_cont(0.95) within group (order by r.latency_ms) filter (where r.status = 'ok') as p95_candidate,
           percentile_cont(0.95) within group (order by r.current_latency_ms) as p95_current,
           sum(r.candidate_cost) as spend, count(r.candidate_cost)::bigint as candidate_priced,
           sum(r.current_cost) as current_spend, count(r.current_cost)::bigint as current_priced,
           max(r.ts) as last_run
    from runs r group by 1, 2, 3, 4
  ), w as (
    select g.*, g.k::double precision / nullif(g.n, 0) as p from g
  )
  select jsonb_build_object(
    'evidence', coalesce(jsonb_agg(jsonb_build_object(
      'endpoint_name', w.endpoint_name, 'current_model', w.current_model,
      'candidate_model', w.candidate_model, 'candidate_provider', w.candidate_provider,
      'runs', w.runs, 'errors', w.errors, 'n', w.n, 'agreed', w.k,
      'agreement_rate', round(w.p::numeric, 4),
      'agreement_low', round(((w.p + z * z / (2 * w.n) - z * sqrt(w.p * (1 - w.p) / w.n + z * z / (4.0 * w.n * w.n)))
                              / (1 + z * z / w.n))::numeric, 4),
      'agreement_high', round(((w.p + z * z / (2 * w.n) + z * sqrt(w.p * (1 - w.p) / w.n + z * z / (4.0 * w.n * w.n)))
                               / (1 + z * z / w.n))::numeric, 4),
      'p95_latency_ms_candidate', round(w.p95_candidate::numeric, 1),
      'p95_latency_ms_current', round(w.p95_current::numeric, 1),
      'cost_per_call_candidate', (trim_scale(round(w.spend / nullif(w.candidate_priced, 0), 12)))::text,
      'cost_per_call_current', (trim_scale(round(w.current_spend / nullif(w.current_priced, 0), 12)))::text,
      'shadow_spend', coalesce(trim_scale(w.spend), 0)::text,
      'unpriced_runs', w.runs - w.candidate_priced,
      'last_run', w.last_run)
      order by w.endpoint_name, w.n desc, w.candidate_model), '[]'::jsonb),
    'spend', jsonb_build_object('runs', coalesce(sum(w.runs), 0),
                                'cost', coalesce(trim_scale(sum(w.spend)), 0)::text,
                                'unpriced_runs', coalesce(sum(w.runs - w.candidate_priced), 0)))
  into result from w;
  return result;
end $$;
comment on function public.shadow_evidence(uuid, timestamptz, timestamptz, text) is
  'Shadow comparison evidence per endpoint x current model x candidate (agreement, Wilson 95% interval, p95 latency, cost per call) and the range''s shadow spend. Runs under the caller''s row-level security.';
revoke all on function public.shadow_evidence(uuid, timestamptz, timestamptz, text) from public, anon;
grant execute on function public.shadow_evidence(uuid, timestamptz, timestamptz, text) to authenticated, service_role;
