// Hosted mode, signed in: the pages read the project named in the URL (?project=), so before they
// render, a project of this person's is put there (their first, unless the URL names one of theirs). Someone who belongs to no
// organisation yet (a new account) creates one here, or opens an invitation's link (/accept).
import { type FormEvent, type ReactNode, useState } from 'react'
import { Navigate, useLocation } from 'react-router'
import { currentPlace, useCreateOrganisation, useMeQuery } from '../data/team/team-queries'
import { useFilters } from '../data/use-filters'
import { LoadingPanel, errorText, queryState } from './LoadingPanel'

export function HostedWorkspace({ children }: { children: ReactNode }) {
  const me = useMeQuery()
  const [filters] = useFilters()
  const location = useLocation()
  const named = currentPlace(me.data, filters.project).project  // the URL's project, if it is theirs
  // The build may name the project to open first (VITE_TOKENOPTIMIZER_PROJECT_ID), if it is theirs.
  const first = currentPlace(me.data, import.meta.env.VITE_TOKENOPTIMIZER_PROJECT_ID ?? null).project ?? currentPlace(me.data, null).project
  if (location.pathname === '/accept' || (filters.project && named)) return <>{children}</>
  if (me.data && first) {
    // No project in the URL, or one they no longer belong to: open their first.
    const search = new URLSearchParams(location.search)
    search.set('project', first.id)
    return <Navigate to={{ pathname: location.pathname, search: search.toString() }} replace />
  }
  return (
    <div className="boot">
      <LoadingPanel {...queryState(me)} minHeight={240} testId="workspace">
        {me.data && <FirstOrganisation />}
      </LoadingPanel>
    </div>
  )
}

function FirstOrganisation() {
  const create = useCreateOrganisation()
  const [name, setName] = useState('')
  async function submit(event: FormEvent) {
    event.preventDefault()
    await create.mutateAsync(name).catch(() => undefined)
  }
  return (
    <form className="card token-card" onSubmit={(e) => void submit(e)} data-testid="first-organisation">
      <h1>Name your organisation</h1>
      <p className="muted">You belong to no organisation yet. Create one (you will own it, with a first project),
        or open the link of an invitation you received.</p>
      {create.error && <p className="form-error" role="alert">{errorText(create.error)}</p>}
      <label className="field">
        <span>Organisation</span>
        <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="Acme" data-testid="organisation-name" />
      </label>
      <button type="submit" className="button" disabled={create.isPending} data-testid="organisation-create">Create organisation</button>
    </form>
  )
}
