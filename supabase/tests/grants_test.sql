-- Who can call what, checked as the roles Supabase gives browser clients: a member of the
-- project's organisation, a stranger (signed in, member of nothing) and anon. Runs inside a
-- transaction that the runner rolls back (tests/backend/test_sql_files.py); any failed check raises.
-- The full matrix (every table and function, three users, two organisations) is
-- tests/backend/test_tenancy_matrix.py.

-- An organisation with a project holding one usage row, and two users, created as the owner.
insert into auth.users (id, email) values
  ('00000000-0000-4000-8000-0000000000f1', 'member@sql-test.example'),
  ('00000000-0000-4000-8000-0000000000f2', 'stranger@sql-test.example');
insert into public.organisations (id, name) values ('00000000-0000-4000-8000-0000000000e1', 'sql-test org');
insert into public.organisation_members (organisation_id, user_id, role)
  values ('00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000f1', 'viewer');
insert into public.projects (id, name, organisation_id)
  values ('00000000-0000-4000-8000-000000000001', 'sql-test', '00000000-0000-4000-8000-0000000000e1');
select public.store_usage(json_build_array(json_build_object(
  'id', '00000000-0000-4000-8000-0000000000aa', 'project_id', '00000000-0000-4000-8000-000000000001',
  'ts', now(), 'model', 'gpt-4o', 'provider', 'openai', 'endpoint_name', 'chat', 'prompt_tokens', 10,
  'completion_tokens', 2, 'total_tokens', 12, 'cached_tokens', 0, 'cache_write_tokens', 0,
  'cache_write_1h_tokens', 0, 'reasoning_tokens', 0, 'latency_ms', 100, 'status', 'ok', 'stream', false,
  'input_cost', '0.000025', 'output_cost', '0.00002', 'total_cost', '0.000045', 'priced', true)));

-- anon (no session) may call none of the reads and sees no rows.
set local role anon;
do $$
begin
  perform public.usage_summary('00000000-0000-4000-8000-000000000001', now() - interval '1 day', now() + interval '1 minute');
  raise exception 'anon could call usage_summary';
exception when insufficient_privilege then null;
end $$;
do $$
begin
  if (select count(*) from public.projects) <> 0 or (select count(*) from public.usage_logs) <> 0 then
    raise exception 'anon can see projects or usage rows';
  end if;
end $$;
reset role;

-- A stranger: signed in, member of nothing. The project is invisible and its reads answer exactly
-- as for a project that does not exist.
set local role authenticated;
set local request.jwt.claims = '{"sub": "00000000-0000-4000-8000-0000000000f2", "role": "authenticated"}';
do $$
declare
  theirs jsonb := public.usage_summary('00000000-0000-4000-8000-000000000001', '2026-01-01', '2026-01-02');
  nothing jsonb := public.usage_summary('00000000-0000-4000-8000-0000000000ff', '2026-01-01', '2026-01-02');
  now_theirs jsonb := public.usage_summary('00000000-0000-4000-8000-000000000001', now() - interval '1 day', now() + interval '1 minute');
begin
  if theirs <> nothing or (now_theirs -> 'totals' ->> 'requests')::int <> 0 or now_theirs -> 'totals' ->> 'cost' <> '0' then
    raise exception 'a stranger read another organisation''s usage: %', now_theirs;
  end if;
  if (select count(*) from public.projects) + (select count(*) from public.usage_logs)
     + (select count(*) from public.usage_rollups_hourly) + (select count(*) from public.organisations) <> 0 then
    raise exception 'a stranger can see projects, organisations or usage rows';
  end if;
  if public.has_role_on_project('00000000-0000-4000-8000-000000000001') then
    raise exception 'has_role_on_project says a stranger is a member';
  end if;
end $$;

-- The member reads the project's numbers, and the list prices.
set local request.jwt.claims = '{"sub": "00000000-0000-4000-8000-0000000000f1", "role": "authenticated"}';
do $$
declare
  summary jsonb := public.usage_summary('00000000-0000-4000-8000-000000000001', now() - interval '1 day', now() + interval '1 minute');
begin
  if (summary -> 'totals' ->> 'requests')::int <> 1 or summary -> 'totals' ->> 'cost' <> '0.000045' then
    raise exception 'usage_summary as a member returned %', summary;
  end if;
  if (select count(*) from public.usage_logs) <> 1 or (select count(*) from public.projects) <> 1 then
    raise exception 'a member cannot see the project''s usage row';
  end if;
  if (select count(*) from public.model_pricing) < 28 then
    raise exception 'a member cannot read the seeded prices';
  end if;
  if (select count(*) from public.api_keys) <> 0 then
    raise exception 'a viewer can see the project''s keys';
  end if;
end $$;

-- ... but calls none of the writers.
do $$
begin
  perform public.store_usage('[]'::json);
  raise exception 'authenticated could call store_usage';
exception when insufficient_privilege then null;
end $$;
do $$
begin
  perform public.ingest_usage('[]'::json, 0::smallint, '{}'::bigint[], '{}'::uuid[]);
  raise exception 'authenticated could call ingest_usage';
exception when insufficient_privilege then null;
end $$;
do $$
begin
  perform public.rebuild_usage_rollups();
  raise exception 'authenticated could call rebuild_usage_rollups';
exception when insufficient_privilege then null;
end $$;
reset role;
