// The one data-source interface. Components and hooks only see `DataSource`; which
// implementation backs it is decided at build time (supabase when VITE_SUPABASE_URL is set),
// so the api build never bundles supabase-js.
import type {
  AlertsResponse, AppConfig, BreakdownBy, BreakdownResponse, Bucket, DashboardResponse, LogStatus,
  LogsPage, OptimizationResponse, PriceUpdate, PricingResponse, PricingRow, SessionDetail,
  SessionsResponse, TimeseriesResponse, TokenMetrics, UnpricedResponse,
} from './types'

/** A concrete time window plus the optional filters every read takes. */
export interface ReadParams {
  project?: string | null
  from: string
  to: string
  model?: string | null
  endpoint_name?: string | null
  provider?: string | null
}

export interface LogsParams extends ReadParams {
  status?: LogStatus | null
  cursor?: string | null
  limit?: number
}

export interface DataSource {
  readonly kind: 'api' | 'supabase'
  getConfig(): Promise<AppConfig>
  getDashboard(params: ReadParams): Promise<DashboardResponse>
  getTimeseries(params: ReadParams, bucket: Bucket): Promise<TimeseriesResponse>
  getBreakdown(params: ReadParams, by: BreakdownBy): Promise<BreakdownResponse>
  getLogs(params: LogsParams): Promise<LogsPage>
  /** A link the browser can follow to download the logs as CSV, or null when it must be built. */
  exportCsvHref(params: LogsParams): string | null
  /** The logs as a CSV file, for sources without a download endpoint or with a bearer token. */
  exportCsv(params: LogsParams): Promise<Blob>
  getPricing(): Promise<PricingResponse>
  getUnpriced(params: ReadParams): Promise<UnpricedResponse>
  putPrice(model: string, update: PriceUpdate): Promise<PricingRow>
  /** The conversations most recently active in the range, newest last turn first. */
  getSessions(params: ReadParams, limit: number): Promise<SessionsResponse>
  /** One conversation read whole (not limited to a range), turns oldest first. */
  getSession(sessionId: string, project?: string | null): Promise<SessionDetail>
  getTokenMetrics(params: ReadParams): Promise<TokenMetrics>
  getOptimization(params: ReadParams): Promise<OptimizationResponse>
  getAlerts(params: ReadParams): Promise<AlertsResponse>
  /** Hosted mode only: Supabase Auth sign-in and sign-out (the API uses the admin token). */
  signIn?(email: string, password: string): Promise<void>
  signOut?(): Promise<void>
}

let sourcePromise: Promise<DataSource> | null = null

/** The build's data source, loaded once. */
export function getDataSource(): Promise<DataSource> {
  if (!sourcePromise) {
    sourcePromise = import.meta.env.VITE_SUPABASE_URL
      ? import('./supabase-source').then((m) => m.supabaseSource)
      : import('./api-source').then((m) => m.apiSource)
  }
  return sourcePromise
}
