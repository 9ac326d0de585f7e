import { useQuery } from '@tanstack/react-query'
import { getDataSource } from '../source'

export const configKeys = {
  all: ['config'] as const,
}

/** What the dashboard needs to start (mode, auth, project, snippet values). */
export function useConfigQuery() {
  return useQuery({
    queryKey: configKeys.all,
    queryFn: async () => (await getDataSource()).getConfig(),
    staleTime: 60_000,
    retry: false,
  })
}
