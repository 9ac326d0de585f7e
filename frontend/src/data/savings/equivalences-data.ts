// The project's equivalence map ("candidate can do model's job, on one endpoint or all") as the
// Savings page shows and edits it. Both builds call the same API routes
// (/api/optimization/equivalences): only how a request is sent differs (cookie session or the
// hosted user's token), so the calls live here and each source passes its `send`.
import { ApiError } from '../../lib/api'
import type { components } from '../api-types.gen'
import { formatDate } from '../format-data'

export type Equivalence = components['schemas']['Equivalence']
export type EquivalenceInput = components['schemas']['EquivalenceIn']
export type EquivalencesAnswer = components['schemas']['EquivalencesAnswer']

/** One change to the map: add an entry or remove one by id. */
export type EquivalenceChange = { add: EquivalenceInput } | { remove: string }

/** Sends one request to the API (path with its query) and answers the response, throwing ApiError. */
export type Send = (path: string, init?: RequestInit) => Promise<Response>

const PATH = '/api/optimization/equivalences'

function withProject(path: string, project: string | null | undefined): string {
  return project ? `${path}?${new URLSearchParams({ project })}` : path
}

/** Applies the change (if any), then answers the project's whole map as the API lists it. */
export async function callEquivalences(send: Send, project: string | null | undefined,
  change?: EquivalenceChange): Promise<Equivalence[]> {
  if (change && 'add' in change) {
    await send(withProject(PATH, project), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(change.add),
    })
  } else if (change) {
    await send(withProject(`${PATH}/${encodeURIComponent(change.remove)}`, project), { method: 'DELETE' })
  }
  return ((await (await send(withProject(PATH, project))).json()) as EquivalencesAnswer).equivalences
}

export interface EquivalenceForm {
  model: string
  candidate_model: string
  /** Empty: every endpoint. */
  endpoint_name: string
}

export const EMPTY_FORM: EquivalenceForm = { model: '', candidate_model: '', endpoint_name: '' }

/** The form as the API's body: trimmed, an empty endpoint meaning "all endpoints". */
export function formInput(form: EquivalenceForm): EquivalenceInput {
  const endpoint = form.endpoint_name.trim()
  return { model: form.model.trim(), candidate_model: form.candidate_model.trim(), endpoint_name: endpoint || null }
}

export type FormField = keyof EquivalenceForm

/** An API error split by the form's fields; what names no field (or none of ours) goes under `form`. */
export function fieldErrors(error: unknown): Partial<Record<FormField | 'form', string>> {
  if (!(error instanceof ApiError)) return error ? { form: String((error as Error).message ?? error) } : {}
  // A duplicate names no field: it is the candidate that is already mapped there.
  if (error.code === 'duplicate') return { candidate_model: error.message }
  const out: Partial<Record<FormField | 'form', string>> = {}
  for (const d of error.details) {
    const field = (d.field ?? '').split('.').pop() as FormField
    const key = field in EMPTY_FORM ? field : 'form'
    out[key] = out[key] ? `${out[key]}; ${d.message}` : d.message
  }
  return Object.keys(out).length ? out : { form: error.message }
}

export interface EquivalenceView {
  id: string
  model: string
  candidate: string
  endpoint: string
  /** "added Dec 4, 2026" (the API records when, not who). */
  added: string
  note: string | null
}

export function equivalenceViews(rows: Equivalence[]): EquivalenceView[] {
  return rows.map((r) => ({
    id: r.id, model: r.model, candidate: r.candidate_model, endpoint: r.endpoint_name ?? 'all endpoints',
    added: `added ${formatDate(r.created_at)}`, note: r.note,
  }))
}

/** Choices for the form's lists: distinct, sorted, blanks left out. */
export function choices(values: Iterable<string | null | undefined>): string[] {
  return [...new Set([...values].filter((v): v is string => Boolean(v && v.trim())))].sort()
}
