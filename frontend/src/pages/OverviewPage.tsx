// Overview: headline totals with change, usage and cost over time, cost by model and by
// feature, model distribution, latency per model and the table by endpoint_name.
import { type ReactNode, useMemo } from 'react'
import { Link, useLocation } from 'react-router'
import { DateRangePicker } from '../components/DateRangePicker'
import { FilterBar } from '../components/FilterBar'
import { FirstEventSnippet } from '../components/FirstEventSnippet'
import { Layout } from '../components/Layout'
import { LoadingPanel, queryState } from '../components/LoadingPanel'
import { hasNarrowingFilters } from '../data/filters-data'
import { formatCount } from '../data/format-data'
import { type StatCard, endpointRows, statCards } from '../data/overview/overview-data'
import { useBreakdownQuery, useDashboardQuery, useTimeseriesQuery } from '../data/overview/overview-queries'
import { useFilters } from '../data/use-filters'
import { budgetView } from '../data/alerts/alerts-data'
import { useBudgetQuery } from '../data/alerts/alerts-queries'
import type { BreakdownGroup } from '../data/types'
import {
  CostByChart, CostOverTimeChart, LatencyByModelChart, ModelDistributionChart, TokensOverTimeChart,
} from './overview/OverviewCharts'

export function Panel({ title, subtitle, testId, wide, children }: { title: string; subtitle?: string; testId?: string; wide?: boolean; children: ReactNode }) {
  return (
    <section className={`card panel${wide ? ' panel-wide' : ''}`} data-testid={testId} aria-label={title}>
      <header className="panel-head">
        <h2>{title}</h2>
        {subtitle && <span className="muted small">{subtitle}</span>}
      </header>
      {children}
    </section>
  )
}

function StatCardView({ card }: { card: StatCard }) {
  return (
    <div className={`card stat${card.warning ? ' stat-warning' : ''}`} data-testid={`stat-${card.id}`}>
      <span className="stat-label">{card.label}</span>
      <span className="stat-value" data-testid={`stat-${card.id}-value`} title={card.exact && `exactly ${card.exact}`}>{card.value}</span>
      <span className="stat-foot">
        <span className={`change change-${card.tone}${card.change === null ? ' change-none' : ''}`} data-testid={`stat-${card.id}-change`} title="Change against the previous period of equal length">
          {card.change === null ? 'no previous data' : card.changeLabel}
        </span>
        {card.change !== null && <span className="muted small">vs prev.</span>}
        {card.hint && <span className="muted small">{card.hint}</span>}
      </span>
    </div>
  )
}

function EndpointTable({ groups }: { groups: BreakdownGroup[] }) {
  const rows = useMemo(() => endpointRows(groups), [groups])
  return (
    <div className="table-wrap">
      <table className="table table-stack" data-testid="endpoint-table">
        <thead>
          <tr>
            <th scope="col">Endpoint</th>
            <th scope="col" className="num">Requests</th>
            <th scope="col" className="num">Tokens</th>
            <th scope="col" className="num">Cost</th>
            <th scope="col" className="num">Share of cost</th>
            <th scope="col" className="num">Avg latency</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} data-testid={`endpoint-row-${row.key}`}>
              <th scope="row"><code>{row.key}</code></th>
              <td className="num" data-label="Requests" data-testid="cell-requests">{row.requests}</td>
              <td className="num" data-label="Tokens" data-testid="cell-tokens">{row.tokens}</td>
              <td className="num" data-label="Cost" data-testid="cell-cost">
                {row.cost}
                {row.unpriced > 0 && <span className="badge badge-warning" title={`${row.unpriced} requests without a price are not in this cost`}>+{row.unpriced} unpriced</span>}
              </td>
              <td className="num" data-label="Share of cost" data-testid="cell-share">{row.share}</td>
              <td className="num" data-label="Avg latency" data-testid="cell-latency">{row.avgLatency}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** This month so far, the month-end projection and where it stands against the monthly budget. */
function BudgetCard({ project }: { project: string | null }) {
  const { search } = useLocation()
  const budget = useBudgetQuery(project)
  const view = useMemo(() => (budget.data ? budgetView(budget.data) : null), [budget.data])
  if (!view || !budget.data) return null
  const month = budget.data.projection.month
  return (
    <div className="stats stats-budget" data-testid="budget">
      <div className="card stat" data-testid="stat-month_to_date">
        <span className="stat-label">{month} so far</span>
        <span className="stat-value" data-testid="stat-month_to_date-value" title={view.monthToDate.exact && `exactly ${view.monthToDate.exact}`}>{view.monthToDate.text}</span>
        <span className="stat-foot"><span className="muted small">this month, all filters aside</span></span>
      </div>
      <div className={`card stat budget-${view.tone}`} data-testid="stat-projection">
        <span className="stat-label">Projected for {month}</span>
        <span className="stat-value" data-testid="stat-projection-value" title={view.projected.exact && `exactly ${view.projected.exact}`}>{view.projected.text}</span>
        <span className="stat-foot">
          <span className={`badge budget-status-${budget.data.status}`} data-testid="budget-status">{view.label}</span>
          <span className="muted small" data-testid="budget-detail">{view.detail}</span>
          {budget.data.status === 'none' && <Link to={{ pathname: '/alerts', search }} className="small">Set one →</Link>}
        </span>
      </div>
    </div>
  )
}

export function OverviewPage() {
  const [filters] = useFilters()
  const { search } = useLocation()
  const dashboard = useDashboardQuery(filters)
  const timeseries = useTimeseriesQuery(filters)
  const byModel = useBreakdownQuery(filters, 'model')
  const byEndpoint = useBreakdownQuery(filters, 'endpoint_name')
  const cards = useMemo(() => (dashboard.data ? statCards(dashboard.data) : []), [dashboard.data])
  const totals = dashboard.data?.totals
  const isEmpty = totals !== undefined && totals.requests === 0

  const breakdownPanel = (query: typeof byModel, render: (groups: BreakdownGroup[]) => ReactNode, testId: string) => (
    <LoadingPanel {...queryState(query)} isEmpty={query.data?.groups.length === 0} minHeight={220} testId={testId}>
      {query.data && render(query.data.groups)}
    </LoadingPanel>
  )

  return (
    <Layout title="Overview" toolbar={<DateRangePicker />}>
      <FilterBar />
      <LoadingPanel {...queryState(dashboard)} minHeight={110} testId="totals">
        <div className="stats" data-testid="totals">
          {cards.map((card) => <StatCardView key={card.id} card={card} />)}
        </div>
      </LoadingPanel>
      <BudgetCard project={filters.project} />
      {totals && totals.unpriced_requests > 0 && (
        <div className="banner banner-warning" role="status" data-testid="unpriced-warning">
          <strong>{formatCount(totals.unpriced_requests, 'request')} {totals.unpriced_requests === 1 ? 'has' : 'have'} no price.</strong>{' '}
          Their cost is unknown and not included in the totals above.{' '}
          <Link to={{ pathname: '/pricing', search }}>Add prices →</Link>
        </div>
      )}
      {isEmpty && !hasNarrowingFilters(filters) ? (
        <div className="card"><FirstEventSnippet /></div>
      ) : isEmpty ? (
        <div className="card panel-state panel-empty" data-testid="overview-no-match">No requests match these filters in this range.</div>
      ) : (
        <div className="grid">
          <Panel title="Tokens over time" subtitle={timeseries.data ? `per ${timeseries.data.bucket}` : undefined} testId="chart-tokens">
            <LoadingPanel {...queryState(timeseries)} minHeight={260}>
              {timeseries.data && <TokensOverTimeChart data={timeseries.data} />}
            </LoadingPanel>
          </Panel>
          <Panel title="Cost over time" subtitle="USD, priced requests" testId="chart-cost">
            <LoadingPanel {...queryState(timeseries)} minHeight={260}>
              {timeseries.data && <CostOverTimeChart data={timeseries.data} />}
            </LoadingPanel>
          </Panel>
          <Panel title="Cost by model" testId="chart-cost-by-model">
            {breakdownPanel(byModel, (groups) => <CostByChart groups={groups} />, 'cost-by-model')}
          </Panel>
          <Panel title="Cost by feature" subtitle="endpoint_name" testId="chart-cost-by-endpoint">
            {breakdownPanel(byEndpoint, (groups) => <CostByChart groups={groups} />, 'cost-by-endpoint')}
          </Panel>
          <Panel title="Model distribution" subtitle="share of requests" testId="chart-model-distribution">
            {breakdownPanel(byModel, (groups) => <ModelDistributionChart groups={groups} />, 'model-distribution')}
          </Panel>
          <Panel title="Latency per model" subtitle="p50 and p95" testId="chart-latency">
            {breakdownPanel(byModel, (groups) => <LatencyByModelChart groups={groups} />, 'latency')}
          </Panel>
          <Panel title="By endpoint" subtitle="requests, tokens, cost, share and latency per endpoint_name" testId="panel-endpoints" wide>
            {breakdownPanel(byEndpoint, (groups) => <EndpointTable groups={groups} />, 'endpoints')}
          </Panel>
        </div>
      )}
    </Layout>
  )
}
