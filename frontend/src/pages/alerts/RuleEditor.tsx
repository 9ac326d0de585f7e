// Add or change one alert rule: kind (new rules only), name, threshold, the anomaly options,
// the webhook (Slack or generic JSON signed with a secret) and whether it is on.
import { type FormEvent, useState } from 'react'
import { errorText } from '../../components/LoadingPanel'
import { THRESHOLD_LABEL } from '../../data/alerts/alerts-data'
import type { AlertKind, RuleInput } from '../../data/alerts/alerts-types'

interface Props {
  kinds: AlertKind[]
  initial: RuleInput
  isNew: boolean
  hasSecret: boolean
  saving: boolean
  error: unknown
  onSave: (rule: RuleInput) => void
  onCancel: () => void
}

export function RuleEditor({ kinds, initial, isNew, hasSecret, saving, error, onSave, onCancel }: Props) {
  const [rule, setRule] = useState<RuleInput>(initial)
  const [secret, setSecret] = useState('')
  const kind = kinds.find((k) => k.kind === rule.kind)
  const thresholdLabel = THRESHOLD_LABEL[rule.kind]
  const params = rule.params ?? {}
  const set = (patch: Partial<RuleInput>) => setRule({ ...rule, ...patch })
  function submit(e: FormEvent) {
    e.preventDefault()
    const body: RuleInput = { ...rule, webhook_url: rule.webhook_url || null, threshold: rule.threshold || null }
    if (secret) body.webhook_secret = secret
    onSave(body)
  }
  return (
    <form className="card panel rule-editor" onSubmit={submit} data-testid="rule-editor">
      <h2>{isNew ? 'New rule' : `Edit “${initial.name}”`}</h2>
      <div className="form-grid">
        <label className="field">Kind
          <select value={rule.kind} disabled={!isNew} data-testid="rule-kind"
            onChange={(e) => setRule({ kind: e.target.value as RuleInput['kind'], enabled: rule.enabled, webhook_format: rule.webhook_format, webhook_url: rule.webhook_url })}>
            {kinds.map((k) => <option key={k.kind} value={k.kind}>{k.description}</option>)}
          </select>
        </label>
        <label className="field">Name
          <input value={rule.name ?? ''} placeholder={kind?.description} onChange={(e) => set({ name: e.target.value || null })} data-testid="rule-name" />
        </label>
        {thresholdLabel && (
          <label className="field">{thresholdLabel}
            <input inputMode="decimal" value={rule.threshold ?? ''} placeholder={kind?.default_threshold ?? ''}
              onChange={(e) => set({ threshold: e.target.value })} data-testid="rule-threshold" />
          </label>
        )}
        {rule.kind === 'usage_anomaly' && (
          <>
            <label className="field">Watch
              <select value={String(params.metric ?? 'cost')} onChange={(e) => set({ params: { ...params, metric: e.target.value } })} data-testid="rule-metric">
                <option value="cost">hourly spend</option>
                <option value="tokens">hourly tokens</option>
              </select>
            </label>
            <label className="field">Standard deviations (k)
              <input inputMode="decimal" value={String(params.k ?? 3)} onChange={(e) => set({ params: { ...params, k: e.target.value } })} data-testid="rule-k" />
            </label>
          </>
        )}
        {(rule.kind === 'unpriced_model' || rule.kind === 'error_rate') && (
          <label className="field">Window (hours)
            <input inputMode="numeric" value={String(params.window_hours ?? 24)} onChange={(e) => set({ params: { ...params, window_hours: e.target.value } })} data-testid="rule-window" />
          </label>
        )}
        {rule.kind === 'error_rate' && (
          <label className="field">At least this many requests
            <input inputMode="numeric" value={String(params.min_requests ?? 5)} onChange={(e) => set({ params: { ...params, min_requests: e.target.value } })} data-testid="rule-min-requests" />
          </label>
        )}
        <label className="field">Webhook URL
          <input value={rule.webhook_url ?? ''} placeholder="https://hooks.slack.com/services/…" onChange={(e) => set({ webhook_url: e.target.value })} data-testid="rule-webhook" />
        </label>
        <label className="field">Format
          <select value={rule.webhook_format ?? 'slack'} onChange={(e) => set({ webhook_format: e.target.value as 'slack' | 'generic' })} data-testid="rule-format">
            <option value="slack">Slack-compatible</option>
            <option value="generic">Generic JSON, signed</option>
          </select>
        </label>
        {rule.webhook_format === 'generic' && (
          <label className="field">Signing secret
            <input type="password" value={secret} placeholder={hasSecret ? 'unchanged' : 'at least 8 characters'} onChange={(e) => setSecret(e.target.value)} data-testid="rule-secret" />
          </label>
        )}
        <label className="field field-check">
          <input type="checkbox" checked={rule.enabled ?? true} onChange={(e) => set({ enabled: e.target.checked })} data-testid="rule-enabled" /> Enabled
        </label>
      </div>
      {error !== null && error !== undefined && <div className="banner banner-error" role="alert" data-testid="rule-error">{errorText(error)}</div>}
      <div className="form-actions">
        <button type="submit" className="button" disabled={saving} data-testid="rule-save">{saving ? 'Saving…' : 'Save rule'}</button>
        <button type="button" className="button button-secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  )
}
