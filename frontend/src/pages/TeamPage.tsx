// Team (self-hosted and hosted, through the build's team source): the organisation's projects (a new one opens at once), the current project's API keys (created here, shown once with the SDK
// snippet; listed by prefix; revoked) and its organisation's members (roles, invitations with
// their accept link, removal). What a role may not do, the server refuses (row-level security).
import { type FormEvent, useState } from 'react'
import { Layout } from '../components/Layout'
import { LoadingPanel, errorText, queryState } from '../components/LoadingPanel'
import { firstEventSnippet } from '../components/FirstEventSnippet'
import {
  type Invitation, type MeOrganisation, type NewKey, type Role, currentPlace, useCreateKey, useCreateProject, useInvite, useKeysQuery,
  useMeQuery, useMembersQuery, useRemoveMember, useRevokeKey,
} from '../data/team/team-queries'
import { useFilters } from '../data/use-filters'

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—')

function KeysPanel({ project, canManage }: { project: string; canManage: boolean }) {
  const keys = useKeysQuery(canManage ? project : null)
  const create = useCreateKey(project)
  const revoke = useRevokeKey(project)
  const [name, setName] = useState('')
  const [created, setCreated] = useState<NewKey | null>(null)
  async function submit(event: FormEvent) {
    event.preventDefault()
    setCreated(await create.mutateAsync(name || 'default'))
    setName('')
  }
  if (!canManage) {
    return <section className="card" data-testid="keys-panel"><h2>API keys</h2><p className="muted" data-testid="keys-not-allowed">Only admins and owners manage this project's keys.</p></section>
  }
  return (
    <section className="card" aria-label="API keys" data-testid="keys-panel">
      <header className="panel-head table-head"><h2>API keys</h2></header>
      <form className="inline-form" onSubmit={(e) => void submit(e)}>
        <input placeholder="Key name (e.g. production)" value={name} onChange={(e) => setName(e.target.value)} data-testid="key-name" />
        <button type="submit" className="button button-small" disabled={create.isPending} data-testid="key-create">Create key</button>
      </form>
      {create.error && <p className="form-error" role="alert">{errorText(create.error)}</p>}
      {created && (
        <div className="first-event" data-testid="key-created">
          <p><strong>Copy this key now: it is not shown again.</strong></p>
          <pre data-testid="key-raw">{created.key}</pre>
          <pre>{firstEventSnippet(created.key, window.location.origin)}</pre>
        </div>
      )}
      <LoadingPanel {...queryState(keys)} isEmpty={keys.data?.keys.length === 0} empty="No keys yet.">
        <table className="table">
          <thead><tr><th>Name</th><th>Prefix</th><th>Created</th><th>Last used</th><th>Dropped events</th><th /></tr></thead>
          <tbody>
            {keys.data?.keys.map((k) => (
              <tr key={k.id} data-testid={`key-row-${k.name}`}>
                <td>{k.name}</td><td><code>{k.display_prefix}…</code></td><td>{when(k.created_at)}</td>
                <td>{when(k.last_used_at)}</td><td>{k.dropped_events}</td>
                <td>{k.revoked_at ? <span className="pill pill-muted">revoked</span> : (
                  <button type="button" className="button button-small button-secondary" data-testid={`key-revoke-${k.name}`}
                    onClick={() => revoke.mutate(k.id)}>Revoke</button>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </LoadingPanel>
    </section>
  )
}

function ProjectsPanel({ organisation, current }: { organisation: MeOrganisation; current: string | null }) {
  const [, update] = useFilters()
  const create = useCreateProject(organisation.id)
  const [name, setName] = useState('')
  async function submit(event: FormEvent) {
    event.preventDefault()
    const project = await create.mutateAsync(name)
    setName('')
    update({ project: project.id })  // open the new project: its keys are made right here
  }
  return (
    <section className="card" aria-label="Projects" data-testid="projects-panel">
      <header className="panel-head table-head"><h2>Projects of {organisation.name}</h2></header>
      {organisation.role !== 'viewer' && (
        <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <input required placeholder="Project name (e.g. staging)" value={name} onChange={(e) => setName(e.target.value)} data-testid="project-name" />
          <button type="submit" className="button button-small" disabled={create.isPending} data-testid="project-create">New project</button>
        </form>
      )}
      {create.error && <p className="form-error" role="alert">{errorText(create.error)}</p>}
      <ul className="plain-list">
        {organisation.projects.map((p) => (
          <li key={p.id} data-testid={`project-row-${p.name}`}>
            {p.id === current ? <strong>{p.name} (open)</strong>
              : <button type="button" className="link-button" onClick={() => update({ project: p.id })}>{p.name}</button>}
          </li>
        ))}
      </ul>
    </section>
  )
}

function MembersPanel({ organisation }: { organisation: MeOrganisation }) {
  const members = useMembersQuery(organisation.id)
  const invite = useInvite(organisation.id)
  const remove = useRemoveMember(organisation.id)
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<Role>('viewer')
  const [sent, setSent] = useState<Invitation | null>(null)
  const canManage = organisation.role !== 'viewer'
  async function submit(event: FormEvent) {
    event.preventDefault()
    setSent(await invite.mutateAsync({ email, role }))
    setEmail('')
  }
  return (
    <section className="card" aria-label="Members" data-testid="members-panel">
      <header className="panel-head table-head"><h2>Members of {organisation.name}</h2></header>
      {canManage && (
        <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <input type="email" required placeholder="teammate@example.com" value={email} onChange={(e) => setEmail(e.target.value)} data-testid="invite-email" />
          <select value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="invite-role">
            <option value="viewer">viewer</option><option value="admin">admin</option>
            {organisation.role === 'owner' && <option value="owner">owner</option>}
          </select>
          <button type="submit" className="button button-small" disabled={invite.isPending} data-testid="invite-send">Invite</button>
        </form>
      )}
      {invite.error && <p className="form-error" role="alert">{errorText(invite.error)}</p>}
      {sent?.emailed && <p data-testid="invite-emailed">Invitation emailed to {sent.email}.</p>}
      {sent && !sent.emailed && sent.email_note && <p className="muted" data-testid="invite-note">Not emailed: {sent.email_note}.</p>}
      {sent && <p data-testid="invite-link">{sent.emailed ? 'The same link, should the mail not arrive' : 'Send this link'} (valid 7 days): <code>{sent.link}</code></p>}
      <LoadingPanel {...queryState(members)}>
        <table className="table">
          <thead><tr><th>Email</th><th>Role</th><th>Since</th><th /></tr></thead>
          <tbody>
            {members.data?.members.map((m) => (
              <tr key={m.user_id} data-testid={`member-row-${m.email}`}>
                <td>{m.email}</td><td>{m.role}</td><td>{when(m.created_at)}</td>
                <td>{canManage && (
                  <button type="button" className="button button-small button-secondary" data-testid={`member-remove-${m.email}`}
                    onClick={() => remove.mutate(m.user_id)}>Remove</button>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </LoadingPanel>
      {remove.error && <p className="form-error" role="alert">{errorText(remove.error)}</p>}
    </section>
  )
}

export function TeamPage() {
  const [filters] = useFilters()
  const me = useMeQuery()
  const { organisation, project } = currentPlace(me.data, filters.project)
  return (
    <Layout title="Team">
      <LoadingPanel {...queryState(me)} isEmpty={!organisation} empty="You belong to no organisation yet.">
        {organisation && project && <KeysPanel key={project.id} project={project.id} canManage={organisation.role !== 'viewer'} />}
        {organisation && <ProjectsPanel organisation={organisation} current={project?.id ?? null} />}
        {organisation && <MembersPanel organisation={organisation} />}
      </LoadingPanel>
    </Layout>
  )
}
