// Shadow comparison evidence (GET /api/optimization/evidence) as sentences a person reads:
// "agreed on 96% of 212 sampled calls, p95 latency 0.8 s vs 1.9 s".
import type { components } from '../api-types.gen'
import { formatCount, formatCost, moneyText } from '../format-data'

export type ShadowEvidence = components['schemas']['ShadowEvidence']
export type EvidenceAnswer = components['schemas']['EvidenceAnswer']

export interface EvidenceView {
  key: string
  endpoint: string
  candidate: string
  current: string
  /** "agreed on 96% of 212 sampled calls, p95 latency 0.8 s vs 1.9 s" */
  sentence: string
  /** "95% interval 92–98%; 3 candidate errors" */
  detail: string
  /** "$0.00024 vs $0.004 a call" */
  cost: string
  spend: { text: string; exact?: string }
  /** Agreement the interval's lower bound can vouch for (>= 90%). */
  strong: boolean
}

function percent(rate: number): string {
  const value = rate * 100
  return `${Number.isInteger(value) ? value : Number(value.toFixed(value >= 99 || value <= 1 ? 1 : 0))}%`
}

/** 850 -> "850 ms"; 1,900 -> "1.9 s". */
export function latencyText(ms: number | null): string {
  if (ms === null) return '—'
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toFixed(1))} s`
}

export function evidenceView(row: ShadowEvidence): EvidenceView {
  const judged = row.n > 0 && row.agreement_rate !== null
  const latency = `p95 latency ${latencyText(row.p95_latency_ms_candidate)} vs ${latencyText(row.p95_latency_ms_current)}`
  const sentence = judged
    ? `agreed on ${percent(row.agreement_rate as number)} of ${formatCount(row.n, 'sampled call')}, ${latency}`
    : `no judged comparison yet (${formatCount(row.runs, 'shadow call')}), ${latency}`
  const parts = judged ? [`95% interval ${percent(row.agreement_low as number)}–${percent(row.agreement_high as number)}`] : []
  if (row.errors) parts.push(`${formatCount(row.errors, 'candidate error')}`)
  if (row.unpriced_runs) parts.push(`${formatCount(row.unpriced_runs, 'unpriced run')}`)
  return {
    key: `${row.endpoint_name}|${row.current_model}|${row.candidate_model}`,
    endpoint: row.endpoint_name,
    candidate: row.candidate_model,
    current: row.current_model,
    sentence,
    detail: parts.join('; '),
    cost: `${formatCost(row.cost_per_call_candidate)} vs ${formatCost(row.cost_per_call_current)} a call`,
    spend: moneyText(row.shadow_spend),
    strong: judged && (row.agreement_low as number) >= 0.9,
  }
}

/** The rows for one endpoint (and current model, when given), most judged calls first. */
export function evidenceFor(rows: ShadowEvidence[], endpoint: string, currentModel?: string): EvidenceView[] {
  return rows
    .filter((r) => r.endpoint_name === endpoint && (currentModel === undefined || r.current_model === currentModel))
    .sort((a, b) => b.n - a.n)
    .map(evidenceView)
}
