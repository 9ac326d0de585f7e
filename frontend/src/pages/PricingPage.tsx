// Pricing: every model per 1K (as stored) and per 1M, last updated; unpriced models seen in
// traffic highlighted with "Add price"; admins edit through PUT /api/pricing/<model>. An
// "Add price" link elsewhere (a Savings alert) arrives with `{ addPrice: model }` as state.
import { type FormEvent, useEffect, useMemo, useState } from 'react'
import { useLocation, useNavigate } from 'react-router'
import { DateRangePicker } from '../components/DateRangePicker'
import { Layout } from '../components/Layout'
import { LoadingPanel, errorText, queryState } from '../components/LoadingPanel'
import { useConfigQuery } from '../data/config/config-queries'
import { type PriceForm, type PriceUnit, priceForm, priceRows, unpricedRows, validatePriceForm } from '../data/pricing/pricing-data'
import { usePricingQuery, usePutPriceMutation, useUnpricedQuery } from '../data/pricing/pricing-queries'
import { useFilters } from '../data/use-filters'
import { formatPrice, isDecimal, shiftDecimal } from '../data/format-data'
import type { AddPriceState } from './SavingsPage'

function converted(value: string, unit: PriceUnit): string {
  if (!isDecimal(value.trim())) return '—'
  return unit === '1M' ? `${formatPrice(shiftDecimal(value.trim(), -3))} per 1K` : `${formatPrice(shiftDecimal(value.trim(), 3))} per 1M`
}

function PriceEditor({ initial, isNew, onClose }: { initial: PriceForm; isNew: boolean; onClose: () => void }) {
  const [form, setForm] = useState(initial)
  const [errors, setErrors] = useState<Partial<Record<string, string>>>({})
  const save = usePutPriceMutation()
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose()
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose])

  function submit(event: FormEvent) {
    event.preventDefault()
    const result = validatePriceForm(form)
    if (!result.ok) {
      setErrors(result.errors)
      return
    }
    setErrors({})
    save.mutate({ model: form.model.trim(), update: result.update }, { onSuccess: onClose })
  }

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
    <form className="card editor" role="dialog" aria-modal="true" onSubmit={submit} data-testid="price-editor" aria-label={`Price for ${form.model || 'a new model'}`}>
      <h2>{isNew ? 'Add price' : `Edit ${form.model}`}</h2>
      <div className="editor-fields">
        <label className="field">
          <span>Model</span>
          <input value={form.model} autoFocus={initial.model === ''} readOnly={!isNew || initial.model !== ''} onChange={(e) => setForm({ ...form, model: e.target.value })} data-testid="price-model" />
          {errors.model && <span className="form-error">{errors.model}</span>}
        </label>
        <label className="field">
          <span>Unit</span>
          <select value={form.unit} onChange={(e) => setForm({ ...form, unit: e.target.value as PriceUnit })} data-testid="price-unit">
            <option value="1M">USD per 1M tokens</option>
            <option value="1K">USD per 1K tokens</option>
          </select>
        </label>
        <label className="field">
          <span>Input price</span>
          <input inputMode="decimal" autoFocus={initial.model !== ''} value={form.input} onChange={(e) => setForm({ ...form, input: e.target.value })} data-testid="price-input" aria-invalid={Boolean(errors.input)} />
          <span className="muted small">{errors.input ? <span className="form-error">{errors.input}</span> : converted(form.input, form.unit)}</span>
        </label>
        <label className="field">
          <span>Output price</span>
          <input inputMode="decimal" value={form.output} onChange={(e) => setForm({ ...form, output: e.target.value })} data-testid="price-output" aria-invalid={Boolean(errors.output)} />
          <span className="muted small">{errors.output ? <span className="form-error">{errors.output}</span> : converted(form.output, form.unit)}</span>
        </label>
      </div>
      <p className="muted small">New prices apply to requests ingested from now on; recorded costs are not rewritten.</p>
      {save.error && <p className="form-error" role="alert" data-testid="price-error">{errorText(save.error)}</p>}
      <div className="editor-actions">
        <button type="submit" className="button" disabled={save.isPending} data-testid="price-save">{save.isPending ? 'Saving…' : 'Save price'}</button>
        <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
      </div>
    </form>
    </div>
  )
}

export function PricingPage() {
  const [filters] = useFilters()
  const { data: config } = useConfigQuery()
  const isAdmin = Boolean(config?.is_admin)
  const pricing = usePricingQuery()
  const unpriced = useUnpricedQuery(filters)
  const [editing, setEditing] = useState<{ form: PriceForm; isNew: boolean } | null>(null)
  const rows = useMemo(() => priceRows(pricing.data?.models ?? []), [pricing.data])
  const unpricedList = useMemo(() => unpricedRows(unpriced.data?.models ?? []), [unpriced.data])

  function edit(model: string) {
    const row = pricing.data?.models.find((m) => m.model === model)
    setEditing({ form: priceForm(model, row), isNew: !row })
  }

  // Opened from an "Add price" link: open the editor once the prices are known, then drop the
  // state so a reload or Back does not open it again.
  const location = useLocation()
  const navigate = useNavigate()
  const addPrice = (location.state as Partial<AddPriceState> | null)?.addPrice
  useEffect(() => {
    if (!addPrice || !pricing.data || !config) return
    if (config.is_admin) {
      const row = pricing.data.models.find((m) => m.model === addPrice)
      setEditing({ form: priceForm(addPrice, row), isNew: !row })
    }
    void navigate({ pathname: location.pathname, search: location.search }, { replace: true, state: null })
  }, [addPrice, pricing.data, config, navigate, location.pathname, location.search])

  return (
    <Layout title="Pricing" toolbar={<DateRangePicker />}>
      {editing && <PriceEditor key={editing.form.model} initial={editing.form} isNew={editing.isNew} onClose={() => setEditing(null)} />}

      <section className="card panel unpriced" aria-label="Models without a price" data-testid="unpriced-panel">
        <header className="panel-head">
          <h2>Models without a price</h2>
          <span className="muted small">seen in traffic in this range; their cost is unknown, never counted as $0</span>
        </header>
        <LoadingPanel {...queryState(unpriced)} isEmpty={unpricedList.length === 0} empty="Every model in this range has a price." minHeight={60} testId="unpriced">
          <table className="table" data-testid="unpriced-table">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col" className="num">Requests</th>
                <th scope="col" className="num">Tokens</th>
                <th scope="col">Last seen</th>
                <th scope="col"><span className="sr-only">Action</span></th>
              </tr>
            </thead>
            <tbody>
              {unpricedList.map((m) => (
                <tr key={m.model} className="row-warning" data-testid={`unpriced-row-${m.model}`}>
                  <th scope="row">{m.model}</th>
                  <td className="num">{m.requests}</td>
                  <td className="num">{m.tokens}</td>
                  <td>{m.lastSeen}</td>
                  <td className="actions">
                    {isAdmin ? (
                      <button type="button" className="button button-small" onClick={() => edit(m.model)} data-testid={`add-price-${m.model}`}>Add price</button>
                    ) : (
                      <span className="muted small">admin only</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </LoadingPanel>
      </section>

      <section className="card panel" aria-label="Model prices">
        <header className="panel-head">
          <h2>Model prices</h2>
          <span className="muted small">USD per 1K tokens (as stored) and per 1M tokens</span>
          {isAdmin && (
            <button type="button" className="button button-small push-right" onClick={() => setEditing({ form: priceForm(''), isNew: true })} data-testid="add-model">
              Add model
            </button>
          )}
        </header>
        <LoadingPanel {...queryState(pricing)} isEmpty={rows.length === 0} empty="No prices yet." minHeight={200} testId="pricing">
          <div className="table-wrap">
            <table className="table" data-testid="pricing-table">
              <thead>
                <tr>
                  <th scope="col" rowSpan={2}>Model</th>
                  <th scope="col" rowSpan={2}>Provider</th>
                  <th scope="colgroup" colSpan={2} className="num group">per 1K tokens</th>
                  <th scope="colgroup" colSpan={2} className="num group">per 1M tokens</th>
                  <th scope="col" rowSpan={2}>Last updated</th>
                  {isAdmin && <th scope="col" rowSpan={2}><span className="sr-only">Action</span></th>}
                </tr>
                <tr>
                  <th scope="col" className="num">Input</th>
                  <th scope="col" className="num">Output</th>
                  <th scope="col" className="num">Input</th>
                  <th scope="col" className="num">Output</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.model} data-testid={`pricing-row-${r.model}`}>
                    <th scope="row">{r.model}</th>
                    <td>{r.provider}</td>
                    <td className="num mono" data-testid="cell-input-1k">{r.inputPer1K}</td>
                    <td className="num mono" data-testid="cell-output-1k">{r.outputPer1K}</td>
                    <td className="num mono" data-testid="cell-input-1m">{r.inputPer1M}</td>
                    <td className="num mono" data-testid="cell-output-1m">{r.outputPer1M}</td>
                    <td className="nowrap" data-testid="cell-updated">{r.lastUpdated}</td>
                    {isAdmin && (
                      <td className="actions">
                        <button type="button" className="button button-link" onClick={() => edit(r.model)} data-testid={`edit-price-${r.model}`} aria-label={`Edit price of ${r.model}`}>
                          Edit
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </LoadingPanel>
      </section>
    </Layout>
  )
}
