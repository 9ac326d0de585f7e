// Teams through the API's /api/... routes (self-hosted; docs/api.md "Sign-in and teams").
import { apiFetch, apiJson } from '../../lib/api'
import type { Invitation, Me, MeProject, Member, NewKey, ProjectKey, TeamSource } from './team-source'

const post = <T,>(url: string, body: unknown) =>
  apiJson<T>(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })

export const apiTeam: TeamSource = {
  me: () => apiJson<Me>('/api/auth/me'),
  keys: async (project) => (await apiJson<{ keys: ProjectKey[] }>(`/api/projects/${project}/keys`)).keys,
  members: async (organisation) => (await apiJson<{ members: Member[] }>(`/api/organisations/${organisation}/members`)).members,
  createKey: (project, name) => post<NewKey>(`/api/projects/${project}/keys`, { name }),
  revokeKey: async (project, id) => { await apiFetch(`/api/projects/${project}/keys/${id}`, { method: 'DELETE' }) },
  invite: (organisation, body) => post<Invitation>(`/api/organisations/${organisation}/invitations`, body),
  removeMember: async (organisation, user) => {
    await apiFetch(`/api/organisations/${organisation}/members/${user}`, { method: 'DELETE' })
  },
  accept: (token) => post<{ organisation_id: string }>('/api/invitations/accept', { token }),
  createProject: (organisation, name) => post<MeProject>(`/api/organisations/${organisation}/projects`, { name }),
  createOrganisation: (name) => post<{ id: string }>('/api/organisations', { name }),
}
