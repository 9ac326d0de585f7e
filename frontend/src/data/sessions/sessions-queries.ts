import { useQuery } from '@tanstack/react-query'
import { type Filters, filtersKey, readParams } from '../filters-data'
import { liveQueryOptions } from '../live'
import { getDataSource } from '../source'

/** How many of the most recently active conversations the list shows. */
export const SESSIONS_LIMIT = 50

export const sessionsKeys = {
  all: ['sessions'] as const,
  list: (f: Filters) => [...sessionsKeys.all, 'list', filtersKey(f)] as const,
  metrics: (f: Filters) => [...sessionsKeys.all, 'metrics', filtersKey(f)] as const,
  detail: (project: string | null, sessionId: string) => [...sessionsKeys.all, 'detail', project, sessionId] as const,
}

export function useSessionsQuery(filters: Filters) {
  return useQuery({
    queryKey: sessionsKeys.list(filters),
    queryFn: async () => (await getDataSource()).getSessions(readParams(filters), SESSIONS_LIMIT),
    ...liveQueryOptions,
  })
}

export function useTokenMetricsQuery(filters: Filters) {
  return useQuery({
    queryKey: sessionsKeys.metrics(filters),
    queryFn: async () => (await getDataSource()).getTokenMetrics(readParams(filters)),
    ...liveQueryOptions,
  })
}

/** One conversation, read whole; polls so a conversation in progress grows on screen. */
export function useSessionQuery(project: string | null, sessionId: string | null) {
  return useQuery({
    queryKey: sessionsKeys.detail(project, sessionId ?? ''),
    queryFn: async () => (await getDataSource()).getSession(sessionId ?? '', project),
    enabled: sessionId !== null,
    ...liveQueryOptions,
    // Another conversation's turns must not stand in for this one's while it loads.
    placeholderData: undefined,
  })
}
