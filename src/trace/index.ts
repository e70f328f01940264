/**
 * Tracing with OpenTelemetry: whether an SDK is registered, the spans of calls,
 * W3C trace context on the wire, and the ring of recent spans the dashboard shows.
 * Imports nothing of ours; every layer that makes or carries spans uses it.
 */
export { SpanKind } from "@opentelemetry/api";
export { type CallAttributes, CallSpan, isRemoteParent, isSampled, type TraceContext, traceIdOf } from "./call-span.ts";
export { activeContext, ROOT_CONTEXT, runIn } from "./context.ts";
export { RECENT_SPANS, RecentSpans, recentSpans, type SpanRecord } from "./recent-spans.ts";
export { TRACER_NAME, tracing } from "./switch.ts";
export { contextFromWire, contextToWire, MAX_TRACEPARENT, MAX_TRACESTATE, type WireTrace } from "./wire-context.ts";
