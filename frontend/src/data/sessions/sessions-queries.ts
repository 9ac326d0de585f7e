import { useQuery } from '@tanstack/react-query'
import { type Filters, filtersKey, readParams } from '../filters-data'
import { liveQueryOptions } from '../live'
import { getDataSource } from '../source'
import type { SessionsPageParams } from './sessions-types'

/** Conversations per page of the list. */
export const SESSIONS_LIMIT = 25

export const sessionsKeys = {
  all: ['sessions'] as const,
  list: (f: Filters, page: SessionsPageParams) => [...sessionsKeys.all, 'list', filtersKey(f), page] as const,
  metrics: (f: Filters) => [...sessionsKeys.all, 'metrics', filtersKey(f)] as const,
  detail: (project: string | null, sessionId: string) => [...sessionsKeys.all, 'detail', project, sessionId] as const,
}

export function useSessionsQuery(filters: Filters, page: SessionsPageParams) {
  return useQuery({
    queryKey: sessionsKeys.list(filters, page),
    queryFn: async () => (await getDataSource()).getSessions(readParams(filters), page),
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
