// The one data-source interface. Components and hooks only see `DataSource`; which
// implementation backs it is decided at build time (supabase when VITE_SUPABASE_URL is set),
// so the api build never bundles supabase-js.
import type {
  AppConfig, BreakdownBy, BreakdownResponse, Bucket, DashboardResponse, LogStatus,
  LogsPage, OptimizationResponse, PriceUpdate, PricingResponse, PricingRow,
  TimeseriesResponse, UnpricedResponse,
} from './types'
import type { PriceHistoryResponse, RetirementsResponse, UnpricedReasonsResponse } from './pricing/pricing-types'
import type { EvidenceAnswer } from './savings/evidence-data'
import type { CachingAnswer } from './savings/caching-data'
import type { Equivalence, EquivalenceChange } from './savings/equivalences-data'
import type { SimulationAnswer, SimulationTarget } from './savings/simulate-data'
import type { SessionAnswer, SessionsPage, SessionsPageParams, TokenMetricsAnswer } from './sessions/sessions-types'
import type {
  AlertRule, AlertState, AlertsAnswer, BudgetAnswer, RuleInput, RulesAnswer, TestSendAnswer,
} from './alerts/alerts-types'

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
  /** Unpriced requests of the range by reason, each with its fix. */
  getUnpricedReasons(params: ReadParams): Promise<UnpricedReasonsResponse>
  /** Models in the range's traffic that retire within 60 days (API only: the successor's cost is priced in Python). */
  getRetirements?(params: ReadParams): Promise<RetirementsResponse>
  /** Every change of a model's price, newest first (API only: the history table is not exposed to clients). */
  getPriceHistory?(model: string): Promise<PriceHistoryResponse>
  /** One keyset page of the conversations overlapping the range, in the sort asked for. */
  getSessions(params: ReadParams, page: SessionsPageParams): Promise<SessionsPage>
  /** One session read whole (not limited to a range): its conversations and turns oldest first. */
  getSession(sessionId: string, project?: string | null): Promise<SessionAnswer>
  getTokenMetrics(params: ReadParams): Promise<TokenMetricsAnswer>
  getOptimization(params: ReadParams): Promise<OptimizationResponse>
  /** Shadow comparison evidence per endpoint x candidate, and the range's shadow spend (SDK shadow mode). */
  getEvidence(params: ReadParams): Promise<EvidenceAnswer>
  /** What-if: an endpoint's traffic re-priced on a target (API only: priced by the ingest resolver in Python). */
  simulate?(params: ReadParams, target: SimulationTarget): Promise<SimulationAnswer>
  /** Prompt-caching advice: repeated prefixes the provider's cache would make cheaper (API only, as simulate). */
  getCaching?(params: ReadParams): Promise<CachingAnswer>
  /** The project's equivalence map after the change, if any (the API's routes in both builds; admins change it). */
  equivalences(project: string | null, change?: EquivalenceChange): Promise<Equivalence[]>
  /** Stored alerts, newest first; `state` narrows to firing or resolved. */
  getAlerts(project: string | null, state?: AlertState | null): Promise<AlertsAnswer>
  getAlertRules(project: string | null): Promise<RulesAnswer>
  saveAlertRule(project: string | null, rule: RuleInput, id?: string): Promise<AlertRule>
  deleteAlertRule(project: string | null, id: string): Promise<void>
  testAlertRule(project: string | null, id: string): Promise<TestSendAnswer>
  /** This month's projection against the monthly budget rule. */
  getBudget(project: string | null): Promise<BudgetAnswer>
  /** Sign-in and sign-out: the API's cookie session (self-hosted) or Supabase Auth (hosted). */
  signIn?(email: string, password: string): Promise<void>
  signOut?(): Promise<void>
  /** Hosted mode: a Supabase Auth account; `confirmEmail` when the session starts from the mail's link. */
  signUp?(email: string, password: string): Promise<{ confirmEmail: boolean }>
  /** Hosted mode: a sign-in link by email (Supabase Auth's magic link). */
  sendMagicLink?(email: string): Promise<void>
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
