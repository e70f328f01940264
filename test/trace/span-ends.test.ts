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
import { startNode, startSystem, until } from "../helpers.ts";

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

test("an HTTP ask whose client hangs up ends its span, whether its turn had started or not", async () => {
  const node = await startNode();
  await node.spawn(Slow, { name: "slow" });
  const post = (ms: number, signal: AbortSignal) =>
    fetch(`http://${node.addr}/actor/slow`, {
      method: "POST",
      signal,
      headers: { "content-type": "application/json", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
      body: JSON.stringify({ msg_type: "wait", payload: [ms] }),
    }).catch(() => undefined);
  const running = new AbortController();
  const queued = new AbortController();
  const first = post(300, running.signal);
  await until(() => stillOpen().length === 2, "the first ask's spans");
  const second = post(1, queued.signal); // waits behind the first
  await until(() => stillOpen().length === 4, "the second ask's spans");
  queued.abort();
  running.abort();
  await Promise.all([first, second]);
  await until(() => stillOpen().length === 0, "every span to end", 2_000).catch(() => {});
  expect(stillOpen()).toEqual([]);
});

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

class Streams extends Actor {
  async hang(): Promise<void> {
    await new Promise(() => {});
  }
  async *stall(): AsyncGenerator<number> {
    yield 1;
    await new Promise(() => {});
  }
}

test("a stream whose first step is still queued, or that is opened on a stopped actor, ends its span when the actor stops", async () => {
  const { system } = await startSystem();
  const actor = await system.spawn(Streams);
  await trace.getTracer("test").startActiveSpan("test", async (root) => {
    void actor.hang().catch(() => {}); // holds the actor: the stream's first step waits behind it
    void actor.stall()[Symbol.asyncIterator]().next().catch(() => {});
    root.end();
  });
  await until(() => stillOpen().length === 2, "the ask's and the stream's spans");
  await system.stop(actor);
  expect(stillOpen()).toEqual([]);
  await trace.getTracer("test").startActiveSpan("test", async (root) => {
    await actor.stall()[Symbol.asyncIterator]().next().catch(() => {});
    root.end();
  });
  expect(stillOpen()).toEqual([]);
});
