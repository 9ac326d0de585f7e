// Header with navigation (links keep the current filters), the live indicator and the
// page's toolbar; pages render below.
import type { ReactNode } from 'react'
import { useIsFetching, useQueryClient } from '@tanstack/react-query'
import { Link, NavLink, useLocation } from 'react-router'
import { clearAdminToken, useAdminToken } from '../lib/admin-token'
import { useConfigQuery } from '../data/config/config-queries'
import { getDataSource } from '../data/source'
import { ProjectSwitcher } from './ProjectSwitcher'

const NAV = [
  { to: '/', label: 'Overview', end: true },
  { to: '/logs', label: 'Logs', end: false },
  { to: '/sessions', label: 'Sessions', end: false },
  { to: '/savings', label: 'Savings', end: false },
  { to: '/alerts', label: 'Alerts', end: false },
  { to: '/pricing', label: 'Pricing', end: false },
]

export function Layout({ title, toolbar, children }: { title: string; toolbar?: ReactNode; children: ReactNode }) {
  const { search } = useLocation()
  const { data: config } = useConfigQuery()
  const token = useAdminToken()
  const fetching = useIsFetching()
  const client = useQueryClient()
  // A person's session, self-hosted or hosted (people never hold the admin token).
  const signedIn = config?.mode !== 'local' && Boolean(config?.is_admin)
  async function signOut() {
    clearAdminToken()
    await (await getDataSource()).signOut?.()
    await client.resetQueries()
  }
  return (
    <div className="app">
      <header className="topbar">
        <div className="topbar-inner">
          <Link className="brand" to={{ pathname: '/', search }} aria-label="TokenOptimizer home">
            <svg width="24" height="24" viewBox="0 0 32 32" aria-hidden="true">
              <rect width="32" height="32" rx="8" fill="#4f46e5" />
              <path d="M9 21l5-6 4 3 5-8" stroke="white" strokeWidth="3" fill="none" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
            <span>TokenOptimizer</span>
          </Link>
          <nav className="nav" aria-label="Main">
            {[...NAV, ...(signedIn ? [{ to: '/team', label: 'Team', end: false }] : [])].map((item) => (
              <NavLink key={item.to} to={{ pathname: item.to, search }} end={item.end} data-testid={`nav-${item.label.toLowerCase()}`}>
                {item.label}
              </NavLink>
            ))}
          </nav>
          <div className="topbar-right">
            <span className={`live ${fetching ? 'live-busy' : ''}`} title="Refreshes every 3 seconds" data-testid="live-indicator">
              <span className="live-dot" aria-hidden="true" /> Live
            </span>
            {signedIn ? <ProjectSwitcher /> : config?.project && <span className="pill" title="Project">{config.project.name}</span>}
            {config && <span className="pill pill-muted" title="Mode">{config.mode}</span>}
            {(token || signedIn) && (
              <button type="button" className="button button-link" onClick={() => void signOut()} data-testid="sign-out">
                Sign out
              </button>
            )}
          </div>
        </div>
      </header>
      <main className="page">
        <div className="page-head">
          <h1>{title}</h1>
          {toolbar}
        </div>
        {children}
      </main>
    </div>
  )
}
