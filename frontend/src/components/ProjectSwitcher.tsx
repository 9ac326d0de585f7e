// Self-hosted: the organisations and projects the signed-in user belongs to; the choice goes into
// the URL (?project=), which every page's queries read, so a view is shared by its address.
import { currentPlace, useMeQuery } from '../data/team/team-queries'
import { useFilters } from '../data/use-filters'

export function ProjectSwitcher() {
  const me = useMeQuery()
  const [filters, update] = useFilters()
  const { project } = currentPlace(me.data, filters.project)
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
