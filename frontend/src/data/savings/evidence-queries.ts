import { useQuery } from '@tanstack/react-query'
import { type Filters, filtersKey, readParams } from '../filters-data'
import { liveQueryOptions } from '../live'
import { getDataSource } from '../source'
import { savingsKeys } from './savings-queries'

/** Shadow comparison evidence in the filters' range (every endpoint: the plan and the simulator pick theirs). */
export function useEvidenceQuery(filters: Filters) {
  const all = { ...filters, endpoint_name: null, model: null, provider: null }
  return useQuery({
    queryKey: [...savingsKeys.all, 'evidence', filtersKey(all)] as const,
    queryFn: async () => (await getDataSource()).getEvidence(readParams(all)),
    ...liveQueryOptions,
  })
}
