// Self-hosted mode: the admin token the user typed, kept in localStorage and sent as Bearer.
// A tiny store so the UI re-renders when the token is saved or dropped (e.g. after a 401).
import { useSyncExternalStore } from 'react'

const KEY = 'tokenoptimizer.adminToken'
const listeners = new Set<() => void>()

export function readAdminToken(): string | null {
  try {
    return localStorage.getItem(KEY)
  } catch {
    return null
  }
}

function notify() {
  for (const listener of listeners) listener()
}

export function saveAdminToken(token: string): void {
  localStorage.setItem(KEY, token.trim())
  notify()
}

export function clearAdminToken(): void {
  if (readAdminToken() === null) return
  localStorage.removeItem(KEY)
  notify()
}

function subscribe(listener: () => void) {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function useAdminToken(): string | null {
  return useSyncExternalStore(subscribe, readAdminToken, () => null)
}
