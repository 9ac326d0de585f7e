// DataSource over supabase-js (hosted mode): `rpc` to the same SQL functions the Flask API
// calls, with the same arguments prefixed `p_`, each returning the API's JSON shape; `select`
// and `upsert` on `model_pricing` for prices. Row-level security decides what a user sees.
// The project is an argument of every read (it comes from the URL, as in the API build); there is
// no "current project" here. The export streams from the API's /api/export with the user's token.
import { ApiError } from '../lib/api'
import { hostedApiFetch, supabase } from '../lib/supabase'
import type { DataSource, LogsParams, ReadParams } from './source'
import type {
  BreakdownResponse, DashboardResponse, LogsPage, OptimizationResponse,
  PricingRow, TimeseriesResponse, UnpricedResponse,
} from './types'
import type { UnpricedReasonsResponse } from './pricing/pricing-types'
import type { SessionAnswer, SessionsPage, TokenMetricsAnswer } from './sessions/sessions-types'
import type { Projection } from './alerts/alerts-types'
import type { EvidenceAnswer } from './savings/evidence-data'
import { callEquivalences } from './savings/equivalences-data'

const PRICING_UNIT = 'USD per 1K tokens'

function hostedAlerts(): never {
  throw new ApiError(501, 'not_available', 'Alert rules are managed through the self-hosted API for now')
}
interface PostgrestLikeError {
  message: string
  code?: string
  details?: string | null
}

function toApiError(error: PostgrestLikeError): ApiError {
  const details = error.details ? [{ message: error.details }] : []
  return new ApiError(400, error.code ?? 'supabase_error', error.message, details)
}

/** The project a read is about: always named by the caller (the URL's `project`). */
function projectOf(project: string | null | undefined): string {
  if (!project) throw new ApiError(400, 'invalid_field', 'project: choose a project', [{ field: 'project', message: 'required' }])
  return project
}

function readArgs(p: ReadParams) {
  return {
    p_project: projectOf(p.project),
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

/** The API's export query: the read's filters, without the page's cursor and size. */
function exportQuery(p: LogsParams) {
  return { format: 'csv', project: projectOf(p.project), from: p.from, to: p.to, model: p.model, endpoint_name: p.endpoint_name,
    provider: p.provider, status: p.status }
}

export const supabaseSource: DataSource = {
  kind: 'supabase',
  async getConfig() {
    const { data } = await supabase.auth.getSession()
    // Signed in or not (`is_admin` means "a signed-in person", as in self-hosted mode); reads run
    // as that user under row-level security; which project is the URL's (the switcher's).
    return {
      mode: 'hosted',
      auth_required: true,
      is_admin: Boolean(data.session),
      project: null,
      base_url: import.meta.env.VITE_TOKENOPTIMIZER_BASE_URL ?? null,
      api_key: null,
    }
  },
  async signIn(email, password) {
    const { error } = await supabase.auth.signInWithPassword({ email, password })
    if (error) throw new ApiError(error.status ?? 401, error.code ?? 'sign_in_failed', error.message)
  },
  async signUp(email, password) {
    const { data, error } = await supabase.auth.signUp({ email, password, options: { emailRedirectTo: window.location.origin } })
    if (error) throw new ApiError(error.status ?? 400, error.code ?? 'sign_up_failed', error.message)
    return { confirmEmail: !data.session }  // with email confirmation on, the session starts from the mail's link
  },
  async sendMagicLink(email) {
    // The link signs in and comes back here (the Site URL / redirect URLs of the Supabase project).
    const { error } = await supabase.auth.signInWithOtp({ email, options: { emailRedirectTo: window.location.href } })
    if (error) throw new ApiError(error.status ?? 400, error.code ?? 'magic_link_failed', error.message)
  },
  async signOut() {
    await supabase.auth.signOut()
  },
  getDashboard: async (p) => rpc<DashboardResponse>('usage_summary', readArgs(p)),
  getTimeseries: async (p, bucket) =>
    rpc<TimeseriesResponse>('usage_timeseries', { ...readArgs(p), p_bucket: bucket }),
  getBreakdown: async (p, by) => rpc<BreakdownResponse>('usage_breakdown', { ...readArgs(p), p_by: by }),
  getLogs,
  // A link cannot carry the Bearer token: the file is fetched (streamed by the API, as in every mode).
  exportCsvHref: () => null,
  exportCsv: async (p) => (await hostedApiFetch('/api/export', exportQuery(p), { headers: { Accept: 'text/csv' } })).blob(),
  async getPricing() {
    const { data, error } = await supabase.from('model_pricing').select('*').order('model')
    if (error) throw toApiError(error)
    return { unit: PRICING_UNIT, models: (data ?? []) as PricingRow[] }
  },
  getUnpriced: async (p) => rpc<UnpricedResponse>('unpriced_models', readArgs(p)),
  getUnpricedReasons: async (p) => rpc<UnpricedReasonsResponse>('unpriced_by_reason', readArgs(p)),
  async putPrice(model, update) {
    const { data, error } = await supabase
      .from('model_pricing')
      .upsert({ model, ...update, last_updated: new Date().toISOString() })
      .select()
      .single()
    if (error) throw toApiError(error)
    return data as PricingRow
  },
  getSessions: async (p, page) => rpc<SessionsPage>('conversation_page', {
    ...readArgs(p), p_sort: page.sort, p_order: page.order, p_cursor: page.cursor, p_limit: page.limit,
  }),
  async getSession(sessionId, project) {
    const detail = await rpc<SessionAnswer>('usage_session', { p_project: projectOf(project), p_session_id: sessionId })
    // The API answers 404 for a session without turns; the SQL function returns it empty.
    if (!detail || detail.turns.length === 0) {
      throw new ApiError(404, 'not_found', `no turns for session '${sessionId}' in this project`)
    }
    return detail
  },
  getTokenMetrics: async (p) => rpc<TokenMetricsAnswer>('usage_token_metrics', readArgs(p)),
  // The plan is built by the API (candidates priced with ingest's resolver), read with the user's token.
  getOptimization: async (p) => (await hostedApiFetch('/api/optimization', {
    project: projectOf(p.project), from: p.from, to: p.to, model: p.model, endpoint_name: p.endpoint_name, provider: p.provider,
  })).json() as Promise<OptimizationResponse>,
  getEvidence: async (p) => rpc<EvidenceAnswer>('shadow_evidence', {
    p_project: projectOf(p.project), p_from: p.from, p_to: p.to, p_endpoint_name: p.endpoint_name ?? null }),
  // The equivalence map is the API's too (as the plan), with the user's token; RLS lets admins write.
  equivalences: async (project, change) =>
    callEquivalences((path, init) => hostedApiFetch(path, {}, init), projectOf(project), change),
  // Alert rules and alerts are served by the API only so far (their tables have no member policies yet).
  getAlerts: () => hostedAlerts(),
  getAlertRules: () => hostedAlerts(),
  saveAlertRule: () => hostedAlerts(),
  deleteAlertRule: () => hostedAlerts(),
  testAlertRule: () => hostedAlerts(),
  async getBudget(project) {
    const projection = await rpc<Projection>('month_projection', { p_project: projectOf(project) })
    return { projection, budget: null, status: 'none' }
  },
}
