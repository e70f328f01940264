/**
 * The main job's promise: the demo node's `counter` entities keep their count
 * in the embedded SQLite store, so a value survives a restart of the node.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "../helpers.ts";

const MAIN = `${import.meta.dir}/../../src/cli/main.ts`;
const dataDir = mkdtempSync(join(tmpdir(), "pulsing-demo-data-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

async function demoNode(addr: string) {
  const proc = Bun.spawn(["bun", MAIN, "node", "--addr", addr, "--data-dir", dataDir, "--log-level", "error"], { stdout: "ignore", stderr: "inherit", env: { ...process.env, PULSING_ACTORS: undefined } });
  await until(async () => (await fetch(`http://${addr}/health`).catch(() => undefined))?.status === 200, "the demo node to serve", 15_000, 50);
  return proc;
}

async function inc(addr: string, key: string): Promise<unknown> {
  const response = await fetch(`http://${addr}/entity/counter/${key}`, { method: "POST", body: JSON.stringify({ msg_type: "inc", payload: [1] }) });
  return ((await response.json()) as { result: unknown }).result;
}

test("a demo counter entity's value survives a restart of the node (SQLite in --data-dir)", async () => {
  const addr = `127.0.0.1:${freePort()}`;
  const first = await demoNode(addr);
  try {
    expect(await inc(addr, "alice")).toBe(1);
    expect(await inc(addr, "alice")).toBe(2);
  } finally {
    first.kill("SIGTERM");
    await first.exited;
  }
  const again = await demoNode(addr);
  try {
    expect(await inc(addr, "alice")).toBe(3);
    expect(await inc(addr, "bob")).toBe(1);
    // The operator's view of the store: the keys with a saved state.
    const listed = Bun.spawnSync(["bun", MAIN, "inspect", "entities", "--kind", "counter", "--endpoint", addr, "--json"], { stderr: "pipe" });
    expect(listed.exitCode).toBe(0);
    expect((JSON.parse(listed.stdout.toString()) as { keys: string[] }).keys).toEqual(["alice", "bob"]);
    const text = Bun.spawnSync(["bun", MAIN, "inspect", "entities", "--kind", "counter", "--endpoint", addr]).stdout.toString();
    expect(text).toContain("keys of counter with a saved state (2)");
  } finally {
    again.kill("SIGKILL");
    await again.exited;
  }
}, 40_000);
