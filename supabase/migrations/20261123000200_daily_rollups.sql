-- Daily rollups: per UTC day sums of the hourly rollups, so 30- and 90-day dashboards read ~24x
-- fewer rows. New usage reaches both tables from public.store_usage (next migration); re-pricing
-- reaches the hourly table by trigger and is carried on to the daily table by the triggers here.

-- Daily rollups -------------------------------------------------------------------------------

create table public.usage_rollups_daily (like public.usage_rollups_hourly including defaults including constraints);
alter table public.usage_rollups_daily
  drop column shard,  -- the hourly table stripes rows for concurrent writers; one row per day is enough here
  add primary key (project_id, bucket, model, endpoint_name, provider),
  add foreign key (project_id) references public.projects (id) on delete cascade;
comment on table public.usage_rollups_daily is
  'Per UTC day sums of usage_rollups_hourly, so 30- and 90-day dashboards read ~24x fewer rows; written with the hourly rows.';
comment on column public.usage_rollups_daily.bucket is 'Start of the UTC day.';
alter table public.usage_rollups_daily enable row level security;

create function public.int_array_neg(a integer[]) returns integer[]
language sql immutable parallel safe set search_path = '' as $$
  select array_agg(-x order by i) from unnest(a) with ordinality as t(x, i)
$$;

create aggregate public.int_array_sum(integer[]) (sfunc = public.int_array_add, stype = integer[]);
comment on aggregate public.int_array_sum(integer[]) is 'Element-wise sum of latency histograms (for triggers; reads use explicit sums, which are faster).';

-- One function for insert, update and delete on the hourly table: the daily row moves by
-- (new rows) - (old rows). Updates carry over only rows whose request count is unchanged,
-- i.e. re-pricing (cost, unpriced_requests): new requests reach the daily table from whoever
-- writes them into the hourly table (public.store_usage and rebuild_usage_rollups() in the
-- ingest migration write both tables), and counting their hourly upserts here too would
-- count them twice.
create function public.rollup_hourly_into_daily() returns trigger
language plpgsql set search_path = '' as $$
declare
  changes text := case tg_op
    when 'INSERT' then 'select false as gone, * from new_rows'
    when 'DELETE' then 'select true as gone, * from old_rows'
    else 'select false as gone, n.* from new_rows n join old_rows o using (project_id, bucket, model, endpoint_name, provider, shard)
          where n.requests = o.requests
          union all
          select true, o.* from old_rows o join new_rows n using (project_id, bucket, model, endpoint_name, provider, shard)
          where n.requests = o.requests' end;
begin
  execute format($sql$
    insert into public.usage_rollups_daily as d (
      project_id, bucket, model, endpoint_name, provider, requests, errors, unpriced_requests,
      prompt_tokens, completion_tokens, total_tokens, cached_tokens, cache_write_tokens,
      reasoning_tokens, cost, latency_sum, latency_count, latency_hist)
    select project_id, date_trunc('day', bucket, 'UTC'), model, endpoint_name, provider,
           sum(case when gone then -requests else requests end),
           sum(case when gone then -errors else errors end),
           sum(case when gone then -unpriced_requests else unpriced_requests end),
           sum(case when gone then -prompt_tokens else prompt_tokens end),
           sum(case when gone then -completion_tokens else completion_tokens end),
           sum(case when gone then -total_tokens else total_tokens end),
           sum(case when gone then -cached_tokens else cached_tokens end),
           sum(case when gone then -cache_write_tokens else cache_write_tokens end),
           sum(case when gone then -reasoning_tokens else reasoning_tokens end),
           sum(case when gone then -cost else cost end),
           sum(case when gone then -latency_sum else latency_sum end),
           sum(case when gone then -latency_count else latency_count end),
           public.int_array_sum(case when gone then public.int_array_neg(latency_hist) else latency_hist end)
    from (%s) c
    group by 1, 2, 3, 4, 5
    on conflict (project_id, bucket, model, endpoint_name, provider) do update set
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
      latency_hist = public.int_array_add(d.latency_hist, excluded.latency_hist)
  $sql$, changes);
  return null;
end $$;

create trigger usage_rollups_hourly_daily_update after update on public.usage_rollups_hourly
  referencing old table as old_rows new table as new_rows for each statement
  execute function public.rollup_hourly_into_daily();
create trigger usage_rollups_hourly_daily_delete after delete on public.usage_rollups_hourly
  referencing old table as old_rows for each statement execute function public.rollup_hourly_into_daily();

-- Databases that already hold usage get their daily rows now.
insert into public.usage_rollups_daily (
  project_id, bucket, model, endpoint_name, provider, requests, errors, unpriced_requests,
  prompt_tokens, completion_tokens, total_tokens, cached_tokens, cache_write_tokens,
  reasoning_tokens, cost, latency_sum, latency_count, latency_hist)
select project_id, date_trunc('day', bucket, 'UTC'), model, endpoint_name, provider, sum(requests),
       sum(errors), sum(unpriced_requests), sum(prompt_tokens), sum(completion_tokens), sum(total_tokens),
       sum(cached_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(cost), sum(latency_sum),
       sum(latency_count), public.int_array_sum(latency_hist)
from public.usage_rollups_hourly
group by 1, 2, 3, 4, 5;

-- first_seen / last_seen of unpriced models are two index probes per model with this.
create index usage_logs_unpriced_ts_idx on public.usage_logs (project_id, model, ts) where not priced;

revoke all on function public.int_array_neg(integer[]) from public, anon, authenticated;
revoke all on function public.int_array_sum(integer[]) from public, anon, authenticated;
revoke all on function public.rollup_hourly_into_daily() from public, anon, authenticated;
