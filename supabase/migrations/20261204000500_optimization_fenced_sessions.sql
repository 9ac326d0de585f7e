-- Fenced reads of /api/optimization (a signed-in member, row-level security on) took 0.2-2 s at
-- 200k rows: the summarise-history part joins usage_logs on `session_id = r ->> 'session_id'`, and
-- ->> is not leakproof, so under RLS Postgres may not use it as an index condition ahead of the
-- policy and read every row of the range once per session. Materialising the 50 session ids makes
-- the join a plain text equality (leakproof), so the (project_id, session_id, ts) index serves it
-- again. The rest of usage_optimization is as 20261202001000 left it.

create or replace function public.usage_optimization(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null)
returns jsonb
language plpgsql stable security invoker set search_path = '' set timezone = 'UTC' set jit = off as $$
declare
  result jsonb;
begin
  perform public.check_read_args(p_project, p_from, p_to);
  with usage as (
    -- Priced traffic only: rollup rows without an unpriced request.
    select x.endpoint_name, x.model, x.provider, sum(x.requests)::bigint as requests, sum(x.cost) as cost,
           sum(x.prompt_tokens)::bigint as prompt_tokens, sum(x.completion_tokens)::bigint as completion_tokens,
           sum(x.cached_tokens)::bigint as cached_tokens
    from public.usage_slices(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, true) x
    where x.unpriced_requests = 0
    group by 1, 2, 3
  ), model_price as (
    select * from public.list_prices_for_models(array(select distinct u.model from usage u))
  ), current_price as (
    select u.*, mp.price_model, mp.input_price, mp.output_price, mp.provider as price_provider
    from usage u join model_price mp on mp.model = u.model
  ), priced as (
    -- Every other same-provider chat model, with the tokens' cost on it.
    select c.*, m.model as alt_model,
           (c.prompt_tokens - c.cached_tokens) / 1000.0 * m.input_price
             + c.cached_tokens / 1000.0 * coalesce(m.cached_input_price, m.input_price)
             + c.completion_tokens / 1000.0 * m.output_price as alt_cost,
           m.input_price + m.output_price as alt_list_price,
           m.input_price <= c.input_price and m.output_price <= c.output_price
             and (m.input_price < c.input_price or m.output_price < c.output_price) as step_down
    from current_price c
    join public.model_pricing m
      on m.provider = c.price_provider and m.model <> c.price_model
     and m.output_price > 0 and m.model not like '%embedding%'
    -- A candidate a team could move to: a chat model (by the catalogue; the hand-checked rows
    -- without a catalogue entry are chat models), not retiring within 60 days of the range's end
    -- (today, for the dashboard's default range; a past range gets the advice of its time), not
    -- someone's fine-tune, and not a special-purpose variant (audio, realtime, search, preview).
    left join public.model_catalogue mc on mc.model = m.model
    where coalesce(mc.mode, 'chat') = 'chat'
      and (mc.deprecation_date is null or mc.deprecation_date > (p_to at time zone 'UTC')::date + 60)
      and m.model !~ '^ft:' and m.model !~* '(audio|realtime|search|preview|transcribe|tts)'
  ), ranked as (
    select p.*,
           row_number() over (partition by p.endpoint_name, p.model, p.provider
                              order by p.alt_cost, length(p.alt_model), p.alt_model) as cheapest_rank,
           row_number() over (partition by p.endpoint_name, p.model, p.provider, p.step_down
                              order by p.alt_list_price desc, length(p.alt_model), p.alt_model) as step_rank
    from priced p
  ), advice as (
    select r.*, case when r.cheapest_rank = 1 then 'cheapest' else 'next_cheaper' end as option
    from ranked r
    where r.alt_cost < r.cost and (r.cheapest_rank = 1 or (r.step_down and r.step_rank = 1))
  ), models as (
    select a.cost - a.alt_cost as savings, a.endpoint_name, a.model, a.option, jsonb_build_object(
             'type', 'cheaper_model', 'option', a.option, 'endpoint_name', a.endpoint_name, 'model', a.model,
             'provider', a.provider, 'suggested_model', a.alt_model, 'requests', a.requests,
             'prompt_tokens', a.prompt_tokens, 'completion_tokens', a.completion_tokens,
             'current_cost', trim_scale(a.cost)::text, 'suggested_cost', trim_scale(a.alt_cost)::text,
             'savings', trim_scale(a.cost - a.alt_cost)::text,
             'savings_share', case when a.cost > 0 then ((a.cost - a.alt_cost) / a.cost)::double precision end,
             'message', format('Route %s from %s to %s: the same tokens would have cost $%s instead of $%s.',
                               a.endpoint_name, a.model, a.alt_model, trim_scale(a.alt_cost),
                               trim_scale(a.cost))) as recommendation
    from advice a
  ), recent as materialized (
    -- Conversations: only the sessions /api/tokens/sessions lists by default (the 50 most recently active).
    select r ->> 'session_id' as session_id
    from jsonb_array_elements(public.usage_sessions(p_project, p_from, p_to, p_model, p_endpoint_name,
                                                    p_provider, 50) -> 'sessions') r
  ), turns as (
    select s.session_id, t.endpoint_name, t.model, t.prompt_tokens,
           row_number() over (partition by s.session_id order by t.ts, t.id) as turn,
           lag(t.prompt_tokens) over (partition by s.session_id order by t.ts, t.id) as previous_prompt
    from recent s
    cross join lateral (
      select l.id, l.ts, l.endpoint_name, l.model, l.prompt_tokens from public.usage_logs l
      where l.project_id = p_project and l.session_id = s.session_id and l.ts >= p_from and l.ts < p_to
        and (p_model is null or l.model = p_model)
        and (p_endpoint_name is null or l.endpoint_name = p_endpoint_name)
        and (p_provider is null or l.provider = p_provider)
      order by l.ts, l.id
      limit 1000
    ) t
  ), growing as (
    -- At least 4 turns, each sending more prompt tokens than the one before; the 3rd turn's size.
    select t.session_id, max(t.prompt_tokens) filter (where t.turn = 3) as third_prompt
    from turns t group by 1
    having count(*) >= 4 and bool_and(t.previous_prompt is null or t.prompt_tokens > t.previous_prompt)
  ), input_price as (
    select p.model, p.input_price from public.list_prices_for_models(array(select distinct t.model from turns t)) p
  ), summaries as (
    select t.endpoint_name, count(distinct t.session_id)::bigint as sessions, count(*)::bigint as requests,
           sum(t.prompt_tokens)::bigint as prompt_tokens, sum(t.prompt_tokens - g.third_prompt)::bigint as tokens_saved,
           sum(t.prompt_tokens / 1000.0 * ip.input_price) as cost,
           sum(g.third_prompt / 1000.0 * ip.input_price) as short_cost
    from turns t
    join growing g on g.session_id = t.session_id
    join input_price ip on ip.model = t.model
    where t.turn > 3
    group by t.endpoint_name
  ), conversations as (
    select s.cost - s.short_cost as savings, s.endpoint_name, null::text as model, null::text as option, jsonb_build_object(
             'type', 'summarise_history', 'endpoint_name', s.endpoint_name, 'sessions', s.sessions,
             'requests', s.requests, 'prompt_tokens', s.prompt_tokens, 'tokens_saved', s.tokens_saved,
             'current_cost', trim_scale(s.cost)::text, 'suggested_cost', trim_scale(s.short_cost)::text,
             'savings', trim_scale(s.cost - s.short_cost)::text,
             'savings_share', ((s.cost - s.short_cost) / s.cost)::double precision,
             'message', format('Summarise the history of conversations on %s: if every turn after the 3rd had carried '
                               'the 3rd turn''s prompt size, %s of the recent conversations would have sent %s fewer prompt '
                               'tokens, $%s less at list input prices.',
                               s.endpoint_name, s.sessions, s.tokens_saved, trim_scale(s.cost - s.short_cost)))
    from summaries s
    where s.cost > s.short_cost
  ), answers as (
    -- The successful, priced requests among the range's 10,000 most recent: the read stays bounded
    -- (newest-first index) however large the range, and a filter only thins the sample.
    select l.endpoint_name, l.model, l.completion_tokens
    from (
      select r.endpoint_name, r.model, r.provider, r.completion_tokens, r.status, r.priced
      from public.usage_logs r
      where r.project_id = p_project and r.ts >= p_from and r.ts < p_to
      order by r.ts desc, r.id desc
      limit 10000
    ) l
    where l.status = 'ok' and l.priced
      and (p_model is null or l.model = p_model)
      and (p_endpoint_name is null or l.endpoint_name = p_endpoint_name)
      and (p_provider is null or l.provider = p_provider)
  ), answer_sizes as (
    select a.endpoint_name, a.model, count(*)::bigint as requests, array_agg(a.completion_tokens) as sizes,
           (2 * percentile_disc(0.5) within group (order by a.completion_tokens))::bigint as cap
    from answers a group by 1, 2
    having count(*) >= 20
  ), long_answers as (
    -- Answers longer than twice their endpoint's median, as if cut at that length (max_tokens).
    select z.endpoint_name, z.model, z.requests, z.cap, o.long_answers, o.completion_tokens, o.tokens_saved,
           o.completion_tokens / 1000.0 * op.output_price as cost,
           o.long_answers * z.cap / 1000.0 * op.output_price as short_cost
    from answer_sizes z
    cross join lateral (
      select count(*)::bigint as long_answers, sum(x)::bigint as completion_tokens, sum(x - z.cap)::bigint as tokens_saved
      from unnest(z.sizes) as x where x > z.cap
    ) o
    join public.list_prices_for_models(array(select distinct s.model from answer_sizes s)) op on op.model = z.model
    where z.cap > 0 and o.long_answers * 20 >= z.requests  -- at least 5% of the answers: a pattern, not an outlier
  ), answers_advice as (
    select l.cost - l.short_cost as savings, l.endpoint_name, l.model, 'shorter_answers' as option, jsonb_build_object(
             'type', 'shorter_answers', 'endpoint_name', l.endpoint_name, 'model', l.model,
             'requests', l.requests, 'long_answers', l.long_answers, 'cap_tokens', l.cap,
             'completion_tokens', l.completion_tokens, 'tokens_saved', l.tokens_saved,
             'current_cost', trim_scale(l.cost)::text, 'suggested_cost', trim_scale(l.short_cost)::text,
             'savings', trim_scale(l.cost - l.short_cost)::text,
             'savings_share', ((l.cost - l.short_cost) / l.cost)::double precision,
             'message', format('Ask for shorter answers on %s (%s), or cap them with max_tokens at %s tokens '
                               '(twice the median): %s of %s recent answers were longer; cut there they would have '
                               'been %s completion tokens shorter, $%s less at list output prices.',
                               l.endpoint_name, l.model, l.cap, l.long_answers, l.requests, l.tokens_saved,
                               trim_scale(l.cost - l.short_cost)))
    from long_answers l
    where l.cost > l.short_cost
  )
  select coalesce(jsonb_agg(x.recommendation order by x.savings desc, x.endpoint_name, x.model nulls last, x.option),
                  '[]'::jsonb)
  into result
  from (select * from models union all select * from conversations union all select * from answers_advice) x;
  return jsonb_build_object('recommendations', result);
end $$;
comment on function public.usage_optimization(uuid, timestamptz, timestamptz, text, text, text) is
  'Savings advice: cheaper chat models of the same provider (not retiring within 60 days), summarised histories and shorter answers, with exact amounts.';
