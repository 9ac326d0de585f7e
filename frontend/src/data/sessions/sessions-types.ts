// The conversation answers, as generated from the server's models (api/sessions.py).
import type { components } from '../api-types.gen'

type Schemas = components['schemas']

export type Conversation = Schemas['Conversation']
export type SessionsPage = Schemas['SessionsPage']
export type SessionAnswer = Schemas['SessionAnswer']
export type SessionMetrics = Schemas['SessionMetrics']
export type TokenMetricsAnswer = Schemas['TokenMetricsAnswer']
export type ConversationFigures = Schemas['ConversationFigures']
export type HistogramBucket = Schemas['HistogramBucket']
export type Rating = Conversation['rating']
export type SessionSort = 'recent' | 'cost' | 'tokens' | 'turns' | 'score'
export type SortOrder = 'asc' | 'desc'

/** One page request of the conversations list. */
export interface SessionsPageParams {
  sort: SessionSort
  order: SortOrder
  cursor: string | null
  limit: number
}
