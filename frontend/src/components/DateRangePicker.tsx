// 24h / 7d / 30d / custom, written to the URL. Custom takes whole days in the browser's zone.
import { useEffect, useState } from 'react'
import { RANGES, type RangeKey } from '../data/filters-data'
import { useFilters } from '../data/use-filters'

function today(): string {
  const d = new Date()
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

export function DateRangePicker() {
  const [filters, setFilters] = useFilters()
  const [showCustom, setShowCustom] = useState(filters.range === 'custom')
  const [from, setFrom] = useState(filters.from ?? today())
  const [to, setTo] = useState(filters.to ?? today())

  useEffect(() => {
    if (filters.range === 'custom') {
      setFrom(filters.from ?? today())
      setTo(filters.to ?? today())
    }
  }, [filters.range, filters.from, filters.to])

  function pick(range: RangeKey) {
    if (range === 'custom') {
      setShowCustom(true)
      return
    }
    setShowCustom(false)
    setFilters({ range, from: null, to: null })
  }

  const active = showCustom ? 'custom' : filters.range
  return (
    <div className="range-picker">
      <div className="segmented" role="group" aria-label="Date range">
        {RANGES.map((r) => (
          <button
            key={r.key}
            type="button"
            className={active === r.key ? 'active' : ''}
            aria-pressed={active === r.key}
            title={r.label}
            onClick={() => pick(r.key)}
            data-testid={`range-${r.key}`}
          >
            {r.key === 'custom' ? 'Custom' : r.key}
          </button>
        ))}
      </div>
      {showCustom && (
        <form
          className="custom-range"
          onSubmit={(e) => {
            e.preventDefault()
            setFilters({ range: 'custom', from, to })
          }}
        >
          <label>
            <span className="sr-only">From</span>
            <input type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} aria-label="From date" data-testid="range-from" />
          </label>
          <span aria-hidden="true">→</span>
          <label>
            <span className="sr-only">To</span>
            <input type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} aria-label="To date" data-testid="range-to" />
          </label>
          <button type="submit" className="button button-small" data-testid="range-apply">Apply</button>
        </form>
      )}
    </div>
  )
}
