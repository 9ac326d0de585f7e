-- Savings advice: endpoint_profiles (20261205000410) redefined twice over, in one migration.
--
-- 1. The recent window's requests reach the backend summed, not one shape each. At 10M rows
--    /api/optimization took 0.9-1.6 s p95 (bench/dashboard.py): endpoint_profiles walked the
--    range's 50,000 most recent rows and sent every distinct usage shape (37,000 of them, 1.7 MB of
--    JSON) for the backend to price on each candidate. Now the walk is the most recent p_walk rows
--    (the backend asks for 5,000), and each endpoint x model's requests are summed per service tier
--    and per side of every long-context threshold the backend's prices have (p_thresholds): every
--    request of a group gets the same rates on any model, so pricing the sum is exact (the backend
--    checks each group's smallest and largest prompt against the candidate's thresholds).
-- 2. Summarise-history advice per month for the whole range, not for its sample. The prompt tokens
--    a summary would have saved are counted in the range's 50 most recent sessions; the plan turned
--    that into a monthly figure as if those sessions were all the range's traffic (shorter answers
--    had the same flaw over its 10,000 most recent requests). Summaries rows now also say how many
--    requests of that endpoint x model the sample held (`sampled_requests`), and both kinds say
--    whether the sample was capped (`sample_capped`); when it was, the plan scales the saving by the
--    range's requests over the sample's (advice/plans.py), as the model options do.
-- Same answer otherwise; security invoker, grants as before.

drop function public.endpoint_profiles(uuid, timestamptz, timestamptz, text, text, text, integer, integer);

create function public.endpoint_profiles(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null,
  p_walk integer default 10000, p_sample integer default 2000, p_thresholds bigint[] default '{}')
returns jsonb
language plpgsql stable security invoker set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  profiles jsonb;
  summaries jsonb;
  answers jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  with totals as (
    select x.endpoint_name, x.model, x.provider, sum(x.requests)::bigint as requests,
           sum(x.unpriced_requests)::bigint as unpriced, sum(x.cost) as cost,
           sum(x.prompt_tokens)::bigint as prompt_tokens, sum(x.completion_tokens)::bigint as completion_tokens,
           sum(x.cached_tokens)::bigint as cached_tokens
    from public.usage_slices(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, true) x
    group by 1, 2, 3
  ), walk as (
    -- The range's most recent rows (newest-first index): bounded however large the range.
    select w.*, row_number() over (partition by w.endpoint_name, w.model, w.provider order by w.ts desc, w.id desc) as n
    from (
      select r.id, r.ts, r.endpoint_name, r.model, r.provider, r.priced, r.pricing_model, r.prompt_tokens,
             r.completion_tokens, r.cached_tokens, r.cache_write_tokens, r.cache_write_1h_tokens, r.reasoning_tokens,
             r.service_tier, r.total_cost, r.tools, r.json_output, r.images
      from public.usage_logs r
      where r.project_id = p_project and r.ts >= p_from and r.ts < p_to
      order by r.ts desc, r.id desc
      limit p_walk
    ) w
    where (p_model is null or w.model = p_model)
      and (p_endpoint_name is null or w.endpoint_name = p_endpoint_name)
      and (p_provider is null or w.provider = p_provider)
  ), recent as (
    select w.endpoint_name, w.model, w.provider, count(*)::bigint as sampled, min(w.ts) as first_ts,
           max(w.prompt_tokens) as largest_prompt,
           coalesce(bool_or(w.tools > 0), false) as uses_tools, coalesce(bool_or(w.json_output), false) as uses_json,
           coalesce(bool_or(w.images > 0), false) as uses_images, count(w.tools)::bigint as described,
           mode() within group (order by w.pricing_model) filter (where w.priced) as pricing_model
    from walk w where w.n <= p_sample
    group by 1, 2, 3
  ), shapes as (
    -- Priced requests by usage shape: the backend prices each shape once on each candidate.
    select s.endpoint_name, s.model, s.provider,
           jsonb_agg(jsonb_build_array(s.requests, s.prompt_tokens, s.completion_tokens, s.cached_tokens,
                     s.cache_write_tokens, s.cache_write_1h_tokens, s.reasoning_tokens, s.service_tier,
                     trim_scale(s.cost)::text, s.min_prompt, s.max_prompt)) as usage
    from (
      -- Summed per side of every long-context threshold a price has (p_thresholds, from the
      -- backend's price book): within a group every request gets the same rates on any model.
      select w.endpoint_name, w.model, w.provider, sum(w.prompt_tokens) as prompt_tokens,
             sum(w.completion_tokens) as completion_tokens, sum(w.cached_tokens) as cached_tokens,
             sum(w.cache_write_tokens) as cache_write_tokens, sum(w.cache_write_1h_tokens) as cache_write_1h_tokens,
             sum(w.reasoning_tokens) as reasoning_tokens, w.service_tier, count(*)::bigint as requests,
             sum(w.total_cost) as cost, min(w.prompt_tokens) as min_prompt, max(w.prompt_tokens) as max_prompt
      from walk w where w.n <= p_sample and w.priced
      group by w.endpoint_name, w.model, w.provider, w.service_tier,
               (select count(*) from unnest(p_thresholds) t where w.prompt_tokens > t),
               (select count(*) from unnest(p_thresholds) t where w.prompt_tokens >= t)
    ) s
    group by 1, 2, 3
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'endpoint_name', t.endpoint_name, 'model', t.model, 'provider', t.provider, 'requests', t.requests,
           'unpriced_requests', t.unpriced, 'cost', trim_scale(t.cost)::text, 'prompt_tokens', t.prompt_tokens,
           'completion_tokens', t.completion_tokens, 'cached_tokens', t.cached_tokens, 'sampled', coalesce(r.sampled, 0), 'first_ts', r.first_ts,
           'largest_prompt', coalesce(r.largest_prompt, 0), 'uses_tools', coalesce(r.uses_tools, false),
           'uses_json', coalesce(r.uses_json, false), 'uses_images', coalesce(r.uses_images, false),
           'described', coalesce(r.described, 0), 'pricing_model', r.pricing_model,
           'usage', coalesce(s.usage, '[]'::jsonb))
         order by t.endpoint_name, t.model, t.provider), '[]'::jsonb)
  into profiles
  from totals t
  left join recent r using (endpoint_name, model, provider)
  left join shapes s using (endpoint_name, model, provider);

  -- Summarise history: the 50 most recently active conversations (as /api/tokens/sessions lists
  -- them); a session of at least 4 turns whose prompt grows every turn, as if every turn after the
  -- 3rd had carried the 3rd's prompt size. Token counts only: the backend prices them.
  with recent_sessions as materialized (
    select r ->> 'session_id' as session_id
    from jsonb_array_elements(public.usage_sessions(p_project, p_from, p_to, p_model, p_endpoint_name,
                                                    p_provider, 50) -> 'sessions') r
  ), turns as (
    select s.session_id, t.endpoint_name, t.model, t.pricing_model, t.prompt_tokens,
           row_number() over (partition by s.session_id order by t.ts, t.id) as turn,
           lag(t.prompt_tokens) over (partition by s.session_id order by t.ts, t.id) as previous_prompt
    from recent_sessions s
    cross join lateral (
      select l.id, l.ts, l.endpoint_name, l.model, l.pricing_model, l.prompt_tokens from public.usage_logs l
      where l.project_id = p_project and l.session_id = s.session_id and l.ts >= p_from and l.ts < p_to
        and (p_model is null or l.model = p_model)
        and (p_endpoint_name is null or l.endpoint_name = p_endpoint_name)
        and (p_provider is null or l.provider = p_provider)
      order by l.ts, l.id
      limit 1000
    ) t
  ), growing as (
    select t.session_id, max(t.prompt_tokens) filter (where t.turn = 3) as third_prompt
    from turns t group by 1
    having count(*) >= 4 and bool_and(t.previous_prompt is null or t.prompt_tokens > t.previous_prompt)
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'endpoint_name', x.endpoint_name, 'model', x.model, 'pricing_model', x.pricing_model,
           'sessions', x.sessions, 'requests', x.requests, 'prompt_tokens', x.prompt_tokens,
           'tokens_saved', x.tokens_saved, 'sampled_requests', x.sampled_requests,
           'sample_capped', (select count(*) from recent_sessions) >= 50)
         order by x.endpoint_name, x.model), '[]'::jsonb)
  into summaries
  from (
    select t.endpoint_name, t.model, max(t.pricing_model) as pricing_model, count(distinct t.session_id)::bigint as sessions,
           count(*)::bigint as requests, sum(t.prompt_tokens)::bigint as prompt_tokens,
           sum(t.prompt_tokens - g.third_prompt)::bigint as tokens_saved,
           (select count(*) from turns a where a.endpoint_name = t.endpoint_name and a.model = t.model)::bigint
             as sampled_requests
    from turns t join growing g on g.session_id = t.session_id
    where t.turn > 3
    group by 1, 2
  ) x
  where x.tokens_saved > 0;

  -- Shorter answers: among the range's 10,000 most recent successful priced requests, answers
  -- longer than twice their endpoint x model's median, as if cut there (at least 5% of them).
  with latest as (
    select r.endpoint_name, r.model, r.provider, r.pricing_model, r.completion_tokens, r.status, r.priced
    from public.usage_logs r
    where r.project_id = p_project and r.ts >= p_from and r.ts < p_to
    order by r.ts desc, r.id desc
    limit 10000
  ), answers as (
    select l.endpoint_name, l.model, l.pricing_model, l.completion_tokens
    from latest l
    where l.status = 'ok' and l.priced
      and (p_model is null or l.model = p_model)
      and (p_endpoint_name is null or l.endpoint_name = p_endpoint_name)
      and (p_provider is null or l.provider = p_provider)
  ), sizes as (
    select a.endpoint_name, a.model, max(a.pricing_model) as pricing_model, count(*)::bigint as requests,
           array_agg(a.completion_tokens) as sizes,
           (2 * percentile_disc(0.5) within group (order by a.completion_tokens))::bigint as cap
    from answers a group by 1, 2
    having count(*) >= 20
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'endpoint_name', z.endpoint_name, 'model', z.model, 'pricing_model', z.pricing_model,
           'requests', z.requests, 'long_answers', o.long_answers, 'cap_tokens', z.cap,
           'completion_tokens', o.completion_tokens, 'tokens_saved', o.tokens_saved,
           'sample_capped', (select count(*) from latest) >= 10000)
         order by z.endpoint_name, z.model), '[]'::jsonb)
  into answers
  from sizes z
  cross join lateral (
    select count(*)::bigint as long_answers, sum(x)::bigint as completion_tokens, sum(x - z.cap)::bigint as tokens_saved
    from unnest(z.sizes) as x where x > z.cap
  ) o
  where z.cap > 0 and o.long_answers * 20 >= z.requests;

  return jsonb_build_object('profiles', profiles, 'summaries', summaries, 'long_answers', answers);
end $$;
revoke all on function public.endpoint_profiles(uuid, timestamptz, timestamptz, text, text, text, integer, integer, bigint[]) from public, anon;
grant execute on function public.endpoint_profiles(uuid, timestamptz, timestamptz, text, text, text, integer, integer, bigint[]) to authenticated, service_role;
