import { activeContext, CallSpan, isRemoteParent, isSampled, ROOT_CONTEXT, SpanKind, type TraceContext } from "../trace/index.ts";

/** What a handler's turn runs in while an SDK is registered: its caller's context and, when it has one, its own span. */
export interface HandlerTrace {
  context: TraceContext;
  span?: CallSpan;
}

/**
 * The trace of one call's handler. A call from the network always gets a span
 * (a server or consumer span when its caller is in another process or sent no
 * trace; an internal one under the HTTP route's span); a local call gets one
 * only when its caller's trace is sampled, so that local calls outside any
 * trace cost no span. `parent` is the caller's context, when the transport
 * read one; a local call's is the context its caller runs in.
 */
export function handlerTrace(
  call: { actor: string; service: string; method: string },
  fromNetwork: boolean,
  parent: TraceContext | undefined,
  remoteKind: SpanKind.SERVER | SpanKind.CONSUMER,
): HandlerTrace {
  const base = parent ?? (fromNetwork ? ROOT_CONTEXT : activeContext());
  if (!fromNetwork && !isSampled(base)) return { context: base };
  const remote = fromNetwork && (parent === undefined || isRemoteParent(parent));
  const span = new CallSpan(base, remote ? remoteKind : SpanKind.INTERNAL, call);
  return { context: span.context, span };
}
