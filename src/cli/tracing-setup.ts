/**
 * The executable's OpenTelemetry SDK: registered before the node starts when
 * spans have somewhere to go. With an OTLP endpoint (`--otlp-endpoint`, or the
 * standard OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
 * spans are batched and posted there by the official OTLP/HTTP exporter; with
 * `--trace` alone they are recorded for the dashboard's trace view only.
 * OTEL_SDK_DISABLED=true turns it all off; OTEL_TRACES_SAMPLER(_ARG),
 * OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and OTEL_BSP_* are honoured.
 */
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { samplerFromEnv } from "./sampler-env.ts";
import { UsageError } from "./usage.ts";

/**
 * How long a stop waits for the OTLP endpoint to take the last spans. A healthy
 * collector takes a batch in well under a second; one that is down or hangs
 * would otherwise hold the stop for the exporter's own timeout (10 s, retried),
 * past the node's whole shutdown limit, and the node would exit with code 1.
 */
export const FLUSH_LIMIT_MS = 2_000;

export interface TracingSetup {
  /** Where spans go: the traces URL without any user or password in it (it is logged), or undefined when only the dashboard sees them. */
  exportsTo: string | undefined;
  sampler: string;
  /** What was wrong with the variables, if anything (the defaults stood in). */
  warning?: string;
  /** Sends what is still batched and stops: once the node has stopped. Rejects when the endpoint did not take it all within FLUSH_LIMIT_MS. */
  shutdown(): Promise<void>;
}

/** Where spans are posted: the flag's endpoint (a base URL, as the standard variable is), else what the exporter reads from the environment. */
function tracesUrl(endpointFlag: string | undefined, env: Record<string, string | undefined>): string | undefined {
  if (endpointFlag !== undefined) return `${endpointFlag.replace(/\/+$/, "")}/v1/traces`;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (traces !== undefined && traces !== "") return httpUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", traces);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (base !== undefined && base !== "") return `${httpUrl("OTEL_EXPORTER_OTLP_ENDPOINT", base).replace(/\/+$/, "")}/v1/traces`;
  return undefined;
}

/** A variable's URL, refused as a bad flag is when it is no http(s) URL: the exporter would throw a stack at start, or fail every export. */
function httpUrl(variable: string, value: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new UsageError(`${variable} must be an http:// or https:// URL, got ${JSON.stringify(value.slice(0, 128))}`);
  return value;
}

/** A positive integer from a standard variable, else undefined (the SDK's default). */
function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * Registers the SDK globally when tracing is asked for (an endpoint, or
 * `record` for the dashboard alone); undefined when it is not, and the
 * runtime then makes no span at all.
 */
export function setUpTracing(options: { endpoint?: string; record: boolean; env: Record<string, string | undefined> }): TracingSetup | undefined {
  const { env } = options;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  const url = tracesUrl(options.endpoint, env);
  if (url === undefined && !options.record) return undefined;
  const sampling = samplerFromEnv(env);
  const spanProcessors: SpanProcessor[] = [];
  if (url !== undefined) {
    const exporter = new OTLPTraceExporter({ url });
    const scheduledDelayMillis = positiveInt(env.OTEL_BSP_SCHEDULE_DELAY);
    const maxQueueSize = positiveInt(env.OTEL_BSP_MAX_QUEUE_SIZE);
    const maxExportBatchSize = positiveInt(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE);
    spanProcessors.push(
      new BatchSpanProcessor({
        exporter,
        ...(scheduledDelayMillis === undefined ? {} : { scheduledDelayMillis }),
        ...(maxQueueSize === undefined ? {} : { maxQueueSize }),
        ...(maxExportBatchSize === undefined ? {} : { maxExportBatchSize }),
      }),
    );
  }
  // "pulsing" names the service unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES (read by envDetector) say otherwise.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ "service.name": "pulsing" }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new TracerProvider({ sampler: sampling.sampler, spanProcessors, resource });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const setup: TracingSetup = {
    exportsTo: url === undefined ? undefined : withoutCredentials(url),
    sampler: sampling.ratio === undefined ? sampling.name : `${sampling.name}(${sampling.ratio})`,
    shutdown: () => within(provider.shutdown(), FLUSH_LIMIT_MS),
  };
  if (sampling.warning !== undefined) setup.warning = sampling.warning;
  return setup;
}

/** `promise`, or a rejection once `ms` have passed: what is still unsent then is lost, and the stop goes on. */
function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the OTLP endpoint did not take the last spans within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The URL as a log line may show it: `user:password@` is a secret. */
function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "") return url;
  parsed.username = "";
  parsed.password = "";
  return parsed.toString();
}
