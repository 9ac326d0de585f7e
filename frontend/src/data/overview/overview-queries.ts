import { useQuery } from '@tanstack/react-query'
import { type Filters, bucketFor, filtersKey, readParams, resolveWindow } from '../filters-data'
import { liveQueryOptions } from '../live'
import { getDataSource } from '../source'
import type { BreakdownBy } from '../types'

export const usageKeys = {
  all: ['usage'] as const,
  dashboard: (f: Filters) => [...usageKeys.all, 'dashboard', filtersKey(f)] as const,
  timeseries: (f: Filters) => [...usageKeys.all, 'timeseries', filtersKey(f)] as const,
  breakdown: (f: Filters, by: BreakdownBy) => [...usageKeys.all, 'breakdown', by, filtersKey(f)] as const,
}

export function useDashboardQuery(filters: Filters) {
  return useQuery({
    queryKey: usageKeys.dashboard(filters),
    queryFn: async () => (await getDataSource()).getDashboard(readParams(filters)),
    ...liveQueryOptions,
  })
}

export function useTimeseriesQuery(filters: Filters) {
  return useQuery({
    queryKey: usageKeys.timeseries(filters),
    queryFn: async () => {
      const params = readParams(filters)
      return (await getDataSource()).getTimeseries(params, bucketFor(resolveWindow(filters, new Date(params.to))))
    },
    ...liveQueryOptions,
  })
}

export function useBreakdownQuery(filters: Filters, by: BreakdownBy) {
  return useQuery({
    queryKey: usageKeys.breakdown(filters, by),
    queryFn: async () => (await getDataSource()).getBreakdown(readParams(filters), by),
    ...liveQueryOptions,
  })
}
