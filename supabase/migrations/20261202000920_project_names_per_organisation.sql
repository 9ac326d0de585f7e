-- Project names are unique within an organisation, not across all of them: two teams may each
-- have a "production", and creating one no longer tells a team that another team's project has
-- that name. "The default project" (local mode, reads without a project) is the one named
-- 'default' in the default organisation, else the caller's own (row-level security decides).

alter table public.projects drop constraint projects_name_key;
create unique index projects_organisation_name_key on public.projects (organisation_id, name);

create function public.default_project() returns table (id uuid, name text)
language sql stable security invoker set search_path = '' as $$
  select p.id, p.name from public.projects p
  left join public.organisations o on o.id = p.organisation_id and o.is_default
  where p.name = 'default'
  order by o.id is null, p.created_at
  limit 1
$$;
comment on function public.default_project() is
  'The project reads use when none is named: ''default'' of the default organisation, else the first the caller can see.';
revoke all on function public.default_project() from public, anon;
grant execute on function public.default_project() to authenticated, service_role;
