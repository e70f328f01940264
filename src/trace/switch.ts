import { ProxyTracerProvider, trace, type Tracer, type TracerProvider } from "@opentelemetry/api";

/** The provider `@opentelemetry/api` hands out while no SDK is registered. */
const NOOP_PROVIDER: TracerProvider = new ProxyTracerProvider().getDelegate();

/** The instrumentation scope of every span the runtime makes. */
const TRACER_NAME = "pulsing";

/**
 * Whether an OpenTelemetry SDK is registered, read once in a while rather than
 * on every message: the hot paths read `on` and, while it is false, make no
 * span, read no context and put no trace on the wire. `refresh` runs when a
 * node starts and whenever a frame or a request arrives from the network, so a
 * provider registered later is noticed with the next call from outside.
 */
class TracingSwitch {
  on = false;
  #tracer: Tracer | undefined;

  refresh(): boolean {
    const global = trace.getTracerProvider();
    const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
    const on = provider !== NOOP_PROVIDER;
    if (on !== this.on) this.#tracer = undefined;
    this.on = on;
    return on;
  }

  /** The runtime's tracer; only asked for while `on`. */
  get tracer(): Tracer {
    return (this.#tracer ??= trace.getTracer(TRACER_NAME));
  }
}

export const tracing = new TracingSwitch();
