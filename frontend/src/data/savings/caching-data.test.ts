import { describe, expect, test } from 'vitest'
import { type CachingAdvice, type CachingAnswer, cachingView, cachingViews } from './caching-data'

// The backend's hand-checked cases (tests/backend/test_caching_advice.py).
const anthropic: CachingAdvice = {
  endpoint_name: 'agent', model: 'claude-sonnet-4-5', provider: 'anthropic', prefix_hash: 'ab12cd34ef56ab78',
  calls: 20, prefix_chars: 8000, prefix_tokens: 2000, minimum_tokens: 1024, cache_reads: 19, cache_writes: 1,
  priced_as: 'claude-sonnet-4-5', rates: { input_price: '0.003', cached_input_price: '0.0003', cache_write_price: '0.00375' },
  saving: '0.1011', monthly_saving: '39.704727272727', days: '0.0764',
  first_seen: '2026-12-02T10:10:00Z', last_seen: '2026-12-02T10:29:00Z', action: 'cache_control',
  how: 'Add a cache_control breakpoint',
}
const openai: CachingAdvice = {
  ...anthropic, endpoint_name: 'support', model: 'gpt-4o', provider: 'openai', calls: 30, prefix_chars: 6000,
  prefix_tokens: 1500, cache_reads: 28, cache_writes: 2, priced_as: 'gpt-4o', saving: '0.0525', monthly_saving: '18.9',
  days: '1.5', rates: { input_price: '0.0025', cached_input_price: '0.00125', cache_write_price: null }, action: 'automatic',
  how: 'Put the stable part first',
}

describe('cachingView', () => {
  test.each([
    [anthropic, '$39.70', '$39.704727272727', '2,000-token prefix (8,000 characters, at least 1,024 to cache) on 20 calls over 1.8 hours: 19 would read it from the cache, 1 would find it cold',
      'claude-sonnet-4-5: $3.00 per 1M input tokens today, $0.30 cached; $3.75 to write'],
    [openai, '$18.90', '$18.90', '1,500-token prefix (6,000 characters, at least 1,024 to cache) on 30 calls over 1.5 days: 28 would read it from the cache, 2 would find it cold',
      'gpt-4o: $2.50 per 1M input tokens today, $1.25 cached; a cold call costs what it costs today'],
  ])('%#: monthly rounded, exact on hover, basis and rates', (advice, text, exact, basis, rates) => {
    const view = cachingView(advice)
    expect(view.monthly.text).toBe(text)
    expect(view.monthly.exact ?? view.monthly.text).toBe(exact)
    expect(view.basis).toBe(basis)
    expect(view.rates).toBe(rates)
    expect(view.how).toBe(advice.how)
  })

  test('the list keeps the API order and totals a month', () => {
    const answer = { advice: [anthropic, openai], monthly_saving: '58.604727272727' } as CachingAnswer
    const views = cachingViews(answer)
    expect(views.items.map((v) => v.endpoint)).toEqual(['agent', 'support'])
    expect(views.total).toEqual({ text: '$58.60', exact: '$58.604727272727' })
  })
})
