// DataSource over the Flask `/api/...` endpoints of docs/api.md (local and self-hosted modes).
import { apiFetch, apiJson, apiUrl } from '../lib/api'
import type { DataSource, LogsParams, ReadParams } from './source'
import type {
  AppConfig, BreakdownResponse, DashboardResponse, LogsPage, OptimizationResponse,
  PriceAnswer, PricingResponse, TimeseriesResponse, UnpricedResponse,
} from './types'
import type { PriceHistoryResponse, RetirementsResponse, UnpricedReasonsResponse } from './pricing/pricing-types'
import type { SessionAnswer, SessionsPage, TokenMetricsAnswer } from './sessions/sessions-types'
import type { AlertRule, AlertsAnswer, BudgetAnswer, RulesAnswer, TestSendAnswer } from './alerts/alerts-types'
import type { EvidenceAnswer } from './savings/evidence-data'
import type { CachingAnswer } from './savings/caching-data'
import { callEquivalences } from './savings/equivalences-data'
import type { SimulationAnswer } from './savings/simulate-data'

const JSON_BODY = { 'Content-Type': 'application/json' }

function readQuery(p: ReadParams) {
  return {
    project: p.project, from: p.from, to: p.to,
    model: p.model, endpoint_name: p.endpoint_name, provider: p.provider,
  }
}

function logsQuery(p: LogsParams) {
  return { ...readQuery(p), status: p.status, cursor: p.cursor, limit: p.limit }
}

function exportHref(p: LogsParams): string {
  const { cursor: _cursor, limit: _limit, ...rest } = logsQuery(p)
  return apiUrl('/api/export', { format: 'csv', ...rest })
}

export const apiSource: DataSource = {
  kind: 'api',
  getConfig: () => apiJson<AppConfig>('/api/config'),
  // Self-hosted sign-in (the session cookie and the CSRF token are the API's: docs/security.md).
  async signIn(email, password) {
    await apiJson('/api/auth/signin', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ email, password }) })
  },
  async signOut() {
    await apiFetch('/api/auth/signout', { method: 'POST' })
  },
  getDashboard: (p) => apiJson<DashboardResponse>(apiUrl('/api/dashboard', readQuery(p))),
  getTimeseries: (p, bucket) =>
    apiJson<TimeseriesResponse>(apiUrl('/api/usage/timeseries', { ...readQuery(p), bucket })),
  getBreakdown: (p, by) =>
    apiJson<BreakdownResponse>(apiUrl('/api/usage/breakdown', { ...readQuery(p), by })),
  getLogs: (p) => apiJson<LogsPage>(apiUrl('/api/logs', logsQuery(p))),
  exportCsvHref: exportHref,
  exportCsv: async (p) => (await apiFetch(exportHref(p), { headers: { Accept: 'text/csv' } })).blob(),
  getPricing: () => apiJson<PricingResponse>('/api/pricing'),
  getUnpriced: (p) => apiJson<UnpricedResponse>(apiUrl('/api/pricing/unpriced', readQuery(p))),
  getUnpricedReasons: (p) => apiJson<UnpricedReasonsResponse>(apiUrl('/api/pricing/unpriced/reasons', readQuery(p))),
  getRetirements: (p) => apiJson<RetirementsResponse>(apiUrl('/api/pricing/deprecations', readQuery(p))),
  getPriceHistory: (model) => apiJson<PriceHistoryResponse>(`/api/pricing/${encodeURIComponent(model)}/history`),
  putPrice: async (model, update) =>
    (await apiJson<PriceAnswer>(`/api/pricing/${encodeURIComponent(model)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(update),
    })).model,
  getSessions: (p, page) =>
    apiJson<SessionsPage>(apiUrl('/api/tokens/sessions', { ...readQuery(p), ...page })),
  getSession: (sessionId, project) =>
    apiJson<SessionAnswer>(apiUrl(`/api/session/${encodeURIComponent(sessionId)}`, { project })),
  getTokenMetrics: (p) => apiJson<TokenMetricsAnswer>(apiUrl('/api/tokens/metrics', readQuery(p))),
  getOptimization: (p) => apiJson<OptimizationResponse>(apiUrl('/api/optimization', readQuery(p))),
  getEvidence: (p) => apiJson<EvidenceAnswer>(apiUrl('/api/optimization/evidence', readQuery(p))),
  simulate: (p, target) => apiJson<SimulationAnswer>(apiUrl('/api/optimization/simulate', { ...readQuery(p), ...target })),
  getCaching: (p) => apiJson<CachingAnswer>(apiUrl('/api/optimization/caching', readQuery(p))),
  equivalences: (project, change) => callEquivalences(apiFetch, project, change),
  getAlerts: (project, state) => apiJson<AlertsAnswer>(apiUrl('/api/alerts', { project, state })),
  getAlertRules: (project) => apiJson<RulesAnswer>(apiUrl('/api/alerts/rules', { project })),
  saveAlertRule: (project, rule, id) =>
    apiJson<AlertRule>(apiUrl(id ? `/api/alerts/rules/${id}` : '/api/alerts/rules', { project }), {
      method: id ? 'PUT' : 'POST', headers: JSON_BODY, body: JSON.stringify(rule),
    }),
  deleteAlertRule: async (project, id) => {
    await apiFetch(apiUrl(`/api/alerts/rules/${id}`, { project }), { method: 'DELETE' })
  },
  testAlertRule: (project, id) =>
    apiJson<TestSendAnswer>(apiUrl(`/api/alerts/rules/${id}/test`, { project }), { method: 'POST' }),
  getBudget: (project) => apiJson<BudgetAnswer>(apiUrl('/api/budget', { project })),
}
