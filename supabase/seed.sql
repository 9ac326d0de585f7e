-- List prices for the models in shared/reference/pricing.md, converted from USD per 1M tokens
-- to USD per 1,000 tokens (the model_pricing unit). Data only; applied to an empty table.
-- Sources: LiteLLM's model_prices_and_context_window_backup.json (litellm 1.109.1, about
-- October 2026; retired models from litellm 1.100.2 or tokencost 0.1.26).
insert into public.model_pricing (model, provider, input_price, output_price, cached_input_price,
  cache_write_price, cache_write_1h_price, long_context_threshold, long_context_input_price,
  long_context_output_price, long_context_cached_input_price, aliases, source, last_updated) values
  ('gpt-4o', 'openai', 0.0025, 0.01, 0.00125, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('gpt-4o-mini', 'openai', 0.00015, 0.0006, 0.000075, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('gpt-4.1', 'openai', 0.002, 0.008, 0.0005, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('gpt-4.1-mini', 'openai', 0.0004, 0.0016, 0.0001, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('gpt-4.1-nano', 'openai', 0.0001, 0.0004, 0.000025, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('o3', 'openai', 0.002, 0.008, 0.0005, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('o4-mini', 'openai', 0.0011, 0.0044, 0.000275, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('gpt-3.5-turbo', 'openai', 0.0005, 0.0015, null, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('gpt-4', 'openai', 0.03, 0.06, null, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('gpt-4-turbo', 'openai', 0.01, 0.03, null, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('claude-3-haiku-20240307', 'anthropic', 0.00025, 0.00125, 0.00003, 0.0003, null, null, null, null, null, '{claude-3-haiku}', 'litellm-1.100.2', '2026-10-15T00:00:00Z'),
  ('claude-3-5-haiku-20241022', 'anthropic', 0.0008, 0.004, 0.00008, 0.001, null, null, null, null, null, '{claude-3-5-haiku,claude-3-5-haiku-latest}', 'tokencost-0.1.26', '2026-10-15T00:00:00Z'),
  ('claude-3-5-sonnet-20241022', 'anthropic', 0.003, 0.015, 0.0003, 0.00375, null, null, null, null, null, '{claude-3-5-sonnet,claude-3-5-sonnet-latest}', 'tokencost-0.1.26', '2026-10-15T00:00:00Z'),
  ('claude-3-7-sonnet-20250219', 'anthropic', 0.003, 0.015, 0.0003, 0.00375, null, null, null, null, null, '{claude-3-7-sonnet,claude-3-7-sonnet-latest}', 'litellm-1.100.2', '2026-10-15T00:00:00Z'),
  ('claude-sonnet-4-20250514', 'anthropic', 0.003, 0.015, 0.0003, 0.00375, null, 200000, 0.006, 0.0225, 0.0006, '{claude-sonnet-4,claude-sonnet-4-0}', 'litellm-1.100.2', '2026-10-15T00:00:00Z'),
  ('claude-opus-4-20250514', 'anthropic', 0.015, 0.075, 0.0015, 0.01875, null, null, null, null, null, '{claude-opus-4,claude-opus-4-0}', 'litellm-1.100.2', '2026-10-15T00:00:00Z'),
  ('claude-sonnet-4-5', 'anthropic', 0.003, 0.015, 0.0003, 0.00375, 0.006, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('claude-haiku-4-5', 'anthropic', 0.001, 0.005, 0.0001, 0.00125, 0.002, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('claude-opus-4-5', 'anthropic', 0.005, 0.025, 0.0005, 0.00625, 0.01, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('mistral-large-latest', 'mistral', 0.0005, 0.0015, 0.00005, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('mistral-medium-latest', 'mistral', 0.0015, 0.0075, 0.00015, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('mistral-small-latest', 'mistral', 0.00015, 0.0006, 0.000015, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('open-mistral-nemo', 'mistral', 0.0003, 0.0003, 0.00003, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('codestral-latest', 'mistral', 0.0003, 0.0009, 0.00003, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('text-embedding-3-small', 'openai', 0.00002, 0, null, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('text-embedding-3-large', 'openai', 0.00013, 0, null, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('gemini-2.5-flash', 'google', 0.0003, 0.0025, 0.00003, null, null, null, null, null, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z'),
  ('gemini-2.5-pro', 'google', 0.00125, 0.01, 0.000125, null, null, 200000, 0.0025, 0.015, null, '{}', 'litellm-1.109.1', '2026-10-15T00:00:00Z')
on conflict (model) do nothing;
