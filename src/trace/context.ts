import { context, type Context, ROOT_CONTEXT } from "@opentelemetry/api";

/** The context the code now running is in (the SDK's context manager keeps it across awaits). */
export function activeContext(): Context {
  return context.active();
}

/** Runs `fn` with `active` as the current context: how a handler's turn runs in its caller's trace. */
export function runIn<T>(active: Context, fn: () => T): T {
  return context.with(active, fn);
}

/** The empty context: work that is nobody's call (a reminder, a periodic save) starts from it. */
export { ROOT_CONTEXT };
