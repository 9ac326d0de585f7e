-- What clients do with teams, as functions (hosted: supabase-js rpc; self-hosted: the API's
-- /api/teams routes call the same ones as the signed-in user). Each either runs as the caller
-- under row-level security (security invoker) or checks the caller's role with the helpers of the
-- previous migration and refuses otherwise, with the same answer whether the organisation or
-- project does not exist or the caller is not allowed there (SQLSTATE 42501, "not allowed").

-- A new organisation, with the caller as its owner.
create function public.create_organisation(p_name text) returns uuid
language plpgsql volatile security definer set search_path = '' as $$
declare
  org uuid;
begin
  if (select auth.uid()) is null then
    raise exception using errcode = '42501', message = 'sign in to create an organisation';
  end if;
  insert into public.organisations (name) values (p_name) returning id into org;
  insert into public.organisation_members (organisation_id, user_id, role) values (org, (select auth.uid()), 'owner');
  return org;
end $$;
comment on function public.create_organisation(text) is 'Creates an organisation owned by the caller; returns its id.';

-- The members of an organisation with their email addresses (auth.users is not readable by clients).
create function public.organisation_member_list(p_organisation uuid)
returns table (user_id uuid, email text, role public.organisation_role, created_at timestamptz)
language sql stable security definer set search_path = '' as $$
  select m.user_id, u.email::text, m.role, m.created_at
  from public.organisation_members m join auth.users u on u.id = m.user_id
  where m.organisation_id = p_organisation and public.has_role_on_organisation(p_organisation)
  order by m.created_at, u.email
$$;
comment on function public.organisation_member_list(uuid) is
  'Members of an organisation the caller belongs to (nothing for any other), with email and role.';

-- An invitation; the token (for the accept link) is returned once and only its hash is stored.
create function public.create_invitation(
  p_organisation uuid, p_email text, p_role public.organisation_role default 'viewer',
  p_valid_for interval default interval '7 days')
returns jsonb
language plpgsql volatile security definer set search_path = '' as $$
declare
  token text := encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'hex');
  inv public.invitations;
begin
  -- Only owners invite owners; admins invite admins and viewers.
  if not public.has_role_on_organisation(p_organisation, greatest(p_role, 'admin'::public.organisation_role)) then
    raise exception using errcode = '42501', message = 'not allowed';
  end if;
  if p_valid_for is null or p_valid_for <= interval '0' or p_valid_for > interval '30 days' then
    raise exception using errcode = '22023', column = 'valid_for', message = 'an invitation is valid for up to 30 days';
  end if;
  insert into public.invitations (organisation_id, email, role, token_hash, invited_by, expires_at)
  values (p_organisation, lower(trim(p_email)), p_role, encode(sha256(convert_to(token, 'UTF8')), 'hex'),
          (select auth.uid()), now() + p_valid_for)
  returning * into inv;
  return jsonb_build_object('id', inv.id, 'organisation_id', inv.organisation_id, 'email', inv.email,
                            'role', inv.role, 'expires_at', inv.expires_at, 'token', token);
end $$;
comment on function public.create_invitation(uuid, text, public.organisation_role, interval) is
  'Invites an email address into the organisation (admins; owners for the owner role); returns the one-time token.';

-- Accepting makes the caller a member. The invitation must be addressed to the caller's email,
-- unused and unexpired; every refusal reads the same, so a token reveals nothing.
create function public.accept_invitation(p_token text) returns uuid
language plpgsql volatile security definer set search_path = '' as $$
declare
  inv public.invitations;
begin
  select i.* into inv from public.invitations i
  where i.token_hash = encode(sha256(convert_to(coalesce(p_token, ''), 'UTF8')), 'hex')
    and i.accepted_at is null and i.expires_at > now()
    and i.email = (select lower(u.email) from auth.users u where u.id = (select auth.uid()))
  for update;
  if inv.id is null then
    raise exception using errcode = '42501', message = 'this invitation is not valid (used, expired or for another address)';
  end if;
  insert into public.organisation_members (organisation_id, user_id, role)
  values (inv.organisation_id, (select auth.uid()), inv.role)
  on conflict (organisation_id, user_id) do update set role = greatest(public.organisation_members.role, excluded.role);
  update public.invitations set accepted_at = now(), accepted_by = (select auth.uid()) where id = inv.id;
  return inv.organisation_id;
end $$;
comment on function public.accept_invitation(text) is 'Makes the caller a member with the invited role; returns the organisation id.';

-- A project key, under the caller's row-level security (admins of the project's organisation).
-- The same key format as the CLI's (backend keys.py): "to_" + 43 URL-safe characters; SHA-256 stored.
create function public.create_api_key(p_project uuid, p_name text default 'default') returns jsonb
language plpgsql volatile security invoker set search_path = '' as $$
declare
  raw text := 'to_' || rtrim(translate(encode(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()), 'base64'),
                                       '+/', '-_'), '=');
  k record;
begin
  insert into public.api_keys (project_id, name, key_hash, display_prefix)
  values (p_project, coalesce(p_name, 'default'), encode(sha256(convert_to(raw, 'UTF8')), 'hex'), left(raw, 10))
  returning id, project_id, name, display_prefix, created_at into k;
  return jsonb_build_object('id', k.id, 'project_id', k.project_id, 'name', k.name,
                            'display_prefix', k.display_prefix, 'created_at', k.created_at, 'key', raw);
end $$;
comment on function public.create_api_key(uuid, text) is
  'Creates a project API key (admins of the project''s organisation); the raw key is returned once.';

revoke all on function public.create_organisation(text), public.organisation_member_list(uuid),
  public.create_invitation(uuid, text, public.organisation_role, interval), public.accept_invitation(text),
  public.create_api_key(uuid, text) from public, anon;
grant execute on function public.create_organisation(text), public.organisation_member_list(uuid),
  public.create_invitation(uuid, text, public.organisation_role, interval), public.accept_invitation(text),
  public.create_api_key(uuid, text) to authenticated, service_role;
