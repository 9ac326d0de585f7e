// The price catalogue: search by name (or alias), filter by provider; input and output per 1K and
// per 1M, the other rates (cache reads and writes, long context, service tiers) in the chosen unit.
import { useMemo, useState } from 'react'
import { type RateUnit, catalogueRows, filterCatalogue, providerOptions } from '../../data/pricing/catalogue-data'
import type { CatalogueRow } from '../../data/pricing/pricing-types'
import { priceRows } from '../../data/pricing/pricing-data'

const SHOWN = 100 // rows rendered at once: a fresh install holds ~600, a full import ~4,000

export function CatalogueTable({ models, isAdmin, unit, onUnit, onEdit, onHistory }: {
  models: CatalogueRow[]
  isAdmin: boolean
  unit: RateUnit
  onUnit: (unit: RateUnit) => void
  onEdit: (model: string) => void
  onHistory: (model: string) => void
}) {
  const [search, setSearch] = useState('')
  const [provider, setProvider] = useState('')
  const [all, setAll] = useState(false)
  const providers = useMemo(() => providerOptions(models), [models])
  const matching = useMemo(() => filterCatalogue(models, search, provider), [models, search, provider])
  const basics = useMemo(() => new Map(priceRows(matching).map((r) => [r.model, r])), [matching])
  const rows = useMemo(() => catalogueRows(matching, unit), [matching, unit])
  const shown = all ? rows : rows.slice(0, SHOWN)
  return (
    <>
      <div className="toolbar-row catalogue-filters">
        <label className="field">
          <span>Search</span>
          <input type="search" value={search} placeholder="model or alias, e.g. gpt-5" onChange={(e) => setSearch(e.target.value)} data-testid="pricing-search" />
        </label>
        <label className="field">
          <span>Provider</span>
          <select value={provider} onChange={(e) => setProvider(e.target.value)} data-testid="pricing-provider">
            <option value="">All providers ({models.length})</option>
            {providers.map((p) => <option key={p.provider} value={p.provider}>{p.provider} ({p.count})</option>)}
          </select>
        </label>
        <label className="field">
          <span>Other rates per</span>
          <select value={unit} onChange={(e) => onUnit(e.target.value as RateUnit)} data-testid="pricing-unit">
            <option value="1M">1M tokens</option>
            <option value="1K">1K tokens</option>
          </select>
        </label>
        <span className="muted small" data-testid="pricing-count">{matching.length} of {models.length} models</span>
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="pricing-table">
          <thead>
            <tr>
              <th scope="col" rowSpan={2}>Model</th>
              <th scope="col" rowSpan={2}>Provider</th>
              <th scope="colgroup" colSpan={2} className="num group">per 1K tokens</th>
              <th scope="colgroup" colSpan={2} className="num group">per 1M tokens</th>
              <th scope="colgroup" colSpan={5} className="num group">per {unit} tokens</th>
              <th scope="col" rowSpan={2}>Last updated</th>
              <th scope="col" rowSpan={2}><span className="sr-only">Actions</span></th>
            </tr>
            <tr>
              <th scope="col" className="num">Input</th>
              <th scope="col" className="num">Output</th>
              <th scope="col" className="num">Input</th>
              <th scope="col" className="num">Output</th>
              <th scope="col" className="num">Cached input</th>
              <th scope="col" className="num">Cache write 5 min</th>
              <th scope="col" className="num">Cache write 1 h</th>
              <th scope="col">Long context</th>
              <th scope="col">Service tiers</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => {
              const b = basics.get(r.model)
              return (
                <tr key={r.model} data-testid={`pricing-row-${r.model}`}>
                  <th scope="row">{r.model}</th>
                  <td>{r.provider}</td>
                  <td className="num mono" data-testid="cell-input-1k">{b?.inputPer1K}</td>
                  <td className="num mono" data-testid="cell-output-1k">{b?.outputPer1K}</td>
                  <td className="num mono" data-testid="cell-input-1m">{b?.inputPer1M}</td>
                  <td className="num mono" data-testid="cell-output-1m">{b?.outputPer1M}</td>
                  <td className="num mono" data-testid="cell-cached">{r.cached}</td>
                  <td className="num mono" data-testid="cell-write-5m">{r.cacheWrite5m}</td>
                  <td className="num mono" data-testid="cell-write-1h">{r.cacheWrite1h}</td>
                  <td className="mono small" data-testid="cell-long-context">{r.longContext}</td>
                  <td className="mono small" data-testid="cell-tiers">{r.serviceTiers}</td>
                  <td className="nowrap" data-testid="cell-updated" title={`source: ${r.source}`}>{r.lastUpdated}</td>
                  <td className="actions nowrap">
                    <button type="button" className="button button-link" onClick={() => onHistory(r.model)} data-testid={`history-${r.model}`} aria-label={`Price timeline of ${r.model}`}>History</button>
                    {isAdmin && (
                      <button type="button" className="button button-link" onClick={() => onEdit(r.model)} data-testid={`edit-price-${r.model}`} aria-label={`Edit price of ${r.model}`}>Edit</button>
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      {rows.length > shown.length && (
        <p className="muted small">
          Showing {shown.length} of {rows.length}: search or pick a provider to narrow them, or{' '}
          <button type="button" className="button button-link" onClick={() => setAll(true)} data-testid="pricing-show-all">show all</button>.
        </p>
      )}
    </>
  )
}
