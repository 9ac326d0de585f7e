-- Alert rules, their alerts and a delivery outbox (docs/alerts.md). The evaluator job
-- (backend/tokenoptimizer_server/alerts/) checks each enabled rule after ingestion, off the request
-- path, records alerts with their state and evidence, and queues one webhook delivery per state
-- change in the same transaction; the outbox is retried with backoff until the receiver takes it.
-- Replaces the computed-on-read usage_alerts of *_conversation_reads.sql.

create table public.alert_rules (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  kind text not null check (kind in ('session_tokens', 'session_cost', 'session_efficiency', 'daily_spend',
                                     'monthly_spend', 'monthly_forecast', 'unpriced_model', 'usage_anomaly')),
  name text not null check (length(name) between 1 and 100),
  threshold numeric check (threshold >= 0),
  params jsonb not null default '{}'::jsonb check (jsonb_typeof(params) = 'object'),
  enabled boolean not null default true,
  webhook_url text check (webhook_url ~* '^https?://'),
  webhook_format text not null default 'slack' check (webhook_format in ('slack', 'generic')),
  webhook_secret text,
  evaluated_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.alert_rules is 'A project''s alert rules: what to watch, the threshold, and where to send the alert.';
comment on column public.alert_rules.threshold is
  'Tokens per conversation, USD per conversation, efficiency score, or the USD budget, depending on kind.';
comment on column public.alert_rules.params is 'Kind-specific options, e.g. {"metric": "cost", "k": 3, "weeks": 4} for usage_anomaly.';
comment on column public.alert_rules.webhook_secret is 'HMAC-SHA256 key of the generic webhook''s signature header; never returned by the API.';
comment on column public.alert_rules.evaluated_at is 'When the evaluator last checked the rule; conversation rules read rows refreshed since.';
create index alert_rules_project_idx on public.alert_rules (project_id);
alter table public.alert_rules enable row level security;

create table public.alert_defaults (
  project_id uuid primary key references public.projects (id) on delete cascade,
  seeded_at timestamptz not null default now()
);
comment on table public.alert_defaults is 'Projects that received the default rules once (deleting them later is respected).';
alter table public.alert_defaults enable row level security;

create table public.alerts (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  rule_id uuid not null references public.alert_rules (id) on delete cascade,
  subject text not null,
  state text not null check (state in ('firing', 'resolved')),
  first_seen timestamptz not null,
  last_seen timestamptz not null,
  resolved_at timestamptz,
  value numeric,
  threshold numeric,
  message text not null,
  evidence jsonb not null
);
comment on table public.alerts is
  'One row per episode of a rule''s condition on a subject (a conversation, a day, a month, a model, a metric): firing, then resolved.';
comment on column public.alerts.subject is 'What the alert is about: "<session>@<started_at>", "2026-12-02", "2026-12", a model name or a metric.';
comment on column public.alerts.evidence is 'The figures the evaluator saw when it last checked (kind-specific).';
create unique index alerts_one_firing_idx on public.alerts (rule_id, subject) where state = 'firing';
create index alerts_subject_idx on public.alerts (rule_id, subject);
create index alerts_project_idx on public.alerts (project_id, last_seen desc);
alter table public.alerts enable row level security;

create table public.alert_outbox (
  id bigint generated always as identity primary key,
  project_id uuid not null references public.projects (id) on delete cascade,
  rule_id uuid not null references public.alert_rules (id) on delete cascade,
  alert_id uuid not null references public.alerts (id) on delete cascade,
  transition text not null check (transition in ('firing', 'resolved')),
  url text not null,
  format text not null check (format in ('slack', 'generic')),
  payload jsonb not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  sent_at timestamptz,
  failed_at timestamptz,
  last_error text,
  created_at timestamptz not null default now()
);
comment on table public.alert_outbox is
  'Webhook deliveries, one per alert state change (queued with the change), retried with backoff until sent or given up.';
comment on column public.alert_outbox.payload is 'The alert as it was at the state change; the body is built from it at send time.';
create unique index alert_outbox_once_idx on public.alert_outbox (alert_id, transition);
create index alert_outbox_due_idx on public.alert_outbox (next_attempt_at) where sent_at is null and failed_at is null;
alter table public.alert_outbox enable row level security;

revoke all on table public.alert_rules, public.alert_defaults, public.alerts, public.alert_outbox from anon, authenticated;
drop function public.usage_alerts(uuid, timestamptz, timestamptz, text, text, text);
