// Emits GenAI spans through the real OpenTelemetry JS SDK and its OTLP exporter (protobuf, or JSON when
// OTLP_ENCODING=json), configured only by the environment (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
// OTEL_EXPORTER_OTLP_HEADERS), as docs/opentelemetry.md tells Node users. Prints the ids of the spans
// it sent, as JSON, for the test.
import { SpanStatusCode, diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN); // export failures reach stderr

const exporter = process.env.OTLP_ENCODING === 'json' ? new JsonExporter() : new ProtobufExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'node-otlp-test', 'tokenoptimizer.endpoint_name': 'node-app' }),
  spanProcessors: [new BatchSpanProcessor(exporter)],
});
const tracer = provider.getTracer('tokenoptimizer-node-test', '1.0.0');
const start = Date.UTC(2026, 10, 30, 12, 0, 0); // fixed, so the test knows the timestamps

function call(name, attributes, offsetMs, durationMs, error) {
  const span = tracer.startSpan(name, { attributes, startTime: start + offsetMs });
  if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream said no' });
  span.end(start + offsetMs + durationMs);
  const { traceId, spanId } = span.spanContext();
  return { name, traceId, spanId };
}

const sent = [
  call('chat claude-sonnet-4-5', {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic',
    'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.response.model': 'claude-sonnet-4-5',
    'gen_ai.usage.input_tokens': 2000, 'gen_ai.usage.output_tokens': 100,
    'gen_ai.usage.cache_read.input_tokens': 1500, 'gen_ai.usage.cache_creation.input_tokens': 300,
    'gen_ai.conversation.id': 'node-conv-1',
  }, 0, 420, false),
  call('chat gpt-4o-mini', {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 20,
    'gen_ai.usage.reasoning.output_tokens': 5, 'tokenoptimizer.endpoint_name': 'node-summary',
  }, 1000, 250, false),
  call('chat gpt-4o', {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o',
    'error.type': 'APIConnectionError',
  }, 2000, 30, true),
  call('GET /health', { 'http.request.method': 'GET' }, 3000, 5, false), // not an LLM call: dropped
];

await provider.forceFlush();
await provider.shutdown();
console.log(JSON.stringify(sent));
