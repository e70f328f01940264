/**
 * The trace context that CALL and TELL envelopes may carry, and that HTTP
 * headers bring: its shape is checked with the envelope's (strings of at most
 * 1,024 characters, at most two of them), and what the W3C form does not
 * allow is ignored before anything trusts it.
 */
import { expect, test } from "bun:test";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { envelopeProblem, MAX_TRACE_FIELD } from "../../src/wire/envelope.ts";
import { contextFromWire, contextToWire } from "../../src/trace/index.ts";

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const call = (...trace: unknown[]) => [0, 1, "svc", "inc", [1], 64, 1000, ...trace];
const tell = (...trace: unknown[]) => [1, "svc", "inc", [1], ...trace];

test("CALL and TELL take no trace, a traceparent, or a traceparent and a tracestate", () => {
  for (const make of [call, tell]) {
    expect(envelopeProblem(make())).toBeUndefined();
    expect(envelopeProblem(make(TRACEPARENT))).toBeUndefined();
    expect(envelopeProblem(make(TRACEPARENT, "vendor=abc"))).toBeUndefined();
    expect(envelopeProblem(make("x".repeat(MAX_TRACE_FIELD)))).toBeUndefined(); // the shape only: parsing ignores it later
  }
});

test("a trace field that is not a string, is too long, or one too many makes the envelope malformed", () => {
  for (const make of [call, tell]) {
    for (const bad of [42, null, ["00"], { traceparent: TRACEPARENT }, "x".repeat(MAX_TRACE_FIELD + 1)]) {
      expect(envelopeProblem(make(bad))).toContain("traceparent?");
      expect(envelopeProblem(make(TRACEPARENT, bad))).toContain("tracestate?");
    }
    expect(envelopeProblem(make(TRACEPARENT, "a=b", "extra"))).toBeDefined();
  }
});

test("only a W3C traceparent of sane length becomes a parent context; anything else is ignored", () => {
  const parent = contextFromWire(TRACEPARENT, "vendor=abc");
  expect(parent).toBeDefined();
  const spanContext = trace.getSpanContext(parent ?? ROOT_CONTEXT);
  expect(spanContext?.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  expect(spanContext?.isRemote).toBe(true);
  expect(spanContext?.traceState?.get("vendor")).toBe("abc");
  for (const bad of [
    undefined,
    42,
    "",
    "00-not-a-trace-01",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // an all-zero trace id is invalid
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // version ff is forbidden
    `${TRACEPARENT}-${"x".repeat(200)}`, // too long to parse at all
  ]) {
    expect(contextFromWire(bad, undefined)).toBeUndefined();
  }
  // A tracestate too long is dropped; the traceparent still counts.
  const withoutState = contextFromWire(TRACEPARENT, "v=1,".repeat(400));
  expect(trace.getSpanContext(withoutState ?? ROOT_CONTEXT)?.traceState).toBeUndefined();
});

test("what goes on the wire is what came in, for a valid context; nothing for the empty one", () => {
  const parent = contextFromWire(TRACEPARENT, "vendor=abc") ?? ROOT_CONTEXT;
  expect(contextToWire(parent)).toEqual({ traceparent: TRACEPARENT, tracestate: "vendor=abc" });
  expect(contextToWire(ROOT_CONTEXT)).toBeUndefined();
});

test("a tracestate longer than a peer takes is left out of what this node sends, not sent to be refused", () => {
  const long = "v=".padEnd(MAX_TRACE_FIELD + 10, "x");
  const traceState = { serialize: () => long, get: () => undefined, set() { return traceState; }, unset() { return traceState; } };
  const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", traceFlags: 1, traceState });
  expect(contextToWire(context)).toEqual({ traceparent: TRACEPARENT });
});
