// Domain charts: each maps API data in useMemo and hands it to the chart wrapper.
import { useMemo } from 'react'
import { BarChartView, LineChartView, PieChartView } from '../../components/charts/Chart'
import { formatCompact, formatInteger, formatLatency } from '../../data/format-data'
import {
  costBars, distributionSlices, latencyBars, timeRows,
} from '../../data/overview/overview-data'
import type { BreakdownGroup, TimeseriesResponse } from '../../data/types'

const formatAxisCost = (value: number) => `$${value >= 1 ? value.toFixed(2) : Number(value.toPrecision(2))}`

export function TokensOverTimeChart({ data }: { data: TimeseriesResponse }) {
  const rows = useMemo(() => timeRows(data.points, data.bucket), [data])
  return (
    <LineChartView
      data={rows}
      xKey="label"
      formatValue={formatCompact}
      series={[
        { key: 'total_tokens', label: 'Total' },
        { key: 'prompt_tokens', label: 'Input' },
        { key: 'completion_tokens', label: 'Output' },
      ]}
    />
  )
}

export function CostOverTimeChart({ data }: { data: TimeseriesResponse }) {
  const rows = useMemo(() => timeRows(data.points, data.bucket), [data])
  return <LineChartView data={rows} xKey="label" formatValue={formatAxisCost} tooltipLabels series={[{ key: 'cost', label: 'Cost', color: '#10b981' }]} />
}

export function CostByChart({ groups }: { groups: BreakdownGroup[] }) {
  const { bars, unpriced } = useMemo(() => costBars(groups), [groups])
  return (
    <>
      {bars.length > 0 ? (
        <BarChartView data={bars} categoryKey="name" formatValue={formatAxisCost} tooltipLabels series={[{ key: 'cost', label: 'Cost' }]} />
      ) : (
        <p className="muted chart-note">No priced requests in this range.</p>
      )}
      {unpriced.length > 0 && (
        <p className="chart-note warning-text" data-testid="chart-unpriced-note">
          Not in these costs (no price): requests of {unpriced.join(', ')}
        </p>
      )}
    </>
  )
}

export function ModelDistributionChart({ groups }: { groups: BreakdownGroup[] }) {
  const slices = useMemo(() => distributionSlices(groups), [groups])
  return <PieChartView data={slices} formatValue={(v) => `${formatInteger(v)} requests`} />
}

export function LatencyByModelChart({ groups }: { groups: BreakdownGroup[] }) {
  const bars = useMemo(() => latencyBars(groups), [groups])
  return (
    <BarChartView
      data={bars}
      categoryKey="name"
      formatValue={formatLatency}
      series={[
        { key: 'p50', label: 'p50', color: '#0ea5e9' },
        { key: 'p95', label: 'p95', color: '#4f46e5' },
      ]}
    />
  )
}
