// The one place loading, error and empty states are drawn, so every panel behaves alike.
import type { ReactNode } from 'react'
import { ApiError } from '../lib/api'

interface LoadingPanelProps {
  isLoading: boolean
  error: unknown
  /** Data from an earlier fetch is at hand: a failed refresh keeps it on screen with a notice. */
  hasData?: boolean
  isEmpty?: boolean
  empty?: ReactNode
  onRetry?: () => void
  /** Height reserved while loading so the layout does not jump when data arrives. */
  minHeight?: number
  testId?: string
  children?: ReactNode
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const details = error.details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message))
    return [error.message, ...details].join(' · ')
  }
  return error instanceof Error ? error.message : 'Something went wrong'
}

/** The LoadingPanel props of a TanStack query. */
export function queryState(query: { isLoading: boolean; error: unknown; data: unknown; refetch: () => unknown }) {
  return {
    isLoading: query.isLoading,
    error: query.error,
    hasData: query.data !== undefined,
    onRetry: () => void query.refetch(),
  }
}

export function LoadingPanel({ isLoading, error, hasData, isEmpty, empty, onRetry, minHeight = 120, testId, children }: LoadingPanelProps) {
  if (error && hasData) {
    // A polling refresh failed: keep the last numbers rather than blanking the panel.
    return (
      <>
        <p className="stale-note" role="status" data-testid={testId ? `${testId}-stale` : 'stale'}>
          Could not refresh ({errorText(error)}); showing the last loaded data.
        </p>
        {isEmpty ? <div className="panel-state panel-empty" style={{ minHeight }}>{empty ?? 'No data for this range.'}</div> : children}
      </>
    )
  }
  if (isLoading) {
    return (
      <div className="panel-state" style={{ minHeight }} role="status" aria-live="polite" data-testid={testId ? `${testId}-loading` : 'loading'}>
        <span className="spinner" aria-hidden="true" />
        <span>Loading…</span>
      </div>
    )
  }
  if (error) {
    const code = error instanceof ApiError ? error.code : null
    return (
      <div className="panel-state panel-error" style={{ minHeight }} role="alert" data-testid={testId ? `${testId}-error` : 'error'}>
        <strong>Could not load this{code ? ` (${code})` : ''}</strong>
        <span>{errorText(error)}</span>
        {onRetry && (
          <button type="button" className="button button-secondary" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    )
  }
  if (isEmpty) {
    return (
      <div className="panel-state panel-empty" style={{ minHeight }} data-testid={testId ? `${testId}-empty` : 'empty'}>
        {empty ?? 'No data for this range.'}
      </div>
    )
  }
  return <>{children}</>
}
