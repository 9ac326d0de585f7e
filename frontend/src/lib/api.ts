// fetch for the Flask API: adds the admin token when one is stored (scripts' path) and the session's
// CSRF token on writes, and turns every failure
// into an `ApiError` parsed from the one error shape `{"error": {code, message, details}}`.
import { readAdminToken } from './admin-token'

export interface ErrorDetail {
  field?: string
  message: string
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: ErrorDetail[]

  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }
}

/** Parses an error body; anything not in the contract's shape becomes a generic error. */
export function parseApiError(status: number, body: unknown, statusText = ''): ApiError {
  const error = (body as { error?: unknown } | null)?.error
  if (error && typeof error === 'object') {
    const { code, message, details } = error as Record<string, unknown>
    return new ApiError(
      status,
      typeof code === 'string' ? code : 'error',
      typeof message === 'string' ? message : statusText || `HTTP ${status}`,
      Array.isArray(details) ? (details as ErrorDetail[]) : [],
    )
  }
  return new ApiError(status, 'http_error', statusText || `HTTP ${status}`)
}

export function authHeaders(): Record<string, string> {
  const token = readAdminToken()
  return token ? { Authorization: `Bearer ${token}` } : {}
}

/** Self-hosted sessions: a write repeats the session's CSRF token (the `to_csrf` cookie) as a header. */
export function csrfHeader(method = 'GET', cookie = typeof document === 'undefined' ? '' : document.cookie): Record<string, string> {
  if (['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase())) return {}
  const match = /(?:^|;\s*)to_csrf=([^;]*)/.exec(cookie)
  return match ? { 'X-CSRF-Token': decodeURIComponent(match[1]) } : {}
}

/** Builds `/api/...?k=v`, leaving out empty values. */
export function apiUrl(path: string, query: Record<string, string | number | null | undefined> = {}): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') search.set(key, String(value))
  }
  const qs = search.toString()
  return qs ? `${path}?${qs}` : path
}

export async function apiFetch(url: string, init: RequestInit = {}): Promise<Response> {
  let response: Response
  try {
    response = await fetch(url, {
      ...init,
      headers: { Accept: 'application/json', ...authHeaders(), ...csrfHeader(init.method), ...(init.headers ?? {}) },
    })
  } catch (cause) {
    throw new ApiError(0, 'network_error', `Cannot reach the server (${(cause as Error).message})`)
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null)
    throw parseApiError(response.status, body, response.statusText)
  }
  return response
}

export async function apiJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await apiFetch(url, init)
  return (await response.json()) as T
}
