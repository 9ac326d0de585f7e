import { useQuery } from '@tanstack/react-query'
import { type Filters, filtersKey, readParams } from '../filters-data'
import { liveQueryOptions } from '../live'
import { getDataSource } from '../source'
import { savingsKeys } from './savings-queries'

/** Prompt-caching advice for the filters' range (API only: priced by the ingest resolver in Python). */
export function useCachingQuery(filters: Filters) {
  return useQuery({
    queryKey: [...savingsKeys.all, 'caching', filtersKey(filters)] as const,
    queryFn: async () => {
      const source = await getDataSource()
      if (!source.getCaching) throw new Error('Caching advice needs the TokenOptimizer API (self-hosted or local).')
      return source.getCaching(readParams(filters))
    },
    ...liveQueryOptions,
  })
}
