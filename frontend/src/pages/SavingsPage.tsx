// Savings: the total possible saving per month, one plan per endpoint from the API (EndpointPlans:
// the best option and two alternatives with the rules they passed, refused models with why), the
// what-if simulator, and the firing alerts (unpriced traffic, failing endpoints, budgets, unusual spend).
import { useMemo } from 'react'
import { Link, useLocation } from 'react-router'
import { DateRangePicker } from '../components/DateRangePicker'
import { FilterBar } from '../components/FilterBar'
import { Layout } from '../components/Layout'
import { LoadingPanel, queryState } from '../components/LoadingPanel'
import { filtersToSearch } from '../data/filters-data'
import { type AlertView, alertViews } from '../data/savings/savings-data'
import { useAlertsQuery } from '../data/savings/savings-queries'
import { useFilters } from '../data/use-filters'
import { EndpointPlans } from './savings/EndpointPlans'
import { EvidencePanel } from './savings/ShadowEvidence'
import { CachingPanel } from './savings/CachingPanel'
import { EquivalencesPanel } from './savings/EquivalencesPanel'
import { Simulator } from './savings/Simulator'

/** State handed to the Pricing page so it opens its "Add price" editor for this model. */
export interface AddPriceState {
  addPrice: string
}

function AlertItem({ alert }: { alert: AlertView }) {
  const [filters] = useFilters()
  const { search } = useLocation()
  let action = null
  if (alert.action.kind === 'add-price') {
    const state: AddPriceState = { addPrice: alert.action.model }
    action = <Link to={{ pathname: '/pricing', search }} state={state} data-testid="alert-add-price">Add a price for {alert.action.model} →</Link>
  } else if (alert.action.kind === 'logs') {
    const logs = filtersToSearch({ ...filters, endpoint_name: alert.action.endpoint, status: 'error' }).toString()
    action = <Link to={{ pathname: '/logs', search: logs }} data-testid="alert-logs">See the failed requests →</Link>
  } else if (alert.action.kind === 'alerts') {
    action = <Link to={{ pathname: '/alerts', search }} data-testid="alert-rules">See it on the Alerts page →</Link>
  }
  return (
    <li className={`alert alert-${alert.severity}`} data-testid={`alert-${alert.key}`} title={alert.message}>
      <span className={`badge severity severity-${alert.severity}`} data-testid="alert-severity">{alert.severity}</span>
      <div className="alert-body">
        <strong>{alert.title}</strong>
        {alert.detail && <span className="muted">{alert.detail}</span>}
      </div>
      {action && <span className="alert-action">{action}</span>}
    </li>
  )
}

export function SavingsPage() {
  const [filters] = useFilters()
  const alerts = useAlertsQuery(filters)
  const alertList = useMemo(() => alertViews(alerts.data?.alerts ?? []), [alerts.data])

  return (
    <Layout title="Savings" toolbar={<DateRangePicker />}>
      <FilterBar />
      <EndpointPlans />
      <Simulator />
      <CachingPanel />
      <EquivalencesPanel />
      <EvidencePanel />
      <section className="card panel" aria-label="Alerts" data-testid="alerts-panel">
        <header className="panel-head">
          <h2>Alerts</h2>
          <span className="muted small">firing now: unpriced traffic, failing endpoints, budgets and unusual spend</span>
        </header>
        <LoadingPanel
          {...queryState(alerts)}
          isEmpty={alertList.length === 0}
          empty="No alerts firing. Rules, budgets and past alerts are on the Alerts page."
          minHeight={80}
          testId="alerts"
        >
          <ul className="alert-list" data-testid="alerts">
            {alertList.map((alert) => <AlertItem key={alert.key} alert={alert} />)}
          </ul>
        </LoadingPanel>
      </section>
    </Layout>
  )
}
