// Sessions: token efficiency per request and per conversation on top, then the conversations
// most recently active in the range; `/sessions/<id>` opens one conversation's turns.
import { useMemo } from 'react'
import { Link, useLocation, useNavigate, useParams } from 'react-router'
import { DateRangePicker } from '../components/DateRangePicker'
import { FilterBar } from '../components/FilterBar'
import { Layout } from '../components/Layout'
import { LoadingPanel, queryState } from '../components/LoadingPanel'
import { MetricCards } from '../components/MetricCards'
import { hasNarrowingFilters } from '../data/filters-data'
import {
  requestMetricCards, sessionMetricCards, sessionPath, sessionRows,
} from '../data/sessions/sessions-data'
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

function SessionList() {
  const [filters] = useFilters()
  const { search } = useLocation()
  const navigate = useNavigate()
  const sessions = useSessionsQuery(filters)
  const rows = useMemo(() => sessionRows(sessions.data?.sessions ?? []), [sessions.data])
  return (
    <section className="card" aria-label="Conversations" data-testid="sessions-panel">
      <header className="panel-head table-head">
        <h2>Conversations</h2>
        <span className="muted small">
          most recently active first{rows.length >= SESSIONS_LIMIT ? `, the ${SESSIONS_LIMIT} latest` : ''}; sums over their turns in this range
        </span>
      </header>
      <LoadingPanel
        {...queryState(sessions)}
        isEmpty={rows.length === 0}
        empty={hasNarrowingFilters(filters) ? 'No conversations match these filters in this range.' : <SessionIdSnippet />}
        minHeight={240}
        testId="sessions"
      >
        <div className={`table-wrap${sessions.isPlaceholderData ? ' is-stale' : ''}`}>
          <table className="table table-dense" data-testid="sessions-table">
            <thead>
              <tr>
                <th scope="col">Session</th>
                <th scope="col" className="num">Requests</th>
                <th scope="col" className="num">Tokens in</th>
                <th scope="col" className="num">Tokens out</th>
                <th scope="col" className="num">Total tokens</th>
                <th scope="col" className="num">Cost</th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
                <th scope="col">Models</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                // The id is the link (keyboard, new tab); a click anywhere on the row opens it too.
                <tr key={row.id} className="row-link" onClick={(e) => !(e.target as HTMLElement).closest('a') && void navigate({ pathname: sessionPath(row.id), search })} data-testid={`session-row-${row.id}`}>
                  <th scope="row">
                    <Link to={{ pathname: sessionPath(row.id), search }} className="mono" data-testid="session-link">{row.id}</Link>
                  </th>
                  <td className="num" data-testid="cell-requests">
                    {row.requests}
                    {row.errors > 0 && <span className="badge badge-error" title="failed requests">{row.errors} failed</span>}
                  </td>
                  <td className="num" data-testid="cell-tokens-in">{row.tokensIn}</td>
                  <td className="num" data-testid="cell-tokens-out">{row.tokensOut}</td>
                  <td className="num" data-testid="cell-tokens">{row.tokens}</td>
                  <td className="num" data-testid="cell-cost">
                    {row.cost}
                    {row.unpriced > 0 && <span className="badge badge-warning" title={`${row.unpriced} requests without a price are not in this cost`}>+{row.unpriced} unpriced</span>}
                  </td>
                  <td className="nowrap mono" data-testid="cell-first-seen">{row.firstSeen}</td>
                  <td className="nowrap mono" data-testid="cell-last-seen">{row.lastSeen}</td>
                  <td data-testid="cell-models">{row.models}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </LoadingPanel>
    </section>
  )
}

function TokenMetricsSummary() {
  const [filters] = useFilters()
  const metrics = useTokenMetricsQuery(filters)
  const requestCards = useMemo(() => (metrics.data ? requestMetricCards(metrics.data) : []), [metrics.data])
  const sessionCards = useMemo(() => (metrics.data ? sessionMetricCards(metrics.data) : []), [metrics.data])
  return (
    <LoadingPanel {...queryState(metrics)} minHeight={220} testId="metrics">
      <div className="metric-group">
        <h2 className="section-title">Per request <span className="muted small">every request in this range</span></h2>
        <MetricCards cards={requestCards} testId="request-metrics" />
      </div>
      <div className="metric-group">
        <h2 className="section-title">Per conversation <span className="muted small">averaged over the most recently active conversations (up to 200)</span></h2>
        <MetricCards cards={sessionCards} testId="session-metrics" />
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
