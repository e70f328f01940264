import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import type { Member } from "pulsing";
import { until } from "../helpers.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const BINARY = `${ROOT}dist/pulsing`;
const ACTORS = `${ROOT}examples/cluster-actors.ts`;
const started: Subprocess[] = [];

beforeAll(async () => {
  const build = Bun.spawn(["bun", "run", "build"], { cwd: ROOT, stdout: "ignore", stderr: "pipe" });
  if ((await build.exited) !== 0) throw new Error(`build failed: ${await new Response(build.stderr).text()}`);
}, 60_000);

afterAll(async () => {
  for (const proc of started) {
    proc.kill(9);
    await proc.exited;
  }
});

/** Runs the executable to the end: its exit code and what it printed. */
async function pulsing(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn([BINARY, ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, PULSING_ENDPOINT: "" } });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

/** Starts `pulsing node …` and waits for the line that says where it serves. */
async function startNode(args: string[], env: Record<string, string> = {}): Promise<{ proc: Subprocess<"pipe", "pipe", "pipe">; addr: string }> {
  const proc = Bun.spawn([BINARY, "node", ...args], { stdin: "pipe", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  started.push(proc);
  const reader = proc.stdout.getReader();
  let text = "";
  const deadline = Date.now() + 15_000;
  while (!/serving on (\S+)/.test(text)) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(1, deadline - Date.now())).then(() => undefined)]);
    if (chunk === undefined || chunk.done) throw new Error(`node did not start: ${text}${await new Response(proc.stderr).text()}`);
    text += new TextDecoder().decode(chunk.value);
  }
  reader.releaseLock();
  return { proc, addr: (/serving on (\S+)/.exec(text) as RegExpExecArray)[1] as string };
}

async function members(addr: string): Promise<Member[]> {
  const { code, out } = await pulsing("inspect", "members", "--endpoint", addr, "--json");
  return code === 0 ? (JSON.parse(out) as Member[]) : [];
}

test(
  "a three-node cluster of the executable: ask, HTTP, inspect, a killed node, SIGTERM",
  async () => {
    const first = await startNode(["--addr", "127.0.0.1:0", "--actors", ACTORS, "--log-level", "warn"]);
    const second = await startNode(["--actors", ACTORS, "--seeds", first.addr], { PULSING_ADDR: "127.0.0.1:0", PULSING_LOG_LEVEL: "warn" });
    const third = await startNode(["--addr", "127.0.0.1:0", "--actors", ACTORS, "--seeds", `${first.addr},127.0.0.1:1`, "--log-level", "warn"]);
    await until(async () => (await members(first.addr)).filter((m) => m.state === "alive").length === 3, "three members", 15_000, 100);

    // The --actors module's actors, through the CLI and through plain HTTP.
    const put = await pulsing("ask", second.addr, "kv/store", "put", '"greeting"', '"hello"');
    expect(put).toEqual({ code: 0, out: "1\n", err: "" });
    const response = await fetch(`http://${second.addr}/actor/kv/store`, { method: "POST", body: JSON.stringify({ msg_type: "get", payload: ["greeting"] }) });
    expect(await response.json()).toEqual({ result: "hello" });
    const keys = await pulsing("ask", second.addr, "kv/store", "keys");
    expect(keys.out).toBe('"greeting"\n');
    const where = await pulsing("ask", third.addr, "where", "whoami");
    expect(where.out).toBe(`${JSON.stringify(third.addr)}\n`);
    const unknown = await pulsing("ask", first.addr, "kv/store", "nope");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("UNKNOWN_MESSAGE");

    // inspect, for people and for scripts.
    const table = await pulsing("inspect", "members", "--endpoint", first.addr);
    expect(table.code).toBe(0);
    expect(table.out).toContain("3 members (3 alive");
    // The registry spreads by gossip, a little behind the membership: wait for all three.
    const stores = async () => {
      const actors = await pulsing("inspect", "actors", "--endpoint", first.addr, "--json");
      return actors.code === 0 ? (JSON.parse(actors.out) as { registry: { names: string[] }[] }).registry.filter((r) => r.names.includes("kv/store")).length : 0;
    };
    await until(async () => (await stores()) === 3, "kv/store on all three nodes", 15_000, 100);
    expect(await stores()).toBe(3);
    const metrics = await pulsing("inspect", "metrics", "--endpoint", first.addr);
    expect(metrics.out).toContain('pulsing_members{state="alive"} 3');

    // kill -9: the others mark it dead.
    third.proc.kill(9);
    await until(async () => (await members(first.addr)).some((m) => m.addr === third.addr && m.state === "dead"), "the killed node marked dead", 15_000, 100);

    // SIGTERM: leave, stop, exit 0.
    for (const node of [second, first]) {
      node.proc.kill("SIGTERM");
      expect(await node.proc.exited).toBe(0);
    }
  },
  90_000,
);

test("usage mistakes exit 2 with a clear message; --help works everywhere", async () => {
  for (const command of ["node", "ask", "inspect", "bench"]) {
    const help = await pulsing(command, "--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain(`usage: pulsing ${command}`);
  }
  expect((await pulsing("--help")).out).toContain("commands:");
  const unknownFlag = await pulsing("node", "--bogus");
  expect(unknownFlag.code).toBe(2);
  expect(unknownFlag.err).toContain("--bogus");
  expect((await pulsing("frobnicate")).code).toBe(2);
  expect((await pulsing("ask", "127.0.0.1:1")).code).toBe(2);
  expect((await pulsing("inspect", "everything")).code).toBe(2);
  const badAddr = await pulsing("node", "--addr", "nowhere");
  expect(badAddr.code).toBe(2);
  expect(badAddr.err).toContain("host:port");
  expect((await pulsing("node", "--log-level", "loud")).code).toBe(2);
  expect((await pulsing("bench", "--concurrency", "-3")).code).toBe(2);
  const badArg = await pulsing("ask", "127.0.0.1:1", "a", "b", "{not json");
  expect(badArg.code).toBe(2);
  expect(badArg.err).toContain("not JSON");
  const missing = await pulsing("node", "--addr", "127.0.0.1:0", "--actors", "/nonexistent/actors.ts");
  expect(missing.code).toBe(1);
  expect(missing.err).toContain("cannot load --actors");
}, 60_000);

test("bench loads an actor and reports; inspect --watch refreshes; metrics as JSON", async () => {
  const node = await startNode(["--addr", "127.0.0.1:0", "--log-level", "warn"]);
  const bench = await pulsing("bench", "--endpoint", node.addr, "--concurrency", "8", "--duration", "0.5");
  expect(bench.code).toBe(0);
  expect(bench.out).toMatch(/throughput\s+\d+ asks\/s \(\d+ answered\)/);
  expect(bench.out).toMatch(/latency\s+p50 [\d.]+ ms\s+p90 [\d.]+ ms\s+p99 [\d.]+ ms/);
  expect(bench.out).toContain("errors      none");
  const unknown = await pulsing("bench", "--endpoint", node.addr, "--actor", "nobody", "--duration", "0.2");
  expect(unknown.code).toBe(1);
  expect(unknown.err).toContain("ACTOR_NOT_FOUND");

  const metrics = await pulsing("inspect", "metrics", "--endpoint", node.addr, "--json");
  const samples = JSON.parse(metrics.out) as { series: string; value: number }[];
  expect(samples.find((s) => s.series === "pulsing_actors")?.value).toBe(2);

  // --watch prints the table again and again until interrupted.
  const watch = Bun.spawn([BINARY, "inspect", "members", "--endpoint", node.addr, "--watch", "--interval-ms", "100"], { stdout: "pipe", stderr: "ignore" });
  started.push(watch);
  let seen = "";
  const deadline = Date.now() + 15_000;
  const reader = watch.stdout.getReader();
  while (seen.split("cluster: 1 members").length - 1 < 2 && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(1_000).then(() => undefined)]);
    if (chunk?.value !== undefined) seen += new TextDecoder().decode(chunk.value);
  }
  watch.kill("SIGINT");
  await watch.exited;
  expect(seen.split("cluster: 1 members").length - 1).toBeGreaterThanOrEqual(2);

  node.proc.kill("SIGTERM");
  expect(await node.proc.exited).toBe(0);
}, 60_000);

test("the executable exports spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter is bundled in it)", async () => {
  const bodies: string[] = [];
  const collector = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      if (new URL(request.url).pathname === "/v1/traces") bodies.push(await request.text());
      return Response.json({});
    },
  });
  try {
    const node = await startNode(["--addr", "127.0.0.1:0", "--actors", ACTORS, "--log-level", "warn"], { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`, OTEL_BSP_SCHEDULE_DELAY: "50" });
    const traceId = "7bf92f3577b34da6a3ce929d0e0e4736";
    const response = await fetch(`http://${node.addr}/actor/where`, { method: "POST", headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` }, body: JSON.stringify({ msg_type: "whoami", payload: [] }) });
    expect(response.status).toBe(200);
    expect(response.headers.get("traceparent")).toContain(traceId);
    await until(() => bodies.some((body) => body.includes(traceId)), "the node's spans at the collector", 10_000, 20);
    node.proc.kill("SIGTERM");
    expect(await node.proc.exited).toBe(0);
  } finally {
    collector.stop(true);
  }
});
