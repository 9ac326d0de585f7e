import { useQuery } from '@tanstack/react-query'
import { type Filters, filtersKey, readParams } from '../filters-data'
import { LIVE_INTERVAL_MS, liveQueryOptions } from '../live'
import { type LogsParams, getDataSource } from '../source'

export const LOGS_PAGE_SIZE = 50

export const logsKeys = {
  all: ['logs'] as const,
  page: (f: Filters, cursor: string | null) =>
    [...logsKeys.all, filtersKey(f), f.status, cursor] as const,
}

export function logsParams(filters: Filters, cursor: string | null = null): LogsParams {
  return { ...readParams(filters), status: filters.status, cursor, limit: LOGS_PAGE_SIZE }
}

/** One page of logs; only the first page polls, so paging back through history stays still. */
export function useLogsQuery(filters: Filters, cursor: string | null) {
  return useQuery({
    queryKey: logsKeys.page(filters, cursor),
    queryFn: async () => (await getDataSource()).getLogs(logsParams(filters, cursor)),
    ...liveQueryOptions,
    refetchInterval: cursor === null ? LIVE_INTERVAL_MS : false,
  })
}
