// Teams behind one interface with two implementations, as the dashboard's reads are (source.ts):
// the API's /api/... routes (self-hosted) or Supabase (hosted: selects and rpc under row-level
// security, and our API with the user's token where a secret is needed). The organisation or
// project is an argument of every call.
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
export interface Invitation {
  id: string; email: string; role: Role; expires_at: string; token: string
  /** The accept page with the token; `emailed` when Supabase Auth mailed it (hosted). */
  link: string; emailed: boolean; email_note: string | null
}

export interface TeamSource {
  me(): Promise<Me>
  keys(project: string): Promise<ProjectKey[]>
  members(organisation: string): Promise<Member[]>
  createKey(project: string, name: string): Promise<NewKey>
  revokeKey(project: string, id: string): Promise<void>
  invite(organisation: string, body: { email: string; role: Role }): Promise<Invitation>
  removeMember(organisation: string, user: string): Promise<void>
  accept(token: string): Promise<{ organisation_id: string }>
  createProject(organisation: string, name: string): Promise<MeProject>
  createOrganisation(name: string): Promise<{ id: string }>
}

let teamPromise: Promise<TeamSource> | null = null

/** The build's team source, loaded once (the api build never bundles supabase-js). */
export function getTeamSource(): Promise<TeamSource> {
  if (!teamPromise) {
    teamPromise = import.meta.env.VITE_SUPABASE_URL
      ? import('./team-supabase').then((m) => m.supabaseTeam)
      : import('./team-api').then((m) => m.apiTeam)
  }
  return teamPromise
}
