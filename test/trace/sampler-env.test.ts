/** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG as the spec defines them, with its fallbacks. */
import { expect, test } from "bun:test";
import { ROOT_CONTEXT, SpanKind } from "@opentelemetry/api";
import { SamplingDecision } from "@opentelemetry/sdk-trace";
import { samplerFromEnv } from "../../src/cli/sampler-env.ts";

/** What the sampler decides for a root span of trace `traceId` (ratio samplers decide from the id). */
function decides(env: Record<string, string>, traceId: string): SamplingDecision {
  return samplerFromEnv(env).sampler.shouldSample(ROOT_CONTEXT, traceId, "span", SpanKind.SERVER, {}, []).decision;
}
const LOW = "00000000000000000000000000000001";
const HIGH = "ffffffff000000000000000000000000"; // the SDK folds the id into 32 bits: these give 1 and 2^32-1

test("no variable: parent-based, always on for a new trace", () => {
  const choice = samplerFromEnv({});
  expect(choice.name).toBe("parentbased_always_on");
  expect(choice.warning).toBeUndefined();
  expect(decides({}, HIGH)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
});

test("each name the spec lists gives its sampler", () => {
  expect(decides({ OTEL_TRACES_SAMPLER: "always_off" }, LOW)).toBe(SamplingDecision.NOT_RECORD);
  expect(decides({ OTEL_TRACES_SAMPLER: "always_on" }, HIGH)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  expect(decides({ OTEL_TRACES_SAMPLER: "parentbased_always_off" }, LOW)).toBe(SamplingDecision.NOT_RECORD);
  for (const name of ["traceidratio", "parentbased_traceidratio"]) {
    const env = { OTEL_TRACES_SAMPLER: name, OTEL_TRACES_SAMPLER_ARG: "0.5" };
    expect(samplerFromEnv(env).ratio).toBe(0.5);
    // Half the trace ids: the lowest and the highest fall on either side.
    expect(decides(env, LOW)).not.toBe(decides(env, HIGH));
    for (const traceId of [LOW, HIGH]) {
      expect(decides({ OTEL_TRACES_SAMPLER: name, OTEL_TRACES_SAMPLER_ARG: "0" }, traceId)).toBe(SamplingDecision.NOT_RECORD);
      expect(decides({ OTEL_TRACES_SAMPLER: name, OTEL_TRACES_SAMPLER_ARG: "1" }, traceId)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    }
  }
  expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: " TraceIdRatio " }).name).toBe("traceidratio");
});

test("an unknown name or a bad ratio falls back, with a warning that quotes it short", () => {
  const unknown = samplerFromEnv({ OTEL_TRACES_SAMPLER: `jaeger_remote${"x".repeat(500)}` });
  expect(unknown.name).toBe("parentbased_always_on");
  expect(unknown.warning).toContain("is not one of");
  expect((unknown.warning as string).length).toBeLessThan(300);
  for (const arg of ["2", "-0.1", "half", "NaN"]) {
    const bad = samplerFromEnv({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: arg });
    expect(bad.ratio).toBe(1);
    expect(bad.warning).toContain("is not a ratio");
  }
  expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: "traceidratio" }).ratio).toBe(1);
});
