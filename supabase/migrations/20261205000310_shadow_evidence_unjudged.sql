-- shadow_evidence (20261205000300) divided by a candidate's judged runs before noticing there were
-- none: a candidate whose every shadow call failed made the read (and /api/optimization, which cites
-- it) a division by zero. The same function with the interval taken over nullif(n, 0): such a
-- candidate answers n = 0 and null rate and interval. `create or replace` keeps its grants.

create or replace function public.shadow_evidence(p_project uuid, p_from timestamptz, p_to timestamptz,
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
    -- n0 is null for a candidate with no judged run (all failed): its rate and interval are null.
    select g.*, nullif(g.n, 0)::double precision as n0, g.k::double precision / nullif(g.n, 0) as p from g
  )
  select jsonb_build_object(
    'evidence', coalesce(jsonb_agg(jsonb_build_object(
      'endpoint_name', w.endpoint_name, 'current_model', w.current_model,
      'candidate_model', w.candidate_model, 'candidate_provider', w.candidate_provider,
      'runs', w.runs, 'errors', w.errors, 'n', w.n, 'agreed', w.k,
      'agreement_rate', round(w.p::numeric, 4),
      'agreement_low', round(((w.p + z * z / (2 * w.n0) - z * sqrt(w.p * (1 - w.p) / w.n0 + z * z / (4 * w.n0 * w.n0)))
                              / (1 + z * z / w.n0))::numeric, 4),
      'agreement_high', round(((w.p + z * z / (2 * w.n0) + z * sqrt(w.p * (1 - w.p) / w.n0 + z * z / (4 * w.n0 * w.n0)))
                               / (1 + z * z / w.n0))::numeric, 4),
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
