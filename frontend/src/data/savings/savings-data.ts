// Pure mappings for the Savings page's alerts (the per-endpoint plans are in plans-data.ts).
import { formatCount, formatInteger } from '../format-data'
import type { StoredAlert } from '../alerts/alerts-types'

/** A saving as a reduction: 0.2 → `−20%`, 0.3333 → `−33.3%`. */
export function formatReduction(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—'
  return `−${Number((share * 100).toFixed(1))}%`
}

export type AlertAction =
  | { kind: 'add-price'; model: string }
  | { kind: 'logs'; endpoint: string }
  | { kind: 'alerts' }

export interface AlertView {
  key: string
  severity: 'critical' | 'warning'
  title: string
  detail: string
  message: string
  action: AlertAction
}

// Spend past a budget and a failing endpoint need someone now; the other kinds can wait for a look.
const CRITICAL_KINDS: StoredAlert['kind'][] = ['daily_spend', 'monthly_spend', 'error_rate']
const SEVERITY_ORDER = { critical: 0, warning: 1 }

function evidenceCount(alert: StoredAlert, field: string): number {
  return Number(alert.evidence[field] ?? 0)
}

/** A firing stored alert as this page lists it: a title, a detail in figures and the next step. */
function alertView(alert: StoredAlert): AlertView {
  const base = {
    key: `${alert.kind}:${alert.subject}`, message: alert.message,
    severity: CRITICAL_KINDS.includes(alert.kind) ? 'critical' as const : 'warning' as const,
  }
  switch (alert.kind) {
    case 'unpriced_model':
      return {
        ...base,
        title: `No price for ${alert.subject}`,
        detail: `${formatCount(evidenceCount(alert, 'unpriced_requests'), 'request')} with unknown cost, missing from every total`,
        action: { kind: 'add-price', model: alert.subject },
      }
    case 'error_rate':
      return {
        ...base,
        title: `${alert.subject} is failing`,
        detail: `${formatInteger(evidenceCount(alert, 'errors'))} of ${formatInteger(evidenceCount(alert, 'requests'))} requests failed `
          + `(${String(alert.evidence.error_rate_percent)}%) in the last ${formatCount(evidenceCount(alert, 'window_hours'), 'hour')}`,
        action: { kind: 'logs', endpoint: alert.subject },
      }
    default:
      return { ...base, title: alert.rule_name, detail: alert.message, action: { kind: 'alerts' } }
  }
}

/** Firing alerts most severe first, keeping the API's order (newest first) within a severity. */
export function alertViews(alerts: StoredAlert[]): AlertView[] {
  return alerts
    .map((a, i) => ({ view: alertView(a), i }))
    .sort((a, b) => SEVERITY_ORDER[a.view.severity] - SEVERITY_ORDER[b.view.severity] || a.i - b.i)
    .map(({ view }) => view)
}
