// Teams in hosted mode: selects, writes and rpc through supabase-js as the signed-in user, so the
// tenancy policies and functions (supabase/migrations/*_tenancy*.sql) decide, exactly as for the
// API's signed-in users. Two things go to our API with the user's token instead: creating a key
// (the raw key is made and hashed on the server, and never passes through PostgREST) and inviting
// (Supabase Auth mails the invitation with the service-role key, which stays on the server).
import { ApiError } from '../../lib/api'
import { hostedApiPost, supabase } from '../../lib/supabase'
import type { Invitation, Me, MeOrganisation, MeProject, Member, NewKey, ProjectKey, Role, TeamSource } from './team-source'

interface PostgrestResult<T> { data: T | null; error: { message: string; code?: string; details?: string | null } | null }

function rows<T>({ data, error }: PostgrestResult<T>): T {
  if (error) throw new ApiError(error.code === '42501' ? 403 : 400, error.code ?? 'supabase_error', error.message)
  return data as T
}

function gone(what: string): ApiError {
  return new ApiError(404, 'not_found', `no such ${what}`, [{ field: what, message: 'not found' }])
}

async function me(): Promise<Me> {
  const { data } = await supabase.auth.getSession()
  const user = data.session?.user
  if (!user) throw new ApiError(401, 'not_signed_in', 'sign in first')
  const [memberships, organisations, projects, admin] = await Promise.all([
    supabase.from('organisation_members').select('organisation_id, role').eq('user_id', user.id),
    supabase.from('organisations').select('id, name').order('name'),
    supabase.from('projects').select('id, name, organisation_id').order('name'),
    supabase.rpc('is_platform_admin'),
  ])
  const roles = new Map(rows(memberships as PostgrestResult<{ organisation_id: string; role: Role }[]>).map((m) => [m.organisation_id, m.role]))
  const all = rows(projects as PostgrestResult<(MeProject & { organisation_id: string })[]>)
  const mine: MeOrganisation[] = rows(organisations as PostgrestResult<{ id: string; name: string }[]>)
    .filter((o) => roles.has(o.id))
    .map((o) => ({ ...o, role: roles.get(o.id) as Role,
      projects: all.filter((p) => p.organisation_id === o.id).map(({ id, name }) => ({ id, name })) }))
  return { user: { id: user.id, email: user.email ?? '' }, platform_admin: Boolean(rows(admin as PostgrestResult<boolean>)), organisations: mine }
}

export const supabaseTeam: TeamSource = {
  me,
  keys: async (project) => rows(await supabase.from('api_keys')
    .select('id, name, display_prefix, created_at, last_used_at, revoked_at, dropped_events')
    .eq('project_id', project).order('created_at') as PostgrestResult<ProjectKey[]>),
  members: async (organisation) =>
    rows(await supabase.rpc('organisation_member_list', { p_organisation: organisation }) as PostgrestResult<Member[]>),
  createKey: (project, name) => hostedApiPost<NewKey>(`/api/projects/${project}/keys`, { name }),
  async revokeKey(project, id) {
    const revoked = rows(await supabase.from('api_keys').update({ revoked_at: new Date().toISOString() })
      .eq('project_id', project).eq('id', id).select('id') as PostgrestResult<{ id: string }[]>)
    if (revoked.length === 0) throw gone('key')
  },
  invite: (organisation, body) => hostedApiPost<Invitation>(`/api/organisations/${organisation}/invitations`, body),
  async removeMember(organisation, user) {
    const removed = rows(await supabase.from('organisation_members').delete()
      .eq('organisation_id', organisation).eq('user_id', user).select('user_id') as PostgrestResult<{ user_id: string }[]>)
    if (removed.length === 0) throw gone('member')
  },
  accept: async (token) => ({
    organisation_id: rows(await supabase.rpc('accept_invitation', { p_token: token }) as PostgrestResult<string>),
  }),
  createProject: async (organisation, name) => rows(await supabase.from('projects')
    .insert({ name, organisation_id: organisation }).select('id, name').single() as PostgrestResult<MeProject>),
  createOrganisation: async (name) => ({ id: rows(await supabase.rpc('create_organisation', { p_name: name }) as PostgrestResult<string>) }),
}
