// A row of headline figures with a hint under each (Sessions, a session's totals).
import type { MetricCard } from '../data/sessions/sessions-data'

export function MetricCards({ cards, testId }: { cards: MetricCard[]; testId: string }) {
  return (
    <div className="stats" data-testid={testId}>
      {cards.map((card) => (
        <div key={card.id} className="card stat" data-testid={`metric-${card.id}`}>
          <span className="stat-label">{card.label}</span>
          <span className={`stat-value${card.value.length > 9 ? ' stat-value-long' : ''}`} data-testid={`metric-${card.id}-value`} title={card.exact && `exactly ${card.exact}`}>{card.value}</span>
          <span className="stat-foot"><span className="muted small">{card.hint}</span></span>
        </div>
      ))}
    </div>
  )
}
