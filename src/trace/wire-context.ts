import { type Context, ROOT_CONTEXT, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";

/** A trace context as it travels: W3C `traceparent` and, when there is one, `tracestate`. */
export interface WireTrace {
  traceparent: string;
  tracestate?: string;
}

/** Longest `traceparent` accepted from the network (version 00 is 55 characters; later versions may add fields). */
export const MAX_TRACEPARENT = 128;
/** Longest `tracestate` accepted from the network (W3C asks to propagate at least 512 characters). */
export const MAX_TRACESTATE = 1024;

const propagator = new W3CTraceContextPropagator();

const getter: TextMapGetter<WireTrace> = {
  keys: () => ["traceparent", "tracestate"],
  get: (carrier, key) => (key === "traceparent" ? carrier.traceparent : key === "tracestate" ? carrier.tracestate : undefined),
};
const setter: TextMapSetter<WireTrace> = {
  set: (carrier, key, value) => {
    if (key === "traceparent") carrier.traceparent = value;
    else if (key === "tracestate") carrier.tracestate = value;
  },
};

/**
 * The context a caller's trace continues in, read from what came over the
 * network; undefined when there is none or it is malformed (the call goes on,
 * as the start of a new trace). Lengths are checked before anything parses.
 */
export function contextFromWire(traceparent: unknown, tracestate: unknown): Context | undefined {
  if (typeof traceparent !== "string" || traceparent.length > MAX_TRACEPARENT) return undefined;
  const carrier: WireTrace = { traceparent };
  if (typeof tracestate === "string" && tracestate.length <= MAX_TRACESTATE) carrier.tracestate = tracestate;
  const context = propagator.extract(ROOT_CONTEXT, carrier, getter);
  return context === ROOT_CONTEXT ? undefined : context;
}

/**
 * What goes on the wire for `context`'s span; undefined when it has no valid
 * one. A `tracestate` longer than a peer takes (an application's own) is left
 * out rather than sent: the peer would refuse the whole envelope.
 */
export function contextToWire(context: Context): WireTrace | undefined {
  const carrier = {} as WireTrace;
  propagator.inject(context, carrier, setter);
  if (carrier.traceparent === undefined) return undefined;
  if (carrier.tracestate !== undefined && carrier.tracestate.length > MAX_TRACESTATE) delete carrier.tracestate;
  return carrier;
}
