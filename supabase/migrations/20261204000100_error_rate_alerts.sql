-- A rule kind for failing endpoints (docs/alerts.md): an endpoint whose failed requests pass a
-- share of its traffic over a window. The computed-on-read alerts that 20261202000530 replaced
-- flagged failing endpoints; this brings them back as a stored, delivered rule.

alter table public.alert_rules drop constraint alert_rules_kind_check;
alter table public.alert_rules add constraint alert_rules_kind_check
  check (kind in ('session_tokens', 'session_cost', 'session_efficiency', 'daily_spend', 'monthly_spend',
                  'monthly_forecast', 'unpriced_model', 'usage_anomaly', 'error_rate'));
comment on column public.alert_rules.threshold is
  'Tokens per conversation, USD per conversation, efficiency score, the USD budget, or the error rate in percent, depending on kind.';

-- Projects that already received the default rules get this one too, once.
insert into public.alert_rules (project_id, kind, name, threshold, params)
select d.project_id, 'error_rate', 'Failing endpoint', 20, '{"window_hours": 24, "min_requests": 5}'::jsonb
from public.alert_defaults d;
