// The one Supabase client, for the hosted build. Only imported by the hosted data sources, which
// are themselves loaded lazily, so the api build never contains supabase-js. Also the one way the
// hosted dashboard calls our API (what needs a secret or a stream: creating keys, inviting by
// email, the export): with the signed-in user's Supabase access token as Bearer.
import { createClient } from '@supabase/supabase-js'
import { ApiError, apiUrl, parseApiError } from './api'

export const supabase = createClient(
  import.meta.env.VITE_SUPABASE_URL as string,
  import.meta.env.VITE_SUPABASE_ANON_KEY as string,
)

/** The API's address (the same value the SDK snippet shows). */
export const apiBase = (import.meta.env.VITE_TOKENOPTIMIZER_BASE_URL ?? '').replace(/\/$/, '')

/** fetch to our API as the signed-in Supabase user; failures become the API's `ApiError`. */
export async function hostedApiFetch(path: string, query: Record<string, string | number | null | undefined> = {},
  init: RequestInit = {}): Promise<Response> {
  const { data } = await supabase.auth.getSession()
  const token = data.session?.access_token
  if (!token) throw new ApiError(401, 'not_signed_in', 'sign in first')
  let response: Response
  try {
    response = await fetch(`${apiBase}${apiUrl(path, query)}`, {
      ...init, headers: { Accept: 'application/json', ...(init.headers ?? {}), Authorization: `Bearer ${token}` },
    })
  } catch (cause) {
    throw new ApiError(0, 'network_error', `Cannot reach the API at ${apiBase || 'this origin'} (${(cause as Error).message})`)
  }
  if (!response.ok) throw parseApiError(response.status, await response.json().catch(() => null), response.statusText)
  return response
}

/** A JSON write to our API as the signed-in user. */
export async function hostedApiPost<T>(path: string, body: unknown): Promise<T> {
  const response = await hostedApiFetch(path, {}, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  })
  return (await response.json()) as T
}
