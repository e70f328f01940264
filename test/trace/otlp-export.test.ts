/**
 * The executable exports spans over OTLP/HTTP when the standard variable
 * OTEL_EXPORTER_OTLP_ENDPOINT is set: a `pulsing node` process posts the spans
 * of a call (in the caller's trace, named by OTEL_SERVICE_NAME) to a local
 * endpoint this test runs, through the official exporter (OTLP/JSON).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { until } from "../helpers.ts";

const MAIN = `${import.meta.dir}/../../src/cli/main.ts`;
const dataDir = mkdtempSync(join(tmpdir(), "pulsing-otlp-"));
const started: Subprocess[] = [];

/** What the local endpoint was sent: each POST's path, content type and body. */
const posts: { path: string; type: string | null; authorization: string | null; body: string }[] = [];
const collector = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    posts.push({ path: new URL(request.url).pathname, type: request.headers.get("content-type"), authorization: request.headers.get("authorization"), body: await request.text() });
    return Response.json({});
  },
});

afterAll(async () => {
  for (const proc of started) {
    proc.kill(9);
    await proc.exited;
  }
  collector.stop(true);
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `pulsing node` on a free port with `env`; resolves with its address once it serves. */
async function node(env: Record<string, string>): Promise<{ proc: Subprocess<"ignore", "pipe", "pipe">; addr: string; stderr: () => string }> {
  const proc = Bun.spawn(["bun", MAIN, "node", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-format", "json", "--log-level", "info"], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PULSING_ACTORS: undefined, ...env },
  });
  started.push(proc);
  let out = "";
  let err = "";
  void (async () => {
    for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
  })();
  void (async () => {
    for await (const chunk of proc.stderr) err += new TextDecoder().decode(chunk);
  })();
  await until(() => /serving on (\S+)/.test(out), "the node to print its address", 15_000, 20);
  const addr = (/serving on (\S+)/.exec(out) as RegExpExecArray)[1] as string;
  return { proc, addr, stderr: () => err };
}

test("OTEL_EXPORTER_OTLP_ENDPOINT set: the node posts its spans to /v1/traces, in the caller's trace, with the service name", async () => {
  const { proc, addr, stderr } = await node({
    // A user and password in the URL (a collector behind basic auth): sent, never logged.
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://otel:s3cret-pass@127.0.0.1:${collector.port}`,
    OTEL_BSP_SCHEDULE_DELAY: "50",
    OTEL_SERVICE_NAME: "otlp-test-node",
  });
  const traceId = "5bf92f3577b34da6a3ce929d0e0e4736";
  const response = await fetch(`http://${addr}/actor/demo/counter`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    body: JSON.stringify({ msg_type: "inc", payload: [2] }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("traceparent")).toContain(traceId);

  await until(() => posts.some((post) => post.body.includes(traceId)), "the spans to reach the OTLP endpoint", 10_000, 20);
  const post = posts.find((p) => p.body.includes(traceId)) as (typeof posts)[number];
  expect(post.path).toBe("/v1/traces");
  expect(post.type).toContain("application/json");
  const body = JSON.parse(post.body) as {
    resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { scope: { name: string }; spans: { traceId: string; name: string; parentSpanId?: string }[] }[] }[];
  };
  const resource = body.resourceSpans[0]?.resource.attributes.find((attribute) => attribute.key === "service.name");
  expect(resource?.value.stringValue).toBe("otlp-test-node");
  const spans = body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => ({ ...span, scope: s.scope.name }))));
  const ours = spans.filter((span) => span.traceId === traceId);
  expect(ours.map((span) => span.name).sort()).toEqual(["Counter/inc", "demo/counter/inc"]);
  expect(ours.every((span) => span.scope === "pulsing")).toBe(true);
  // The node says where its traces go when it starts.
  expect(stderr()).toContain(`"tracing":"http://127.0.0.1:${collector.port}/v1/traces, parentbased_always_on"`);
  expect(stderr()).not.toContain("s3cret-pass");
  expect(post.authorization).toBe(`Basic ${btoa("otel:s3cret-pass")}`);

  // A stop sends what is still batched, and the node exits cleanly.
  proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
});

test("OTEL_SDK_DISABLED=true: no spans and no traceparent, even with an endpoint set", async () => {
  const before = posts.length;
  const { proc, addr, stderr } = await node({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`, OTEL_SDK_DISABLED: "true" });
  const response = await fetch(`http://${addr}/actor/demo/counter`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: "00-6bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
    body: JSON.stringify({ msg_type: "inc", payload: [1] }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("traceparent")).toBeNull();
  expect(stderr()).toContain(`"tracing":"off"`);
  proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
  // Stopped: had it batched anything, it would have sent it by now.
  expect(posts.length).toBe(before);
});

test("an OTLP endpoint that never answers: the node serves as usual, and a stop waits for it only a moment, then exits cleanly", async () => {
  // Takes connections and never answers them: a collector that hangs.
  const hole = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {}, open() {} } });
  try {
    const { proc, addr, stderr } = await node({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${hole.port}`, OTEL_BSP_SCHEDULE_DELAY: "20" });
    for (let i = 0; i < 50; i++) {
      const response = await fetch(`http://${addr}/actor/demo/counter`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ msg_type: "inc", payload: [1] }) });
      expect(response.status).toBe(200);
    }
    await Bun.sleep(100); // an export is under way, and hangs
    const stopping = performance.now();
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(performance.now() - stopping).toBeLessThan(5_000); // the whole stop may take 10 s before the node gives up with code 1
    expect(stderr()).toContain("traces not all sent");
  } finally {
    hole.stop(true);
  }
}, 15_000);
