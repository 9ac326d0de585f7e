-- Tenancy (docs/security.md): organisations contain projects; members link an auth user to an
-- organisation with a role (owner >= admin >= viewer); invitations by email with a hashed one-time
-- token; platform admins maintain the global list prices. One set of security-definer helpers
-- answers "does the caller have this role here?", and every policy and every client-callable
-- function asks them (as basejump's has_role_on_account). The API connects as the table owner, so
-- local mode and the ingest path are unchanged; browser clients (and self-hosted sign-in, which runs
-- each request as `authenticated`) see only what the policies below allow.

create type public.organisation_role as enum ('viewer', 'admin', 'owner');
comment on type public.organisation_role is 'Ordered: owner > admin > viewer; a check for admin also passes owners.';

-- Organisations --------------------------------------------------------------------------------

create table public.organisations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  is_default boolean not null default false,
  created_at timestamptz not null default now()
);
comment on table public.organisations is 'A team: it owns projects, and its members have roles in it.';
comment on column public.organisations.is_default is
  'The organisation of local mode''s projects (and of every project that existed before organisations did).';
create unique index organisations_one_default_idx on public.organisations (is_default) where is_default;
insert into public.organisations (name, is_default) values ('Default', true);

-- Projects the CLI and local mode create (no organisation named) go to the default organisation.
create function public.default_organisation() returns uuid
language sql stable set search_path = '' as $$
  select id from public.organisations where is_default
$$;

alter table public.projects add column organisation_id uuid references public.organisations (id) on delete cascade;
update public.projects set organisation_id = public.default_organisation();
alter table public.projects
  alter column organisation_id set not null,
  alter column organisation_id set default public.default_organisation();
create index projects_organisation_idx on public.projects (organisation_id, id);
comment on column public.projects.organisation_id is 'The organisation whose members may see this project.';

create table public.organisation_members (
  organisation_id uuid not null references public.organisations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role public.organisation_role not null default 'viewer',
  created_at timestamptz not null default now(),
  primary key (organisation_id, user_id)
);
comment on table public.organisation_members is 'Who belongs to which organisation, with which role: the one membership table.';
create index organisation_members_user_idx on public.organisation_members (user_id, organisation_id, role);

create table public.invitations (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid not null references public.organisations (id) on delete cascade,
  email text not null check (length(email) <= 320 and email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  role public.organisation_role not null default 'viewer',
  token_hash text not null unique,
  invited_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by uuid references auth.users (id) on delete set null
);
comment on table public.invitations is 'An invitation by email to join an organisation with a role; accepted once, before it expires.';
comment on column public.invitations.token_hash is 'SHA-256 hex of the one-time token in the accept link; the token itself is shown once, never stored.';
create index invitations_organisation_idx on public.invitations (organisation_id);

create table public.platform_admins (
  user_id uuid primary key references auth.users (id) on delete cascade,
  created_at timestamptz not null default now()
);
comment on table public.platform_admins is
  'Users who maintain the global model_pricing (a table, not JWT app_metadata: docs/architecture.md). Written by the backend only.';

-- The helpers: the one fence -------------------------------------------------------------------
-- Security definer so that policies can call them without recursing into the policies of the
-- membership table; they only ever answer about the caller (auth.uid()).

create function public.has_role_on_organisation(
  p_organisation uuid, p_role public.organisation_role default 'viewer') returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select from public.organisation_members m
    where m.organisation_id = p_organisation and m.user_id = (select auth.uid()) and m.role >= p_role)
$$;
comment on function public.has_role_on_organisation(uuid, public.organisation_role) is
  'Whether the caller is a member of the organisation with at least this role.';

create function public.has_role_on_project(
  p_project uuid, p_role public.organisation_role default 'viewer') returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select from public.projects p
    join public.organisation_members m on m.organisation_id = p.organisation_id
    where p.id = p_project and m.user_id = (select auth.uid()) and m.role >= p_role)
$$;
comment on function public.has_role_on_project(uuid, public.organisation_role) is
  'Whether the caller belongs to the project''s organisation with at least this role.';

-- For policies: `project_id in (select public.projects_with_role())` runs once per query (a hashed
-- subplan), where a per-row has_role_on_project() call would run once per row.
create function public.projects_with_role(p_role public.organisation_role default 'viewer') returns setof uuid
language sql stable security definer set search_path = '' as $$
  select p.id from public.projects p
  join public.organisation_members m on m.organisation_id = p.organisation_id
  where m.user_id = (select auth.uid()) and m.role >= p_role
$$;
comment on function public.projects_with_role(public.organisation_role) is
  'The projects the caller may see (viewer) or manage (admin, owner).';

create function public.organisations_with_role(p_role public.organisation_role default 'viewer') returns setof uuid
language sql stable security definer set search_path = '' as $$
  select m.organisation_id from public.organisation_members m
  where m.user_id = (select auth.uid()) and m.role >= p_role
$$;
comment on function public.organisations_with_role(public.organisation_role) is
  'The organisations the caller belongs to with at least this role.';

create function public.is_platform_admin() returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (select from public.platform_admins a where a.user_id = (select auth.uid()))
$$;
comment on function public.is_platform_admin() is 'Whether the caller may change the global list prices.';

-- An organisation always keeps an owner (unless it is being deleted).
create function public.keep_an_owner() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if old.role = 'owner'
     and exists (select from public.organisations o where o.id = old.organisation_id)
     and not exists (select from public.organisation_members m
                     where m.organisation_id = old.organisation_id and m.role = 'owner') then
    raise exception using errcode = '23514', column = 'role',
      message = 'an organisation must keep at least one owner';
  end if;
  return null;
end $$;
create trigger organisation_members_keep_an_owner after update or delete on public.organisation_members
  for each row execute function public.keep_an_owner();

-- Price history names the signed-in user who changed a price: record_price_change reads
-- tokenoptimizer.actor first, and PostgREST sets only request.jwt.claims. Fires before the
-- history trigger (triggers fire in name order: "actor" < "history").
create function public.price_change_actor() returns trigger
language plpgsql set search_path = '' as $$
begin
  if (select auth.uid()) is not null then
    perform set_config('tokenoptimizer.actor', (select auth.uid())::text, true);
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end $$;
create trigger model_pricing_actor before insert or update or delete on public.model_pricing
  for each row execute function public.price_change_actor();
create trigger project_model_pricing_actor before insert or update or delete on public.project_model_pricing
  for each row execute function public.price_change_actor();
-- The history row is written for whoever changed the price, including clients with no policy on
-- the history table itself.
alter function public.record_price_change() security definer;

-- Row-level security ---------------------------------------------------------------------------

alter table public.organisations enable row level security;
alter table public.organisation_members enable row level security;
alter table public.invitations enable row level security;
alter table public.platform_admins enable row level security;

create policy "Members can read their organisations" on public.organisations
  for select to authenticated using (id in (select public.organisations_with_role()));
create policy "Owners can rename their organisations" on public.organisations
  for update to authenticated using (id in (select public.organisations_with_role('owner')))
  with check (id in (select public.organisations_with_role('owner')));
create policy "Owners can delete their organisations" on public.organisations
  for delete to authenticated using (id in (select public.organisations_with_role('owner')));

create policy "Members can read who else belongs to their organisations" on public.organisation_members
  for select to authenticated using (organisation_id in (select public.organisations_with_role()));
-- Admins manage viewers and admins; only owners make, change or remove owners.
create policy "Admins can change the roles of their organisation's members" on public.organisation_members
  for update to authenticated
  using (organisation_id in (select public.organisations_with_role('admin'))
         and (role < 'owner' or public.has_role_on_organisation(organisation_id, 'owner')))
  with check (organisation_id in (select public.organisations_with_role('admin'))
              and (role < 'owner' or public.has_role_on_organisation(organisation_id, 'owner')));
create policy "Admins can remove members, and members can leave" on public.organisation_members
  for delete to authenticated
  using (user_id = (select auth.uid())
         or (organisation_id in (select public.organisations_with_role('admin'))
             and (role < 'owner' or public.has_role_on_organisation(organisation_id, 'owner'))));

create policy "Admins can read their organisation's invitations" on public.invitations
  for select to authenticated using (organisation_id in (select public.organisations_with_role('admin')));
create policy "Admins can withdraw their organisation's invitations" on public.invitations
  for delete to authenticated using (organisation_id in (select public.organisations_with_role('admin')));

create policy "Users can see whether they are platform admins" on public.platform_admins
  for select to authenticated using (user_id = (select auth.uid()));

create policy "Members can read their organisation's projects" on public.projects
  for select to authenticated using (organisation_id in (select public.organisations_with_role()));
create policy "Admins can create projects in their organisation" on public.projects
  for insert to authenticated with check (organisation_id in (select public.organisations_with_role('admin')));
create policy "Admins can rename their organisation's projects" on public.projects
  for update to authenticated using (organisation_id in (select public.organisations_with_role('admin')))
  with check (organisation_id in (select public.organisations_with_role('admin')));
create policy "Owners can delete their organisation's projects" on public.projects
  for delete to authenticated using (organisation_id in (select public.organisations_with_role('owner')));

create policy "Admins can read their projects' keys" on public.api_keys
  for select to authenticated using (project_id in (select public.projects_with_role('admin')));
create policy "Admins can create keys for their projects" on public.api_keys
  for insert to authenticated with check (project_id in (select public.projects_with_role('admin')));
create policy "Admins can revoke their projects' keys" on public.api_keys
  for update to authenticated using (project_id in (select public.projects_with_role('admin')))
  with check (project_id in (select public.projects_with_role('admin')));
create policy "Admins can delete their projects' keys" on public.api_keys
  for delete to authenticated using (project_id in (select public.projects_with_role('admin')));

create policy "Platform admins can add list prices" on public.model_pricing
  for insert to authenticated with check ((select public.is_platform_admin()));
create policy "Platform admins can change list prices" on public.model_pricing
  for update to authenticated using ((select public.is_platform_admin())) with check ((select public.is_platform_admin()));
create policy "Platform admins can remove list prices" on public.model_pricing
  for delete to authenticated using ((select public.is_platform_admin()));

create policy "Members can read their projects' prices" on public.project_model_pricing
  for select to authenticated using (project_id in (select public.projects_with_role()));
create policy "Admins can add their projects' prices" on public.project_model_pricing
  for insert to authenticated with check (project_id in (select public.projects_with_role('admin')));
create policy "Admins can change their projects' prices" on public.project_model_pricing
  for update to authenticated using (project_id in (select public.projects_with_role('admin')))
  with check (project_id in (select public.projects_with_role('admin')));
create policy "Admins can remove their projects' prices" on public.project_model_pricing
  for delete to authenticated using (project_id in (select public.projects_with_role('admin')));

create policy "Members can read their projects' price history" on public.model_pricing_history
  for select to authenticated using (project_id in (select public.projects_with_role()));
create policy "Signed-in users can read the history of list prices" on public.model_pricing_history
  for select to authenticated using (project_id is null);

-- Usage and its rollups: read by members, written only by the backend (store_usage, as the owner).
create policy "Members can read their projects' usage" on public.usage_logs
  for select to authenticated using (project_id in (select public.projects_with_role()));
create policy "Members can read their projects' hourly rollups" on public.usage_rollups_hourly
  for select to authenticated using (project_id in (select public.projects_with_role()));
create policy "Members can read their projects' daily rollups" on public.usage_rollups_daily
  for select to authenticated using (project_id in (select public.projects_with_role()));

-- Privileges: RLS decides rows; these say which columns and operations a client may ask for.
revoke all on public.organisations, public.organisation_members, public.invitations, public.platform_admins from anon;
revoke insert, update on public.organisations, public.organisation_members from authenticated;
grant update (name) on public.organisations to authenticated;
grant update (role) on public.organisation_members to authenticated;
revoke insert, update on public.invitations, public.platform_admins from authenticated;
revoke delete on public.platform_admins from authenticated;
revoke update on public.projects, public.api_keys from anon, authenticated;  -- a project never changes organisation
grant update (name) on public.projects to authenticated;
grant update (name, revoked_at) on public.api_keys to authenticated;
revoke insert, update, delete on public.usage_logs, public.usage_rollups_hourly, public.usage_rollups_daily,
  public.model_pricing_history from anon, authenticated;
-- Backend-only tables: no client may touch them.
revoke all on public.reprice_audit, public.price_sync_state from anon, authenticated;
do $$
begin
  if to_regclass('public.tokenoptimizer_migrations') is not null then  -- our runner's table (not on Supabase)
    alter table public.tokenoptimizer_migrations enable row level security;
    revoke all on public.tokenoptimizer_migrations from anon, authenticated;
  end if;
end $$;

revoke all on function public.default_organisation() from public, anon, authenticated;
revoke all on function public.has_role_on_organisation(uuid, public.organisation_role) from public, anon;
revoke all on function public.has_role_on_project(uuid, public.organisation_role) from public, anon;
revoke all on function public.projects_with_role(public.organisation_role) from public, anon;
revoke all on function public.organisations_with_role(public.organisation_role) from public, anon;
revoke all on function public.is_platform_admin() from public, anon;
grant execute on function public.has_role_on_organisation(uuid, public.organisation_role),
  public.has_role_on_project(uuid, public.organisation_role), public.projects_with_role(public.organisation_role),
  public.organisations_with_role(public.organisation_role), public.is_platform_admin() to authenticated, service_role;
revoke all on function public.keep_an_owner(), public.price_change_actor() from public, anon, authenticated;
