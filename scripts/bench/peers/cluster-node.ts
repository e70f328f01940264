/**
 * A cluster node for scripts/bench/cluster.ts: joins through PULSING_SEEDS,
 * prints {"addr","node"}, then a JSON line per member change it sees and one a
 * second with the gossip bytes it has sent. Exits when stdin closes.
 */
import { ActorSystem } from "pulsing";

const seeds = (process.env.PULSING_SEEDS ?? "").split(",").filter((s) => s.length > 0);
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const system = await ActorSystem.start({ addr: "127.0.0.1:0", seeds, logger: quiet });
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
print({ addr: system.addr, node: system.nodeId, at: Date.now() });
system.cluster.on("change", ({ member, previous }) => {
  print({ event: "member", member: member.id, state: member.state, previous: previous ?? null, alive: system.cluster.members().filter((m) => m.state === "alive").length, at: Date.now() });
});
setInterval(() => print({ event: "bytes", ...system.gossipSent, at: Date.now() }), 1000).unref();
for await (const _ of Bun.stdin.stream());
await system.shutdown();
process.exit(0);
