import { afterAll, expect, test } from "bun:test";
import type { Member } from "pulsing";
import { seededRandom } from "../../src/cluster/index.ts";
import { killAll, type NodeProcess, startNodeProcess } from "../fixtures/processes.ts";
import { outcomeOf } from "../fixtures/outcome.ts";
import { startNode } from "../helpers.ts";

/**
 * Chaos: five node processes and a client asking a named service while nodes
 * are killed, paused and restarted at random; then the cluster must agree again
 * and nothing may have hung or been lost between the nodes that stayed up.
 * CHAOS_SECONDS (default 60) and CHAOS_SEED set the run; the counts are printed.
 */
const NODE = new URL("../fixtures/cluster-node.ts", import.meta.url).pathname;
const SECONDS = Number(process.env.CHAOS_SECONDS ?? 60);
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
const ASK_TIMEOUT_MS = 2_000;

afterAll(killAll);

interface Worker {
  whoami(): string;
}

async function getJson<T>(addr: string, path: string): Promise<T | undefined> {
  try {
    return (await (await fetch(`http://${addr}${path}`, { signal: AbortSignal.timeout(2_000) })).json()) as T;
  } catch {
    return undefined;
  }
}

test(
  `chaos: kills, pauses and restarts for ${SECONDS} s; every ask settles, the cluster agrees again, tells between stable nodes all arrive in order (seed ${SEED})`,
  async () => {
    const random = seededRandom(SEED);
    const first = await startNodeProcess(NODE, { INDEX: "0" });
    const second = await startNodeProcess(NODE, { INDEX: "1", PULSING_SEEDS: first.addr });
    // The first node tells the second one's recorder, all along: both stay up.
    await Bun.sleep(100);
    const nodes: NodeProcess[] = [first, second];
    for (const i of [2, 3, 4]) nodes.push(await startNodeProcess(NODE, { INDEX: String(i), PULSING_SEEDS: `${first.addr},${second.addr}` }));
    const sender = await startNodeProcess(NODE, { INDEX: "5", PULSING_SEEDS: first.addr, TELL_TO: second.addr });
    const stable = [first, second, sender];

    const client = await startNode({ seeds: [first.addr, second.addr], askTimeoutMs: ASK_TIMEOUT_MS });
    const service = await client.resolve<Worker>("svc/shared", { timeoutMs: 10_000 });

    // -- the clients: 16 loops asking the service; each ask must settle, with a result or a coded error.
    const outcomes = new Map<string, number>();
    let hung = 0;
    let chaosOver = false;
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const loops = Array.from({ length: 16 }, async () => {
      while (!chaosOver) {
        const settled = await outcomeOf(service.whoami(), ASK_TIMEOUT_MS + 3_000);
        if (settled === "hung") hung++;
        count(settled);
        await Bun.sleep(settled === "ok" ? 1 : 20); // clients, not a load test
      }
    });

    // -- the chaos: on nodes 2..4 only.
    const victims = [2, 3, 4];
    const events = { kills: 0, restarts: 0, pauses: 0 };
    const killed = new Set<string>(); // node ids of killed processes
    const chaosEnd = Date.now() + SECONDS * 1000;
    while (Date.now() < chaosEnd) {
      await Bun.sleep(500 + random() * 2_000);
      const index = victims[Math.floor(random() * victims.length)] as number;
      const victim = nodes[index] as NodeProcess;
      if (random() < 0.5) {
        victim.proc.kill(9);
        await victim.proc.exited;
        killed.add(victim.node as string);
        events.kills++;
        await Bun.sleep(300 + random() * 2_000);
        // Restarted at the same address: a new member.
        nodes[index] = await startNodeProcess(NODE, { INDEX: String(index), ADDR: victim.addr, PULSING_SEEDS: `${first.addr},${second.addr}` });
        events.restarts++;
      } else {
        victim.proc.kill("SIGSTOP");
        events.pauses++;
        await Bun.sleep(100 + random() * 2_500);
        victim.proc.kill("SIGCONT");
      }
    }
    chaosOver = true;
    await Promise.all(loops);

    // -- the cluster agrees again: everyone sees the same members and the same registry.
    const live = [...nodes, sender];
    const liveIds = new Set([...live.map((n) => n.node as string), client.nodeId]);
    const agreed = async () => {
      const views = await Promise.all(live.map((n) => getJson<Member[]>(n.addr, "/cluster/members")));
      if (views.some((v) => v === undefined)) return false;
      return (views as Member[][]).every((view) => {
        const alive = view.filter((m) => m.state === "alive").map((m) => m.id);
        return alive.length === liveIds.size && alive.every((id) => liveIds.has(id)) && [...killed].every((id) => !alive.includes(id));
      });
    };
    const deadline = Date.now() + 30_000;
    while (!(await agreed()) && Date.now() < deadline) await Bun.sleep(200);
    expect(await agreed()).toBe(true);
    const registries = async () =>
      Promise.all(
        live.map(async (n) => {
          const body = await getJson<{ registry: { addr: string; names: string[] }[] }>(n.addr, "/actors");
          return JSON.stringify((body?.registry ?? []).flatMap((r) => r.names.map((name) => `${r.addr} ${name}`)).sort());
        }),
      );
    // The registry spreads by the same gossip, a few rounds behind the membership.
    let views = await registries();
    while (new Set(views).size !== 1 && Date.now() < deadline + 15_000) {
      await Bun.sleep(200);
      views = await registries();
    }
    expect(new Set(views).size).toBe(1);
    expect(JSON.parse(views[0] as string).filter((entry: string) => entry.endsWith(" svc/shared")).length).toBe(live.length);

    // -- every ask settled; every failure had a code.
    const report = { seed: SEED, seconds: SECONDS, ...events, asks: [...outcomes.values()].reduce((a, b) => a + b, 0), outcomes: Object.fromEntries(outcomes) };
    console.log(`chaos report: ${JSON.stringify(report)}`);
    expect(hung).toBe(0);
    expect([...outcomes.keys()].filter((key) => key.startsWith("uncoded"))).toEqual([]);
    expect(outcomes.get("ok") ?? 0).toBeGreaterThan(0);

    // -- tells between two nodes that stayed up: all arrived, in order.
    const senderRef = client.remote<{ finish(): number }>(sender.addr, "svc/sender");
    const sent = await senderRef.finish();
    const recorder = client.remote<{ stats(): { count: number; inOrder: boolean } }>(second.addr, "svc/recorder");
    let stats = await recorder.stats();
    for (let i = 0; i < 50 && stats.count < sent; i++) {
      await Bun.sleep(50);
      stats = await recorder.stats();
    }
    console.log(`chaos tells: sent ${sent}, received ${stats.count}, in order ${stats.inOrder}`);
    expect(stats).toEqual({ count: sent, inOrder: true });
    for (const node of stable) expect(node.proc.exitCode).toBeNull();
  },
  (SECONDS + 120) * 1000,
);
