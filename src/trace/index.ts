/**
 * Tracing with OpenTelemetry: whether an SDK is registered, the spans of calls,
 * W3C trace context on the wire, and the ring of recent spans the dashboard shows.
 * Imports nothing of ours; every layer that makes or carries spans uses it.
 */
export { SpanKind } from "@opentelemetry/api";
export { CallSpan, isRemoteParent, isSampled, type TraceContext, traceIdOf } from "./call-span.ts";
export { activeContext, ROOT_CONTEXT, runIn } from "./context.ts";
export { RECENT_SPANS, recentSpans, type SpanRecord } from "./recent-spans.ts";
export { tracing } from "./switch.ts";
export { contextFromWire, contextToWire } from "./wire-context.ts";
