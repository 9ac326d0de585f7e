// The one module that imports Recharts. Domain charts map their data in useMemo and hand it
// to these views, so the chart library can change here alone. Animations are off: with
// polling every few seconds, re-animating would look like flicker.
import {
  Bar, BarChart, CartesianGrid, Cell, Legend, Line, LineChart, Pie, PieChart,
  ResponsiveContainer, Tooltip, XAxis, YAxis,
} from 'recharts'

export const PALETTE = ['#4f46e5', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#8b5cf6', '#64748b']

export interface Series {
  key: string
  label: string
  color?: string
}

type Row = object
type ValueFormat = (value: number) => string

const AXIS = { fontSize: 12, fill: '#64748b' }
const GRID = '#e2e8f0'
const TOOLTIP_STYLE = { borderRadius: 8, border: '1px solid #e2e8f0', fontSize: 13 }

interface TimeChartProps {
  data: Row[]
  xKey: string
  series: Series[]
  formatValue?: ValueFormat
  /** Exact labels for the tooltip, e.g. cost strings, keyed by series key + "Label". */
  tooltipLabels?: boolean
  height?: number
}

export function LineChartView({ data, xKey, series, formatValue = String, tooltipLabels, height = 260 }: TimeChartProps) {
  return (
    <ResponsiveContainer width="100%" height={height}>
      <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID} vertical={false} />
        <XAxis dataKey={xKey} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} minTickGap={32} />
        <YAxis tick={AXIS} tickLine={false} axisLine={false} tickFormatter={formatValue} width={72} />
        <Tooltip
          contentStyle={TOOLTIP_STYLE}
          formatter={(value, name, item) => {
            const exact = tooltipLabels ? (item.payload as Record<string, unknown>)[`${String(item.dataKey)}Label`] : undefined
            return [typeof exact === 'string' ? exact : formatValue(Number(value)), name]
          }}
        />
        {series.length > 1 && <Legend iconType="plainline" wrapperStyle={{ fontSize: 12 }} />}
        {series.map((s, i) => (
          <Line
            key={s.key}
            type="monotone"
            dataKey={s.key}
            name={s.label}
            stroke={s.color ?? PALETTE[i % PALETTE.length]}
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  )
}

interface BarChartProps {
  data: Row[]
  categoryKey: string
  series: Series[]
  formatValue?: ValueFormat
  tooltipLabels?: boolean
  height?: number
}

/** Horizontal bars: category names on the left stay readable however long model names get. */
export function BarChartView({ data, categoryKey, series, formatValue = String, tooltipLabels, height }: BarChartProps) {
  const h = height ?? Math.max(120, data.length * (series.length > 1 ? 44 : 32) + 40)
  return (
    <ResponsiveContainer width="100%" height={h}>
      <BarChart data={data} layout="vertical" margin={{ top: 4, right: 24, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID} horizontal={false} />
        <XAxis type="number" tick={AXIS} tickLine={false} axisLine={false} tickFormatter={formatValue} />
        <YAxis type="category" dataKey={categoryKey} tick={AXIS} tickLine={false} axisLine={false} width={140} />
        <Tooltip
          contentStyle={TOOLTIP_STYLE}
          cursor={{ fill: '#f1f5f9' }}
          formatter={(value, name, item) => {
            const exact = tooltipLabels ? (item.payload as Record<string, unknown>)[`${String(item.dataKey)}Label`] : undefined
            return [typeof exact === 'string' ? exact : formatValue(Number(value)), name]
          }}
        />
        {series.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} />}
        {series.map((s, i) => (
          <Bar
            key={s.key}
            dataKey={s.key}
            name={s.label}
            fill={s.color ?? PALETTE[i % PALETTE.length]}
            radius={[0, 4, 4, 0]}
            maxBarSize={22}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ResponsiveContainer>
  )
}

interface ColumnChartProps {
  data: Row[]
  xKey: string
  series: Series[]
  formatValue?: ValueFormat
  /** Stack the series in one column per row (e.g. input and output tokens of a turn). */
  stacked?: boolean
  height?: number
}

/** Vertical columns along an ordered axis (turns of a conversation), optionally stacked. */
export function ColumnChartView({ data, xKey, series, formatValue = String, stacked, height = 220 }: ColumnChartProps) {
  return (
    <ResponsiveContainer width="100%" height={height}>
      <BarChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID} vertical={false} />
        <XAxis dataKey={xKey} tick={AXIS} tickLine={false} axisLine={{ stroke: GRID }} minTickGap={16} />
        <YAxis tick={AXIS} tickLine={false} axisLine={false} tickFormatter={formatValue} width={72} />
        <Tooltip contentStyle={TOOLTIP_STYLE} cursor={{ fill: '#f1f5f9' }} formatter={(value, name) => [formatValue(Number(value)), name]} />
        {series.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} />}
        {series.map((s, i) => (
          <Bar
            key={s.key}
            dataKey={s.key}
            name={s.label}
            stackId={stacked ? 'stack' : undefined}
            fill={s.color ?? PALETTE[i % PALETTE.length]}
            maxBarSize={40}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ResponsiveContainer>
  )
}

interface PieChartProps {
  data: { name: string; value: number; label: string }[]
  formatValue?: ValueFormat
  height?: number
}

export function PieChartView({ data, formatValue = String, height = 260 }: PieChartProps) {
  return (
    <ResponsiveContainer width="100%" height={height}>
      <PieChart>
        <Pie
          data={data}
          dataKey="value"
          nameKey="name"
          innerRadius="52%"
          outerRadius="80%"
          paddingAngle={1}
          isAnimationActive={false}
        >
          {data.map((slice, i) => (
            <Cell key={slice.name} fill={PALETTE[i % PALETTE.length]} />
          ))}
        </Pie>
        <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(value, name) => [formatValue(Number(value)), name]} />
        <Legend
          layout="vertical"
          align="right"
          verticalAlign="middle"
          itemSorter={null}
          wrapperStyle={{ fontSize: 12 }}
          formatter={(_value, entry) => (entry.payload as unknown as { label?: string })?.label ?? String(_value)}
        />
      </PieChart>
    </ResponsiveContainer>
  )
}
