// One conversation: its totals, tokens per turn (context growth is the typical waste in
// conversations) and every turn, oldest first. Read whole, whatever the range and filters.
import { useMemo } from 'react'
import { Link, useLocation } from 'react-router'
import { ColumnChartView } from '../../components/charts/Chart'
import { LoadingPanel, queryState } from '../../components/LoadingPanel'
import { MetricCards } from '../../components/MetricCards'
import { formatCompact, formatTimestamp } from '../../data/format-data'
import { contextGrowth, sessionTotalCards, turnChartRows, turnRows } from '../../data/sessions/sessions-data'
import { useSessionQuery } from '../../data/sessions/sessions-queries'
import { useFilters } from '../../data/use-filters'
import type { SessionAnswer } from '../../data/sessions/sessions-types'
import { formatDuration, formatScore } from '../../data/sessions/sessions-data'

function SessionBody({ detail }: { detail: SessionAnswer }) {
  const cards = useMemo(() => sessionTotalCards(detail), [detail])
  const rows = useMemo(() => turnRows(detail.turns), [detail])
  const points = useMemo(() => turnChartRows(detail.turns), [detail])
  const growth = useMemo(() => contextGrowth(detail.turns), [detail])
  return (
    <>
      <MetricCards cards={cards} testId="session-totals" />
      {detail.conversations.length > 1 && (
        <section className="card" aria-label="Conversations of this session" data-testid="session-conversations">
          <header className="panel-head table-head">
            <h2>Conversations</h2>
            <span className="muted small">split where the session was silent for longer than the session gap</span>
          </header>
          <div className="table-wrap">
            <table className="table table-dense">
              <thead><tr><th scope="col">Started</th><th scope="col" className="num">Turns</th><th scope="col" className="num">Tokens</th>
                <th scope="col" className="num">Zimmer</th><th scope="col" className="num">Score</th><th scope="col">Rating</th><th scope="col">Status</th><th scope="col" className="num">Duration</th></tr></thead>
              <tbody>
                {detail.conversations.map((c) => (
                  <tr key={c.started_at} data-testid="conversation-row">
                    <td className="mono nowrap">{formatTimestamp(c.started_at)}</td>
                    <td className="num">{c.turns}</td><td className="num">{c.total_tokens.toLocaleString('en-US')}</td>
                    <td className="num">{c.zimmer_tokens.toLocaleString('en-US')}</td><td className="num">{formatScore(c.efficiency_score)}</td>
                    <td>{c.rating}</td><td>{c.status}</td><td className="num">{formatDuration(c.duration_s)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {growth && <div className="banner banner-info" role="status" data-testid="context-growth">{growth}</div>}
      <section className="card panel" aria-label="Tokens per turn" data-testid="chart-turn-tokens">
        <header className="panel-head">
          <h2>Tokens per turn</h2>
          <span className="muted small">input and output of each request, oldest first</span>
        </header>
        <ColumnChartView
          data={points}
          xKey="label"
          stacked
          formatValue={formatCompact}
          series={[
            { key: 'prompt_tokens', label: 'Input' },
            { key: 'completion_tokens', label: 'Output', color: '#0ea5e9' },
          ]}
        />
      </section>
      <section className="card" aria-label="Turns">
        <header className="panel-head table-head">
          <h2>Turns</h2>
          <span className="muted small">oldest first{detail.truncated ? '; the first 1,000 of a longer conversation' : ''}</span>
        </header>
        <div className="table-wrap">
          <table className="table table-dense" data-testid="turns-table">
            <thead>
              <tr>
                <th scope="col" className="num">#</th>
                <th scope="col">Time</th>
                <th scope="col">Model</th>
                <th scope="col">Endpoint</th>
                <th scope="col" className="num">Tokens in</th>
                <th scope="col" className="num">Tokens out</th>
                <th scope="col" className="num">Cost</th>
                <th scope="col" className="num">Latency</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-testid="turn-row">
                  <td className="num muted">{row.turn}</td>
                  <td className="nowrap mono" data-testid="cell-timestamp">{row.timestamp}</td>
                  <td data-testid="cell-model">{row.model}</td>
                  <td data-testid="cell-endpoint"><code>{row.endpoint}</code></td>
                  <td className="num" data-testid="cell-tokens-in">{row.tokensIn}</td>
                  <td className="num" data-testid="cell-tokens-out">{row.tokensOut}</td>
                  <td className="num" data-testid="cell-cost">
                    {row.priced ? row.cost : <span className="badge badge-warning" title="No price for this model: cost unknown">{row.cost}</span>}
                  </td>
                  <td className="num" data-testid="cell-latency">{row.latency}</td>
                  <td data-testid="cell-status"><span className={`badge ${row.isError ? 'badge-error' : 'badge-ok'}`}>{row.status}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  )
}

export function SessionDetailView({ sessionId }: { sessionId: string }) {
  const [filters] = useFilters()
  const { search } = useLocation()
  const session = useSessionQuery(filters.project, sessionId)
  const t = session.data?.metrics
  return (
    <>
      <div className="detail-head">
        <Link to={{ pathname: '/sessions', search }} className="button button-secondary button-small" data-testid="sessions-back">← All sessions</Link>
        <code className="session-id" data-testid="session-id">{sessionId}</code>
        {t && (
          <span className="muted small" data-testid="session-span">
            {formatTimestamp(t.started_at)} → {formatTimestamp(t.ended_at)} · the whole session, whatever the date range
          </span>
        )}
      </div>
      <LoadingPanel {...queryState(session)} minHeight={320} testId="session">
        {session.data && <SessionBody detail={session.data} />}
      </LoadingPanel>
    </>
  )
}
