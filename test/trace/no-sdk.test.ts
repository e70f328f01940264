/**
 * With no OpenTelemetry SDK registered the runtime makes no span object, reads
 * no context and starts none, on any path: local asks, tells and streams,
 * calls over a link, and HTTP calls that bring a traceparent. A control at the
 * end registers a provider for a moment and sees the same spies called, so
 * their silence above means something.
 */
import { afterEach, expect, spyOn, test } from "bun:test";
import { context, ProxyTracer, propagation, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { ActorRef } from "pulsing";
import { tracing } from "../../src/trace/index.ts";
import { Counter } from "../fixtures/actors.ts";
import { startNode, startSystem } from "../helpers.ts";

/** Every way into @opentelemetry/api that makes or reads a span or a context. */
function spyOnTheApi() {
  return [
    spyOn(trace, "getTracer"),
    spyOn(trace, "getTracerProvider"),
    spyOn(trace, "setSpan"),
    spyOn(trace, "getSpan"),
    spyOn(trace, "getSpanContext"),
    spyOn(trace, "wrapSpanContext"),
    spyOn(ProxyTracer.prototype, "startSpan"),
    spyOn(ProxyTracer.prototype, "startActiveSpan"),
    spyOn(context, "active"),
    spyOn(context, "with"),
    spyOn(propagation, "extract"),
    spyOn(propagation, "inject"),
  ];
}

/** The spies that were called, by name, with how often: what the runtime asked of the API. */
function calledOf(spies: ReturnType<typeof spyOnTheApi>): Record<string, number> {
  const names = ["getTracer", "getTracerProvider", "setSpan", "getSpan", "getSpanContext", "wrapSpanContext", "startSpan", "startActiveSpan", "active", "with", "extract", "inject"];
  const called: Record<string, number> = {};
  spies.forEach((spy, i) => {
    if (spy.mock.calls.length > 0) called[names[i] as string] = spy.mock.calls.length;
  });
  return called;
}

/** Local asks, tells and a stream; an ask, a tell and a stream over a link; HTTP asks and tells that bring a traceparent. */
async function workload(local: ActorRef<Counter>, remote: ActorRef<Counter>, httpBase: string, traced: boolean): Promise<void> {
  const before = await local.inc(0);
  for (let i = 0; i < 100; i++) await local.inc(1);
  await local.$tell.inc(1);
  for await (const _ of local.countTo(5)) {
    // read it all
  }
  for (let i = 0; i < 20; i++) await remote.inc(1);
  remote.$tell.inc(1);
  for await (const _ of remote.countTo(5)) {
    // read it all
  }
  const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  for (const mode of ["ask", "tell"]) {
    const response = await fetch(`${httpBase}/actor/counter`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent, "x-message-mode": mode },
      body: JSON.stringify({ msg_type: "inc", payload: [1] }),
    });
    expect(response.ok).toBe(true);
    // No SDK: the node answers without a trace of its own; with one, in the caller's trace.
    if (traced) expect(response.headers.get("traceparent")).toContain("4bf92f3577b34da6a3ce929d0e0e4736");
    else expect(response.headers.get("traceparent")).toBeNull();
  }
  expect(await local.inc(0)).toBe(before + 101); // every local call above reached its actor
}

afterEach(() => {
  trace.disable();
  context.disable();
  tracing.refresh();
});

test("no SDK registered: no span, no context, nothing of the API on any path; with one, the same spies are called", async () => {
  expect(tracing.refresh()).toBe(false);
  const { system } = await startSystem();
  const local = await system.spawn(Counter);
  const server = await startNode();
  const client = await startNode();
  await server.spawn(Counter, { name: "counter" });
  const remote = client.remote<Counter>(server.addr as string, "counter");
  await remote.inc(0); // the link is up before counting starts

  const spies = spyOnTheApi();
  try {
    await workload(local, remote, `http://${server.addr}`, false);
    // Only the switch itself looks, once per frame or request, whether a provider came since.
    const { getTracerProvider, ...rest } = calledOf(spies);
    expect(rest).toEqual({});
    expect(getTracerProvider ?? 0).toBeGreaterThan(0);
  } finally {
    for (const spy of spies) spy.mockRestore();
  }

  // The control: the same calls with an SDK registered do use the API.
  const exporter = new InMemorySpanExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  expect(tracing.refresh()).toBe(true);
  const control = spyOnTheApi();
  try {
    await context.with(ROOT_CONTEXT, () => workload(local, remote, `http://${server.addr}`, true));
    const called = calledOf(control);
    expect(called.active ?? 0).toBeGreaterThan(0);
    expect(called.with ?? 0).toBeGreaterThan(0);
    expect(called.setSpan ?? 0).toBeGreaterThan(0);
  } finally {
    for (const spy of control) spy.mockRestore();
  }
  expect(exporter.getFinishedSpans().length).toBeGreaterThan(0);
});
