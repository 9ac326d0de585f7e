-- Background jobs (backend/tokenoptimizer_server/jobs.py): which server process last ran each
-- named job and how it went. The job's advisory lock elects the process; this table only reports.

create table public.job_runs (
  name text primary key,
  holder text not null,
  last_started_at timestamptz not null,
  last_finished_at timestamptz,
  last_error text,
  runs bigint not null default 0
);
comment on table public.job_runs is
  'One row per background job: the process (host:pid) holding its lock, its last run and last error.';
comment on column public.job_runs.holder is 'host:pid of the server process that ran the job last.';
alter table public.job_runs enable row level security;
revoke all on table public.job_runs from anon, authenticated;
