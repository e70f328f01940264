/** `pulsing inspect traces`: a node's latest traces in a terminal, each span under its parent; says so when tracing is off. */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { until } from "../helpers.ts";

const MAIN = `${import.meta.dir}/../../src/cli/main.ts`;
const dataDir = mkdtempSync(join(tmpdir(), "pulsing-inspect-traces-"));
const started: Subprocess[] = [];

afterAll(async () => {
  for (const proc of started) {
    proc.kill(9);
    await proc.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const quiet = { ...process.env, PULSING_ACTORS: undefined, OTEL_EXPORTER_OTLP_ENDPOINT: undefined, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined };

/** `pulsing node` on a free port with `flags`; its address once it serves. */
async function node(flags: string[]): Promise<string> {
  const proc = Bun.spawn(["bun", MAIN, "node", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "error", ...flags], { stdin: "ignore", stdout: "pipe", stderr: "inherit", env: quiet });
  started.push(proc);
  let out = "";
  void (async () => {
    for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
  })();
  await until(() => /serving on (\S+)/.test(out), "the node to print its address", 15_000, 20);
  return (/serving on (\S+)/.exec(out) as RegExpExecArray)[1] as string;
}

async function inspect(...args: string[]): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn(["bun", MAIN, "inspect", "traces", ...args], { stdout: "pipe", stderr: "inherit", env: quiet });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return { code, out };
}

test("inspect traces prints the latest traces as trees, newest first; --json gives /dashboard.json's traces", async () => {
  const addr = await node(["--trace"]);
  const call = (msgType: string, headers: Record<string, string> = {}) =>
    fetch(`http://${addr}/actor/demo/counter`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ msg_type: msgType, payload: [1] }) });
  expect((await call("nope")).status).toBe(400);
  const traceId = "8bf92f3577b34da6a3ce929d0e0e4736";
  expect((await call("inc", { traceparent: `00-${traceId}-00f067aa0ba902b7-01` })).status).toBe(200);

  const { code, out } = await inspect("--endpoint", addr);
  expect(code).toBe(0);
  const lines = out.split("\n");
  expect(lines[0]).toBe(`the latest 2 of 2 traces on ${addr}, newest first:`);
  const at = lines.indexOf(`trace ${traceId}`);
  expect(at).toBe(2); // the newest first
  expect(lines[at + 1]).toMatch(/^ {2}demo\/counter\/inc {2}server {2}\d/);
  expect(lines[at + 2]).toMatch(/^ {4}Counter\/inc {2}internal {2}\d/); // under its parent
  expect(out).toMatch(/\n {2}demo\/counter\/_OTHER {2}server {2}\S+ \S+ {2}UNKNOWN_MESSAGE\n?/);

  const json = JSON.parse((await inspect("--endpoint", addr, "--json")).out) as { on: boolean; spans: { traceId: string }[] };
  expect(json.on).toBe(true);
  expect(json.spans.filter((span) => span.traceId === traceId)).toHaveLength(2);
});

test("inspect traces on a node that does not trace says how to turn it on", async () => {
  const addr = await node([]);
  const { code, out } = await inspect("--endpoint", addr);
  expect(code).toBe(0);
  expect(out).toBe(`tracing is off on ${addr}: start the node with --trace (spans for the dashboard and this command) or --otlp-endpoint URL\n`);
});
