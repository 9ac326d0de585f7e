-- Core schema: projects, API keys, model pricing (with history), usage logs and hourly rollups.
-- The one schema for embedded, self-hosted and Supabase alike. Money is numeric, never float.
-- Rollups are written only by the functions of the ingest migration: store_usage (new rows),
-- reprice_usage (cost changes) and rebuild_usage_rollups (after bulk loads).


-- Projects and keys ---------------------------------------------------------------------------

create table public.projects (
  id uuid primary key default gen_random_uuid(),
  name text not null unique check (length(name) between 1 and 100),
  created_at timestamptz not null default now()
);
comment on table public.projects is 'A team''s workspace; every usage row and key belongs to one.';

create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  name text not null default 'default',
  key_hash text not null unique,
  display_prefix text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  dropped_events bigint not null default 0
);
comment on column public.api_keys.key_hash is 'SHA-256 hex of the key; the key itself is shown once and never stored.';
comment on column public.api_keys.dropped_events is
  'Events the SDKs using this key had to drop (their queue was full), as they reported them.';
comment on column public.api_keys.display_prefix is 'First characters of the key, so people can tell keys apart.';
create index api_keys_project_idx on public.api_keys (project_id);

-- Pricing -------------------------------------------------------------------------------------

create sequence public.model_pricing_version_seq;
comment on sequence public.model_pricing_version_seq is
  'Bumped by every price change; API workers compare it to their cache to pick up changes without a restart.';

create table public.model_pricing (
  model text primary key,
  input_price numeric not null check (input_price >= 0),
  output_price numeric not null check (output_price >= 0),
  last_updated timestamptz not null default now(),
  provider text,
  cached_input_price numeric check (cached_input_price >= 0),
  cache_write_price numeric check (cache_write_price >= 0),
  cache_write_1h_price numeric check (cache_write_1h_price >= 0),
  long_context_threshold integer check (long_context_threshold > 0),
  long_context_input_price numeric check (long_context_input_price >= 0),
  long_context_output_price numeric check (long_context_output_price >= 0),
  long_context_cached_input_price numeric check (long_context_cached_input_price >= 0),
  service_tiers jsonb not null default '{}'::jsonb,
  aliases text[] not null default '{}',
  match_pattern text,
  source text not null default 'manual',
  version bigint not null default nextval('public.model_pricing_version_seq')
);
comment on table public.model_pricing is 'Global list prices, USD per 1,000 tokens.';
comment on column public.model_pricing.service_tiers is
  'Per service tier overrides, e.g. {"priority": {"input_price": "0.00425", "output_price": "0.017"}}.';
comment on column public.model_pricing.match_pattern is
  'Case-insensitive regular expression for model names this row also prices (after exact names and aliases).';
comment on column public.model_pricing.long_context_threshold is
  'Above this many prompt tokens ALL tokens of the request use the long-context rates.';

-- A project's own price for a model beats the global row (negotiated rates, fine-tunes).
create table public.project_model_pricing (
  project_id uuid not null references public.projects (id) on delete cascade,
  like public.model_pricing including defaults including constraints,
  primary key (project_id, model)
);
comment on table public.project_model_pricing is 'Project-specific prices, USD per 1,000 tokens; win over model_pricing.';

create table public.model_pricing_history (
  id bigint generated always as identity primary key,
  project_id uuid,
  model text not null,
  version bigint,
  operation text not null check (operation in ('insert', 'update', 'delete')),
  old_row jsonb,
  new_row jsonb,
  changed_at timestamptz not null default now(),
  changed_by text not null
);
comment on table public.model_pricing_history is 'Every price change: old value, new value, when and by whom.';
create index model_pricing_history_model_idx on public.model_pricing_history (model, changed_at desc);

create function public.record_price_change() returns trigger
language plpgsql set search_path = '' as $$
declare
  actor text := coalesce(nullif(current_setting('tokenoptimizer.actor', true), ''),
                         nullif(current_setting('request.jwt.claim.sub', true), ''), session_user);
begin
  if tg_op in ('INSERT', 'UPDATE') then
    new.version := nextval('public.model_pricing_version_seq');
    if tg_op = 'UPDATE' and new.last_updated is not distinct from old.last_updated then
      new.last_updated := now();
    end if;
  else
    perform nextval('public.model_pricing_version_seq');
  end if;
  insert into public.model_pricing_history (project_id, model, version, operation, old_row, new_row, changed_by)
  values (
    case when tg_table_name = 'project_model_pricing'
         then coalesce(to_jsonb(new) ->> 'project_id', to_jsonb(old) ->> 'project_id')::uuid end,
    coalesce(new.model, old.model),
    case when tg_op = 'DELETE' then old.version else new.version end,
    lower(tg_op),
    case when tg_op = 'INSERT' then null else to_jsonb(old) end,
    case when tg_op = 'DELETE' then null else to_jsonb(new) end,
    actor);
  return case when tg_op = 'DELETE' then old else new end;
end $$;

create trigger model_pricing_history before insert or update or delete on public.model_pricing
  for each row execute function public.record_price_change();
create trigger project_model_pricing_history before insert or update or delete on public.project_model_pricing
  for each row execute function public.record_price_change();

-- Usage ---------------------------------------------------------------------------------------

create table public.usage_logs (
  id uuid primary key,
  project_id uuid not null references public.projects (id) on delete cascade,
  ts timestamptz not null,
  received_at timestamptz not null default now(),
  model text not null,
  provider text not null,
  endpoint_name text not null default 'default',
  prompt_tokens integer not null check (prompt_tokens >= 0),
  completion_tokens integer not null check (completion_tokens >= 0),
  total_tokens integer not null check (total_tokens >= 0),
  cached_tokens integer not null default 0 check (cached_tokens >= 0),
  cache_write_tokens integer not null default 0 check (cache_write_tokens >= 0),
  cache_write_1h_tokens integer not null default 0 check (cache_write_1h_tokens >= 0),
  reasoning_tokens integer not null default 0 check (reasoning_tokens >= 0),
  latency_ms double precision check (latency_ms >= 0),
  status text not null default 'ok' check (status in ('ok', 'error')),
  error_type text,
  session_id text,
  user_id text,
  stream boolean not null default false,
  service_tier text,
  metadata jsonb,
  sdk_name text,
  sdk_version text,
  input_cost numeric,
  output_cost numeric,
  total_cost numeric,
  priced boolean not null default false,
  pricing_model text,
  pricing_version bigint,
  constraint usage_logs_unpriced_has_no_cost check (priced or total_cost is null)
);
comment on table public.usage_logs is 'One row per LLM call: metadata and exact cost, never prompt or completion content.';
comment on column public.usage_logs.priced is 'False when no pricing row matched: costs are NULL, never 0.';
comment on column public.usage_logs.pricing_version is 'model_pricing.version that priced this row, for audits and re-pricing.';
create index usage_logs_project_ts_idx on public.usage_logs (project_id, ts desc, id desc);
create index usage_logs_session_idx on public.usage_logs (project_id, session_id, ts) where session_id is not null;

-- Latency histogram buckets (ms, lower bounds) shared by rollups and percentile reads.
create function public.latency_bounds() returns double precision[]
language sql immutable parallel safe set search_path = '' as $$
  select '{0,5,10,25,50,75,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000}'::double precision[]
$$;

create function public.latency_histogram(latencies double precision[]) returns integer[]
language sql immutable parallel safe set search_path = '' as $$
  select array_agg(coalesce(c.n, 0)::integer order by b.i)
  from generate_series(1, cardinality(public.latency_bounds())) as b(i)
  left join (
    select width_bucket(x, public.latency_bounds()) as i, count(*) as n
    from unnest(latencies) as x where x is not null group by 1
  ) c on c.i = b.i
$$;

create function public.int_array_add(a integer[], b integer[]) returns integer[]
language sql immutable parallel safe set search_path = '' as $$
  select array_agg(coalesce(x, 0) + coalesce(y, 0) order by i)
  from unnest(a, b) with ordinality as t(x, y, i)
$$;

create aggregate public.int_array_sum(integer[]) (sfunc = public.int_array_add, stype = integer[]);
comment on aggregate public.int_array_sum(integer[]) is 'Element-wise sum of latency histograms (checks and ad-hoc queries; reads use explicit sums, which are faster).';
revoke all on function public.int_array_sum(integer[]) from public, anon, authenticated;

create table public.usage_rollups_hourly (
  project_id uuid not null references public.projects (id) on delete cascade,
  bucket timestamptz not null,
  model text not null,
  endpoint_name text not null,
  provider text not null,
  shard smallint not null default 0,
  requests bigint not null default 0,
  errors bigint not null default 0,
  unpriced_requests bigint not null default 0,
  prompt_tokens bigint not null default 0,
  completion_tokens bigint not null default 0,
  total_tokens bigint not null default 0,
  cached_tokens bigint not null default 0,
  cache_write_tokens bigint not null default 0,
  reasoning_tokens bigint not null default 0,
  cost numeric not null default 0,
  latency_sum double precision not null default 0,
  latency_count bigint not null default 0,
  latency_hist integer[] not null,
  primary key (project_id, bucket, model, endpoint_name, provider, shard)
);
comment on table public.usage_rollups_hourly is
  'Per hour x project x model x endpoint x provider sums for fast dashboards; written with usage_logs rows.';
comment on column public.usage_rollups_hourly.cost is 'Sum of priced requests only; unpriced_requests says how many are missing.';
comment on column public.usage_rollups_hourly.shard is
  'Striped counters: each concurrent writer (an API worker process) adds to its own row instead of queueing on one. Readers sum over shards.';
comment on column public.usage_rollups_hourly.latency_hist is 'Counts per public.latency_bounds() bucket; p50/p95 are read from it.';
create index usage_rollups_hourly_bucket_idx on public.usage_rollups_hourly (project_id, bucket);

create table public.reprice_audit (
  id bigint generated always as identity primary key,
  ran_at timestamptz not null default now(),
  ran_by text not null,
  since timestamptz not null,
  model text,
  scope text not null check (scope in ('unpriced', 'all')),
  rows_changed integer not null,
  cost_before numeric not null,
  cost_after numeric not null,
  unpriced_before integer not null,
  unpriced_after integer not null
);
comment on table public.reprice_audit is 'One row per real re-pricing run: what it touched and the totals before and after.';

-- Row-level security: on for every table. The API connects as the owner; hosted reads come in
-- through security-definer functions, and team policies arrive with project membership.
alter table public.projects enable row level security;
alter table public.api_keys enable row level security;
alter table public.model_pricing enable row level security;
alter table public.project_model_pricing enable row level security;
alter table public.model_pricing_history enable row level security;
alter table public.usage_logs enable row level security;
alter table public.usage_rollups_hourly enable row level security;
alter table public.reprice_audit enable row level security;

grant select on public.model_pricing to authenticated;
create policy "Signed-in users can read list prices" on public.model_pricing
  for select to authenticated using (true);
