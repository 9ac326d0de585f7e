// Self-hosted teams (docs/api.md "Sign-in and teams"): who I am, my organisations and projects,
// a project's keys, an organisation's members and invitations. The organisation or project is an
// argument of every fetcher and part of every query key; the server's row-level security decides.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { apiFetch, apiJson } from '../../lib/api'

export type Role = 'owner' | 'admin' | 'viewer'
export interface MeProject { id: string; name: string }
export interface MeOrganisation { id: string; name: string; role: Role; projects: MeProject[] }
export interface Me { user: { id: string; email: string }; platform_admin: boolean; organisations: MeOrganisation[] }
export interface ProjectKey {
  id: string; name: string; display_prefix: string; created_at: string
  last_used_at: string | null; revoked_at: string | null; dropped_events: number
}
export interface NewKey extends Omit<ProjectKey, 'last_used_at' | 'revoked_at' | 'dropped_events'> { key: string }
export interface Member { user_id: string; email: string; role: Role; created_at: string }
export interface Invitation { id: string; email: string; role: Role; expires_at: string; token: string }

const JSON_BODY = { 'Content-Type': 'application/json' }
const post = <T,>(url: string, body: unknown) => apiJson<T>(url, { method: 'POST', headers: JSON_BODY, body: JSON.stringify(body) })

export const teamKeys = {
  me: ['team', 'me'] as const,
  keys: (project: string) => ['team', 'keys', project] as const,
  members: (organisation: string) => ['team', 'members', organisation] as const,
}

export function useMeQuery(enabled = true) {
  return useQuery({ queryKey: teamKeys.me, queryFn: () => apiJson<Me>('/api/auth/me'), enabled, retry: false })
}

export function useKeysQuery(project: string | null) {
  return useQuery({
    queryKey: teamKeys.keys(project ?? ''), enabled: Boolean(project), retry: false,
    queryFn: () => apiJson<{ keys: ProjectKey[] }>(`/api/projects/${project}/keys`),
  })
}

export function useMembersQuery(organisation: string | null) {
  return useQuery({
    queryKey: teamKeys.members(organisation ?? ''), enabled: Boolean(organisation), retry: false,
    queryFn: () => apiJson<{ members: Member[] }>(`/api/organisations/${organisation}/members`),
  })
}

/** A mutation that refreshes the listed query keys when it succeeds. */
function useTeamMutation<A, T>(run: (arg: A) => Promise<T>, refresh: readonly (readonly string[])[]) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: run,
    onSuccess: async () => { for (const key of refresh) await client.invalidateQueries({ queryKey: key }) },
  })
}

export const useCreateKey = (project: string) =>
  useTeamMutation((name: string) => post<NewKey>(`/api/projects/${project}/keys`, { name }), [teamKeys.keys(project)])
export const useRevokeKey = (project: string) =>
  useTeamMutation((id: string) => apiFetch(`/api/projects/${project}/keys/${id}`, { method: 'DELETE' }), [teamKeys.keys(project)])
export const useInvite = (organisation: string) =>
  useTeamMutation((body: { email: string; role: Role }) => post<Invitation>(`/api/organisations/${organisation}/invitations`, body), [])
export const useRemoveMember = (organisation: string) =>
  useTeamMutation((user: string) => apiFetch(`/api/organisations/${organisation}/members/${user}`, { method: 'DELETE' }),
    [teamKeys.members(organisation)])
export const useAcceptInvitation = () =>
  useTeamMutation((token: string) => post<{ organisation_id: string }>('/api/invitations/accept', { token }), [teamKeys.me])
export const useCreateProject = (organisation: string) =>
  useTeamMutation((name: string) => post<MeProject>(`/api/organisations/${organisation}/projects`, { name }), [teamKeys.me])

/** The organisation holding a project (or the first one with a project), from /api/auth/me. */
export function currentPlace(me: Me | undefined, project: string | null): { organisation: MeOrganisation | null; project: MeProject | null } {
  for (const organisation of me?.organisations ?? []) {
    const found = organisation.projects.find((p) => p.id === project)
    if (found) return { organisation, project: found }
  }
  const organisation = me?.organisations.find((o) => o.projects.length > 0) ?? me?.organisations[0] ?? null
  return { organisation, project: project ? null : organisation?.projects[0] ?? null }
}
