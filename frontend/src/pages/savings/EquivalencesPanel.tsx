// Equivalent models: the project's own "candidate can do model's job" map. An entry lifts the
// generation and tier rules for that candidate (hard facts still hold), so a change re-reads the plan.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, type ReactNode, useMemo, useState } from 'react'
import { LoadingPanel, queryState } from '../../components/LoadingPanel'
import { useConfigQuery } from '../../data/config/config-queries'
import {
  type EquivalenceChange, type EquivalenceForm, EMPTY_FORM, choices, equivalenceViews, fieldErrors, formInput,
} from '../../data/savings/equivalences-data'
import { savingsKeys, useOptimizationQuery } from '../../data/savings/savings-queries'
import { getDataSource } from '../../data/source'
import { currentPlace, useMeQuery } from '../../data/team/team-queries'
import { useFilters } from '../../data/use-filters'

const equivalenceKey = (project: string | null) => [...savingsKeys.all, 'equivalences', project ?? ''] as const

/** Admins and owners of the project's organisation edit; local mode has one admin; viewers read. */
function useCanEdit(project: string | null): boolean {
  const { data: config } = useConfigQuery()
  const signedIn = Boolean(config?.is_admin)
  const me = useMeQuery(config?.mode !== 'local' && signedIn)
  if (!signedIn) return false
  if (config?.mode === 'local') return true
  const role = currentPlace(me.data, project).organisation?.role
  return role === 'owner' || role === 'admin'
}

function Field({ label, error, children }: { label: string; error?: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
      {error && <span className="form-error" data-testid="equivalence-field-error">{error}</span>}
    </label>
  )
}

export function EquivalencesPanel() {
  const [filters] = useFilters()
  const project = filters.project
  const client = useQueryClient()
  const canEdit = useCanEdit(project)
  const list = useQuery({
    queryKey: equivalenceKey(project),
    queryFn: async () => (await getDataSource()).equivalences(project),
    retry: false,
  })
  const change = useMutation({
    mutationFn: async (c: EquivalenceChange) => (await getDataSource()).equivalences(project, c),
    onSuccess: (rows) => {
      client.setQueryData(equivalenceKey(project), rows)
      // An entry can let a refused candidate through (or stop one): the plan is built again.
      return client.invalidateQueries({ queryKey: [...savingsKeys.all, 'optimization'] })
    },
  })
  // The form's suggestions come from the plan the page already reads (free text is accepted too).
  const plan = useOptimizationQuery(filters)
  const options = useMemo(() => {
    const plans = plan.data?.plans ?? []
    const models = choices(plans.flatMap((p) => p.models))
    const candidates = choices(plans.flatMap((p) => [
      ...[p.best, ...p.alternatives].map((o) => o?.suggested_model), ...p.refused.map((r) => r.candidate_model)]))
    return { models, candidates, endpoints: choices(plans.map((p) => p.endpoint_name)) }
  }, [plan.data])
  const [form, setForm] = useState<EquivalenceForm>(EMPTY_FORM)
  const [adding, setAdding] = useState(false)
  const errors = adding ? fieldErrors(change.error) : {}
  const rows = useMemo(() => equivalenceViews(list.data ?? []), [list.data])

  const submit = (e: FormEvent) => {
    e.preventDefault()
    setAdding(true)
    change.mutate({ add: formInput(form) }, { onSuccess: () => setForm(EMPTY_FORM) })
  }
  const remove = (id: string) => {
    setAdding(false)
    change.mutate({ remove: id })
  }

  return (
    <section className="card panel" aria-label="Equivalent models" data-testid="equivalences-panel">
      <header className="panel-head">
        <h2>Equivalent models</h2>
        <span className="muted small">
          models your team says can do another model&apos;s job: the advice offers them even where the generation
          or tier rules would not (context, features and retirement still apply)
        </span>
      </header>
      <LoadingPanel
        {...queryState(list)}
        isEmpty={rows.length === 0}
        empty={<p className="muted" data-testid="equivalences-none">No equivalences in this project yet.</p>}
        minHeight={60}
        testId="equivalences"
      >
        <div className="table-wrap">
          <table className="table" data-testid="equivalences-list">
            <thead><tr><th>Model</th><th>Can be replaced by</th><th>Where</th><th>Added</th>{canEdit && <th />}</tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-testid={`equivalence-${r.model}-${r.candidate}`}>
                  <th scope="row">{r.model}</th>
                  <td>{r.candidate}</td>
                  <td data-testid="equivalence-endpoint">{r.endpoint}</td>
                  <td className="muted small" title={r.note ?? undefined}>{r.added}</td>
                  {canEdit && (
                    <td>
                      <button type="button" className="button button-secondary button-small" disabled={change.isPending}
                        onClick={() => remove(r.id)} data-testid="equivalence-delete">Delete</button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </LoadingPanel>
      {!adding && change.error && <p className="form-error" role="alert" data-testid="equivalence-error">{change.error.message}</p>}
      {canEdit ? (
        <form className="editor-fields" style={{ alignItems: 'end', marginTop: 12 }} onSubmit={submit} data-testid="equivalence-form" aria-label="Add an equivalence">
          <Field label="Model" error={errors.model}>
            <input list="equivalence-models" value={form.model} data-testid="equivalence-model"
              onChange={(e) => setForm({ ...form, model: e.target.value })} />
          </Field>
          <Field label="Can be replaced by" error={errors.candidate_model}>
            <input list="equivalence-candidates" value={form.candidate_model} data-testid="equivalence-candidate"
              onChange={(e) => setForm({ ...form, candidate_model: e.target.value })} />
          </Field>
          <Field label="Endpoint (empty: all endpoints)" error={errors.endpoint_name}>
            <input list="equivalence-endpoints" value={form.endpoint_name} data-testid="equivalence-endpoint-input"
              onChange={(e) => setForm({ ...form, endpoint_name: e.target.value })} />
          </Field>
          <datalist id="equivalence-models">{options.models.map((m) => <option key={m} value={m} />)}</datalist>
          <datalist id="equivalence-candidates">{options.candidates.map((m) => <option key={m} value={m} />)}</datalist>
          <datalist id="equivalence-endpoints">{options.endpoints.map((m) => <option key={m} value={m} />)}</datalist>
          <button type="submit" className="button" disabled={change.isPending} data-testid="equivalence-add">Add</button>
          {errors.form && <p className="form-error" role="alert" data-testid="equivalence-error">{errors.form}</p>}
        </form>
      ) : (
        <p className="muted small" data-testid="equivalences-read-only">Only the organisation&apos;s admins and owners change this map.</p>
      )}
    </section>
  )
}
