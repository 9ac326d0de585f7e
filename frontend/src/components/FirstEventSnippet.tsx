// The empty state: exactly what a new user runs to send a first event, with their key and URL.
import { useState } from 'react'
import { useConfigQuery } from '../data/config/config-queries'

export function firstEventSnippet(apiKey: string, baseUrl: string): string {
  return [
    'import tokenoptimizer',
    `tokenoptimizer.configure(api_key="${apiKey}", base_url="${baseUrl}")`,
    'from tokenoptimizer import tracked_completion',
    'resp = tracked_completion("gpt-4o-mini", [{"role": "user", "content": "Hello"}], endpoint_name="hello")',
  ].join('\n')
}

export function FirstEventSnippet() {
  const { data: config } = useConfigQuery()
  const [copied, setCopied] = useState(false)
  const apiKey = config?.api_key ?? '<your project key>'
  const baseUrl = config?.base_url ?? window.location.origin
  const code = firstEventSnippet(apiKey, baseUrl)
  async function copy() {
    await navigator.clipboard?.writeText(code)
    setCopied(true)
    window.setTimeout(() => setCopied(false), 1500)
  }
  return (
    <section className="first-event" data-testid="first-event">
      <h2>Send your first event</h2>
      <p className="muted">
        No requests in this range yet. Install the SDK with <code>pip install "tokenoptimizer[openai]"</code>, then run:
      </p>
      <div className="code-block">
        <pre data-testid="first-event-snippet"><code>{code}</code></pre>
        <button type="button" className="button button-secondary copy" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      {!config?.api_key && (
        <p className="muted small">
          Create a project key with <code>tokenoptimizer keys create</code> and put it in place of{' '}
          <code>&lt;your project key&gt;</code>.
        </p>
      )}
      <p className="muted small">Only model, token counts and latency are sent, never prompt content. This page updates by itself within seconds.</p>
    </section>
  )
}
