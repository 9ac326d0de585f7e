import { useQuery } from '@tanstack/react-query'
import { type Filters, filtersKey, readParams } from '../filters-data'
import { liveQueryOptions } from '../live'
import { getDataSource } from '../source'
import type { StoredAlert } from '../alerts/alerts-types'
import type { Alert } from '../types'

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

function savingsAlert(alert: StoredAlert): Alert {
  return alert.kind === 'unpriced_model'
    ? { type: 'unpriced_model', severity: 'warning', model: alert.subject, requests: Number(alert.value ?? 0), message: alert.message }
    : ({ type: alert.rule_name, severity: 'warning', message: alert.message } as unknown as Alert)
}

export function useAlertsQuery(filters: Filters) {
  return useQuery({
    queryKey: savingsKeys.alerts(filters),
    // The firing stored alerts (the Alerts page has rules and history), in the shape this page lists.
    queryFn: async () => {
      const answer = await (await getDataSource()).getAlerts(filters.project, 'firing')
      return { alerts: answer.alerts.map(savingsAlert) }
    },
    ...liveQueryOptions,
  })
}
