import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type Filters, filtersKey, readParams } from '../filters-data'
import { liveQueryOptions } from '../live'
import { getDataSource } from '../source'
import { usageKeys } from '../overview/overview-queries'
import { savingsKeys } from '../savings/savings-queries'
import { sessionsKeys } from '../sessions/sessions-queries'
import type { PriceUpdate } from '../types'

export const pricingKeys = {
  all: ['pricing'] as const,
  list: () => [...pricingKeys.all, 'list'] as const,
  unpriced: (f: Filters) => [...pricingKeys.all, 'unpriced', filtersKey(f)] as const,
  reasons: (f: Filters) => [...pricingKeys.all, 'reasons', filtersKey(f)] as const,
  retirements: (f: Filters) => [...pricingKeys.all, 'retirements', filtersKey(f)] as const,
  history: (model: string) => [...pricingKeys.all, 'history', model] as const,
}

export function usePricingQuery() {
  return useQuery({
    queryKey: pricingKeys.list(),
    queryFn: async () => (await getDataSource()).getPricing(),
    staleTime: 30_000,
  })
}

export function useUnpricedQuery(filters: Filters) {
  return useQuery({
    queryKey: pricingKeys.unpriced(filters),
    queryFn: async () => (await getDataSource()).getUnpriced(readParams(filters)),
    ...liveQueryOptions,
  })
}

/** Unpriced requests of the range grouped by why they have no cost. */
export function useUnpricedReasonsQuery(filters: Filters) {
  return useQuery({
    queryKey: pricingKeys.reasons(filters),
    queryFn: async () => (await getDataSource()).getUnpricedReasons(readParams(filters)),
    ...liveQueryOptions,
  })
}

/** Models in traffic retiring within 60 days; disabled where the source cannot price the successor. */
export function useRetirementsQuery(filters: Filters, enabled: boolean) {
  return useQuery({
    queryKey: pricingKeys.retirements(filters),
    queryFn: async () => {
      const source = await getDataSource()
      return source.getRetirements ? source.getRetirements(readParams(filters)) : { notice_days: 60, models: [] }
    },
    enabled,
    staleTime: 60_000,
  })
}

/** One model's price timeline (null model: nothing to load). */
export function usePriceHistoryQuery(model: string | null) {
  return useQuery({
    queryKey: pricingKeys.history(model ?? ''),
    queryFn: async () => {
      const source = await getDataSource()
      return source.getPriceHistory ? source.getPriceHistory(model as string) : { model: model as string, unit: '', history: [] }
    },
    enabled: model !== null,
  })
}

/** Saves a price; the list, the unpriced models, usage, sessions and savings (costs of new events) refresh. */
export function usePutPriceMutation() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: async ({ model, update }: { model: string; update: PriceUpdate }) =>
      (await getDataSource()).putPrice(model, update),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: pricingKeys.all })
      void client.invalidateQueries({ queryKey: usageKeys.all })
      void client.invalidateQueries({ queryKey: sessionsKeys.all })
      void client.invalidateQueries({ queryKey: savingsKeys.all })
    },
  })
}
