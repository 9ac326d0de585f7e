// What-if: the endpoint picked in the filter bar, re-priced on a model or a typed price, per month.
import { type FormEvent, useMemo, useState } from 'react'
import { LoadingPanel, queryState } from '../../components/LoadingPanel'
import { usePricingQuery } from '../../data/pricing/pricing-queries'
import { useSimulationQuery } from '../../data/savings/savings-queries'
import { type SimulationTarget, simulationView } from '../../data/savings/simulate-data'
import { useFilters } from '../../data/use-filters'
import { SimulationEvidence } from './ShadowEvidence'

type Mode = 'model' | 'price'

export function Simulator() {
  const [filters] = useFilters()
  const [mode, setMode] = useState<Mode>('model')
  const [model, setModel] = useState('')
  const [prices, setPrices] = useState({ input: '', output: '', cached: '' })
  const [target, setTarget] = useState<SimulationTarget | null>(null)
  const pricing = usePricingQuery()
  const simulation = useSimulationQuery(filters, target)
  const view = useMemo(() => (simulation.data ? simulationView(simulation.data) : null), [simulation.data])

  function submit(e: FormEvent) {
    e.preventDefault()
    setTarget(mode === 'model' ? { target_model: model.trim() }
      : { input_price: prices.input, output_price: prices.output, ...(prices.cached ? { cached_input_price: prices.cached } : {}) })
  }

  return (
    <section className="card panel" aria-label="What if" data-testid="simulator">
      <header className="panel-head">
        <h2>What if</h2>
        <span className="muted small">an endpoint&apos;s real traffic in this range on another model or price, per month</span>
      </header>
      {!filters.endpoint_name ? (
        <p className="muted" data-testid="simulator-hint">Pick an endpoint in the filter above to price its traffic on another model.</p>
      ) : (
        <form className="form-grid" onSubmit={submit}>
          <label className="field">Price it on
            <select value={mode} onChange={(e) => setMode(e.target.value as Mode)} data-testid="simulator-mode">
              <option value="model">a model</option>
              <option value="price">a price I type</option>
            </select>
          </label>
          {mode === 'model' ? (
            <label className="field">Model
              <input list="simulator-models" value={model} required placeholder="gpt-4.1-mini"
                onChange={(e) => setModel(e.target.value)} data-testid="simulator-model" />
              <datalist id="simulator-models">
                {(pricing.data?.models ?? []).map((row) => <option key={row.model} value={row.model} />)}
              </datalist>
            </label>
          ) : (
            <>
              {(['input', 'output', 'cached'] as const).map((kind) => (
                <label className="field" key={kind}>{kind === 'cached' ? 'Cached input' : kind[0].toUpperCase() + kind.slice(1)} (USD per 1M)
                  <input inputMode="decimal" value={prices[kind]} required={kind !== 'cached'} placeholder={kind === 'cached' ? 'as input' : ''}
                    onChange={(e) => setPrices({ ...prices, [kind]: e.target.value })} data-testid={`simulator-${kind}`} />
                </label>
              ))}
            </>
          )}
          <div className="field field-actions">
            <button type="submit" className="button" data-testid="simulator-run">Simulate</button>
          </div>
        </form>
      )}
      {target && filters.endpoint_name && (
        <LoadingPanel {...queryState(simulation)} isEmpty={false} minHeight={80} testId="simulation">
          {view && (
            <div className="simulation" data-testid="simulation-result">
              <p className="advice-sentence">
                <code>{filters.endpoint_name}</code> on <strong>{view.targetName}</strong>{' '}
                <strong className={view.saves ? 'change-good' : 'change-bad'} data-testid="simulation-verdict">{view.verdict}</strong>
              </p>
              <dl className="simulation-figures">
                <div><dt>Now, per month</dt><dd title={view.current.exact} data-testid="simulation-current">{view.current.text}</dd></div>
                <div><dt>On {view.targetName}</dt><dd title={view.target.exact} data-testid="simulation-target">{view.target.text}</dd></div>
              </dl>
              <p className="muted small" data-testid="simulation-basis">{view.basis}. {view.profile}.</p>
              <SimulationEvidence rows={simulation.data?.evidence ?? []} fallback={view.evidence} />
            </div>
          )}
        </LoadingPanel>
      )}
    </section>
  )
}
