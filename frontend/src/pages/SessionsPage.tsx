// Sessions: conversation efficiency (Zimmer Tokens, score) and a histogram of tokens per
// conversation on top, then the conversations with score, rating and status, sorted and paged;
// `/sessions/<id>` opens one session's conversations and turns.
import { useMemo, useState } from 'react'
import { Link, useLocation, useNavigate, useParams } from 'react-router'
import { DateRangePicker } from '../components/DateRangePicker'
import { FilterBar } from '../components/FilterBar'
import { Layout } from '../components/Layout'
import { LoadingPanel, queryState } from '../components/LoadingPanel'
import { MetricCards } from '../components/MetricCards'
import { hasNarrowingFilters } from '../data/filters-data'
import { ColumnChartView } from '../components/charts/Chart'
import { formatCompact } from '../data/format-data'
import {
  conversationMetricCards, histogramBars, requestMetricCards, sessionPath, sessionRows,
} from '../data/sessions/sessions-data'
import type { SessionSort, SortOrder } from '../data/sessions/sessions-types'
import { SESSIONS_LIMIT, useSessionsQuery, useTokenMetricsQuery } from '../data/sessions/sessions-queries'
import { useFilters } from '../data/use-filters'
import { SessionDetailView } from './sessions/SessionDetailView'

/** What fills this page: calls tagged with a conversation id. */
export function SessionIdSnippet() {
  return (
    <div className="empty-hint" data-testid="sessions-hint">
      <strong>Tag calls with <code>session_id</code> to see conversations.</strong>
      <span>Every call of one conversation gets the same id, e.g.:</span>
      <pre className="snippet" data-testid="sessions-snippet"><code>{'tracked_completion(..., session_id="conversation-42")'}</code></pre>
      <span className="muted small">or <code>track_usage(response, session_id="conversation-42")</code> for calls made another way.</span>
    </div>
  )
}

const SORTS: { value: SessionSort; label: string }[] = [
  { value: 'recent', label: 'Most recent' }, { value: 'cost', label: 'Cost' }, { value: 'tokens', label: 'Tokens' },
  { value: 'turns', label: 'Turns' }, { value: 'score', label: 'Efficiency score' },
]

function RatingBadge({ value, testId }: { value: string; testId: string }) {
  return <span className={`badge rating rating-${value.toLowerCase()}`} data-testid={testId}>{value}</span>
}

function SessionList() {
  const [filters] = useFilters()
  const { search } = useLocation()
  const navigate = useNavigate()
  const [sort, setSort] = useState<SessionSort>('recent')
  const [order, setOrder] = useState<SortOrder>('desc')
  // The cursors of the pages before this one, so Previous can go back.
  const [cursors, setCursors] = useState<(string | null)[]>([null])
  const cursor = cursors[cursors.length - 1]
  const sessions = useSessionsQuery(filters, { sort, order, cursor, limit: SESSIONS_LIMIT })
  const rows = useMemo(() => sessionRows(sessions.data?.sessions ?? []), [sessions.data])
  const restart = () => setCursors([null])
  const next = sessions.data?.next ?? null
  return (
    <section className="card" aria-label="Conversations" data-testid="sessions-panel">
      <header className="panel-head table-head">
        <h2>Conversations</h2>
        <div className="toolbar-inline">
          <label className="muted small">Sort by{' '}
            <select value={sort} onChange={(e) => { setSort(e.target.value as SessionSort); restart() }} data-testid="sessions-sort">
              {SORTS.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
            </select>
          </label>
          <button type="button" className="button button-secondary button-small" data-testid="sessions-order"
            onClick={() => { setOrder(order === 'desc' ? 'asc' : 'desc'); restart() }}>
            {order === 'desc' ? '↓ highest first' : '↑ lowest first'}
          </button>
        </div>
      </header>
      <LoadingPanel
        {...queryState(sessions)}
        isEmpty={rows.length === 0}
        empty={hasNarrowingFilters(filters) ? 'No conversations match these filters in this range.' : <SessionIdSnippet />}
        minHeight={240}
        testId="sessions"
      >
        <div className={`table-wrap${sessions.isPlaceholderData ? ' is-stale' : ''}`}>
          <table className="table table-dense table-stack" data-testid="sessions-table">
            <thead>
              <tr>
                <th scope="col">Session</th>
                <th scope="col" className="num">Turns</th>
                <th scope="col" className="num">Tokens</th>
                <th scope="col" className="num">Cost</th>
                <th scope="col" className="num" title="total tokens / turns × the model's multiplier">Zimmer</th>
                <th scope="col" className="num" title="100 × max(0, 1 − Zimmer / 300)">Score</th>
                <th scope="col" title="from Zimmer Tokens">Rating</th>
                <th scope="col" title="from the score">Status</th>
                <th scope="col">Started</th>
                <th scope="col" className="num">Duration</th>
                <th scope="col">Models</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                // The id is the link (keyboard, new tab); a click anywhere on the row opens it too.
                <tr key={row.key} className="row-link" onClick={(e) => !(e.target as HTMLElement).closest('a') && void navigate({ pathname: sessionPath(row.id), search })} data-testid={`session-row-${row.id}`}>
                  <th scope="row">
                    <Link to={{ pathname: sessionPath(row.id), search }} className="mono" data-testid="session-link">{row.id}</Link>
                  </th>
                  <td className="num" data-label="Turns" data-testid="cell-turns">
                    {row.turns}
                    {row.errors > 0 && <span className="badge badge-error" title="failed requests">{row.errors} failed</span>}
                  </td>
                  <td className="num" data-label="Tokens" data-testid="cell-tokens">{row.tokens}</td>
                  <td className="num" data-label="Cost" data-testid="cell-cost" title={row.cost.exact && `exactly ${row.cost.exact}`}>
                    {row.cost.text}
                    {row.unpriced > 0 && <span className="badge badge-warning" title={`${row.unpriced} turns without a price are not in this cost`}>+{row.unpriced} unpriced</span>}
                  </td>
                  <td className="num" data-label="Zimmer" data-testid="cell-zimmer">{row.zimmer}</td>
                  <td className="num" data-label="Score" data-testid="cell-score">{row.score}</td>
                  <td data-label="Rating"><RatingBadge value={row.rating} testId="cell-rating" /></td>
                  <td data-label="Status"><RatingBadge value={row.status} testId="cell-status" /></td>
                  <td className="nowrap mono" data-label="Started" data-testid="cell-started">{row.started}</td>
                  <td className="num nowrap" data-label="Duration" data-testid="cell-duration">{row.duration}</td>
                  <td data-label="Models" data-testid="cell-models">{row.models}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <footer className="pager" data-testid="sessions-pager">
          <button type="button" className="button button-secondary button-small" disabled={cursors.length === 1}
            onClick={() => setCursors(cursors.slice(0, -1))} data-testid="sessions-prev">← Previous</button>
          <span className="muted small" data-testid="sessions-page">page {cursors.length}</span>
          <button type="button" className="button button-secondary button-small" disabled={next === null}
            onClick={() => next && setCursors([...cursors, next])} data-testid="sessions-next">Next →</button>
        </footer>
      </LoadingPanel>
    </section>
  )
}

function TokenMetricsSummary() {
  const [filters] = useFilters()
  const metrics = useTokenMetricsQuery(filters)
  const requestCards = useMemo(() => (metrics.data ? requestMetricCards(metrics.data) : []), [metrics.data])
  const conversationCards = useMemo(() => (metrics.data ? conversationMetricCards(metrics.data) : []), [metrics.data])
  const bars = useMemo(() => histogramBars(metrics.data?.conversations.tokens_histogram ?? []), [metrics.data])
  return (
    <LoadingPanel {...queryState(metrics)} minHeight={220} testId="metrics">
      <div className="metric-group">
        <h2 className="section-title">Per conversation <span className="muted small">Zimmer Tokens, efficiency and cost over the most recently active conversations (up to 10,000)</span></h2>
        <MetricCards cards={conversationCards} testId="session-metrics" />
      </div>
      <section className="card panel metric-group" aria-label="Tokens per conversation" data-testid="chart-session-histogram">
        <header className="panel-head">
          <h2>Tokens per conversation</h2>
          <span className="muted small">how many conversations used how many tokens</span>
        </header>
        <ColumnChartView data={bars} xKey="label" formatValue={formatCompact}
          series={[{ key: 'conversations', label: 'Conversations' }]} />
      </section>
      <div className="metric-group">
        <h2 className="section-title">Per request <span className="muted small">every request in this range</span></h2>
        <MetricCards cards={requestCards} testId="request-metrics" />
      </div>
    </LoadingPanel>
  )
}

export function SessionsPage() {
  const { sessionId } = useParams()
  if (sessionId !== undefined) {
    return (
      <Layout title="Session">
        <SessionDetailView sessionId={sessionId} />
      </Layout>
    )
  }
  return (
    <Layout title="Sessions" toolbar={<DateRangePicker />}>
      <FilterBar />
      <TokenMetricsSummary />
      <SessionList />
    </Layout>
  )
}
