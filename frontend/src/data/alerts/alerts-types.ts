// The alert answers, as generated from the server's models (api/alerts.py).
import type { components } from '../api-types.gen'

type Schemas = components['schemas']

export type StoredAlert = Schemas['StoredAlert']
export type AlertsAnswer = Schemas['AlertsAnswer']
export type AlertRule = Schemas['RuleAnswer']
export type AlertKind = Schemas['KindAnswer']
export type RulesAnswer = Schemas['RulesAnswer']
export type TestSendAnswer = Schemas['TestSendAnswer']
export type BudgetAnswer = Schemas['BudgetAnswer']
export type Projection = Schemas['Projection']
export type AlertState = StoredAlert['state']

/** What the dashboard sends to create or replace a rule (secret left out keeps the stored one). */
export interface RuleInput {
  kind: AlertRule['kind']
  name?: string | null
  threshold?: string | null
  params?: Record<string, unknown>
  enabled?: boolean
  webhook_url?: string | null
  webhook_format?: 'slack' | 'generic'
  webhook_secret?: string | null
}
