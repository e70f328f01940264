/**
 * Cluster figures:
 *   bun scripts/bench/cluster.ts [--quick] [--markdown]
 * Real processes on loopback (10 and 30 nodes): time until every node sees all
 * alive, time until every survivor marks a `kill -9`ed node dead, gossip bytes
 * per node per second, false positives over a quiet run. Then the simulator:
 * rounds to converge and dissemination time for 100 and 1,000 nodes, false
 * positives under 10% loss. The memberlist/Serf figures these are compared with
 * were measured on these machines (reference.md §6); they are printed, not rerun.
 */
import { type ClusterNode, Simulation } from "../../src/cluster/index.ts";
import { type Peer, startPeer, stopPeers } from "./peers/spawn.ts";

const quick = process.argv.includes("--quick");
const QUIET_SECONDS = quick ? 10 : 60;
const SERF: Record<number, { converge: string; detect: string }> = {
  10: { converge: "0.26–0.5 s", detect: "5.7–5.9 s" },
  30: { converge: "0.9 s", detect: "8.2 s" },
};

const rows: string[][] = [];
function row(...cells: string[]): void {
  rows.push(cells);
  console.log(cells.join("  |  "));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await Bun.sleep(10);
  }
  return true;
}

/** When each node first saw `count` members alive (from its own change events). */
function convergedAt(peer: Peer, count: number): number | undefined {
  const line = peer.lines.find((l) => l.event === "member" && (l.alive as number) >= count);
  return line === undefined ? undefined : (line.at as number);
}

async function realCluster(size: number): Promise<void> {
  const first = await startPeer("cluster-node.ts");
  const seeds = first.first.addr as string;
  const rest = await Promise.all(Array.from({ length: size - 1 }, () => startPeer("cluster-node.ts", [], { PULSING_SEEDS: seeds })));
  const nodes = [first, ...rest];
  const lastStarted = Math.max(...nodes.map((n) => n.first.at as number));
  const converged = await until(() => nodes.every((n) => convergedAt(n, size) !== undefined), 30_000);
  if (!converged) throw new Error(`${size} nodes did not converge`);
  const convergeMs = Math.max(...nodes.map((n) => convergedAt(n, size) as number)) - lastStarted;

  // Gossip traffic while nothing happens.
  await Bun.sleep(3_000);
  const sentAt = (peer: Peer) => {
    const line = peer.lines.findLast((l) => l.event === "bytes");
    return line === undefined ? { bytes: 0, messages: 0, at: 0 } : { bytes: line.bytes as number, messages: line.messages as number, at: line.at as number };
  };
  const before = nodes.map(sentAt);
  await Bun.sleep(quick ? 3_000 : 10_000);
  const after = nodes.map(sentAt);
  const perSecond = (pick: (s: { bytes: number; messages: number }) => number) =>
    after.map((a, i) => ((pick(a) - pick(before[i] as typeof a)) * 1000) / Math.max(1, a.at - (before[i] as typeof a).at)).reduce((sum, rate) => sum + rate, 0) / after.length;
  const bytesPerSecond = perSecond((s) => s.bytes);
  const messagesPerSecond = perSecond((s) => s.messages);

  // kill -9 one node; every survivor must mark it dead.
  const victim = nodes[size - 1] as Peer;
  const survivors = nodes.slice(0, -1);
  const killedAt = Date.now();
  victim.proc.kill(9);
  const deadAt = (peer: Peer) => peer.lines.find((l) => l.member === victim.first.node && l.state === "dead")?.at as number | undefined;
  const detected = await until(() => survivors.every((n) => deadAt(n) !== undefined), 30_000);
  const detectMs = detected ? Math.max(...survivors.map((n) => deadAt(n) as number)) - killedAt : Number.NaN;

  // A quiet run: no live node may ever be marked dead.
  const quietStart = Date.now();
  await Bun.sleep(QUIET_SECONDS * 1000);
  const falsePositives = survivors
    .flatMap((n) => n.lines)
    .filter((l) => l.event === "member" && l.state === "dead" && l.member !== victim.first.node && (l.at as number) >= killedAt).length;

  const serf = SERF[size];
  row(`${size} processes`, `converge ${seconds(convergeMs)}`, `detect kill -9 ${seconds(detectMs)}`, `gossip ${messagesPerSecond.toFixed(0)} msgs, ${(bytesPerSecond / 1024).toFixed(1)} KiB/s per node (bodies)`, `false positives ${falsePositives} in ${QUIET_SECONDS} s`, serf === undefined ? "" : `Serf: ${serf.converge}, ${serf.detect}`);
  console.log(`   (quiet run from ${new Date(quietStart).toISOString()})`);
  await stopPeers();
}

function simulated(size: number, loss: number, quietSeconds: number): void {
  const sim = new Simulation({ seed: 1, loss });
  const nodes = sim.addNodes(size);
  sim.startAll();
  const wall = performance.now();
  const convergeMs = sim.runUntil(() => sim.converged(), 120_000, 100);
  // Dissemination: one node's registry change reaching every node.
  const origin = nodes[0] as ClusterNode;
  origin.setLocalNames(["bench/probe"]);
  const spreadMs = sim.runUntil(() => sim.running.every((n) => n.hostsOf("bench/probe").length === 1), 60_000, 10);
  const deaths: string[] = [];
  for (const node of sim.nodes) node.onMemberChange(({ member }) => member.state === "dead" && deaths.push(member.id));
  const sentBefore = sim.sent;
  sim.run(quietSeconds * 1000);
  const perNodePerSecond = (sim.sent - sentBefore) / size / quietSeconds;
  const probeRounds = convergeMs === undefined ? Number.NaN : convergeMs / origin.config.probeIntervalMs;
  row(
    `simulator, ${size} nodes, ${loss * 100}% loss`,
    `converge ${convergeMs === undefined ? "no" : seconds(convergeMs)} (${probeRounds.toFixed(1)} probe rounds)`,
    `dissemination ${spreadMs === undefined ? "no" : seconds(spreadMs)}`,
    `${perNodePerSecond.toFixed(1)} messages/s per node`,
    `false positives ${deaths.length} in ${quietSeconds} s`,
    `wall ${((performance.now() - wall) / 1000).toFixed(1)} s`,
  );
}

try {
  console.log(`Bun ${Bun.version}`);
  await realCluster(10);
  await realCluster(30);
  simulated(100, 0, 60);
  simulated(100, 0.1, quick ? 100 : 1000);
  const wall = performance.now();
  simulated(1000, 0, 60);
  console.log(`   1,000 nodes for 60 simulated seconds (after converging): ${((performance.now() - wall) / 1000).toFixed(1)} s wall (target < 60 s)`);
} finally {
  await stopPeers();
}

if (process.argv.includes("--markdown")) {
  console.log("\n| run | figures |\n| --- | --- |");
  for (const r of rows) console.log(`| ${r[0]} | ${r.slice(1).filter((c) => c.length > 0).join("; ")} |`);
}
process.exit(0);
