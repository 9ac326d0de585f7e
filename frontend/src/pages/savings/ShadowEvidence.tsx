// Shadow comparison evidence (SDK shadow mode): one sentence per candidate, reusable by the
// per-endpoint plan and the simulator, and a panel beside the simulator with the range's shadow spend.
import { useMemo } from 'react'
import { LoadingPanel, queryState } from '../../components/LoadingPanel'
import { type EvidenceView, type ShadowEvidence, evidenceFor, evidenceView } from '../../data/savings/evidence-data'
import { useEvidenceQuery } from '../../data/savings/evidence-queries'
import { formatCost } from '../../data/format-data'
import { useFilters } from '../../data/use-filters'

const listStyle = { listStyle: 'none', margin: '4px 0 8px', padding: 0, display: 'grid', gap: 4 } as const

/** "gpt-4.1-mini agreed on 96% of 212 sampled calls, p95 latency 0.8 s vs 1.9 s" (interval and cost on hover). */
export function EvidenceLine({ view, showEndpoint = false }: { view: EvidenceView; showEndpoint?: boolean }) {
  return (
    <li data-testid="evidence-line" data-candidate={view.candidate} title={[view.detail, view.cost].filter(Boolean).join('; ')}>
      {showEndpoint && <><code>{view.endpoint}</code> on </>}
      <strong>{view.candidate}</strong>{showEndpoint && <span className="muted"> (now {view.current})</span>}{' '}
      <span className={view.strong ? 'change-good' : undefined} data-testid="evidence-sentence">{view.sentence}</span>
      <span className="muted small"> · {view.cost}{view.detail && ` · ${view.detail}`}</span>
    </li>
  )
}

/** The evidence of one endpoint (and current model): what a plan shows beside its options. */
export function EndpointEvidence({ rows, endpoint, currentModel }: { rows: ShadowEvidence[]; endpoint: string; currentModel?: string }) {
  const views = useMemo(() => evidenceFor(rows, endpoint, currentModel), [rows, endpoint, currentModel])
  if (!views.length) return null
  return <ul style={listStyle} data-testid={`evidence-${endpoint}`}>{views.map((v) => <EvidenceLine key={v.key} view={v} />)}</ul>
}

/** The simulator's evidence: rows the answer carries, or its own sentence when there are none. */
export function SimulationEvidence({ rows, fallback }: { rows: ShadowEvidence[]; fallback: string }) {
  if (!rows.length) return <p className="muted small" data-testid="simulation-evidence">{fallback}</p>
  return (
    <ul style={listStyle} data-testid="simulation-evidence">
      {rows.map((row) => { const v = evidenceView(row); return <EvidenceLine key={v.key} view={v} /> })}
    </ul>
  )
}

/** Every shadow comparison of the range (the filter's endpoint only, when one is picked), and their spend. */
export function EvidencePanel() {
  const [filters] = useFilters()
  const evidence = useEvidenceQuery(filters)
  const rows = useMemo(() => (evidence.data?.evidence ?? [])
    .filter((r) => !filters.endpoint_name || r.endpoint_name === filters.endpoint_name)
    .map(evidenceView), [evidence.data, filters.endpoint_name])
  const spend = evidence.data?.spend
  return (
    <section className="card panel" aria-label="Shadow comparisons" data-testid="evidence-panel">
      <header className="panel-head">
        <h2>Shadow comparisons</h2>
        <span className="muted small">sampled real calls replayed on cheaper models by the SDK, compared in your app; only the verdicts are sent</span>
      </header>
      <LoadingPanel {...queryState(evidence)} isEmpty={rows.length === 0} minHeight={60} testId="evidence"
        empty={<>No shadow comparisons in this range. Turn them on per endpoint in the SDK: <code>tokenoptimizer.shadow(&quot;classify&quot;, candidates=[&quot;gpt-4.1-mini&quot;], sample=0.05, max_calls_per_day=200)</code></>}>
        <ul style={listStyle} data-testid="evidence-list">{rows.map((v) => <EvidenceLine key={v.key} view={v} showEndpoint />)}</ul>
        {spend && (
          <p className="muted small" data-testid="evidence-spend" title={`exactly $${spend.cost}`}>
            {spend.runs.toLocaleString('en-US')} shadow calls cost {formatCost(spend.cost)} in this range
            {spend.unpriced_runs ? ` (${spend.unpriced_runs} unpriced)` : ''}: their own spend, not in the endpoints&apos; totals or advice.
          </p>
        )}
      </LoadingPanel>
    </section>
  )
}
