// Self-hosted mode: the admin token the user typed, kept in localStorage and sent as Bearer.
const KEY = 'tokenoptimizer.adminToken'

export function readAdminToken(): string | null {
  try {
    return localStorage.getItem(KEY)
  } catch {
    return null
  }
}

export function saveAdminToken(token: string): void {
  localStorage.setItem(KEY, token.trim())
}

export function clearAdminToken(): void {
  localStorage.removeItem(KEY)
}
