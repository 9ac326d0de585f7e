-- Models in traffic by endpoint (issue 11's retirement notices): what each endpoint sent to each
-- model in a range, from the rollups. The API resolves the names to price rows and the catalogue
-- (deprecation_date, successor_model) and prices the same tokens on the successor
-- (backend/tokenoptimizer_server/pricing/deprecations.py: one pricing rule, in Python).

create function public.models_in_use(
  p_project uuid, p_from timestamptz, p_to timestamptz, p_model text default null,
  p_endpoint_name text default null, p_provider text default null)
returns table (endpoint_name text, model text, requests bigint, prompt_tokens bigint, completion_tokens bigint,
               cached_tokens bigint, cost numeric, unpriced_requests bigint)
language plpgsql stable security definer set search_path = '' set timezone = 'UTC' as $$
#variable_conflict use_column
begin
  perform public.check_read_args(p_project, p_from, p_to);
  return query
  select s.endpoint_name, s.model, sum(s.requests)::bigint, sum(s.prompt_tokens)::bigint,
         sum(s.completion_tokens)::bigint, sum(s.cached_tokens)::bigint, sum(s.cost), sum(s.unpriced_requests)::bigint
  from public.usage_slices(p_project, p_from, p_to, p_model, p_endpoint_name, p_provider, true) s
  group by 1, 2
  order by 1, 2;
end $$;
comment on function public.models_in_use(uuid, timestamptz, timestamptz, text, text, text) is
  'Requests, tokens and recorded cost per endpoint x model in [from, to); the basis of the retirement notices.';
revoke all on function public.models_in_use(uuid, timestamptz, timestamptz, text, text, text) from public, anon;
grant execute on function public.models_in_use(uuid, timestamptz, timestamptz, text, text, text) to authenticated, service_role;
