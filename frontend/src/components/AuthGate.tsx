// Starts the app from `/api/config`. In self-hosted mode (`auth_required`) it asks for the
// admin token first; a token the server refuses (401) is dropped and asked for again.
import { type FormEvent, type ReactNode, useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { ApiError } from '../lib/api'
import { saveAdminToken, useAdminToken } from '../lib/admin-token'
import { useConfigQuery } from '../data/config/config-queries'
import { getDataSource } from '../data/source'
import { LoadingPanel, errorText } from './LoadingPanel'

export function AuthGate({ children }: { children: ReactNode }) {
  const token = useAdminToken()
  const config = useConfigQuery()
  if (config.data?.mode === 'hosted') {
    return config.data.auth_required ? <SupabaseSignIn /> : <>{children}</>
  }
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

/** Hosted mode: Supabase Auth email and password; reads then run under row-level security. */
function SupabaseSignIn() {
  const client = useQueryClient()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  async function submit(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await (await getDataSource()).signIn?.(email, password)
      await client.resetQueries()
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="boot">
      <form className="card token-card" onSubmit={(e) => void submit(e)} data-testid="sign-in">
        <h1>Sign in to TokenOptimizer</h1>
        {error && <p className="form-error" role="alert">{error}</p>}
        <label className="field">
          <span>Email</span>
          <input type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
        </label>
        <label className="field">
          <span>Password</span>
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <button type="submit" className="button" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </div>
  )
}
