/**
 * With an SDK registered, each turn runs in its own caller's trace and in no
 * other: an actor called outside any trace sees none, even when its turn runs
 * in the same batch as a traced one (a microtask keeps the context of whoever
 * queued it). Registers an SDK in this process and removes it after.
 */
import { afterEach, expect, test } from "bun:test";
import { context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { Actor } from "pulsing";
import { tracing } from "../../src/trace/index.ts";
import { startSystem } from "../helpers.ts";

afterEach(() => {
  trace.disable();
  context.disable();
  tracing.refresh();
});

class Probe extends Actor {
  /** The trace id this turn runs in, if any. */
  async seen(): Promise<string | undefined> {
    await null; // and after an await, too
    return trace.getSpanContext(context.active())?.traceId;
  }
}

test("a turn outside any trace sees none, though it runs in the batch a traced turn's call queued", async () => {
  const exporter = new InMemorySpanExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  const { system } = await startSystem();
  expect(tracing.on).toBe(true);
  const traced = await system.spawn(Probe);
  const untraced = await system.spawn(Probe);
  const app = trace.getTracer("app").startSpan("request");
  const [inTrace, outside] = await context.with(trace.setSpan(ROOT_CONTEXT, app), () => {
    // Queued first, inside the application's span: the batch that runs both turns is queued in it.
    const first = traced.seen();
    const second = context.with(ROOT_CONTEXT, () => untraced.seen());
    return Promise.all([first, second]);
  });
  app.end();
  expect(inTrace).toBe(app.spanContext().traceId);
  expect(outside).toBeUndefined();
  // The traced call's handler made its span under the application's.
  const handler = exporter.getFinishedSpans().find((span) => span.name === "Probe/seen");
  expect(handler?.parentSpanContext?.spanId).toBe(app.spanContext().spanId);
  expect(exporter.getFinishedSpans().filter((span) => span.name === "Probe/seen")).toHaveLength(1);
});
