// Self-hosted mode: email and password, checked by the API, which keeps the session in an
// http-only cookie (the admin token is for scripts and the CLI, not for people's browsers).
import { type FormEvent, useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { apiJson } from '../lib/api'
import { errorText } from './LoadingPanel'

export function SelfHostedSignIn() {
  const client = useQueryClient()
  const [creating, setCreating] = useState(false)
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  async function submit(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await apiJson(creating ? '/api/auth/signup' : '/api/auth/signin', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
      })
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
        <h1>{creating ? 'Create your TokenOptimizer account' : 'Sign in to TokenOptimizer'}</h1>
        {error && <p className="form-error" role="alert" data-testid="sign-in-error">{error}</p>}
        <label className="field">
          <span>Email</span>
          <input type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus data-testid="sign-in-email" />
        </label>
        <label className="field">
          <span>Password{creating ? ' (at least 10 characters)' : ''}</span>
          <input type="password" autoComplete={creating ? 'new-password' : 'current-password'} value={password}
            onChange={(e) => setPassword(e.target.value)} required minLength={creating ? 10 : undefined} data-testid="sign-in-password" />
        </label>
        <button type="submit" className="button" disabled={busy} data-testid="sign-in-submit">
          {busy ? 'One moment…' : creating ? 'Create account' : 'Sign in'}
        </button>
        <button type="button" className="button button-link" onClick={() => setCreating(!creating)} data-testid="sign-in-toggle">
          {creating ? 'I have an account: sign in' : 'New here? Create an account'}
        </button>
      </form>
    </div>
  )
}
