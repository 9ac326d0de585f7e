-- Who can call what, checked as the roles Supabase gives browser clients. Runs inside a
-- transaction that the runner rolls back (tests/backend/test_sql_files.py); any failed check raises.

-- A project with one usage row, created as the owner.
insert into public.projects (id, name) values ('00000000-0000-4000-8000-000000000001', 'sql-test');
select public.store_usage(json_build_array(json_build_object(
  'id', '00000000-0000-4000-8000-0000000000aa', 'project_id', '00000000-0000-4000-8000-000000000001',
  'ts', now(), 'model', 'gpt-4o', 'provider', 'openai', 'endpoint_name', 'chat', 'prompt_tokens', 10,
  'completion_tokens', 2, 'total_tokens', 12, 'cached_tokens', 0, 'cache_write_tokens', 0,
  'cache_write_1h_tokens', 0, 'reasoning_tokens', 0, 'latency_ms', 100, 'status', 'ok', 'stream', false,
  'input_cost', '0.000025', 'output_cost', '0.00002', 'total_cost', '0.000045', 'priced', true)));

-- anon (no session) may call none of the reads.
set local role anon;
do $$
begin
  perform public.usage_summary('00000000-0000-4000-8000-000000000001', now() - interval '1 day', now() + interval '1 minute');
  raise exception 'anon could call usage_summary';
exception when insufficient_privilege then null;
end $$;
reset role;

-- authenticated may call the reads (they are security definer, filtered by project) ...
set local role authenticated;
do $$
declare
  summary jsonb := public.usage_summary('00000000-0000-4000-8000-000000000001', now() - interval '1 day', now() + interval '1 minute');
begin
  if (summary -> 'totals' ->> 'requests')::int <> 1 or summary -> 'totals' ->> 'cost' <> '0.000045' then
    raise exception 'usage_summary as authenticated returned %', summary;
  end if;
end $$;

-- ... and read list prices through RLS ...
do $$
begin
  if (select count(*) from public.model_pricing) < 28 then
    raise exception 'authenticated cannot read the seeded prices';
  end if;
end $$;

-- ... but no raw usage rows (row-level security, no policy yet) and none of the writers.
do $$
begin
  if (select count(*) from public.usage_logs) <> 0 or (select count(*) from public.api_keys) <> 0 then
    raise exception 'authenticated can see usage rows or keys';
  end if;
end $$;
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
