// Model / endpoint / provider (and status on Logs) filters, written to the URL. Options come
// from the breakdowns of the current range, ignoring the filter being chosen.
import { useMemo } from 'react'
import type { Filters } from '../data/filters-data'
import { useBreakdownQuery } from '../data/overview/overview-queries'
import { useFilters } from '../data/use-filters'
import type { BreakdownBy } from '../data/types'

const LABELS: Record<BreakdownBy, string> = { model: 'Model', endpoint_name: 'Endpoint', provider: 'Provider' }

function FilterSelect({ by, filters, onChange }: { by: BreakdownBy; filters: Filters; onChange: (value: string | null) => void }) {
  const unfiltered = useMemo(() => ({ ...filters, [by]: null }), [filters, by])
  const { data } = useBreakdownQuery(unfiltered, by)
  const current = filters[by]
  const options = useMemo(() => {
    const keys = (data?.groups ?? []).map((g) => g.key).sort()
    return current && !keys.includes(current) ? [current, ...keys] : keys
  }, [data, current])
  return (
    <label className="filter">
      <span>{LABELS[by]}</span>
      <select value={current ?? ''} onChange={(e) => onChange(e.target.value || null)} data-testid={`filter-${by}`}>
        <option value="">All</option>
        {options.map((key) => (
          <option key={key} value={key}>{key}</option>
        ))}
      </select>
    </label>
  )
}

export function FilterBar({ withStatus = false }: { withStatus?: boolean }) {
  const [filters, setFilters] = useFilters()
  const active = filters.model || filters.endpoint_name || filters.provider || (withStatus && filters.status)
  return (
    <div className="filter-bar" aria-label="Filters">
      {(['model', 'endpoint_name', 'provider'] as const).map((by) => (
        <FilterSelect key={by} by={by} filters={filters} onChange={(value) => setFilters({ [by]: value })} />
      ))}
      {withStatus && (
        <label className="filter">
          <span>Status</span>
          <select
            value={filters.status ?? ''}
            onChange={(e) => setFilters({ status: (e.target.value || null) as Filters['status'] })}
            data-testid="filter-status"
          >
            <option value="">All</option>
            <option value="ok">ok</option>
            <option value="error">error</option>
          </select>
        </label>
      )}
      {active && (
        <button
          type="button"
          className="button button-link"
          onClick={() => setFilters({ model: null, endpoint_name: null, provider: null, status: null })}
          data-testid="filter-clear"
        >
          Clear filters
        </button>
      )}
    </div>
  )
}
