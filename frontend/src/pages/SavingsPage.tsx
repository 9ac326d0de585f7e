// Savings: the total possible saving, recommendations with their exact savings (largest first;
// per endpoint × model the cheapest model and the smallest step down; per endpoint, summarising
// growing conversation histories; per endpoint × model, capping overlong answers), and the firing alerts (unpriced traffic, failing endpoints, budgets, unusual spend).
import { useMemo } from 'react'
import { Link, useLocation } from 'react-router'
import { DateRangePicker } from '../components/DateRangePicker'
import { FilterBar } from '../components/FilterBar'
import { Layout } from '../components/Layout'
import { LoadingPanel, queryState } from '../components/LoadingPanel'
import { filtersToSearch } from '../data/filters-data'
import { type AlertView, type RecommendationView, alertViews, recommendationViews, savingsTotal } from '../data/savings/savings-data'
import { useAlertsQuery, useOptimizationQuery } from '../data/savings/savings-queries'
import { useFilters } from '../data/use-filters'
import { Simulator } from './savings/Simulator'

/** State handed to the Pricing page so it opens its "Add price" editor for this model. */
export interface AddPriceState {
  addPrice: string
}

const OPTION_TITLES: Record<string, string> = {
  cheapest: 'The biggest saving',
  next_cheaper: 'The closest cheaper model: the safest switch',
  summarise_history: 'Summarise earlier turns instead of resending the whole history',
  shorter_answers: 'Cap overlong answers with max_tokens, or ask for brevity in the prompt',
}

function RecommendationItem({ rec }: { rec: RecommendationView }) {
  const badge = rec.option ?? rec.kind
  return (
    <li className="advice" data-testid={`recommendation-${rec.endpoint}-${rec.kind === 'cheaper_model' ? `${rec.model}-${rec.option}` : rec.kind}`}>
      <div className="advice-body">
        <span className={`badge option option-${badge}`} data-testid="recommendation-option" title={OPTION_TITLES[badge]}>
          {rec.optionLabel}
        </span>
        <p className="advice-sentence" data-testid="recommendation-sentence">
          {rec.kind === 'summarise_history' && <>Summarise conversation history on <code>{rec.endpoint}</code>:{' '}</>}
          {rec.kind === 'shorter_answers' && <>Ask for shorter answers on <code>{rec.endpoint}</code> (<strong>{rec.model}</strong>):{' '}</>}
          {rec.kind === 'cheaper_model' && (
            <>Move <code>{rec.endpoint}</code> from <strong>{rec.model}</strong> to <strong>{rec.suggestedModel}</strong>:{' '}</>
          )}
          save <strong data-testid="recommendation-savings">{rec.savings}</strong> over this period ({rec.reduction})
        </p>
        <p className="muted small" data-testid="recommendation-detail">{rec.detail}</p>
      </div>
      <span className="advice-amount" aria-hidden="true">{rec.savings}</span>
    </li>
  )
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
  const optimization = useOptimizationQuery(filters)
  const alerts = useAlertsQuery(filters)
  const recommendations = optimization.data?.recommendations
  const views = useMemo(() => recommendationViews(recommendations ?? []), [recommendations])
  const modelAdvice = views.some((v) => v.kind === 'cheaper_model')
  const total = useMemo(() => savingsTotal(recommendations ?? []), [recommendations])
  const alertList = useMemo(() => alertViews(alerts.data?.alerts ?? []), [alerts.data])

  return (
    <Layout title="Savings" toolbar={<DateRangePicker />}>
      <FilterBar />
      {modelAdvice && (
        <section className="card savings-total" aria-label="Total possible saving" data-testid="savings-total">
          <span className="stat-label">Total possible saving from cheaper models</span>
          <span className="savings-amount" data-testid="savings-total-value" title={`$${total.amount}`}>{total.savings}</span>
          <span className="muted">
            on {total.currentCost} of spend on these endpoints and models ({total.reduction}), taking the cheapest option for
            each of {total.groups} {total.groups === 1 ? 'endpoint and model' : 'endpoint and model pairs'}, at list prices for the same tokens
            (shorter histories and answers not included: they save on the same traffic)
          </span>
        </section>
      )}
      <section className="card panel" aria-label="Recommendations">
        <header className="panel-head">
          <h2>Recommendations</h2>
          <span className="muted small">per endpoint and model, the cheapest model of the same provider and the smallest step down; shorter conversation histories and answers; largest saving first</span>
        </header>
        <LoadingPanel
          {...queryState(optimization)}
          isEmpty={views.length === 0}
          empty={
            <div className="empty-hint" data-testid="recommendations-hint">
              <strong>No cheaper model to suggest for this range.</strong>
              <span>
                A recommendation appears when an endpoint&apos;s priced traffic runs on a model with a cheaper one at the same
                provider (e.g. <code>gpt-4o</code> → <code>gpt-4.1</code>): tag calls with <code>endpoint_name</code> to see it per feature.
              </span>
            </div>
          }
          minHeight={160}
          testId="recommendations"
        >
          <ol className={`advice-list${optimization.isPlaceholderData ? ' is-stale' : ''}`} data-testid="recommendations">
            {views.map((rec) => <RecommendationItem key={rec.key} rec={rec} />)}
          </ol>
        </LoadingPanel>
      </section>
      <Simulator />
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
