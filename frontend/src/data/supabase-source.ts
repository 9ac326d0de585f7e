// DataSource over supabase-js (hosted mode): `rpc` to the same SQL functions the Flask API
// calls, with the same arguments prefixed `p_`, each returning the API's JSON shape; `select`
// and `upsert` on `model_pricing` for prices. Row-level security decides what a user sees.
import { ApiError } from '../lib/api'
import { supabase } from '../lib/supabase'
import { logsToCsv } from './logs/logs-data'
import type { DataSource, LogsParams, ReadParams } from './source'
import type {
  AppConfig, BreakdownResponse, DashboardResponse, LogsPage, OptimizationResponse,
  PricingRow, TimeseriesResponse, UnpricedResponse,
} from './types'
import type { UnpricedReasonsResponse } from './pricing/pricing-types'
import type { SessionAnswer, SessionsPage, TokenMetricsAnswer } from './sessions/sessions-types'
import type { Projection } from './alerts/alerts-types'

const PRICING_UNIT = 'USD per 1K tokens'

function hostedAlerts(): never {
  throw new ApiError(501, 'not_available', 'Alert rules are managed through the self-hosted API for now')
}
const EXPORT_PAGE = 500

interface PostgrestLikeError {
  message: string
  code?: string
  details?: string | null
}

function toApiError(error: PostgrestLikeError): ApiError {
  const details = error.details ? [{ message: error.details }] : []
  return new ApiError(400, error.code ?? 'supabase_error', error.message, details)
}

// The project the session reads, found once by getConfig; a `project` filter overrides it.
let defaultProject: string | null = null

function readArgs(p: ReadParams) {
  return {
    p_project: p.project ?? defaultProject,
    p_from: p.from,
    p_to: p.to,
    p_model: p.model ?? null,
    p_endpoint_name: p.endpoint_name ?? null,
    p_provider: p.provider ?? null,
  }
}

async function rpc<T>(fn: string, args: Record<string, unknown>): Promise<T> {
  const { data, error } = await supabase.rpc(fn, args)
  if (error) throw toApiError(error)
  return data as T
}

async function getLogs(p: LogsParams): Promise<LogsPage> {
  return rpc<LogsPage>('usage_logs_page', {
    ...readArgs(p),
    p_status: p.status ?? null,
    p_cursor: p.cursor ?? null,
    p_limit: p.limit ?? 100,
  })
}

async function firstProject(): Promise<AppConfig['project']> {
  const configured = import.meta.env.VITE_TOKENOPTIMIZER_PROJECT_ID
  const query = supabase.from('projects').select('id, name').order('created_at').limit(1)
  const { data, error } = configured ? await query.eq('id', configured) : await query
  if (error) throw toApiError(error)
  return data?.[0] ?? (configured ? { id: configured, name: configured } : null)
}

export const supabaseSource: DataSource = {
  kind: 'supabase',
  async getConfig() {
    const { data } = await supabase.auth.getSession()
    if (!data.session) {
      // Reads run as the signed-in user (RLS): sign in first.
      return { mode: 'hosted', auth_required: true, is_admin: false, project: null, base_url: null, api_key: null }
    }
    const project = await firstProject()
    defaultProject = project?.id ?? null
    return {
      mode: 'hosted',
      auth_required: false,
      // List prices are read-only for signed-in users (RLS); price edits stay with the
      // operators until project roles exist, so the hosted dashboard does not offer them.
      is_admin: false,
      project,
      base_url: import.meta.env.VITE_TOKENOPTIMIZER_BASE_URL ?? null,
      api_key: null,
    }
  },
  async signIn(email, password) {
    const { error } = await supabase.auth.signInWithPassword({ email, password })
    if (error) throw new ApiError(error.status ?? 401, error.code ?? 'sign_in_failed', error.message)
  },
  async signOut() {
    await supabase.auth.signOut()
  },
  getDashboard: (p) => rpc<DashboardResponse>('usage_summary', readArgs(p)),
  getTimeseries: (p, bucket) =>
    rpc<TimeseriesResponse>('usage_timeseries', { ...readArgs(p), p_bucket: bucket }),
  getBreakdown: (p, by) => rpc<BreakdownResponse>('usage_breakdown', { ...readArgs(p), p_by: by }),
  getLogs,
  exportCsvHref: () => null,
  async exportCsv(p) {
    const rows = []
    let cursor: string | null = null
    do {
      const page: LogsPage = await getLogs({ ...p, cursor, limit: EXPORT_PAGE })
      rows.push(...page.rows)
      cursor = page.next
    } while (cursor)
    return new Blob([logsToCsv(rows)], { type: 'text/csv' })
  },
  async getPricing() {
    const { data, error } = await supabase.from('model_pricing').select('*').order('model')
    if (error) throw toApiError(error)
    return { unit: PRICING_UNIT, models: (data ?? []) as PricingRow[] }
  },
  getUnpriced: (p) => rpc<UnpricedResponse>('unpriced_models', readArgs(p)),
  getUnpricedReasons: (p) => rpc<UnpricedReasonsResponse>('unpriced_by_reason', readArgs(p)),
  async putPrice(model, update) {
    const { data, error } = await supabase
      .from('model_pricing')
      .upsert({ model, ...update, last_updated: new Date().toISOString() })
      .select()
      .single()
    if (error) throw toApiError(error)
    return data as PricingRow
  },
  getSessions: (p, page) => rpc<SessionsPage>('conversation_page', {
    ...readArgs(p), p_sort: page.sort, p_order: page.order, p_cursor: page.cursor, p_limit: page.limit,
  }),
  async getSession(sessionId, project) {
    const detail = await rpc<SessionAnswer>('usage_session', { p_project: project ?? defaultProject, p_session_id: sessionId })
    // The API answers 404 for a session without turns; the SQL function returns it empty.
    if (!detail || detail.turns.length === 0) {
      throw new ApiError(404, 'not_found', `no turns for session '${sessionId}' in this project`)
    }
    return detail
  },
  getTokenMetrics: (p) => rpc<TokenMetricsAnswer>('usage_token_metrics', readArgs(p)),
  getOptimization: (p) => rpc<OptimizationResponse>('usage_optimization', readArgs(p)),
  // Alert rules and alerts are served by the API only so far (their tables have no member policies yet).
  getAlerts: () => hostedAlerts(),
  getAlertRules: () => hostedAlerts(),
  saveAlertRule: () => hostedAlerts(),
  deleteAlertRule: () => hostedAlerts(),
  testAlertRule: () => hostedAlerts(),
  async getBudget(project) {
    const projection = await rpc<Projection>('month_projection', { p_project: project ?? defaultProject })
    return { projection, budget: null, status: 'none' }
  },
}
