// The URL is the source of truth for filters: reading them, and changing some while keeping
// the rest (and the page's path), so any view can be shared by its address.
import { useCallback, useMemo } from 'react'
import { useSearchParams } from 'react-router'
import { type Filters, filtersToSearch, parseFilters } from './filters-data'

export function useFilters(): [Filters, (patch: Partial<Filters>) => void] {
  const [params, setParams] = useSearchParams()
  const filters = useMemo(() => parseFilters(params), [params])
  const update = useCallback(
    (patch: Partial<Filters>) => {
      setParams((current) => filtersToSearch({ ...parseFilters(current), ...patch }), { replace: false })
    },
    [setParams],
  )
  return [filters, update]
}
