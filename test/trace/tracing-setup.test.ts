/** The executable's OTLP endpoint from the standard variables: a value that is no http(s) URL is refused as a bad flag is, before anything is registered. */
import { expect, test } from "bun:test";
import { trace } from "@opentelemetry/api";
import { setUpTracing } from "../../src/cli/tracing-setup.ts";
import { UsageError } from "../../src/cli/usage.ts";
import { tracing } from "../../src/trace/index.ts";

test("OTEL_EXPORTER_OTLP_ENDPOINT or _TRACES_ENDPOINT that is not an http(s) URL: a usage error naming the variable, and no SDK registered", () => {
  const cases: [string, string][] = [
    ["OTEL_EXPORTER_OTLP_ENDPOINT", "not a url"],
    ["OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector:4318"],
    ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "collector:4318/v1/traces"],
    ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", `http://${"x".repeat(5000)} y`],
  ];
  for (const [variable, value] of cases) {
    let thrown: unknown;
    try {
      setUpTracing({ record: false, env: { [variable]: value } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toStartWith(`${variable} must be an http:// or https:// URL`);
    expect((thrown as Error).message.length).toBeLessThan(300); // the value is clipped, not echoed whole
  }
  expect(tracing.refresh()).toBe(false);
  expect(trace.getTracerProvider().getTracer("x").startSpan("x").isRecording()).toBe(false);
});
