// JSON shapes of docs/api.md, shared by both data sources. They are the server's own answer models
// (backend/tokenoptimizer_server/api/answers.py), generated into api-types.gen.ts from
// /api/openapi.json: a change on one side that the other does not follow fails `npm run build`.
import type { components } from './api-types.gen'

type Schemas = components['schemas']

export type Money = string | null

/** The server's answer; the hosted build (supabase-source) adds its own mode and has no base URL. */
export type AppConfig = Omit<Schemas['ConfigAnswer'], 'mode' | 'base_url'> & {
  mode: Schemas['ConfigAnswer']['mode'] | 'hosted'
  base_url: string | null
}

export type Totals = Schemas['Totals']
export type DashboardResponse = Schemas['DashboardAnswer']
export type TimeseriesResponse = Schemas['TimeseriesAnswer']
export type Bucket = TimeseriesResponse['bucket']
export type TimeseriesPoint = Schemas['TimeseriesPoint']
export type BreakdownResponse = Schemas['BreakdownAnswer']
export type BreakdownBy = BreakdownResponse['by']
export type BreakdownGroup = Schemas['BreakdownGroup']
export type LogRow = Schemas['LogRow']
export type LogStatus = LogRow['status']
export type LogsPage = Schemas['LogsPage']
export type PricingRow = Schemas['PricingRow']
export type PricingResponse = Schemas['PricingAnswer']
/** PUT /api/pricing/<model> answers the row with its unit. */
export type PriceAnswer = Schemas['PriceAnswer']
export type UnpricedModel = Schemas['UnpricedModel']
export type UnpricedResponse = Schemas['UnpricedAnswer']
/** The editable part of a price row; prices per 1K tokens as decimal strings. */
export type PriceUpdate = Schemas['PriceUpdate']

export type OptimizationResponse = Schemas['OptimizationPlanAnswer']
export type EndpointPlanAnswer = Schemas['EndpointPlan']
export type PlanOptionAnswer = Schemas['PlanOption']

// Not in /api/openapi.json yet: the routes of api/sessions.py and /api/alerts do not declare their
// answer models, so these are still typed by hand (tests/backend/test_openapi_contract.py names them).
/** One conversation (events sharing a `session_id`) summed over its turns in the range. */
export interface SessionSummary {
  session_id: string
  requests: number
  errors: number
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  cost: Money
  unpriced_requests: number
  first_seen: string
  last_seen: string
  models: string[]
}

export interface SessionsResponse {
  sessions: SessionSummary[]
}

export interface SessionTotals {
  requests: number
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  cost: Money
  unpriced_requests: number
  first_seen: string | null
  last_seen: string | null
}

/** A conversation read whole: its turns oldest first (at most 1,000). */
export interface SessionDetail {
  session_id: string
  totals: SessionTotals
  turns: LogRow[]
  truncated: boolean
}

export interface TokenMetrics {
  requests: number
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  cached_tokens: number
  avg_prompt_tokens: number | null
  avg_completion_tokens: number | null
  completion_to_prompt_ratio: number | null
  cached_prompt_share: number | null
  cost_per_request: Money
  recent_sessions: {
    sessions: number
    avg_turns: number | null
    avg_total_tokens: number | null
    avg_prompt_tokens_per_turn: number | null
  }
}
