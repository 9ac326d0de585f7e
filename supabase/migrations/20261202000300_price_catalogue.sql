-- The price catalogue (issue 11): everything LiteLLM's price file says about a model, beside its price.
--
-- * model_pricing rows gain what real bills have that one threshold could not say: any number of
--   long-context thresholds, a reasoning-token rate, and a missing rate (a row may price input but
--   not output: a request that used the missing kind is unpriced, never $0).
-- * model_catalogue: provider, family, mode, context window, modalities, supports_* flags,
--   deprecation date and successor, size tier, and for models billed in other units (images,
--   seconds, characters) that unit and its prices. The savings advice reads it too.
-- * model_pricing_history records each change's source (manual, seed, litellm-…, sync).
-- * price_sync_state: what `tokenoptimizer pricing sync` last fetched (ETag, model count).

-- Prices ---------------------------------------------------------------------------------------

alter table public.model_pricing
  alter column input_price drop not null,
  alter column output_price drop not null,
  add constraint model_pricing_has_a_rate check (input_price is not null or output_price is not null),
  add column reasoning_price numeric check (reasoning_price >= 0),
  add column long_context_tiers jsonb not null default '[]'::jsonb check (jsonb_typeof(long_context_tiers) = 'array');
alter table public.project_model_pricing
  alter column input_price drop not null,
  alter column output_price drop not null,
  add constraint project_model_pricing_has_a_rate check (input_price is not null or output_price is not null),
  add column reasoning_price numeric check (reasoning_price >= 0),
  add column long_context_tiers jsonb not null default '[]'::jsonb check (jsonb_typeof(long_context_tiers) = 'array');

comment on column public.model_pricing.input_price is
  'USD per 1K uncached input tokens; null when the source gives no input rate (a request with input tokens is then unpriced).';
comment on column public.model_pricing.output_price is
  'USD per 1K output tokens; null when the source gives no output rate (a request with output tokens is then unpriced).';
comment on column public.model_pricing.reasoning_price is
  'USD per 1K reasoning tokens where the provider bills them apart from output (LiteLLM output_cost_per_reasoning_token); null: at the output rate.';
comment on column public.model_pricing.long_context_tiers is
  'Further long-context thresholds, e.g. [{"above": 272000, "input_price": "0.002", "output_price": "0.0075"}]: above the highest threshold a prompt exceeds, ALL its tokens use that tier''s rates (kinds it does not list keep the lower rate). "inclusive": true bills from the threshold itself (xAI).';
comment on column public.model_pricing.source is
  '''manual'' (set by hand: imports and syncs never overwrite it), ''seed'' rows keep their original source (e.g. litellm-1.109.1), litellm-<version> (the shipped snapshot), litellm:<file> (an import), litellm-sync (pricing sync).';

-- Price history with its source ----------------------------------------------------------------

alter table public.model_pricing_history add column source text;
comment on column public.model_pricing_history.source is 'Where the new price came from (the row''s source after the change; before it, for a delete).';

create or replace function public.record_price_change() returns trigger
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
  insert into public.model_pricing_history (project_id, model, version, operation, old_row, new_row, changed_by, source)
  values (
    case when tg_table_name = 'project_model_pricing'
         then coalesce(to_jsonb(new) ->> 'project_id', to_jsonb(old) ->> 'project_id')::uuid end,
    coalesce(new.model, old.model),
    case when tg_op = 'DELETE' then old.version else new.version end,
    lower(tg_op),
    case when tg_op = 'INSERT' then null else to_jsonb(old) end,
    case when tg_op = 'DELETE' then null else to_jsonb(new) end,
    actor,
    case when tg_op = 'DELETE' then old.source else new.source end);
  return case when tg_op = 'DELETE' then old else new end;
end $$;

-- The catalogue ----------------------------------------------------------------------------------

create table public.model_catalogue (
  model text primary key,
  provider text,
  litellm_provider text,
  family text,
  tier text check (tier in ('small', 'medium', 'large')),
  mode text,
  max_input_tokens bigint check (max_input_tokens > 0),
  max_output_tokens bigint check (max_output_tokens > 0),
  input_modalities text[],
  output_modalities text[],
  supports jsonb not null default '{}'::jsonb,
  deprecation_date date,
  successor_model text,
  billing_unit text check (billing_unit in ('token', 'image', 'second', 'character', 'page', 'request', 'credit')),
  unit_prices jsonb not null default '{}'::jsonb,
  source text not null,
  last_updated timestamptz not null default now()
);
comment on table public.model_catalogue is
  'What the price source says about each model besides its token prices: context window, modalities, capabilities, retirement. Names as in model_pricing.';
comment on column public.model_catalogue.family is 'The name without provider prefix, date, -latest or -preview (gpt-4o-2024-08-06 → gpt-4o).';
comment on column public.model_catalogue.tier is 'Size tier where the name says it: small (mini, nano, haiku, flash, lite), medium (sonnet, medium), large (opus, pro, large).';
comment on column public.model_catalogue.supports is 'LiteLLM''s supports_* flags without the prefix, e.g. {"vision": true, "prompt_caching": true}.';
comment on column public.model_catalogue.deprecation_date is 'When the provider retires the model; the Pricing page warns 60 days ahead for models in traffic.';
comment on column public.model_catalogue.successor_model is 'The model the provider names as the replacement.';
comment on column public.model_catalogue.billing_unit is
  'token: priced from token counts (model_pricing has its rates); image, second, character…: billed in that unit, so requests stay unpriced with reason non_token_unit; null: the source gives no price.';
comment on column public.model_catalogue.unit_prices is 'Non-token prices as the source gives them, USD per unit, e.g. {"output_cost_per_image": "0.04"}.';
create index model_catalogue_deprecation_idx on public.model_catalogue (deprecation_date) where deprecation_date is not null;

-- Models billed in other units are part of every worker's price book: a change moves the price version.
create function public.bump_price_version() returns trigger
language plpgsql set search_path = '' as $$
begin
  perform nextval('public.model_pricing_version_seq');
  return null;
end $$;
comment on function public.bump_price_version() is 'Moves the price version so API workers reload their price book (catalogue changes).';
create trigger model_catalogue_price_version after insert or update or delete on public.model_catalogue
  for each statement execute function public.bump_price_version();

-- What `pricing sync` fetched last ----------------------------------------------------------------

create table public.price_sync_state (
  url text primary key,
  etag text,
  last_modified text,
  model_count integer not null check (model_count >= 0),
  synced_at timestamptz not null default now(),
  summary jsonb not null default '{}'::jsonb
);
comment on table public.price_sync_state is
  'Per price-file URL: the ETag and Last-Modified of the copy last imported (for conditional requests), how many models it had (a file that lost more than 10% is refused), and what that sync changed.';

-- Row-level security --------------------------------------------------------------------------

alter table public.model_catalogue enable row level security;
alter table public.price_sync_state enable row level security;
grant select on public.model_catalogue to authenticated;
create policy "Signed-in users can read the model catalogue" on public.model_catalogue
  for select to authenticated using (true);
-- price_sync_state: no policy, so only the owner (the API and CLI) reads or writes it.
