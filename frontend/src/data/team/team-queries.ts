// Teams (docs/api.md "Sign-in and teams"; hosted: Supabase): who I am, my organisations and
// projects, a project's keys, an organisation's members and invitations. The organisation or
// project is an argument of every fetcher and part of every query key; the database's row-level
// security decides. Which source serves them is the build's (team-source.ts).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type Me, type MeOrganisation, type MeProject, type Role, getTeamSource } from './team-source'

export type { Invitation, Me, MeOrganisation, MeProject, Member, NewKey, ProjectKey, Role } from './team-source'

export const teamKeys = {
  me: ['team', 'me'] as const,
  keys: (project: string) => ['team', 'keys', project] as const,
  members: (organisation: string) => ['team', 'members', organisation] as const,
}

export function useMeQuery(enabled = true) {
  return useQuery({ queryKey: teamKeys.me, queryFn: async () => (await getTeamSource()).me(), enabled, retry: false })
}

export function useKeysQuery(project: string | null) {
  return useQuery({
    queryKey: teamKeys.keys(project ?? ''), enabled: Boolean(project), retry: false,
    queryFn: async () => ({ keys: await (await getTeamSource()).keys(project ?? '') }),
  })
}

export function useMembersQuery(organisation: string | null) {
  return useQuery({
    queryKey: teamKeys.members(organisation ?? ''), enabled: Boolean(organisation), retry: false,
    queryFn: async () => ({ members: await (await getTeamSource()).members(organisation ?? '') }),
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
  useTeamMutation(async (name: string) => (await getTeamSource()).createKey(project, name), [teamKeys.keys(project)])
export const useRevokeKey = (project: string) =>
  useTeamMutation(async (id: string) => (await getTeamSource()).revokeKey(project, id), [teamKeys.keys(project)])
export const useInvite = (organisation: string) =>
  useTeamMutation(async (body: { email: string; role: Role }) => (await getTeamSource()).invite(organisation, body), [])
export const useRemoveMember = (organisation: string) =>
  useTeamMutation(async (user: string) => (await getTeamSource()).removeMember(organisation, user), [teamKeys.members(organisation)])
export const useAcceptInvitation = () =>
  useTeamMutation(async (token: string) => (await getTeamSource()).accept(token), [teamKeys.me])
export const useCreateProject = (organisation: string) =>
  useTeamMutation(async (name: string): Promise<MeProject> => (await getTeamSource()).createProject(organisation, name), [teamKeys.me])
/** A first organisation with its first project (hosted: a new account belongs to nothing yet). */
export const useCreateOrganisation = () =>
  useTeamMutation(async (name: string) => {
    const source = await getTeamSource()
    const { id } = await source.createOrganisation(name)
    return source.createProject(id, 'default')
  }, [teamKeys.me])

/** The organisation holding a project (or the first one with a project), from /api/auth/me. */
export function currentPlace(me: Me | undefined, project: string | null): { organisation: MeOrganisation | null; project: MeProject | null } {
  for (const organisation of me?.organisations ?? []) {
    const found = organisation.projects.find((p) => p.id === project)
    if (found) return { organisation, project: found }
  }
  const organisation = me?.organisations.find((o) => o.projects.length > 0) ?? me?.organisations[0] ?? null
  return { organisation, project: project ? null : organisation?.projects[0] ?? null }
}
