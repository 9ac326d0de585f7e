-- The fence over everything the other migrations added (docs/security.md): each table gets its
-- policies, and each function a browser client (anon, authenticated) may call either runs as the
-- caller under row-level security or checks membership with the tenancy helpers. Last in order, so
-- it sees every table and function as the earlier migrations left them; its test
-- (tests/backend/test_tenancy_fence.py) fails when a later one adds a table or function that
-- nothing fences.
--
-- The dashboard reads were `security definer` (they read the tables as their owner) and checked
-- only their arguments: any signed-in user could read any project. They become `security invoker`
-- rather than each gaining a membership check: their reads are all of tables whose policies
-- below and in *_tenancy.sql admit the members of the project's organisation, so an outsider sees
-- no rows, and so gets exactly the answer of a project that does not exist; the bodies stay as their
-- authors wrote them. The API connects as the tables' owner, which row-level security does not
-- filter, so local mode answers as before. The building blocks they call are invoker functions too;
-- callers need EXECUTE on them, and being invoker, they are fenced the same way.

-- Tables -----------------------------------------------------------------------------------------

create policy "Members can read their projects' conversations" on public.conversations
  for select to authenticated using (project_id in (select public.projects_with_role()));
create policy "Members can read how far their projects' conversations are built" on public.conversation_refresh
  for select to authenticated using (project_id in (select public.projects_with_role()));
revoke insert, update, delete on public.conversations, public.conversation_refresh from anon, authenticated;

create policy "Members can read their projects' efficiency settings" on public.efficiency_settings
  for select to authenticated using (project_id in (select public.projects_with_role()));
create policy "Admins can add their projects' efficiency settings" on public.efficiency_settings
  for insert to authenticated with check (project_id in (select public.projects_with_role('admin')));
create policy "Admins can change their projects' efficiency settings" on public.efficiency_settings
  for update to authenticated using (project_id in (select public.projects_with_role('admin')))
  with check (project_id in (select public.projects_with_role('admin')));
create policy "Admins can remove their projects' efficiency settings" on public.efficiency_settings
  for delete to authenticated using (project_id in (select public.projects_with_role('admin')));

-- Alert rules name webhooks (a Slack URL is itself a secret): admins only, and the signing secret
-- is written but never read back by clients.
grant select (id, project_id, kind, name, threshold, params, enabled, webhook_url, webhook_format,
              evaluated_at, created_at, updated_at),
      insert, update, delete on public.alert_rules to authenticated;
create policy "Admins can read their projects' alert rules" on public.alert_rules
  for select to authenticated using (project_id in (select public.projects_with_role('admin')));
create policy "Admins can add alert rules to their projects" on public.alert_rules
  for insert to authenticated with check (project_id in (select public.projects_with_role('admin')));
create policy "Admins can change their projects' alert rules" on public.alert_rules
  for update to authenticated using (project_id in (select public.projects_with_role('admin')))
  with check (project_id in (select public.projects_with_role('admin')));
create policy "Admins can remove their projects' alert rules" on public.alert_rules
  for delete to authenticated using (project_id in (select public.projects_with_role('admin')));

grant select on public.alerts to authenticated;
create policy "Members can read their projects' alerts" on public.alerts
  for select to authenticated using (project_id in (select public.projects_with_role()));

-- Reference data every signed-in user reads (policies in their own migrations); written by the backend.
revoke insert, update, delete, truncate on public.model_catalogue, public.unpriced_reasons from anon, authenticated;
-- Backend only: the evaluator's bookkeeping and deliveries (webhook URLs and payloads), job runs.
revoke all on public.alert_defaults, public.alert_outbox, public.job_runs from anon, authenticated;

-- Functions --------------------------------------------------------------------------------------

alter function public.usage_summary(uuid, timestamptz, timestamptz, text, text, text) security invoker;
alter function public.usage_timeseries(uuid, timestamptz, timestamptz, text, text, text, text) security invoker;
alter function public.usage_breakdown(uuid, timestamptz, timestamptz, text, text, text, text) security invoker;
alter function public.usage_logs_page(uuid, timestamptz, timestamptz, text, text, text, text, text, integer) security invoker;
alter function public.unpriced_models(uuid, timestamptz, timestamptz, text, text, text) security invoker;
alter function public.usage_sessions(uuid, timestamptz, timestamptz, text, text, text, integer) security invoker;
alter function public.usage_optimization(uuid, timestamptz, timestamptz, text, text, text) security invoker;
alter function public.unpriced_by_reason(uuid, timestamptz, timestamptz, text, text, text) security invoker;
alter function public.models_in_use(uuid, timestamptz, timestamptz, text, text, text) security invoker;
alter function public.conversation_page(uuid, timestamptz, timestamptz, text, text, text, text, text, text, integer) security invoker;
alter function public.usage_session(uuid, text) security invoker;
alter function public.month_projection(uuid, timestamptz) security invoker;
alter function public.usage_token_metrics(uuid, timestamptz, timestamptz, text, text, text) security invoker;

-- The building blocks the reads call, now run as the caller (all security invoker, so fenced).
grant execute on function
  public.check_read_args(uuid, timestamptz, timestamptz),
  public.usage_slices(uuid, timestamptz, timestamptz, text, text, text, boolean),
  public.usage_groups(uuid, timestamptz, timestamptz, text, text, text, text),
  public.usage_totals_json(uuid, timestamptz, timestamptz, text, text, text),
  public.latency_percentile(bigint[], double precision),
  public.cost_json(numeric, bigint, bigint),
  public.fraction_change(numeric, numeric),
  public.usage_log_json(public.usage_logs),
  public.list_prices_for_models(text[]),
  public.conversation_json(public.conversations)
  to authenticated;
-- Pure arithmetic, and trigger functions (not callable), need nothing from anon.
revoke all on function public.latency_bounds(), public.latency_histogram(double precision[]),
  public.int_array_add(integer[], integer[]), public.bump_price_version(), public.record_price_change() from public, anon;
grant execute on function public.latency_bounds(), public.latency_histogram(double precision[]),
  public.int_array_add(integer[], integer[]) to authenticated;
