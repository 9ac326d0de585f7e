import { useQuery } from '@tanstack/react-query'
import { type Filters, filtersKey, readParams } from '../filters-data'
import { liveQueryOptions } from '../live'
import { getDataSource } from '../source'
import type { SimulationTarget } from './simulate-data'

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

/** What-if for one endpoint (null target: nothing asked yet). */
export function useSimulationQuery(filters: Filters, target: SimulationTarget | null) {
  return useQuery({
    queryKey: [...savingsKeys.all, 'simulate', filtersKey(filters), target] as const,
    queryFn: async () => {
      const source = await getDataSource()
      if (!source.simulate) throw new Error('The simulator needs the TokenOptimizer API (self-hosted or local).')
      return source.simulate(readParams(filters), target as SimulationTarget)
    },
    enabled: target !== null && Boolean(filters.endpoint_name),
    retry: false,
  })
}
