// Live updates by polling: every read refetches on this interval (new events show within
// 5 s), and keeps showing the previous data while a refetch or a filter change is in flight.
import { keepPreviousData } from '@tanstack/react-query'

export const LIVE_INTERVAL_MS = 3000

export const liveQueryOptions = {
  refetchInterval: LIVE_INTERVAL_MS,
  refetchIntervalInBackground: false,
  placeholderData: keepPreviousData,
} as const
