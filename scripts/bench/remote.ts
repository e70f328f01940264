/**
 * Remote figures: two processes, one counter actor on the server, callers here.
 *   bun scripts/bench/remote.ts [--quick] [--markdown]
 * In the same run it measures the baselines the targets name (scripts/bench/peers/):
 * a bare Bun WebSocket echo that batches msgpack envelopes per microtask, a bare
 * Bun.serve POST handler, and Moleculer 0.15's TCP transporter on Bun, then
 * prints our ratio to each.
 */
import { decode, encode } from "@msgpack/msgpack";
import { ServiceBroker } from "moleculer";
import { Actor, type ActorRef, ActorSystem } from "pulsing";
import { startPeer, stopPeers } from "./peers/spawn.ts";

const quick = process.argv.includes("--quick");
const SECONDS = quick ? 0.4 : 1;
/** Rounds per figure: the contenders take turns and each keeps its best, so drift on a shared machine hits all alike. */
const ROUNDS = quick ? 2 : 3;
const HERE = new URL(".", import.meta.url).pathname;

class Counter extends Actor {
  inc(_by: number): number {
    return 0;
  }
  async *count(_k: number): AsyncGenerator<number> {}
}

// ---- processes ---------------------------------------------------------------

async function peer(script: string, ...args: string[]): Promise<string> {
  return (await startPeer(script, args)).first.addr as string;
}

async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

async function load(url: string, body: string, concurrency: number): Promise<number> {
  const proc = Bun.spawn(["bun", `${HERE}peers/http-load.ts`, url, body, String(concurrency), String(SECONDS)], { stdout: "pipe", stderr: "inherit" });
  const out = JSON.parse(await new Response(proc.stdout).text()) as { requests: number; errors: number; seconds: number };
  if (out.errors > 0) throw new Error(`${out.errors} failed requests against ${url}`);
  return out.requests / out.seconds;
}

// ---- measuring ---------------------------------------------------------------

interface Figure {
  rate: number;
  p50?: number;
  p99?: number;
}

/** `callers` loops, each awaiting its own calls, for SECONDS after a short warm-up. */
async function measure(callers: number, call: () => Promise<unknown>, latencies = false): Promise<Figure> {
  const warmUntil = performance.now() + 200;
  await Promise.all(Array.from({ length: Math.min(callers, 64) }, async () => {
    while (performance.now() < warmUntil) await call();
  }));
  const samples: number[] = [];
  let count = 0;
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < deadline) {
        const t = latencies ? performance.now() : 0;
        await call();
        if (latencies) samples.push(performance.now() - t);
        count++;
      }
    }),
  );
  const rate = (count * 1000) / (performance.now() - start);
  if (!latencies) return { rate };
  samples.sort((a, b) => a - b);
  return { rate, p50: samples[Math.floor(samples.length * 0.5)], p99: samples[Math.floor(samples.length * 0.99)] };
}

/** Measures every contender ROUNDS times, in turns, and keeps each one's best figure. */
async function contest(callers: number, contenders: Record<string, () => Promise<unknown>>, latencies = false): Promise<Record<string, Figure>> {
  const best: Record<string, Figure> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, call] of Object.entries(contenders)) {
      const figure = await measure(callers, call, latencies);
      if (best[name] === undefined || figure.rate > (best[name] as Figure).rate) best[name] = figure;
    }
  }
  return best;
}

/** A client for the bare WebSocket echo: envelopes batched per microtask. */
async function bareEchoClient(addr: string): Promise<{ call: () => Promise<unknown>; close: () => void }> {
  const socket = new WebSocket(`ws://${addr}`);
  socket.binaryType = "arraybuffer";
  await new Promise((resolve) => (socket.onopen = resolve));
  const pending = new Map<number, (value: unknown) => void>();
  let outbox: [number, number][] = [];
  let nextId = 0;
  socket.onmessage = (event) => {
    for (const [id, value] of decode(new Uint8Array(event.data as ArrayBuffer)) as [number, number][]) {
      pending.get(id)?.(value);
      pending.delete(id);
    }
  };
  const flush = () => {
    socket.send(encode(outbox));
    outbox = [];
  };
  return {
    call: () =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        if (outbox.push([id, 1]) === 1) queueMicrotask(flush);
      }),
    close: () => socket.close(),
  };
}

// ---- the run -----------------------------------------------------------------

const rows: string[][] = [];
function fmt(value: number): string {
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M` : `${(value / 1e3).toFixed(1)} k`;
}
function row(what: string, ours: Figure, baseline: [string, number][], target: string): void {
  const latency = ours.p50 === undefined ? "" : ` (p50 ${(ours.p50 * 1000).toFixed(0)} µs, p99 ${((ours.p99 ?? 0) * 1000).toFixed(0)} µs)`;
  const ratios = baseline.map(([name, rate]) => `${name} ${fmt(rate)}/s → ${((ours.rate / rate) * 100).toFixed(0)}%`).join("; ");
  rows.push([what, `${fmt(ours.rate)}/s${latency}`, ratios, target]);
  console.log(rows.at(-1)?.join("  |  "));
}

try {
  console.log(`Bun ${Bun.version}, ${SECONDS} s per figure`);
  const [pulsingAddr, echoAddr, postAddr] = await Promise.all([peer("pulsing-server.ts"), peer("ws-echo-server.ts"), peer("post-server.ts")]);
  const molPort = await freePort();
  const molClientPort = await freePort();
  await peer("moleculer-server.ts", String(molPort));

  const system = await ActorSystem.start({ addr: "127.0.0.1:0" });
  const counter: ActorRef<Counter> = system.remote<Counter>(pulsingAddr, "counter");
  const echo = await bareEchoClient(echoAddr);
  const broker = new ServiceBroker({
    nodeID: "client",
    logger: false,
    transporter: { type: "TCP", options: { udpDiscovery: false, port: molClientPort, urls: [`127.0.0.1:${molPort}/server`, `127.0.0.1:${molClientPort}/client`] as never } },
  });
  await broker.start();
  await broker.waitForServices("counter", 10_000);
  const moleculer = () => broker.call("counter.inc", { by: 1 });

  const ours = () => counter.inc(1);
  const seq = await contest(1, { echo: echo.call, moleculer, ours }, true);
  row("sequential ask", seq.ours as Figure, [["bare WS echo", (seq.echo as Figure).rate], ["Moleculer", (seq.moleculer as Figure).rate]], ">= 90% of bare echo");

  const c64 = await contest(64, { echo: echo.call, moleculer, ours });
  row("ask, 64 callers", c64.ours as Figure, [["bare WS echo", (c64.echo as Figure).rate], ["Moleculer", (c64.moleculer as Figure).rate]], ">= 70% of echo, >= 4x Moleculer");

  const c1024 = await contest(1024, { echo: echo.call, ours });
  row("ask, 1024 callers", c1024.ours as Figure, [["bare WS echo", (c1024.echo as Figure).rate]], "");

  const tells = quick ? 100_000 : 500_000;
  const tellStart = performance.now();
  for (let i = 0; i < tells; i++) {
    void counter.$tell.inc(1);
    if (i % 10_000 === 9_999) await counter.inc(0); // bounded batches keep frames and queues modest
  }
  await counter.inc(0);
  row("tell", { rate: (tells * 1000) / (performance.now() - tellStart) }, [], "");

  const items = quick ? 200_000 : 1_000_000;
  const streamStart = performance.now();
  for await (const _ of counter.count(items));
  row("stream items", { rate: (items * 1000) / (performance.now() - streamStart) }, [], ">= 1 M/s");

  const body = JSON.stringify({ msg_type: "inc", payload: [1] });
  let barePost = 0;
  let ourPost = 0;
  for (let round = 0; round < ROUNDS; round++) {
    barePost = Math.max(barePost, await load(`http://${postAddr}/`, body, 64));
    ourPost = Math.max(ourPost, await load(`http://${pulsingAddr}/actor/counter`, body, 64));
  }
  row("POST /actor/{name}, 64 connections", { rate: ourPost }, [["bare Bun.serve POST", barePost]], ">= 80% of bare POST");

  echo.close();
  await broker.stop();
  await system.shutdown();
} finally {
  await stopPeers();
}

if (process.argv.includes("--markdown")) {
  console.log("\n| what | pulsing | baselines (same run) → our ratio | target |\n| --- | --- | --- | --- |");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
}
process.exit(0);
