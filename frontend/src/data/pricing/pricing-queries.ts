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
