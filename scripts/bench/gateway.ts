/**
 * The gateway's cost, as same-run ratios:
 *   bun scripts/bench/gateway.ts [--quick]
 * Two node processes in one cluster: B hosts "bench/counter", A does not.
 * - HTTP: POST through A (forwarded A → B) against POST straight to B, 64
 *   connections from a load generator in its own process (goal ≥ 70%).
 * - pulsing/client: asks from an out-of-cluster client linked to B against an
 *   in-cluster remote ref (this process as a member) to B, 64 callers (goal ≥
 *   90%); and, for the record, the client linked to A (forwarded).
 * The contenders take turns for ROUNDS rounds and each keeps its best figure.
 */
import { ActorSystem } from "pulsing";
import { connect } from "pulsing/client";
import { startPeer, stopPeers } from "./peers/spawn.ts";

const quick = process.argv.includes("--quick");
const SECONDS = quick ? 0.5 : 2;
const ROUNDS = quick ? 2 : 3;
const CALLERS = 64;
const HERE = new URL(".", import.meta.url).pathname;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

interface Counter {
  inc(by: number): Promise<number>;
}

async function httpRate(addr: string): Promise<number> {
  const body = JSON.stringify({ msg_type: "inc", payload: [1] });
  const proc = Bun.spawn(["bun", `${HERE}peers/http-load.ts`, `http://${addr}/actor/bench/counter`, body, String(CALLERS), String(SECONDS)], { stdout: "pipe", stderr: "inherit" });
  const out = JSON.parse(await new Response(proc.stdout).text()) as { requests: number; errors: number; seconds: number };
  if (out.errors > 0) throw new Error(`${out.errors} failed requests through ${addr}`);
  return out.requests / out.seconds;
}

async function callRate(call: () => Promise<unknown>): Promise<number> {
  const warmUntil = performance.now() + 500;
  await Promise.all(Array.from({ length: CALLERS }, async () => {
    while (performance.now() < warmUntil) await call();
  }));
  let count = 0;
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  await Promise.all(Array.from({ length: CALLERS }, async () => {
    while (performance.now() < deadline) {
      await call();
      count++;
    }
  }));
  return (count * 1000) / (performance.now() - start);
}

async function best(contenders: Record<string, () => Promise<number>>): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(contenders)) figures[name] = Math.max(figures[name] ?? 0, await run());
  }
  return figures;
}

const k = (rate: number) => `${(rate / 1000).toFixed(1)} k/s`;
const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)}%`;

try {
  console.log(`Bun ${Bun.version}, ${SECONDS} s per figure, best of ${ROUNDS}, ${CALLERS} callers`);
  const b = (await startPeer("gateway-node.ts", [], { HOST: "1" })).first.addr as string;
  const a = (await startPeer("gateway-node.ts", [], { PULSING_SEEDS: b })).first.addr as string;
  const member = await ActorSystem.start({ addr: "127.0.0.1:0", seeds: [b], logger: quiet });
  const inCluster = await member.resolve<Counter>("bench/counter", { timeoutMs: 10_000 });
  // Through A only once A knows where the counter lives.
  const deadline = Date.now() + 10_000;
  while ((await fetch(`http://${a}/actor/bench/counter`, { method: "POST", body: JSON.stringify({ msg_type: "inc", payload: [0] }) })).status !== 200) {
    if (Date.now() > deadline) throw new Error("A never learned where bench/counter lives");
    await Bun.sleep(50);
  }
  const direct = await connect(b, { logger: quiet });
  const forwarded = await connect(a, { logger: quiet });
  const viaB = direct.resolve<Counter>("bench/counter");
  const viaA = forwarded.resolve<Counter>("bench/counter");

  const http = await best({ direct: () => httpRate(b), forwarded: () => httpRate(a) });
  console.log(`HTTP POST, ${CALLERS} connections: straight to B ${k(http.direct as number)}, through A ${k(http.forwarded as number)} → ${pct(http.forwarded as number, http.direct as number)} (goal ≥ 70%)`);

  const refs = await best({
    member: () => callRate(() => inCluster.inc(1)),
    client: () => callRate(() => viaB.inc(1)),
    forwarded: () => callRate(() => viaA.inc(1)),
  });
  console.log(`asks, ${CALLERS} callers: in-cluster remote ref ${k(refs.member as number)}, pulsing/client linked to B ${k(refs.client as number)} → ${pct(refs.client as number, refs.member as number)} (goal ≥ 90%); client linked to A (forwarded to B) ${k(refs.forwarded as number)} → ${pct(refs.forwarded as number, refs.member as number)}`);

  await direct.close();
  await forwarded.close();
  await member.shutdown();
} finally {
  stopPeers();
}
process.exit(0);
