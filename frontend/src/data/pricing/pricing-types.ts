// Answers of the pricing routes added for the catalogue (backend/tokenoptimizer_server/api/pricing.py:
// UnpricedReasonsAnswer, RetirementsAnswer) and the row fields the catalogue added to PricingRow.
import type { Money, PricingRow } from '../types'

/** Above `above` prompt tokens, ALL tokens of a request use these rates (USD per 1K tokens). */
export interface LongContextTier {
  above: number
  inclusive?: boolean
  input_price?: string
  output_price?: string
  cached_input_price?: string
  cache_write_price?: string
  cache_write_1h_price?: string
  reasoning_price?: string
}

export type ServiceTierRates = Partial<Record<'input_price' | 'output_price' | 'cached_input_price' | 'cache_write_price'
  | 'cache_write_1h_price' | 'reasoning_price', string>> & { long_context_tiers?: LongContextTier[] }

/** A price row as the catalogue stores it (PricingRow plus the fields the import fills). */
export type CatalogueRow = PricingRow & {
  reasoning_price?: Money
  long_context_tiers?: LongContextTier[]
  service_tiers?: Record<string, ServiceTierRates>
}

export type UnpricedReasonCode = 'no_price_row' | 'service_tier_without_rate' | 'non_token_unit' | 'token_kind_without_rate'

export interface UnpricedReason {
  reason: UnpricedReasonCode
  meaning: string
  fix: string
  requests: number
  models: { model: string; requests: number; last_seen: string }[]
}

export interface UnpricedReasonsResponse {
  reasons: UnpricedReason[]
}

export interface RetirementNotice {
  model: string
  pricing_model: string | null
  deprecation_date: string
  days_left: number
  successor_model: string | null
  successor_priced: boolean
  endpoints: { endpoint_name: string; requests: number; cost: Money; successor_cost: Money }[]
}

export interface RetirementsResponse {
  notice_days: number
  models: RetirementNotice[]
}

/** One change of a model's price (GET /api/pricing/<model>/history), rows as JSON. */
export interface PriceChange {
  version: number | null
  operation: 'insert' | 'update' | 'delete'
  changed_at: string
  changed_by: string | null
  source?: string | null
  old_row: Record<string, unknown> | null
  new_row: Record<string, unknown> | null
}

export interface PriceHistoryResponse {
  model: string
  unit: string
  history: PriceChange[]
}
