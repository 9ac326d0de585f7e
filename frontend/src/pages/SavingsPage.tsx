// Savings: the total possible saving, recommendations with their exact savings (largest first;
// per endpoint × model the cheapest model and the smallest step down; per endpoint, summarising
// growing conversation histories; per endpoint × model, capping overlong answers), and the firing alerts (unpriced traffic, failing endpoints, budgets, unusual spend).
import { useMemo, useState } from 'react'
import { Link, useLocation } from 'react-router'
import { DateRangePicker } from '../components/DateRangePicker'
import { FilterBar } from '../components/FilterBar'
import { Layout } from '../components/Layout'
import { LoadingPanel, queryState } from '../components/LoadingPanel'
import { filtersToSearch, readParams } from '../data/filters-data'
import { moneyText, perMonth } from '../data/format-data'
import { type EndpointPlan, SHOWN_OPTIONS, TOP_PLANS, endpointPlans, rangeDays } from '../data/savings/plans-data'
import { type AlertView, type RecommendationView, alertViews, savingsTotal } from '../data/savings/savings-data'
import { useAlertsQuery, useOptimizationQuery } from '../data/savings/savings-queries'
import { useFilters } from '../data/use-filters'
import { useEvidenceQuery } from '../data/savings/evidence-queries'
import { EndpointEvidence, EvidencePanel } from './savings/ShadowEvidence'
import { CachingPanel } from './savings/CachingPanel'
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

function PlanItem({ plan }: { plan: EndpointPlan }) {
  const [open, setOpen] = useState(false)
  const shown = open ? plan.options : plan.options.slice(0, SHOWN_OPTIONS)
  const more = plan.options.length - SHOWN_OPTIONS
  const [filters] = useFilters()
  const evidence = useEvidenceQuery(filters)  // one request for every plan (same query key)
  return (
    <li className="plan" data-testid={`plan-${plan.endpoint}`}>
      <header className="plan-head">
        <code className="plan-endpoint">{plan.endpoint}</code>
        <span className="muted small">spends {plan.currentCost} on the advised traffic in this range</span>
        <span className="plan-saving" title={plan.monthly.exact && `exactly ${plan.monthly.exact} a month`}>
          save <strong data-testid="plan-monthly">{plan.monthly.text}</strong> a month
          <span className="muted small"> ({plan.periodSaving} in this range)</span>
        </span>
      </header>
      <EndpointEvidence rows={evidence.data?.evidence ?? []} endpoint={plan.endpoint} />
      <ol className="advice-list">
        {shown.map((rec) => <RecommendationItem key={rec.key} rec={rec} />)}
      </ol>
      {more > 0 && (
        <button type="button" className="link-button" onClick={() => setOpen(!open)} data-testid="plan-more">
          {open ? 'Fewer options' : `${more} more ${more === 1 ? 'option' : 'options'}`}
        </button>
      )}
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
  const days = useMemo(() => { const p = readParams(filters); return rangeDays(p.from, p.to) }, [filters])
  const plans = useMemo(() => endpointPlans(recommendations ?? [], days), [recommendations, days])
  const [showAll, setShowAll] = useState(false)
  const modelAdvice = (recommendations ?? []).some((r) => r.type === 'cheaper_model')
  const total = useMemo(() => savingsTotal(recommendations ?? []), [recommendations])
  const monthlyTotal = moneyText(perMonth(total.amount, days))
  const alertList = useMemo(() => alertViews(alerts.data?.alerts ?? []), [alerts.data])

  return (
    <Layout title="Savings" toolbar={<DateRangePicker />}>
      <FilterBar />
      {modelAdvice && (
        <section className="card savings-total" aria-label="Total possible saving" data-testid="savings-total">
          <span className="stat-label">Total possible saving from cheaper models</span>
          <span className="savings-amount" data-testid="savings-total-monthly" title={monthlyTotal.exact && `exactly ${monthlyTotal.exact} a month`}>
            {monthlyTotal.text} <span className="savings-unit">a month</span>
          </span>
          <span className="muted">
            <strong data-testid="savings-total-value" title={`$${total.amount}`}>{total.savings}</strong> in this range, at its daily rate for 30 days
          </span>
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
          <span className="muted small">one plan per endpoint, largest monthly saving first: the best option and two alternatives (the cheapest model of the same provider, the smallest step down, shorter histories and answers)</span>
        </header>
        <LoadingPanel
          {...queryState(optimization)}
          isEmpty={plans.length === 0}
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
          <ol className={`plan-list${optimization.isPlaceholderData ? ' is-stale' : ''}`} data-testid="recommendations">
            {(showAll ? plans : plans.slice(0, TOP_PLANS)).map((plan) => <PlanItem key={plan.endpoint} plan={plan} />)}
          </ol>
          {plans.length > TOP_PLANS && (
            <button type="button" className="link-button" onClick={() => setShowAll(!showAll)} data-testid="plans-all">
              {showAll ? `Show the top ${TOP_PLANS}` : `Show all ${plans.length} endpoints`}
            </button>
          )}
        </LoadingPanel>
      </section>
      <Simulator />
      <CachingPanel />
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
