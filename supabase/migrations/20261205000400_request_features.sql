-- Request features on usage_logs (issue 13): what the SDK can see of a request without its content.
--
-- tools (number of tool definitions), json_output (structured output asked for: response format
-- json_object / json_schema, or a forced tool call), images (image parts in the request), and for
-- prompt-caching advice prefix_hash (a salted fingerprint of system prompt + tool definitions,
-- computed in the SDK; never the text) and prefix_chars (its size). Null: the SDK did not say
-- (older SDKs, OTLP, track_usage). The advice reads them from the recent window of an endpoint.
-- store_usage is the body of 20261202000310_unpriced_reasons.sql with these five columns added;
-- its grants stay (the backend alone calls it).

alter table public.usage_logs
  add column tools smallint check (tools >= 0),
  add column json_output boolean,
  add column images smallint check (images >= 0),
  add column prefix_hash text check (prefix_hash ~ '^[0-9a-f]{16,64}$'),
  add column prefix_chars integer check (prefix_chars >= 0);
comment on column public.usage_logs.tools is 'Number of tool/function definitions the request carried (SDK-counted); null when unknown.';
comment on column public.usage_logs.json_output is 'The request asked for structured output (json_object/json_schema, or a forced tool call); null when unknown.';
comment on column public.usage_logs.images is 'Number of image parts in the request; null when unknown.';
comment on column public.usage_logs.prefix_hash is 'Salted fingerprint (hex) of the stable prefix: system prompt + tool definitions. Never the text; the salt stays with the app.';
comment on column public.usage_logs.prefix_chars is 'Size in characters of the prefix that prefix_hash fingerprints.';

create or replace function public.store_usage(p_events json, p_shard smallint default null)
returns table (project_id uuid, id uuid)
language plpgsql set search_path = '' as $$
#variable_conflict use_column
declare
  -- Callers that write concurrently pass different shards (the API: one per worker process).
  v_shard smallint := coalesce(p_shard, (pg_backend_pid() % 16)::smallint);
begin
  return query
  with ins as (
    insert into public.usage_logs (id, project_id, ts, model, provider, endpoint_name, prompt_tokens, completion_tokens, total_tokens,
      cached_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, latency_ms, status, error_type,
      session_id, user_id, stream, service_tier, metadata, sdk_name, sdk_version, input_cost, output_cost,
      total_cost, priced, pricing_model, pricing_version, unpriced_reason, tools, json_output, images, prefix_hash,
      prefix_chars)
    select e.id, e.project_id, e.ts, e.model, e.provider, e.endpoint_name, e.prompt_tokens, e.completion_tokens, e.total_tokens, e.cached_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.reasoning_tokens, e.latency_ms, e.status, e.error_type, e.session_id, e.user_id, e.stream, e.service_tier, e.metadata, e.sdk_name, e.sdk_version, e.input_cost, e.output_cost, e.total_cost, e.priced, e.pricing_model, e.pricing_version, e.unpriced_reason,
      e.tools, e.json_output, e.images, e.prefix_hash, e.prefix_chars
    from json_to_recordset(p_events) as e(id uuid, project_id uuid, ts timestamptz, model text, provider text,
      endpoint_name text, prompt_tokens int, completion_tokens int, total_tokens int, cached_tokens int,
      cache_write_tokens int, cache_write_1h_tokens int, reasoning_tokens int, latency_ms float8, status text,
      error_type text, session_id text, user_id text, stream bool, service_tier text, metadata jsonb,
      sdk_name text, sdk_version text, input_cost numeric, output_cost numeric, total_cost numeric, priced bool,
      pricing_model text, pricing_version bigint, unpriced_reason text, tools smallint, json_output bool,
      images smallint, prefix_hash text, prefix_chars int)
    on conflict on constraint usage_logs_pkey do nothing
    -- Only what the rollups read: returning whole rows cost ~10 µs a row (15% of a batch's store).
    returning id, project_id, ts, model, endpoint_name, provider, status, priced, prompt_tokens,
      completion_tokens, total_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, total_cost, latency_ms
  ), hourly as (
    insert into public.usage_rollups_hourly as r (
      project_id, bucket, model, endpoint_name, provider, shard, requests, errors, unpriced_requests,
      prompt_tokens, completion_tokens, total_tokens, cached_tokens, cache_write_tokens,
      reasoning_tokens, cost, latency_sum, latency_count, latency_hist)
    select i.project_id, date_trunc('hour', i.ts, 'UTC'), i.model, i.endpoint_name, i.provider, v_shard,
           count(*), count(*) filter (where i.status = 'error'), count(*) filter (where not i.priced),
           sum(i.prompt_tokens), sum(i.completion_tokens), sum(i.total_tokens), sum(i.cached_tokens),
           sum(i.cache_write_tokens), sum(i.reasoning_tokens), coalesce(sum(i.total_cost), 0),
           coalesce(sum(i.latency_ms), 0), count(i.latency_ms), (select array_agg(coalesce(h.n, 0)::integer order by g.bucket)
              from generate_series(1, cardinality(public.latency_bounds())) as g(bucket)
              left join (select width_bucket(x, public.latency_bounds()) as bucket, count(*) as n
                         from unnest(array_agg(i.latency_ms)) as x where x is not null group by 1) h using (bucket))
    from ins i
    group by 1, 2, 3, 4, 5
    order by 1, 2, 3, 4, 5
    on conflict (project_id, bucket, model, endpoint_name, provider, shard) do update set
      requests = r.requests + excluded.requests,
      errors = r.errors + excluded.errors,
      unpriced_requests = r.unpriced_requests + excluded.unpriced_requests,
      prompt_tokens = r.prompt_tokens + excluded.prompt_tokens,
      completion_tokens = r.completion_tokens + excluded.completion_tokens,
      total_tokens = r.total_tokens + excluded.total_tokens,
      cached_tokens = r.cached_tokens + excluded.cached_tokens,
      cache_write_tokens = r.cache_write_tokens + excluded.cache_write_tokens,
      reasoning_tokens = r.reasoning_tokens + excluded.reasoning_tokens,
      cost = r.cost + excluded.cost,
      latency_sum = r.latency_sum + excluded.latency_sum,
      latency_count = r.latency_count + excluded.latency_count,
      latency_hist = (select array_agg(coalesce(x, 0) + coalesce(y, 0) order by n)
                      from unnest(r.latency_hist, excluded.latency_hist) with ordinality as t(x, y, n))
  ), daily as (
    insert into public.usage_rollups_daily as d (
      project_id, bucket, model, endpoint_name, provider, shard, requests, errors, unpriced_requests,
      prompt_tokens, completion_tokens, total_tokens, cached_tokens, cache_write_tokens,
      reasoning_tokens, cost, latency_sum, latency_count, latency_hist)
    select i.project_id, date_trunc('day', i.ts, 'UTC'), i.model, i.endpoint_name, i.provider, v_shard,
           count(*), count(*) filter (where i.status = 'error'), count(*) filter (where not i.priced),
           sum(i.prompt_tokens), sum(i.completion_tokens), sum(i.total_tokens), sum(i.cached_tokens),
           sum(i.cache_write_tokens), sum(i.reasoning_tokens), coalesce(sum(i.total_cost), 0),
           coalesce(sum(i.latency_ms), 0), count(i.latency_ms), (select array_agg(coalesce(h.n, 0)::integer order by g.bucket)
              from generate_series(1, cardinality(public.latency_bounds())) as g(bucket)
              left join (select width_bucket(x, public.latency_bounds()) as bucket, count(*) as n
                         from unnest(array_agg(i.latency_ms)) as x where x is not null group by 1) h using (bucket))
    from ins i
    group by 1, 2, 3, 4, 5
    order by 1, 2, 3, 4, 5
    on conflict (project_id, bucket, model, endpoint_name, provider, shard) do update set
      requests = d.requests + excluded.requests,
      errors = d.errors + excluded.errors,
      unpriced_requests = d.unpriced_requests + excluded.unpriced_requests,
      prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
      completion_tokens = d.completion_tokens + excluded.completion_tokens,
      total_tokens = d.total_tokens + excluded.total_tokens,
      cached_tokens = d.cached_tokens + excluded.cached_tokens,
      cache_write_tokens = d.cache_write_tokens + excluded.cache_write_tokens,
      reasoning_tokens = d.reasoning_tokens + excluded.reasoning_tokens,
      cost = d.cost + excluded.cost,
      latency_sum = d.latency_sum + excluded.latency_sum,
      latency_count = d.latency_count + excluded.latency_count,
      latency_hist = (select array_agg(coalesce(x, 0) + coalesce(y, 0) order by n)
                      from unnest(d.latency_hist, excluded.latency_hist) with ordinality as t(x, y, n))
  )
  select i.project_id, i.id from ins i;
end $$;
comment on function public.store_usage(json, smallint) is
  'Stores priced usage events (a JSON array of usage_logs rows) idempotently on (project_id, id), updates the rollups, returns the (project_id, id) pairs newly stored.';
revoke all on function public.store_usage(json, smallint) from public, anon, authenticated;
