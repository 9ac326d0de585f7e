// Starts the app from `/api/config`. In self-hosted mode (`auth_required`) people sign in with
// email and password (SelfHostedSignIn); in hosted mode through Supabase Auth.
import { type FormEvent, type ReactNode, useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { ApiError } from '../lib/api'
import { SelfHostedSignIn } from './SelfHostedSignIn'
import { useConfigQuery } from '../data/config/config-queries'
import { getDataSource } from '../data/source'
import { LoadingPanel, errorText } from './LoadingPanel'

export function AuthGate({ children }: { children: ReactNode }) {
  const config = useConfigQuery()
  if (config.data?.mode === 'hosted') {
    return config.data.auth_required ? <SupabaseSignIn /> : <>{children}</>
  }
  const unauthorized = config.error instanceof ApiError && config.error.status === 401
  if (unauthorized || (config.data?.auth_required && !config.data.is_admin)) {
    // People sign in with email and password; the admin token is for scripts and the CLI.
    return <SelfHostedSignIn />
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
