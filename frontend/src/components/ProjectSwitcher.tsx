// Self-hosted: the organisations and projects the signed-in user belongs to; the choice goes into
// the URL (?project=), which every page's queries read, so a view is shared by its address.
import { useEffect } from 'react'
import { useSearchParams } from 'react-router'
import { currentPlace, useMeQuery } from '../data/team/team-queries'
import { useFilters } from '../data/use-filters'

export function ProjectSwitcher() {
  const me = useMeQuery()
  const [filters, update] = useFilters()
  const { project } = currentPlace(me.data, filters.project)
  const [, setParams] = useSearchParams()
  useEffect(() => {
    // No project in the URL yet: name the current one there (replacing, so Back still leaves).
    if (!filters.project && project) {
      setParams((current) => { const next = new URLSearchParams(current); next.set('project', project.id); return next }, { replace: true })
    }
  }, [filters.project, project, setParams])
  if (!me.data) return null
  return (
    <select className="switcher" aria-label="Project" value={project?.id ?? filters.project ?? ''} data-testid="project-switcher"
      onChange={(e) => update({ project: e.target.value })}>
      {me.data.organisations.map((o) => (
        <optgroup key={o.id} label={`${o.name} (${o.role})`}>
          {o.projects.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </optgroup>
      ))}
    </select>
  )
}
