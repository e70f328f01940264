import { describe, expect, test } from "bun:test";
import { type ClusterNode, Simulation, suspicionBounds, suspicionTimeout } from "../../src/cluster/index.ts";

const SEED = Number(process.env.SIM_SEED ?? (Date.now() % 100_000));

/** Records every time any node saw any member become dead. */
function deaths(sim: Simulation): { of: string; by: string; at: number }[] {
  const seen: { of: string; by: string; at: number }[] = [];
  for (const node of sim.nodes) {
    node.onMemberChange(({ member }) => {
      if (member.state === "dead") seen.push({ of: member.id, by: node.id, at: sim.now });
    });
  }
  return seen;
}

function converge(sim: Simulation, maxMs = 60_000): number {
  const took = sim.runUntil(() => sim.converged(), maxMs);
  expect(took, `seed ${sim.seed}: did not converge`).toBeDefined();
  return took as number;
}

describe(`simulated cluster (seed ${SEED}; rerun with SIM_SEED=${SEED})`, () => {
  test("100 nodes converge to the same view", () => {
    const sim = new Simulation({ seed: SEED });
    sim.addNodes(100);
    sim.startAll();
    converge(sim);
    const views = sim.running.map((node) => node.members().map((m) => `${m.id}:${m.state}`).sort().join(","));
    expect(new Set(views).size, `seed ${SEED}`).toBe(1);
  });

  test("a killed node is marked dead by every other node", () => {
    const sim = new Simulation({ seed: SEED });
    const nodes = sim.addNodes(100);
    sim.startAll();
    converge(sim);
    const victim = nodes[42] as ClusterNode;
    sim.kill(victim);
    const took = sim.runUntil(() => sim.running.every((node) => node.member(victim.id)?.state === "dead"), 30_000);
    expect(took, `seed ${SEED}: the dead node was not marked dead everywhere`).toBeDefined();
  });

  test("a node paused for less than the suspicion timeout is never marked dead", () => {
    const sim = new Simulation({ seed: SEED });
    const nodes = sim.addNodes(100);
    sim.startAll();
    converge(sim);
    const seen = deaths(sim);
    const sleeper = nodes[7] as ClusterNode;
    const { min } = suspicionBounds(100, sleeper.config.probeIntervalMs, sleeper.config.suspicionMult, sleeper.config.suspicionMaxMult);
    sim.pause(sleeper);
    sim.run(min * 0.5);
    sim.resume(sleeper);
    sim.run(30_000);
    expect(seen.filter((d) => d.of === sleeper.id), `seed ${SEED}`).toEqual([]);
    expect(sim.converged(), `seed ${SEED}`).toBe(true);
  });

  test("10% packet loss for 1,000 simulated seconds: no live node is ever marked dead", () => {
    const sim = new Simulation({ seed: SEED, loss: 0.1 });
    sim.addNodes(30);
    sim.startAll();
    converge(sim);
    const seen = deaths(sim);
    sim.run(1_000_000);
    expect(seen, `seed ${SEED}: false positives`).toEqual([]);
    expect(sim.refused, `seed ${SEED}: messages the wire refuses`).toBe(0);
    // Under loss some member is always briefly suspect somewhere; without it, all agree.
    sim.loss = 0;
    converge(sim, 10_000);
  }, 60_000);

  test("a partition into two halves heals into one cluster with one registry", () => {
    const sim = new Simulation({ seed: SEED });
    const nodes = sim.addNodes(20);
    sim.startAll();
    converge(sim);
    (nodes[0] as ClusterNode).setLocalNames(["services/a"]);
    (nodes[15] as ClusterNode).setLocalNames(["services/b", "services/shared"]);
    (nodes[3] as ClusterNode).setLocalNames(["services/shared"]);
    sim.run(5_000);
    sim.partition([nodes.slice(0, 10), nodes.slice(10)]);
    sim.run(30_000);
    // Each half wrote the other off, and its actors with it.
    expect((nodes[0] as ClusterNode).member((nodes[15] as ClusterNode).id)?.state).toBe("dead");
    expect((nodes[0] as ClusterNode).hostsOf("services/b")).toEqual([]);
    sim.heal();
    converge(sim);
    sim.run(5_000);
    for (const node of sim.running) {
      expect(node.hostsOf("services/a").map((m) => m.id), `seed ${SEED}`).toEqual([(nodes[0] as ClusterNode).id]);
      expect(node.hostsOf("services/b").map((m) => m.id), `seed ${SEED}`).toEqual([(nodes[15] as ClusterNode).id]);
      expect(node.hostsOf("services/shared").map((m) => m.id).sort(), `seed ${SEED}`).toEqual([(nodes[3] as ClusterNode).id, (nodes[15] as ClusterNode).id].sort());
    }
  });

  test("a partition longer than the time dead members are remembered still heals, through the seeds", () => {
    const sim = new Simulation({ seed: SEED, config: { forgetAfterMs: 5_000, syncIntervalMs: 2_000 } });
    const nodes = sim.addNodes(10);
    sim.startAll();
    converge(sim);
    sim.partition([nodes.slice(0, 5), nodes.slice(5)]);
    sim.run(30_000); // each side has forgotten the other
    expect((nodes[0] as ClusterNode).member((nodes[9] as ClusterNode).id), `seed ${SEED}`).toBeUndefined();
    sim.heal();
    converge(sim, 30_000);
  });

  test("a node that leaves is marked left by all at once, and its actors vanish", () => {
    const sim = new Simulation({ seed: SEED });
    const nodes = sim.addNodes(10);
    sim.startAll();
    converge(sim);
    const leaver = nodes[4] as ClusterNode;
    leaver.setLocalNames(["leaving/actor"]);
    sim.run(2_000);
    expect((nodes[0] as ClusterNode).hostsOf("leaving/actor").length).toBe(1);
    leaver.leave();
    sim.run(20); // one message latency, not a failure-detection timeout
    for (const node of sim.running) {
      if (node === leaver) continue;
      expect(node.member(leaver.id)?.state).toBe("left");
      expect(node.hostsOf("leaving/actor")).toEqual([]);
    }
  });

  test("a stopped named actor disappears from every registry", () => {
    const sim = new Simulation({ seed: SEED });
    const nodes = sim.addNodes(10);
    sim.startAll();
    converge(sim);
    const host = nodes[2] as ClusterNode;
    host.setLocalNames(["svc/x", "svc/y"]);
    sim.run(3_000);
    expect(sim.running.every((node) => node.hostsOf("svc/x").length === 1)).toBe(true);
    host.setLocalNames(["svc/y"]);
    sim.run(3_000);
    expect(sim.running.every((node) => node.hostsOf("svc/x").length === 0 && node.hostsOf("svc/y").length === 1), `seed ${SEED}`).toBe(true);
  });

  test("a small cluster marks a killed node dead too", () => {
    const sim = new Simulation({ seed: SEED });
    const nodes = sim.addNodes(5);
    sim.startAll();
    converge(sim);
    const old = nodes[4] as ClusterNode;
    sim.kill(old);
    const seen = sim.runUntil(() => sim.running.every((node) => node.member(old.id)?.state === "dead"), 30_000);
    expect(seen, `seed ${SEED}`).toBeDefined();
  });

  test("the same seed replays the same run", () => {
    const trace = (seed: number) => {
      const sim = new Simulation({ seed, loss: 0.05 });
      const nodes = sim.addNodes(20);
      sim.startAll();
      sim.run(5_000);
      sim.kill(nodes[3] as ClusterNode);
      sim.run(10_000);
      return `${sim.sent}/${sim.delivered}/${sim.running.map((n) => n.members().map((m) => `${m.state}${m.incarnation}`).join("")).join("|")}`;
    };
    expect(trace(SEED)).toBe(trace(SEED));
    expect(trace(SEED)).not.toBe(trace(SEED + 1));
  });
});

describe("suspicion timeout", () => {
  test("shrinks from max to min as confirmations arrive, never below min", () => {
    const { min, max } = suspicionBounds(100, 200, 4, 3);
    expect(min).toBe(1600);
    expect(max).toBe(4800);
    expect(suspicionTimeout(min, max, 0, 3)).toBe(max);
    expect(suspicionTimeout(min, max, 1, 3)).toBeLessThan(max);
    expect(suspicionTimeout(min, max, 3, 3)).toBe(min);
    expect(suspicionTimeout(min, max, 10, 3)).toBe(min);
    expect(suspicionTimeout(min, max, 0, 0)).toBe(min);
  });
});
