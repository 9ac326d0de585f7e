// The Savings page's plans: one per endpoint as the API builds it, the top 10 then "Show all";
// each shows the best option and two alternatives with the rules they passed, and the cheaper
// models refused with why. Money is rounded on screen, exact on hover.
import { useMemo, useState } from 'react'
import { LoadingPanel, queryState } from '../../components/LoadingPanel'
import { useEvidenceQuery } from '../../data/savings/evidence-queries'
import { type Money, type OptionView, type PlanView, TOP_PLANS, planViews, totalView } from '../../data/savings/plans-data'
import { useOptimizationQuery } from '../../data/savings/savings-queries'
import { useFilters } from '../../data/use-filters'
import { EndpointEvidence } from './ShadowEvidence'

function Amount({ money, testId }: { money: Money; testId?: string }) {
  return <strong data-testid={testId} title={money.exact ? `exactly ${money.exact}` : undefined}>{money.text}</strong>
}

function OptionItem({ endpoint, option, rank }: { endpoint: string; option: OptionView; rank: string }) {
  const what = option.kind === 'cheaper_model'
    ? <>Move <code>{endpoint}</code> from <strong>{option.model}</strong> to <strong>{option.suggestedModel}</strong></>
    : option.kind === 'summarise_history'
      ? <>Summarise conversation history on <code>{endpoint}</code>{option.model && <> ({option.model})</>}</>
      : <>Ask for shorter answers on <code>{endpoint}</code>{option.model && <> ({option.model})</>}</>
  return (
    <li className="advice" data-testid={`option-${endpoint}-${option.kind}-${option.suggestedModel ?? option.model ?? ''}`}>
      <div className="advice-body">
        <span className={`badge option option-${option.kind}`} data-testid="option-label" title={rank}>{option.label}</span>
        <p className="advice-sentence" data-testid="option-sentence">
          {what}: save <Amount money={option.monthly} testId="option-monthly" /> a month
          {option.reduction && <> ({option.reduction})</>}
        </p>
        {option.rules.length > 0 && (
          <ul className="rules muted small" data-testid="option-rules" aria-label="Rules passed">
            {option.rules.map((r) => <li key={r.rule} title={r.detail}>✓ {r.label}: {r.detail}</li>)}
          </ul>
        )}
        {option.kind !== 'cheaper_model' && <p className="muted small">{option.message}</p>}
      </div>
      <span className="advice-amount" aria-hidden="true">{option.monthly.text}</span>
    </li>
  )
}

function PlanItem({ plan, evidence }: { plan: PlanView; evidence: Parameters<typeof EndpointEvidence>[0]['rows'] }) {
  const [open, setOpen] = useState(false)
  return (
    <li className="plan" data-testid={`plan-${plan.endpoint}`}>
      <header className="plan-head">
        <code className="plan-endpoint">{plan.endpoint}</code>
        <span className="muted small" data-testid="plan-spend">
          spends <Amount money={plan.monthlyCost} /> a month on {plan.models.join(', ')} ({plan.requests} in this range)
        </span>
        <span className="plan-saving">save <Amount money={plan.monthlySaving} testId="plan-monthly" /> a month</span>
      </header>
      <EndpointEvidence rows={evidence} endpoint={plan.endpoint} />
      <ol className="advice-list">
        {plan.best && <OptionItem endpoint={plan.endpoint} option={plan.best} rank="The best option" />}
        {plan.alternatives.map((o) => <OptionItem key={o.key} endpoint={plan.endpoint} option={o} rank="An alternative" />)}
        {plan.other.map((o) => <OptionItem key={o.key} endpoint={plan.endpoint} option={o} rank="Also" />)}
      </ol>
      {!plan.best && <p className="muted small" data-testid="plan-none">No cheaper option passes every rule.</p>}
      {plan.refused.length > 0 && (
        <>
          <button type="button" className="link-button" onClick={() => setOpen(!open)} data-testid="plan-refused-toggle">
            {open ? 'Hide refused models' : `${plan.refused.length} cheaper ${plan.refused.length === 1 ? 'model' : 'models'} refused`}
          </button>
          {open && (
            <ul className="refused muted small" data-testid="plan-refused">
              {plan.refused.map((r) => (
                <li key={r.key} data-testid={`refused-${r.candidate}`}>
                  <strong>{r.candidate}</strong> instead of {r.model}: {r.label}, {r.detail}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </li>
  )
}

export function EndpointPlans() {
  const [filters] = useFilters()
  const optimization = useOptimizationQuery(filters)
  const evidence = useEvidenceQuery(filters)  // one request for every plan
  const plans = useMemo(() => planViews(optimization.data), [optimization.data])
  const total = useMemo(() => totalView(optimization.data), [optimization.data])
  const [showAll, setShowAll] = useState(false)
  return (
    <>
      {total.hasAdvice && (
        <section className="card savings-total" aria-label="Total possible saving" data-testid="savings-total">
          <span className="stat-label">Total possible saving</span>
          <span className="savings-amount" data-testid="savings-total-monthly" title={total.saving.exact && `exactly ${total.saving.exact} a month`}>
            {total.saving.text} <span className="savings-unit">a month</span>
          </span>
          <span className="muted">
            the best option of each of {total.endpoints} {total.endpoints === 1 ? 'endpoint' : 'endpoints'}, once, on{' '}
            <Amount money={total.cost} testId="savings-total-spend" /> a month of spend, at this range&apos;s daily rate for 30 days
          </span>
        </section>
      )}
      <section className="card panel" aria-label="Recommendations">
        <header className="panel-head">
          <h2>Plans per endpoint</h2>
          <span className="muted small">largest monthly saving first: the best option and two alternatives, each with the
            rules it passed (context window, not retiring, tools / JSON / images, generation, at most one tier down without
            shadow evidence), and the cheaper models refused with why</span>
        </header>
        <LoadingPanel
          {...queryState(optimization)}
          isEmpty={plans.length === 0}
          empty={
            <div className="empty-hint" data-testid="recommendations-hint">
              <strong>No priced traffic to advise on in this range.</strong>
              <span>Tag calls with <code>endpoint_name</code> to get one plan per feature.</span>
            </div>
          }
          minHeight={160}
          testId="recommendations"
        >
          <ol className={`plan-list${optimization.isPlaceholderData ? ' is-stale' : ''}`} data-testid="recommendations">
            {(showAll ? plans : plans.slice(0, TOP_PLANS)).map((plan) => (
              <PlanItem key={plan.endpoint} plan={plan} evidence={evidence.data?.evidence ?? []} />
            ))}
          </ol>
          {plans.length > TOP_PLANS && (
            <button type="button" className="link-button" onClick={() => setShowAll(!showAll)} data-testid="plans-all">
              {showAll ? `Show the top ${TOP_PLANS}` : `Show all ${plans.length} endpoints`}
            </button>
          )}
        </LoadingPanel>
      </section>
    </>
  )
}
