import { type Attributes, type Context, type Span, SpanKind, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import { recentSpans, type SpanRecord } from "./recent-spans.ts";
import { tracing } from "./switch.ts";

export type TraceContext = Context;

/** Longest error message a span carries: a handler's message may quote what its caller sent. */
const MAX_MESSAGE = 256;
/** Longest name, method or key a span carries: they may come from the network. */
const MAX_NAME = 128;

const clipped = (text: string): string => (text.length <= MAX_NAME ? text : `${text.slice(0, MAX_NAME)}…`);

const KIND_NAMES: Record<SpanKind, SpanRecord["kind"]> = {
  [SpanKind.INTERNAL]: "internal",
  [SpanKind.SERVER]: "server",
  [SpanKind.CLIENT]: "client",
  [SpanKind.PRODUCER]: "producer",
  [SpanKind.CONSUMER]: "consumer",
};

/** What a call's span says about the call: the actor, its message, and for an entity its kind and key. */
export interface CallAttributes {
  /** The actor's name, or `#kind/key` for an entity. */
  actor: string;
  /** The method or message type. */
  method: string;
  /**
   * The class or entity kind: spans are named after it, not after the
   * instance, so names stay few. A caller that does not know the class leaves
   * it out: the name stands in (an entity's kind for `#kind/key`).
   */
  service?: string;
}

/**
 * The span of one call, on the caller's side (client, producer) or the
 * handler's (server, consumer, internal), and the context that has it as its
 * current span: what the call's handler runs in, and what goes on the wire.
 */
export class CallSpan {
  readonly context: Context;
  readonly #span: Span;
  readonly #startMs: number;
  readonly #startedAt: number;
  readonly #kind: SpanKind;
  #name: string;
  readonly #service: string;
  readonly #actor: string;
  #ended = false;

  constructor(parent: Context, kind: SpanKind, call: CallAttributes) {
    // A client's link target may carry routing options after "?": not part of the name.
    const query = call.actor.indexOf("?");
    const actor = clipped(query < 0 ? call.actor : call.actor.slice(0, query));
    const method = clipped(call.method);
    const attributes: Attributes = { "rpc.system": "pulsing", "rpc.method": method, "pulsing.actor": actor };
    let service = call.service === undefined ? actor : clipped(call.service);
    const slash = actor.indexOf("/");
    if (actor.startsWith("#") && slash > 1) {
      attributes["pulsing.entity.kind"] = actor.slice(1, slash);
      attributes["pulsing.entity.key"] = actor.slice(slash + 1);
      if (call.service === undefined) service = actor.slice(1, slash);
    }
    attributes["rpc.service"] = service;
    this.#kind = kind;
    this.#service = service;
    this.#name = `${service}/${method}`;
    this.#actor = actor;
    this.#startedAt = performance.now();
    // The wall clock to the microsecond, so that a child's start is never rounded past its parent's end.
    this.#startMs = performance.timeOrigin + this.#startedAt;
    this.#span = tracing.tracer.startSpan(this.#name, { kind, attributes }, parent);
    this.context = trace.setSpan(parent, this.#span);
  }

  /** The call ended; `code` is its error code when it failed. Only the first end counts. */
  end(code?: string, message?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    const span = this.#span;
    if (code === "UNKNOWN_MESSAGE") {
      // A method the actor lacks is whatever the caller typed: the name stays one of few (rpc.method keeps the text).
      this.#name = `${this.#service}/_OTHER`;
      span.updateName(this.#name);
    }
    if (code !== undefined) {
      span.setAttribute("error.type", code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: message === undefined ? code : `${code}: ${message.slice(0, MAX_MESSAGE)}` });
    }
    const recording = span.isRecording();
    span.end();
    if (recording) this.#record(code);
  }

  #record(code: string | undefined): void {
    const own = this.#span.spanContext();
    const record: SpanRecord = {
      traceId: own.traceId,
      spanId: own.spanId,
      parentSpanId: parentSpanIdOf(this.#span),
      name: this.#name,
      kind: KIND_NAMES[this.#kind],
      startMs: this.#startMs,
      durationMs: performance.now() - this.#startedAt,
      actor: this.#actor,
    };
    if (code !== undefined) record.code = code;
    recentSpans.add(record);
  }
}

/** The parent's span id, where the SDK's span exposes it (a ReadableSpan's `parentSpanContext`). */
function parentSpanIdOf(span: Span): string {
  const parent = (span as Span & { parentSpanContext?: { spanId: string } }).parentSpanContext;
  return parent?.spanId ?? "";
}

/** Whether `context` holds a span whose trace is sampled: a local hop is traced only then. */
export function isSampled(context: Context): boolean {
  const spanContext = trace.getSpanContext(context);
  return spanContext !== undefined && (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0;
}

/** Whether `context`'s current span came from another process (a handler span is then a server span). */
export function isRemoteParent(context: Context): boolean {
  return trace.getSpanContext(context)?.isRemote === true;
}

/** The trace id of `context`'s span, for log lines; undefined when it has none. */
export function traceIdOf(context: Context): string | undefined {
  return trace.getSpanContext(context)?.traceId;
}
