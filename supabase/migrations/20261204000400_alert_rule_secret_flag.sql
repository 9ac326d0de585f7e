-- Signed-in admins read their alert rules without the signing secret (20261202000990 grants every
-- column but webhook_secret), yet the API selected `*` and the dashboard shows whether a rule has
-- a secret: every rules read and write was refused (403) for a signed-in user. A generated flag
-- they may read says whether there is one; the secret itself stays unreadable to clients.

alter table public.alert_rules add column has_secret boolean generated always as (webhook_secret is not null) stored;
comment on column public.alert_rules.has_secret is 'Whether the rule has a signing secret (the secret is never readable by clients).';
grant select (has_secret) on public.alert_rules to authenticated;
