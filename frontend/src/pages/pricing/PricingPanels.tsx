// The Pricing page's panels: unpriced requests by reason (with the fix), retirement notices for
// models in traffic, and one model's price timeline.
import { useEffect } from 'react'
import { LoadingPanel, queryState } from '../../components/LoadingPanel'
import { type RateUnit, priceTimeline, reasonGroups, retirementViews } from '../../data/pricing/catalogue-data'
import type { RetirementsResponse, UnpricedReasonsResponse } from '../../data/pricing/pricing-types'
import { usePriceHistoryQuery } from '../../data/pricing/pricing-queries'
import type { UseQueryResult } from '@tanstack/react-query'

export function UnpricedPanel({ query, isAdmin, onAddPrice }: {
  query: UseQueryResult<UnpricedReasonsResponse>
  isAdmin: boolean
  onAddPrice: (model: string) => void
}) {
  const groups = reasonGroups(query.data?.reasons ?? [])
  return (
    <section className="card panel unpriced" aria-label="Requests without a price" data-testid="unpriced-panel">
      <header className="panel-head">
        <h2>Requests without a price</h2>
        <span className="muted small">seen in traffic in this range, grouped by why; their cost is unknown, never counted as $0</span>
      </header>
      <LoadingPanel {...queryState(query)} isEmpty={groups.length === 0} empty="Every request in this range has a price." minHeight={60} testId="unpriced">
        {groups.map((g) => (
          <div key={g.reason} className="reason-group" style={{ marginBottom: 16 }} data-testid={`unpriced-reason-${g.reason}`}>
            <h3>{g.title} <span className="badge badge-warning" data-testid="reason-requests">{g.requests}</span></h3>
            <p className="muted small">{g.meaning} <strong>Fix:</strong> <span data-testid="reason-fix">{g.fix}</span></p>
            <table className="table">
              <thead>
                <tr><th scope="col">Model</th><th scope="col" className="num">Requests</th><th scope="col">Last seen</th><th scope="col"><span className="sr-only">Action</span></th></tr>
              </thead>
              <tbody>
                {g.models.map((m) => (
                  <tr key={m.model} className="row-warning" data-testid={`unpriced-row-${m.model}`}>
                    <th scope="row">{m.model}</th>
                    <td className="num">{m.requests}</td>
                    <td>{m.lastSeen}</td>
                    <td className="actions">
                      {!g.canAddPrice ? <span className="muted small">not billed per token</span>
                        : isAdmin ? (
                          <button type="button" className="button button-small" onClick={() => onAddPrice(m.model)} data-testid={`add-price-${m.model}`}>
                            {g.reason === 'no_price_row' ? 'Add price' : 'Edit price'}
                          </button>
                        ) : <span className="muted small">admin only</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </LoadingPanel>
    </section>
  )
}

export function RetirementsPanel({ data }: { data: RetirementsResponse | undefined }) {
  const views = retirementViews(data?.models ?? [])
  if (views.length === 0) return null
  return (
    <section className="card panel" aria-label="Models retiring soon" data-testid="retirements-panel">
      <header className="panel-head">
        <h2>Models retiring soon</h2>
        <span className="muted small">models in this range's traffic whose provider retires them within {data?.notice_days ?? 60} days; cost on the successor at its list prices</span>
      </header>
      {views.map((v) => (
        <div key={v.model} className="reason-group" style={{ marginBottom: 16 }} data-testid={`retirement-${v.model}`}>
          <h3><span className="warning-text" data-testid="retirement-headline">{v.headline}</span></h3>
          <p className="muted small" data-testid="retirement-successor">{v.successor}</p>
          <table className="table">
            <thead>
              <tr><th scope="col">Endpoint</th><th scope="col" className="num">Requests</th><th scope="col" className="num">Cost now</th><th scope="col" className="num">On the successor</th></tr>
            </thead>
            <tbody>
              {v.endpoints.map((e) => (
                <tr key={e.endpoint} data-testid={`retirement-endpoint-${e.endpoint}`}>
                  <th scope="row">{e.endpoint}</th>
                  <td className="num">{e.requests}</td>
                  <td className="num mono" data-testid="cell-cost">{e.cost}</td>
                  <td className="num mono" data-testid="cell-successor-cost">{e.successorCost}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  )
}

export function PriceTimeline({ model, unit, onClose }: { model: string; unit: RateUnit; onClose: () => void }) {
  const history = usePriceHistoryQuery(model)
  const entries = priceTimeline(history.data?.history ?? [], unit)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose()
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose])
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="card editor" role="dialog" aria-modal="true" aria-label={`Price timeline of ${model}`} data-testid="price-timeline">
        <h2>{model}: price timeline</h2>
        <p className="muted small">Every change, newest first, with where the price came from (USD per {unit === '1M' ? '1M' : '1K'} tokens).</p>
        <LoadingPanel {...queryState(history)} isEmpty={entries.length === 0} empty="No changes recorded." minHeight={60} testId="timeline">
          <table className="table">
            <thead>
              <tr><th scope="col">When</th><th scope="col">Change</th><th scope="col">Source</th><th scope="col">By</th><th scope="col" className="num">Input</th><th scope="col" className="num">Output</th></tr>
            </thead>
            <tbody>
              {entries.map((e, i) => (
                <tr key={i} data-testid="timeline-row">
                  <td className="nowrap">{e.when}</td>
                  <td>{e.what}</td>
                  <td data-testid="timeline-source">{e.source}</td>
                  <td>{e.by}</td>
                  <td className="num mono" data-testid="timeline-input">{e.input}</td>
                  <td className="num mono" data-testid="timeline-output">{e.output}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </LoadingPanel>
        <div className="editor-actions">
          <button type="button" className="button button-secondary" onClick={onClose} data-testid="timeline-close">Close</button>
        </div>
      </div>
    </div>
  )
}
