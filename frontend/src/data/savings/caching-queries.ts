import { useQuery } from '@tanstack/react-query'
import { type Filters, filtersKey, readParams } from '../filters-data'
import { liveQueryOptions } from '../live'
import { getDataSource } from '../source'
import { savingsKeys } from './savings-queries'

/** Prompt-caching advice for the filters' range; null where the data source has none (it is priced by
 * the ingest resolver in Python, so only the TokenOptimizer API answers it). */
export function useCachingQuery(filters: Filters) {
  return useQuery({
    queryKey: [...savingsKeys.all, 'caching', filtersKey(filters)] as const,
    queryFn: async () => {
      const source = await getDataSource()
      return source.getCaching ? source.getCaching(readParams(filters)) : null
    },
    ...liveQueryOptions,
  })
}
