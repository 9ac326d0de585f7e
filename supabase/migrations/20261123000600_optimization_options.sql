-- Savings advice a team can act on: model names resolved like the pricing engine's common cases,
-- the suggested cost priced like ingest prices it (cache discounts included), and two options
-- per endpoint x model (the biggest saving and the smallest step). Replaces the function of the
-- conversation reads migration; same signature, same grants, money stays exact numeric.

-- The global list price row for a model name as traffic spells it: the name itself (any case),
-- an alias, the name without a `provider/` prefix, then without a date suffix (and that name
-- + `-latest`). The pricing engine's common cases (pricing/resolve.py); cloud routes, match
-- patterns and project prices are left out: this only picks a row to compare against.
create function public.list_price_for_model(p_model text) returns public.model_pricing
language sql stable parallel safe set search_path = '' as $$
  select mp
  from (select lower(trim(p_model)) as name) f
  cross join lateral (select regexp_replace(f.name, '^[a-z0-9_.-]+/', '') as bare) b
  cross join lateral (select regexp_replace(b.bare, '-(\d{4}-\d{2}-\d{2}|\d{8})$', '') as undated) u
  cross join lateral (values (1, f.name), (2, b.bare), (3, u.undated), (4, u.undated || '-latest')) c(rank, name)
  join public.model_pricing mp
    on lower(mp.model) = c.name or exists (select from unnest(mp.aliases) a where lower(a) = c.name)
  where c.rank < 4 or u.undated <> b.bare
  -- The most specific name first; for one name an exact model beats an alias.
  order by c.rank, lower(mp.model) = c.name desc, mp.model
  limit 1
$$;
comment on function public.list_price_for_model(text) is
  'The global model_pricing row for a model name: exact (case-insensitive), alias, without provider/ prefix, without -YYYY-MM-DD / -YYYYMMDD date suffix.';

-- For each endpoint x model with priced traffic: what the same tokens would have cost on
--   "cheapest":     the same-provider chat model (output price > 0, not an embedding model)
--                   that costs least for these tokens;
--   "next_cheaper": the cheaper model with the highest price (no dearer input or output price),
--                   the smallest step down.
-- One row with option "cheapest" when both pick the same model; only positive savings.
-- The suggested cost prices tokens the way ingest does: uncached prompt tokens at the input
-- price, cached ones at the cached input price (or the input price when the model has none),
-- completion tokens at the output price. The rollups keep neither cache writes nor per-request
-- prompt sizes, so cache-write tokens count as uncached input and long-context and service-tier
-- rates are not applied. current_cost is what ingest recorded. Savings are exact numeric.
create or replace function public.usage_optimization(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null)
returns jsonb
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' set jit = off as $$
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
  ), current_price as (
    select u.*, mp.model as price_model, mp.input_price, mp.output_price, mp.provider as price_provider
    from usage u cross join lateral public.list_price_for_model(u.model) mp
    where mp.model is not null
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
  ), ranked as (
    select p.*,
           row_number() over (partition by p.endpoint_name, p.model, p.provider order by p.alt_cost, p.alt_model) as cheapest_rank,
           row_number() over (partition by p.endpoint_name, p.model, p.provider, p.step_down
                              order by p.alt_list_price desc, p.alt_model) as step_rank
    from priced p
  ), advice as (
    select r.*, case when r.cheapest_rank = 1 then 'cheapest' else 'next_cheaper' end as option
    from ranked r
    where r.alt_cost < r.cost and (r.cheapest_rank = 1 or (r.step_down and r.step_rank = 1))
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'type', 'cheaper_model', 'option', a.option, 'endpoint_name', a.endpoint_name, 'model', a.model,
           'provider', a.provider, 'suggested_model', a.alt_model, 'requests', a.requests,
           'prompt_tokens', a.prompt_tokens, 'completion_tokens', a.completion_tokens,
           'current_cost', trim_scale(a.cost)::text, 'suggested_cost', trim_scale(a.alt_cost)::text,
           'savings', trim_scale(a.cost - a.alt_cost)::text,
           'savings_share', case when a.cost > 0 then ((a.cost - a.alt_cost) / a.cost)::double precision end,
           'message', format('Route %s from %s to %s: the same tokens would have cost $%s instead of $%s.',
                             a.endpoint_name, a.model, a.alt_model, trim_scale(round(a.alt_cost, 2)),
                             trim_scale(round(a.cost, 2))))
         order by a.cost - a.alt_cost desc, a.endpoint_name, a.model, a.option), '[]'::jsonb)
  into result
  from advice a;
  return jsonb_build_object('recommendations', result);
end $$;
comment on function public.usage_optimization(uuid, timestamptz, timestamptz, text, text, text) is
  'GET /api/optimization: per endpoint and model, the cheapest and the next cheaper model of the same provider, with the exact cache-aware saving on the range''s tokens.';

revoke all on function public.list_price_for_model(text) from public, anon, authenticated;
