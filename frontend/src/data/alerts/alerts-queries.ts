import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { liveQueryOptions } from '../live'
import { getDataSource } from '../source'
import type { AlertState, RuleInput } from './alerts-types'

export const alertsKeys = {
  all: ['alerts'] as const,
  list: (project: string | null, state: AlertState | null) => [...alertsKeys.all, 'list', project, state] as const,
  rules: (project: string | null) => [...alertsKeys.all, 'rules', project] as const,
  budget: (project: string | null) => [...alertsKeys.all, 'budget', project] as const,
}

export function useAlertsListQuery(project: string | null, state: AlertState | null) {
  return useQuery({
    queryKey: alertsKeys.list(project, state),
    queryFn: async () => (await getDataSource()).getAlerts(project, state),
    ...liveQueryOptions,
  })
}

export function useAlertRulesQuery(project: string | null) {
  return useQuery({
    queryKey: alertsKeys.rules(project),
    queryFn: async () => (await getDataSource()).getAlertRules(project),
  })
}

export function useBudgetQuery(project: string | null) {
  return useQuery({
    queryKey: alertsKeys.budget(project),
    queryFn: async () => (await getDataSource()).getBudget(project),
    ...liveQueryOptions,
  })
}

/** Create (no id) or replace a rule; the rules list reloads. */
export function useSaveRuleMutation(project: string | null) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: async ({ rule, id }: { rule: RuleInput; id?: string }) =>
      (await getDataSource()).saveAlertRule(project, rule, id),
    onSuccess: () => client.invalidateQueries({ queryKey: alertsKeys.all }),
  })
}

export function useDeleteRuleMutation(project: string | null) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: async (id: string) => (await getDataSource()).deleteAlertRule(project, id),
    onSuccess: () => client.invalidateQueries({ queryKey: alertsKeys.all }),
  })
}

export function useTestRuleMutation(project: string | null) {
  return useMutation({ mutationFn: async (id: string) => (await getDataSource()).testAlertRule(project, id) })
}
