// Pricing: the catalogue (search, provider filter; every rate per 1K as stored and per 1M), each
// model's price timeline, unpriced requests grouped by why with the fix, and notices for models
// in traffic that retire soon. Admins edit through PUT /api/pricing/<model>. An "Add price" link
// elsewhere (a Savings alert) arrives with `{ addPrice: model }` as state.
import { type FormEvent, useEffect, useMemo, useState } from 'react'
import { useLocation, useNavigate } from 'react-router'
import { DateRangePicker } from '../components/DateRangePicker'
import { Layout } from '../components/Layout'
import { LoadingPanel, errorText, queryState } from '../components/LoadingPanel'
import { useConfigQuery } from '../data/config/config-queries'
import { useMeQuery } from '../data/team/team-queries'
import type { RateUnit } from '../data/pricing/catalogue-data'
import { type PriceForm, type PriceUnit, priceForm, validatePriceForm } from '../data/pricing/pricing-data'
import type { CatalogueRow } from '../data/pricing/pricing-types'
import { usePricingQuery, usePutPriceMutation, useRetirementsQuery, useUnpricedReasonsQuery } from '../data/pricing/pricing-queries'
import { CatalogueTable } from './pricing/CatalogueTable'
import { PriceTimeline, RetirementsPanel, UnpricedPanel } from './pricing/PricingPanels'
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
  // Signed in (self-hosted or hosted): only platform admins change list prices; everyone else reads them.
  const me = useMeQuery(config?.mode !== 'local' && Boolean(config?.is_admin))
  const isAdmin = Boolean(config?.is_admin) && (config?.mode === 'local' || Boolean(me.data?.platform_admin))
  const pricing = usePricingQuery()
  const reasons = useUnpricedReasonsQuery(filters)
  const retirements = useRetirementsQuery(filters, isAdmin)
  const [editing, setEditing] = useState<{ form: PriceForm; isNew: boolean } | null>(null)
  const [timeline, setTimeline] = useState<string | null>(null)
  const [unit, setUnit] = useState<RateUnit>('1M')
  const models = useMemo(() => (pricing.data?.models ?? []) as CatalogueRow[], [pricing.data])

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
    if (isAdmin) {
      const row = pricing.data.models.find((m) => m.model === addPrice)
      setEditing({ form: priceForm(addPrice, row), isNew: !row })
    }
    void navigate({ pathname: location.pathname, search: location.search }, { replace: true, state: null })
  }, [addPrice, pricing.data, config, isAdmin, navigate, location.pathname, location.search])

  return (
    <Layout title="Pricing" toolbar={<DateRangePicker />}>
      {editing && <PriceEditor key={editing.form.model} initial={editing.form} isNew={editing.isNew} onClose={() => setEditing(null)} />}
      {timeline && <PriceTimeline model={timeline} unit={unit} onClose={() => setTimeline(null)} />}

      <RetirementsPanel data={retirements.data} />
      <UnpricedPanel query={reasons} isAdmin={isAdmin} onAddPrice={edit} />

      <section className="card panel" aria-label="Model prices">
        <header className="panel-head">
          <h2>Model prices</h2>
          <span className="muted small">USD per 1K tokens (as stored) and per 1M tokens; each row says when and from where it was last updated</span>
          {isAdmin && (
            <button type="button" className="button button-small push-right" onClick={() => setEditing({ form: priceForm(''), isNew: true })} data-testid="add-model">
              Add model
            </button>
          )}
        </header>
        <LoadingPanel {...queryState(pricing)} isEmpty={models.length === 0} empty="No prices yet." minHeight={200} testId="pricing">
          <CatalogueTable models={models} isAdmin={isAdmin} unit={unit} onUnit={setUnit} onEdit={edit} onHistory={setTimeline} />
        </LoadingPanel>
      </section>
    </Layout>
  )
}
