// Hosted mode: Supabase Auth through the data source: email and password (sign in or create an
// account) or a sign-in link by email (magic link). What a signed-out person sees.
import { type FormEvent, useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { getDataSource } from '../data/source'
import { errorText } from './LoadingPanel'

type Step = 'sign-in' | 'sign-up' | 'magic-link'

const TITLES: Record<Step, string> = {
  'sign-in': 'Sign in to TokenOptimizer',
  'sign-up': 'Create your TokenOptimizer account',
  'magic-link': 'Sign in with a link by email',
}

export function HostedSignIn() {
  const client = useQueryClient()
  const [step, setStep] = useState<Step>('sign-in')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  async function submit(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    setNotice(null)
    try {
      const source = await getDataSource()
      if (step === 'magic-link') {
        await source.sendMagicLink?.(email)
        setNotice(`Check ${email}: the link in it signs you in here.`)
      } else if (step === 'sign-up' && (await source.signUp?.(email, password))?.confirmEmail) {
        setNotice(`Check ${email} to confirm your address, then sign in.`)
      } else {
        if (step === 'sign-in') await source.signIn?.(email, password)
        await client.resetQueries()
      }
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(false)
    }
  }
  const go = (next: Step) => () => { setStep(next); setError(null); setNotice(null) }
  return (
    <div className="boot">
      <form className="card token-card" onSubmit={(e) => void submit(e)} data-testid="sign-in" data-step={step}>
        <h1>{TITLES[step]}</h1>
        {error && <p className="form-error" role="alert" data-testid="sign-in-error">{error}</p>}
        {notice && <p className="notice" role="status" data-testid="sign-in-notice">{notice}</p>}
        <label className="field">
          <span>Email</span>
          <input type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus data-testid="sign-in-email" />
        </label>
        {step !== 'magic-link' && (
          <label className="field">
            <span>Password{step === 'sign-up' ? ' (at least 10 characters)' : ''}</span>
            <input type="password" autoComplete={step === 'sign-up' ? 'new-password' : 'current-password'} value={password}
              onChange={(e) => setPassword(e.target.value)} required minLength={step === 'sign-up' ? 10 : undefined} data-testid="sign-in-password" />
          </label>
        )}
        <button type="submit" className="button" disabled={busy} data-testid="sign-in-submit">
          {busy ? 'One moment…' : step === 'sign-up' ? 'Create account' : step === 'magic-link' ? 'Email me a link' : 'Sign in'}
        </button>
        <div className="sign-in-alternatives">
          {step !== 'sign-in' && <button type="button" className="button button-link" onClick={go('sign-in')} data-testid="sign-in-password-mode">Sign in with a password</button>}
          {step !== 'magic-link' && <button type="button" className="button button-link" onClick={go('magic-link')} data-testid="sign-in-magic">Email me a sign-in link</button>}
          {step !== 'sign-up' && <button type="button" className="button button-link" onClick={go('sign-up')} data-testid="sign-in-toggle">New here? Create an account</button>}
        </div>
      </form>
    </div>
  )
}
