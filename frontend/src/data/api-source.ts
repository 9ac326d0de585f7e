// DataSource over the Flask `/api/...` endpoints of docs/api.md (local and self-hosted modes).
import { apiFetch, apiJson, apiUrl } from '../lib/api'
import type { DataSource, LogsParams, ReadParams } from './source'
import type {
  AlertsResponse, AppConfig, BreakdownResponse, DashboardResponse, LogsPage, OptimizationResponse,
  PriceAnswer, PricingResponse, SessionDetail, SessionsResponse, TimeseriesResponse, TokenMetrics,
  UnpricedResponse,
} from './types'

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
  putPrice: async (model, update) =>
    (await apiJson<PriceAnswer>(`/api/pricing/${encodeURIComponent(model)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(update),
    })).model,
  getSessions: (p, limit) =>
    apiJson<SessionsResponse>(apiUrl('/api/tokens/sessions', { ...readQuery(p), limit })),
  getSession: (sessionId, project) =>
    apiJson<SessionDetail>(apiUrl(`/api/session/${encodeURIComponent(sessionId)}`, { project })),
  getTokenMetrics: (p) => apiJson<TokenMetrics>(apiUrl('/api/tokens/metrics', readQuery(p))),
  getOptimization: (p) => apiJson<OptimizationResponse>(apiUrl('/api/optimization', readQuery(p))),
  getAlerts: (p) => apiJson<AlertsResponse>(apiUrl('/api/alerts', readQuery(p))),
}
