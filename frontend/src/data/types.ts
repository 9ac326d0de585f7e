// JSON shapes of docs/api.md, shared by both data sources. Money is a decimal string or null.

export type Money = string | null

export interface AppConfig {
  mode: 'local' | 'self-hosted' | 'hosted' | string
  auth_required: boolean
  is_admin: boolean
  project: { id: string; name: string } | null
  base_url: string | null
  api_key: string | null
}

export interface Totals {
  requests: number
  errors: number
  error_rate: number | null
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  cached_tokens: number
  cost: Money
  unpriced_requests: number
  avg_latency_ms: number | null
  p95_latency_ms: number | null
}

export interface DashboardResponse {
  from: string
  to: string
  totals: Totals
  previous: Totals | null
  change: Partial<Record<keyof Totals, number | null>> | null
}

export type Bucket = 'hour' | 'day'

export interface TimeseriesPoint {
  t: string
  requests: number
  errors: number
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  cost: Money
  unpriced_requests: number
}

export interface TimeseriesResponse {
  bucket: Bucket
  points: TimeseriesPoint[]
}

export type BreakdownBy = 'model' | 'endpoint_name' | 'provider'

export interface BreakdownGroup {
  key: string
  requests: number
  errors: number
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  cost: Money
  unpriced_requests: number
  share: number | null
  avg_latency_ms: number | null
  p50_latency_ms: number | null
  p95_latency_ms: number | null
}

export interface BreakdownResponse {
  by: BreakdownBy
  groups: BreakdownGroup[]
}

export type LogStatus = 'ok' | 'error'

export interface LogRow {
  id: string
  timestamp: string
  model: string
  provider: string | null
  endpoint_name: string
  latency_ms: number | null
  status: LogStatus
  error_type: string | null
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  cached_tokens: number
  cache_write_tokens: number
  reasoning_tokens: number
  input_cost: Money
  output_cost: Money
  total_cost: Money
  priced: boolean
  session_id: string | null
}

export interface LogsPage {
  rows: LogRow[]
  next: string | null
}

export interface PricingRow {
  model: string
  provider: string | null
  input_price: Money
  output_price: Money
  cached_input_price: Money
  cache_write_price: Money
  cache_write_1h_price?: Money
  long_context_threshold?: number | null
  long_context_input_price?: Money
  long_context_output_price?: Money
  service_tiers?: unknown
  aliases?: string[] | null
  match_pattern?: string | null
  source: string | null
  last_updated: string | null
  version?: number | null
}

export interface PricingResponse {
  unit: string
  models: PricingRow[]
}

export interface UnpricedModel {
  model: string
  requests: number
  total_tokens: number
  first_seen: string | null
  last_seen: string | null
}

export interface UnpricedResponse {
  models: UnpricedModel[]
}

/** The editable part of a price row; prices per 1K tokens as decimal strings. */
export interface PriceUpdate {
  input_price: string
  output_price: string
  cached_input_price?: string | null
  provider?: string | null
}

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

interface RecommendationBase {
  endpoint_name: string
  requests: number
  prompt_tokens: number
  current_cost: string
  suggested_cost: string
  savings: string
  savings_share: number | null
  message: string
}

/** The same traffic on a cheaper model of the same provider. */
export interface CheaperModelRecommendation extends RecommendationBase {
  type: 'cheaper_model'
  /** `cheapest`: the biggest saving; `next_cheaper`: the smallest step down (docs/api.md). */
  option: 'cheapest' | 'next_cheaper'
  model: string
  provider: string | null
  suggested_model: string
  completion_tokens: number
}

/** Recent conversations whose prompt grows every turn, capped at the 3rd turn's prompt size. */
export interface SummariseHistoryRecommendation extends RecommendationBase {
  type: 'summarise_history'
  sessions: number
  tokens_saved: number
}

/** Answers longer than twice their endpoint's median, as if cut there (max_tokens or a brevity prompt). */
export interface ShorterAnswersRecommendation extends Omit<RecommendationBase, 'prompt_tokens'> {
  type: 'shorter_answers'
  model: string
  long_answers: number
  cap_tokens: number
  completion_tokens: number
  tokens_saved: number
}

export type Recommendation = CheaperModelRecommendation | SummariseHistoryRecommendation | ShorterAnswersRecommendation

export interface OptimizationResponse {
  recommendations: Recommendation[]
}

export type AlertSeverity = 'warning' | 'critical' | string

interface AlertBase {
  severity: AlertSeverity
  message: string
}

export type Alert =
  | (AlertBase & { type: 'unpriced_model'; model: string; requests: number })
  | (AlertBase & { type: 'error_rate'; endpoint_name: string; requests: number; errors: number; error_rate: number })
  | (AlertBase & { type: 'cost_spike'; day: string; cost: string; typical_cost: string })

export interface AlertsResponse {
  alerts: Alert[]
}
