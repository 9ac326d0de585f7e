// Starts the app from `/api/config`. In self-hosted mode (`auth_required`) it asks for the
// admin token first; a token the server refuses (401) is dropped and asked for again.
import { type FormEvent, type ReactNode, useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { ApiError } from '../lib/api'
import { saveAdminToken, useAdminToken } from '../lib/admin-token'
import { useConfigQuery } from '../data/config/config-queries'
import { LoadingPanel } from './LoadingPanel'

export function AuthGate({ children }: { children: ReactNode }) {
  const token = useAdminToken()
  const config = useConfigQuery()
  const unauthorized = config.error instanceof ApiError && config.error.status === 401
  // The server says whether the token we sent makes us admin: a token it does not accept is refused.
  const refused = Boolean(token) && (unauthorized || (config.data?.auth_required && !config.data.is_admin))
  if (unauthorized || (config.data?.auth_required && (!token || !config.data.is_admin))) {
    return <TokenPrompt rejected={Boolean(refused)} />
  }
  if (!config.data) {
    return (
      <div className="boot">
        <LoadingPanel isLoading={config.isLoading} error={config.error} onRetry={() => void config.refetch()} minHeight={240} testId="config" />
      </div>
    )
  }
  return <>{children}</>
}

function TokenPrompt({ rejected }: { rejected: boolean }) {
  const client = useQueryClient()
  const [value, setValue] = useState('')
  function submit(event: FormEvent) {
    event.preventDefault()
    if (!value.trim()) return
    saveAdminToken(value)
    void client.resetQueries()
  }
  return (
    <div className="boot">
      <form className="card token-card" onSubmit={submit} data-testid="token-prompt">
        <h1>Sign in to TokenOptimizer</h1>
        <p className="muted">
          This server is self-hosted. Enter the admin token it was started with
          (<code>TOKENOPTIMIZER_ADMIN_TOKEN</code>). It is kept in this browser only.
        </p>
        {rejected && <p className="form-error" role="alert">The server refused that token.</p>}
        <label className="field">
          <span>Admin token</span>
          <input type="password" autoComplete="current-password" value={value} onChange={(e) => setValue(e.target.value)} data-testid="token-input" autoFocus />
        </label>
        <button type="submit" className="button" data-testid="token-submit">Continue</button>
      </form>
    </div>
  )
}
