import { useQuery } from '@tanstack/react-query'
import { type Filters, filtersKey, readParams } from '../filters-data'
import { liveQueryOptions } from '../live'
import { getDataSource } from '../source'

export const savingsKeys = {
  all: ['savings'] as const,
  optimization: (f: Filters) => [...savingsKeys.all, 'optimization', filtersKey(f)] as const,
  alerts: (f: Filters) => [...savingsKeys.all, 'alerts', filtersKey(f)] as const,
}

export function useOptimizationQuery(filters: Filters) {
  return useQuery({
    queryKey: savingsKeys.optimization(filters),
    queryFn: async () => (await getDataSource()).getOptimization(readParams(filters)),
    ...liveQueryOptions,
  })
}

export function useAlertsQuery(filters: Filters) {
  return useQuery({
    queryKey: savingsKeys.alerts(filters),
    // The firing stored alerts (the Alerts page has rules and history).
    queryFn: async () => (await getDataSource()).getAlerts(filters.project, 'firing'),
    ...liveQueryOptions,
  })
}
