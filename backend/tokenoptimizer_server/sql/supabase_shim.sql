-- Local-only stand-ins for what a Supabase project provides, so supabase/migrations apply
-- unchanged to a plain Postgres (embedded or self-hosted). Never applied on Supabase itself.
do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then create role anon nologin; end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then create role authenticated nologin; end if;
  if not exists (select from pg_roles where rolname = 'service_role') then create role service_role nologin bypassrls; end if;
end $$;

create schema if not exists auth;
create schema if not exists extensions;

create or replace function auth.uid() returns uuid
language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                  nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid
$$;

create or replace function auth.jwt() returns jsonb
language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb)
$$;

grant usage on schema public to anon, authenticated, service_role;

-- Supabase grants the API roles everything on public tables and lets row-level security decide;
-- do the same here so local tests see what hosted clients see.
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant execute on functions to anon, authenticated, service_role;
grant usage on schema auth to anon, authenticated, service_role;

-- Users, as Supabase Auth keeps them (the columns the schema and the self-hosted sign-in use).
-- On Supabase, GoTrue owns auth.users; here the Flask API signs users up and in
-- (backend/tokenoptimizer_server/auth/), with argon2 hashes in encrypted_password.
create table if not exists auth.users (
  id uuid primary key default gen_random_uuid(),
  email text,
  encrypted_password text,
  raw_app_meta_data jsonb not null default '{}'::jsonb,
  raw_user_meta_data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_sign_in_at timestamptz
);
create unique index if not exists users_email_key on auth.users (lower(email));

-- Signed-in browser sessions of the self-hosted API: only hashes of the cookie and CSRF tokens.
create table if not exists auth.sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  token_hash text not null unique,
  csrf_hash text not null,
  created_at timestamptz not null default now(),
  not_after timestamptz not null
);
create index if not exists sessions_user_idx on auth.sessions (user_id);
revoke all on auth.users, auth.sessions from anon, authenticated;

create or replace function auth.email() returns text
language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.email', true), ''),
                  nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
$$;
