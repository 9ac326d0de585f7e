-- Daily rollups: per UTC day sums, so 30- and 90-day dashboards read ~24x fewer rows than the
-- hourly table. Written with the hourly rows by the functions of the ingest migration (next).

create table public.usage_rollups_daily (like public.usage_rollups_hourly including defaults including constraints);
alter table public.usage_rollups_daily
  add primary key (project_id, bucket, model, endpoint_name, provider, shard),
  add foreign key (project_id) references public.projects (id) on delete cascade;
comment on table public.usage_rollups_daily is
  'Per UTC day x project x model x endpoint x provider sums of usage_logs, striped like usage_rollups_hourly.';
comment on column public.usage_rollups_daily.bucket is 'Start of the UTC day.';
comment on column public.usage_rollups_daily.shard is
  'Striped counters, as in usage_rollups_hourly: concurrent writers rarely wait on one row. Readers sum.';
create index usage_rollups_daily_bucket_idx on public.usage_rollups_daily (project_id, bucket);
alter table public.usage_rollups_daily enable row level security;
