// Prompt caching: where a large system prompt / tool list repeats on an endpoint and nothing is
// cached, what the provider's cache would save a month and what to change (GET /api/optimization/caching).
import { useMemo } from 'react'
import { LoadingPanel, queryState } from '../../components/LoadingPanel'
import { type CachingView, cachingViews } from '../../data/savings/caching-data'
import { useCachingQuery } from '../../data/savings/caching-queries'
import { useFilters } from '../../data/use-filters'

function CachingItem({ item }: { item: CachingView }) {
  return (
    <li className="advice" data-testid={`caching-${item.endpoint}-${item.model}`}>
      <div className="advice-body">
        <span className={`badge option option-caching`} title={item.provider === 'anthropic' ? 'Explicit cache_control breakpoints' : 'Automatic prefix caching'}>
          {item.provider === 'anthropic' ? 'cache_control' : 'prefix order'}
        </span>
        <p className="advice-sentence" data-testid="caching-sentence">
          Cache the repeated prefix of <code>{item.endpoint}</code> on <strong>{item.model}</strong>: save{' '}
          <strong data-testid="caching-monthly" title={item.monthly.exact && `exactly ${item.monthly.exact} a month`}>{item.monthly.text}</strong> a month
          <span className="muted small"> (<span title={item.window.exact}>{item.window.text}</span> on the calls seen)</span>
        </p>
        <p className="small" data-testid="caching-how">{item.how}</p>
        <p className="muted small" data-testid="caching-basis">{item.basis}. {item.rates}.</p>
      </div>
      <span className="advice-amount" aria-hidden="true">{item.monthly.text}</span>
    </li>
  )
}

export function CachingPanel() {
  const [filters] = useFilters()
  const caching = useCachingQuery(filters)
  const view = useMemo(() => (caching.data ? cachingViews(caching.data) : null), [caching.data])
  return (
    <section className="card panel" aria-label="Prompt caching" data-testid="caching-panel">
      <header className="panel-head">
        <h2>Prompt caching</h2>
        <span className="muted small">
          repeated system prompts and tool lists, never cached today: what the provider&apos;s cache would save
          {view && view.items.length > 0 && <> (<strong data-testid="caching-total" title={view.total.exact}>{view.total.text}</strong> a month in all)</>}
        </span>
      </header>
      <LoadingPanel
        {...queryState(caching)}
        isEmpty={!view || view.items.length === 0}
        empty={caching.data === null ? (
          <p className="muted" data-testid="caching-unavailable">Caching advice comes from the TokenOptimizer API (self-hosted or local).</p>
        ) : (
          <div className="empty-hint" data-testid="caching-hint">
            <strong>No prefix to cache in this range&apos;s last 7 days.</strong>
            <span>
              Advice appears when 10 or more calls of an endpoint share a system prompt and tool list of at least 1,024 tokens
              (2,048 on Claude Haiku) and none of them read from the cache. The Python SDK sends a fingerprint of that prefix,
              never its text.
            </span>
          </div>
        )}
        minHeight={80}
        testId="caching"
      >
        <ol className="advice-list" data-testid="caching-list">
          {view?.items.map((item) => <CachingItem key={item.key} item={item} />)}
        </ol>
      </LoadingPanel>
    </section>
  )
}
