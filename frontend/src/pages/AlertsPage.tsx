// Alerts: the project's rules (edit, enable, test-send to the webhook) and the alerts they
// raised, firing and resolved, each with the evidence the evaluator saw. Rules are checked by
// the server's alerts job after ingestion, not by this page.
import { useMemo, useState } from 'react'
import { Layout } from '../components/Layout'
import { LoadingPanel, errorText, queryState } from '../components/LoadingPanel'
import { alertView, newRule, ruleInput, thresholdText } from '../data/alerts/alerts-data'
import {
  useAlertRulesQuery, useAlertsListQuery, useDeleteRuleMutation, useSaveRuleMutation, useTestRuleMutation,
} from '../data/alerts/alerts-queries'
import type { AlertRule, AlertState, RuleInput } from '../data/alerts/alerts-types'
import { useFilters } from '../data/use-filters'
import { RuleEditor } from './alerts/RuleEditor'

type Editing = { rule: RuleInput; id?: string; hasSecret: boolean } | null

function RulesPanel({ project }: { project: string | null }) {
  const rules = useAlertRulesQuery(project)
  const save = useSaveRuleMutation(project)
  const remove = useDeleteRuleMutation(project)
  const test = useTestRuleMutation(project)
  const [editing, setEditing] = useState<Editing>(null)
  const [tested, setTested] = useState<Record<string, string>>({})
  const kinds = rules.data?.kinds ?? []
  const toggle = (r: AlertRule) => save.mutate({ id: r.id, rule: { ...ruleInput(r), enabled: !r.enabled } })
  async function sendTest(id: string) {
    try {
      const answer = await test.mutateAsync(id)
      setTested({ ...tested, [id]: answer.delivered ? `delivered (${answer.detail})` : `failed: ${answer.detail}` })
    } catch (error) {
      setTested({ ...tested, [id]: errorText(error) })
    }
  }
  return (
    <section className="card" aria-label="Rules" data-testid="rules-panel">
      <header className="panel-head table-head">
        <h2>Rules</h2>
        <button type="button" className="button button-small" data-testid="rule-add"
          onClick={() => { save.reset(); setEditing({ rule: newRule('monthly_forecast'), hasSecret: false }) }}>+ Add rule</button>
      </header>
      {editing && (
        <RuleEditor key={editing.id ?? 'new'} kinds={kinds} initial={editing.rule} isNew={!editing.id} hasSecret={editing.hasSecret}
          saving={save.isPending} error={save.error}
          onSave={(rule) => save.mutate({ rule, id: editing.id }, { onSuccess: () => setEditing(null) })}
          onCancel={() => setEditing(null)} />
      )}
      <LoadingPanel {...queryState(rules)} isEmpty={rules.data?.rules.length === 0} empty="No rules: add one." testId="rules">
        <div className="table-wrap">
          <table className="table table-dense" data-testid="rules-table">
            <thead>
              <tr><th scope="col">Rule</th><th scope="col">Threshold</th><th scope="col">Webhook</th><th scope="col">On</th><th scope="col">Actions</th></tr>
            </thead>
            <tbody>
              {(rules.data?.rules ?? []).map((r) => (
                <tr key={r.id} data-testid={`rule-row-${r.kind}`}>
                  <th scope="row">{r.name}<div className="muted small">{r.kind.replace(/_/g, ' ')}</div></th>
                  <td className="nowrap" data-testid="rule-threshold-cell">{thresholdText(r)}</td>
                  <td className="webhook-cell" data-testid="rule-webhook-cell">
                    {r.webhook_url ? <><span className="badge">{r.webhook_format}</span> <span className="mono small">{r.webhook_url}</span></> : <span className="muted">none: recorded only</span>}
                    {tested[r.id] && <div className="small" data-testid="rule-test-result">{tested[r.id]}</div>}
                  </td>
                  <td><input type="checkbox" aria-label={`${r.name} enabled`} checked={r.enabled} onChange={() => toggle(r)} data-testid="rule-toggle" /></td>
                  <td className="nowrap">
                    <button type="button" className="button button-secondary button-small" data-testid="rule-edit"
                      onClick={() => { save.reset(); setEditing({ rule: ruleInput(r), id: r.id, hasSecret: r.has_secret }) }}>Edit</button>{' '}
                    <button type="button" className="button button-secondary button-small" disabled={!r.webhook_url} data-testid="rule-test"
                      onClick={() => void sendTest(r.id)}>Test</button>{' '}
                    <button type="button" className="button button-link button-small" data-testid="rule-delete"
                      onClick={() => window.confirm(`Delete “${r.name}”?`) && remove.mutate(r.id)}>Delete</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </LoadingPanel>
    </section>
  )
}

const STATES: { value: AlertState | null; label: string }[] = [
  { value: 'firing', label: 'Firing' }, { value: 'resolved', label: 'Resolved' }, { value: null, label: 'All' },
]

function AlertsList({ project }: { project: string | null }) {
  const [state, setState] = useState<AlertState | null>('firing')
  const alerts = useAlertsListQuery(project, state)
  const views = useMemo(() => (alerts.data?.alerts ?? []).map((a) => alertView(a)), [alerts.data])
  return (
    <section className="card" aria-label="Alerts" data-testid="alerts-list-panel">
      <header className="panel-head table-head">
        <h2>Alerts <span className="badge badge-error" data-testid="alerts-firing-count">{alerts.data?.firing ?? 0} firing</span></h2>
        <div className="segmented" role="group" aria-label="State">
          {STATES.map((s) => (
            <button key={s.label} type="button" className={state === s.value ? 'active' : ''}
              aria-pressed={state === s.value} onClick={() => setState(s.value)} data-testid={`alerts-state-${s.label.toLowerCase()}`}>{s.label}</button>
          ))}
        </div>
      </header>
      <LoadingPanel {...queryState(alerts)} isEmpty={views.length === 0} empty={state === 'firing' ? 'Nothing firing.' : 'No alerts yet.'} testId="alerts-list">
        <ul className="alert-list" data-testid="alerts-list">
          {views.map((a) => (
            <li key={a.id} className={`alert ${a.state === 'firing' ? 'alert-critical' : 'alert-info'}`} data-testid="alert-item">
              <span className={`badge ${a.state === 'firing' ? 'badge-error' : 'badge-ok'}`} data-testid="alert-state">{a.state}</span>
              <div className="alert-body">
                <strong data-testid="alert-message">{a.message}</strong>
                <span className="muted small">{a.rule} · {a.subject} · {a.since} → {a.until}</span>
                <details>
                  <summary className="small">Evidence <span title={a.value.exact && `exactly ${a.value.exact}`} data-testid="alert-value">{a.value.text}</span></summary>
                  <dl className="evidence" data-testid="alert-evidence">
                    {a.evidence.map(([k, v]) => <div key={k}><dt>{k}</dt><dd className="mono">{v}</dd></div>)}
                  </dl>
                </details>
              </div>
            </li>
          ))}
        </ul>
      </LoadingPanel>
    </section>
  )
}

export function AlertsPage() {
  const [filters] = useFilters()
  return (
    <Layout title="Alerts">
      <RulesPanel project={filters.project} />
      <AlertsList project={filters.project} />
    </Layout>
  )
}
