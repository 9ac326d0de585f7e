// Logs: newest first, filtered by the URL filters (model, endpoint, provider, status, date),
// keyset pagination and a CSV download of the same filters.
import { type MouseEvent, useEffect, useMemo, useState } from 'react'
import { DateRangePicker } from '../components/DateRangePicker'
import { FilterBar } from '../components/FilterBar'
import { FirstEventSnippet } from '../components/FirstEventSnippet'
import { Layout } from '../components/Layout'
import { LoadingPanel, errorText, queryState } from '../components/LoadingPanel'
import { readAdminToken } from '../lib/admin-token'
import { type Filters, filtersToSearch, hasNarrowingFilters } from '../data/filters-data'
import {
  FIRST_PAGE, currentCursor, logCells, nextPage, pageNumber, previousPage,
} from '../data/logs/logs-data'
import { logsParams, useLogsQuery } from '../data/logs/logs-queries'
import { getDataSource } from '../data/source'
import { useFilters } from '../data/use-filters'

function ExportCsv({ filters }: { filters: Filters }) {
  const [href, setHref] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    void getDataSource().then((source) => setHref(source.exportCsvHref(logsParams(filters))))
  }, [filters])

  // A plain link cannot carry the admin token or reach supabase: fetch the file instead.
  async function download(event: MouseEvent) {
    if (href && !readAdminToken()) return
    event.preventDefault()
    setError(null)
    try {
      const blob = await (await getDataSource()).exportCsv(logsParams(filters))
      const url = URL.createObjectURL(blob)
      const a = document.createElement('a')
      a.href = url
      a.download = 'tokenoptimizer-logs.csv'
      a.click()
      URL.revokeObjectURL(url)
    } catch (e) {
      setError(errorText(e))
    }
  }

  return (
    <span className="export">
      <a className="button button-secondary" href={href ?? '#'} onClick={(e) => void download(e)} download data-testid="export-csv">
        Download CSV
      </a>
      {error && <span className="form-error" role="alert">{error}</span>}
    </span>
  )
}

export function LogsPage() {
  const [filters] = useFilters()
  const filterSearch = filtersToSearch(filters).toString()
  const [stack, setStack] = useState(FIRST_PAGE)
  // A new filter starts again from the newest row.
  useEffect(() => setStack(FIRST_PAGE), [filterSearch])
  const cursor = currentCursor(stack)
  const logs = useLogsQuery(filters, cursor)
  const rows = useMemo(() => (logs.data?.rows ?? []).map((row) => logCells(row)), [logs.data])
  const next = logs.data?.next ?? null

  return (
    <Layout title="Logs" toolbar={<DateRangePicker />}>
      <div className="toolbar-row">
        <FilterBar withStatus />
        <ExportCsv filters={filters} />
      </div>
      <section className="card" aria-label="Requests">
        <LoadingPanel
          {...queryState(logs)}
          isEmpty={rows.length === 0 && cursor === null}
          empty={hasNarrowingFilters(filters) ? 'No requests match these filters in this range.' : <FirstEventSnippet />}
          minHeight={320}
          testId="logs"
        >
          <div className={`table-wrap${logs.isPlaceholderData ? ' is-stale' : ''}`}>
            <table className="table table-dense" data-testid="logs-table">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Model</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col" className="num">Latency</th>
                  <th scope="col" className="num">Tokens in</th>
                  <th scope="col" className="num">Tokens out</th>
                  <th scope="col" className="num">Cost</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id} data-testid="log-row">
                    <td className="nowrap mono" data-testid="cell-timestamp">{row.timestamp}</td>
                    <td data-testid="cell-model">{row.model}</td>
                    <td data-testid="cell-endpoint"><code>{row.endpoint}</code></td>
                    <td className="num" data-testid="cell-latency">{row.latency}</td>
                    <td className="num" data-testid="cell-tokens-in">{row.tokensIn}</td>
                    <td className="num" data-testid="cell-tokens-out">{row.tokensOut}</td>
                    <td className="num" data-testid="cell-cost">
                      {row.priced ? row.cost : <span className="badge badge-warning" title="No price for this model: cost unknown">{row.cost}</span>}
                    </td>
                    <td data-testid="cell-status">
                      <span className={`badge ${row.isError ? 'badge-error' : 'badge-ok'}`}>{row.status}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages">
            <button type="button" className="button button-secondary" disabled={pageNumber(stack) === 1} onClick={() => setStack(previousPage(stack))} data-testid="logs-prev">
              ← Newer
            </button>
            <span className="muted" data-testid="logs-page">Page {pageNumber(stack)}</span>
            <button type="button" className="button button-secondary" disabled={!next} onClick={() => setStack(nextPage(stack, next))} data-testid="logs-next">
              Older →
            </button>
          </nav>
        </LoadingPanel>
      </section>
    </Layout>
  )
}
