/**
 * Every span the runtime starts ends, however its call ends: an SDK exports
 * only ended spans, so one that never ends is a call that vanishes from its
 * trace. A span processor here keeps the spans started and not yet ended.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, type Span, type SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { Actor } from "pulsing";
import { tracing } from "../../src/trace/index.ts";
import { startSystem } from "../helpers.ts";

const unended = new Map<string, ReadableSpan>();
const tracker: SpanProcessor = {
  onStart: (span: Span) => void unended.set(span.spanContext().spanId, span as unknown as ReadableSpan),
  onEnd: (span: ReadableSpan) => void unended.delete(span.spanContext().spanId),
  forceFlush: async () => {},
  shutdown: async () => {},
};
const exporter = new InMemorySpanExporter();

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [tracker, new SimpleSpanProcessor({ exporter })] }));
  expect(tracing.refresh()).toBe(true);
});

afterAll(() => {
  trace.disable();
  context.disable();
  tracing.refresh();
});

/** The spans still open, as "name (kind)", with the test's own root spans left out. */
const stillOpen = () => [...unended.values()].filter((span) => span.name !== "test").map((span) => `${span.name} (${span.kind})`);

class Slow extends Actor {
  async wait(ms: number): Promise<number> {
    await Bun.sleep(ms);
    return ms;
  }
  note(): void {}
}

test("tells still queued when their actor stops end their spans (as dead letters)", async () => {
  const { system } = await startSystem();
  const slow = await system.spawn(Slow);
  await trace.getTracer("test").startActiveSpan("test", async (root) => {
    void slow.wait(50).catch(() => {});
    for (let i = 0; i < 3; i++) void slow.$tell.note();
    root.end();
  });
  await system.stop(slow);
  expect(stillOpen()).toEqual([]);
  const deadLetters = exporter.getFinishedSpans().filter((span) => span.name === "Slow/note");
  expect(deadLetters.map((span) => span.attributes["error.type"])).toEqual(["ACTOR_STOPPED", "ACTOR_STOPPED", "ACTOR_STOPPED"]);
});
