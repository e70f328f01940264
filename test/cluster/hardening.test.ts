import { describe, expect, test } from "bun:test";
import { type ClusterNode, type Member, Simulation } from "../../src/cluster/index.ts";
import { ALIVE, DEAD, GOSSIP, LEFT, MAX_INCARNATION, NAMES, SUSPECT, SYNC, SYNC_REPLY } from "../../src/wire/index.ts";
import { gossipProblem } from "../../src/wire/gossip.ts";

const SEED = Number(process.env.SIM_SEED ?? (Date.now() % 100_000));
const ATTACKER = "attacker";

/** A converged cluster of `size`, quiet for a while, so every node knows every incarnation. */
function cluster(size = 6): { sim: Simulation; a: ClusterNode; b: ClusterNode; c: ClusterNode } {
  const sim = new Simulation({ seed: SEED });
  const nodes = sim.addNodes(size);
  sim.startAll();
  expect(sim.runUntil(() => sim.converged(), 30_000), `seed ${SEED}: did not converge`).toBeDefined();
  sim.run(3_000);
  return { sim, a: nodes[0] as ClusterNode, b: nodes[3] as ClusterNode, c: nodes[5] as ClusterNode };
}

const own = (node: ClusterNode): number => (node.member(node.id) as Member).incarnation;

/** Whether every running node sees `b` alive, at its real address and at the incarnation `b` itself has. */
function seenRightly(sim: Simulation, b: ClusterNode): boolean {
  return sim.running.every((node) => {
    const m = node.member(b.id);
    return m?.state === "alive" && m.addr === b.addr && m.incarnation === own(b);
  });
}

function healsWithin(sim: Simulation, b: ClusterNode, ms = 10_000): void {
  expect(sim.runUntil(() => seenRightly(sim, b), ms), `seed ${SEED}: not every node sees ${b.id} alive again`).toBeDefined();
  expect(sim.refused, `seed ${SEED}: some node sent what the wire refuses`).toBe(0);
}

const gossip = (...updates: unknown[]) => [GOSSIP, ATTACKER, updates];

describe(`hostile updates (seed ${SEED}; rerun with SIM_SEED=${SEED})`, () => {
  test("scenario: an attacker's [DEAD, B, 2^52] (or 2^53 - 1) does not keep B dead", () => {
    const { sim, a, b } = cluster();
    // 2^53 - 1 never reaches a node: the wire refuses it.
    expect(sim.inject(a, gossip([DEAD, b.id, 2 ** 53 - 1, ATTACKER]))).toBeDefined();
    expect(a.member(b.id)?.state).toBe("alive");
    // 2^52 is accepted, and kills B here, but only at the incarnation B announced...
    expect(sim.inject(a, gossip([DEAD, b.id, 2 ** 52, ATTACKER]))).toBeUndefined();
    expect(a.member(b.id)?.state).toBe("dead");
    // ...so B's refutation (its own incarnation + 1) beats it everywhere.
    healsWithin(sim, b);
    expect(own(b)).toBeLessThan(10);
  });

  test("rule: the wire refuses incarnations and names versions above MAX_INCARNATION", () => {
    expect(MAX_INCARNATION).toBe(2 ** 52);
    const updates = (n: number) => [
      [ALIVE, "b", "b:1", n],
      [SUSPECT, "b", n, "c"],
      [DEAD, "b", n, "c"],
      [LEFT, "b", n],
      [NAMES, "b", n, ["svc"]],
    ];
    for (const update of updates(MAX_INCARNATION)) expect(gossipProblem(gossip(update)), JSON.stringify(update)).toBeUndefined();
    for (const n of [MAX_INCARNATION + 1, 2 ** 53 - 1]) {
      for (const update of updates(n)) {
        expect(gossipProblem(gossip(update)), JSON.stringify(update)).toBeDefined();
        expect(gossipProblem([SYNC, ATTACKER, "x:1", [update], []]), JSON.stringify(update)).toBeDefined();
      }
    }
  });

  test("rule: a suspect about a member above its known incarnation counts at the known one", () => {
    const { sim, a, b } = cluster();
    const known = own(b);
    sim.inject(a, gossip([SUSPECT, b.id, 2 ** 52, ATTACKER]));
    expect(a.member(b.id)).toMatchObject({ state: "suspect", incarnation: known });
    healsWithin(sim, b);
    expect(own(b)).toBe(known + 1);
  });

  test("rule: a dead about a member above its known incarnation counts at the known one", () => {
    const { sim, a, b } = cluster();
    const known = own(b);
    sim.inject(a, gossip([DEAD, b.id, 1_000, ATTACKER]));
    expect(a.member(b.id)).toMatchObject({ state: "dead", incarnation: known });
    healsWithin(sim, b);
    expect(own(b)).toBe(known + 1);
  });

  test("rule: suspect, dead and left about a member this node does not know are ignored", () => {
    const { sim, a } = cluster();
    const before = a.version;
    sim.inject(a, gossip([SUSPECT, "ghost-1", 0, ATTACKER], [DEAD, "ghost-2", 5, ATTACKER], [LEFT, "ghost-3", 0]));
    sim.inject(a, [SYNC, ATTACKER, "attacker:1", [[DEAD, "ghost-4", 0, ATTACKER], [LEFT, "ghost-5", 0]], []]);
    for (const ghost of ["ghost-1", "ghost-2", "ghost-3", "ghost-4", "ghost-5"]) expect(a.member(ghost)).toBeUndefined();
    expect(a.version).toBe(before);
  });

  test("rule: a member told it is suspect or dead above its own incarnation refutes with its own + 1", () => {
    const { sim, b } = cluster();
    const start = own(b);
    sim.inject(b, gossip([SUSPECT, b.id, 1_000, ATTACKER]));
    expect(own(b)).toBe(start + 1);
    sim.inject(b, gossip([DEAD, b.id, MAX_INCARNATION, ATTACKER]));
    expect(own(b)).toBe(start + 2);
    healsWithin(sim, b);
  });

  test("rule: an alive that gives a known member another address is ignored, in gossip, sync and sync replies", () => {
    const { sim, a, b } = cluster();
    const known = a.member(b.id) as Member;
    sim.inject(a, gossip([ALIVE, b.id, "evil:1", known.incarnation + 5]));
    sim.inject(a, [SYNC, ATTACKER, "evil:1", [[ALIVE, b.id, "evil:2", known.incarnation + 6]], []]);
    sim.inject(a, [SYNC_REPLY, ATTACKER, [[ALIVE, b.id, "evil:3", known.incarnation + 7]], []]);
    expect(a.member(b.id)).toEqual(known);
    sim.run(5_000);
    for (const node of sim.running) expect(node.member(b.id)?.addr, `seed ${SEED}`).toBe(b.addr);
  });

  test("rule: a member that hears an alive about itself at another address refutes, even at an equal or lower incarnation", () => {
    const { sim, b } = cluster();
    const start = own(b);
    sim.inject(b, gossip([ALIVE, b.id, "evil:1", start])); // equal
    expect(own(b)).toBe(start + 1);
    sim.inject(b, gossip([ALIVE, b.id, "evil:1", 0])); // lower
    expect(own(b)).toBe(start + 2);
    healsWithin(sim, b);
  });

  test("rule: a member that hears an alive about itself at a higher incarnation takes it, so its next refutation wins", () => {
    const { sim, a, b, c } = cluster();
    // Others believe an alive with B's address (it is B's word, for all they can tell)...
    sim.inject(a, gossip([ALIVE, b.id, b.addr, 1_000]));
    expect(sim.runUntil(() => sim.running.every((node) => node.member(b.id)?.incarnation === 1_000), 10_000), `seed ${SEED}`).toBeDefined();
    expect(own(b)).toBe(1_000);
    // ...so a suspicion at 1000 is believed, and B must refute above it.
    sim.inject(c, gossip([SUSPECT, b.id, 1_000, a.id]));
    healsWithin(sim, b);
    expect(own(b)).toBe(1_001);
  });

  test("rule: a member never announces an incarnation above MAX_INCARNATION", () => {
    const { sim, a, b } = cluster();
    sim.inject(a, gossip([ALIVE, b.id, b.addr, MAX_INCARNATION]));
    sim.run(3_000);
    expect(own(b)).toBe(MAX_INCARNATION);
    sim.inject(b, gossip([SUSPECT, b.id, MAX_INCARNATION, ATTACKER]));
    sim.run(3_000);
    expect(own(b)).toBe(MAX_INCARNATION);
    expect(sim.refused, `seed ${SEED}: a message over the bound was sent`).toBe(0);
  });

  test("rule: a member told it left refutes and comes back; a real leave stays final", () => {
    const { sim, a, b } = cluster();
    b.setLocalNames(["svc/b"]);
    sim.run(3_000);
    sim.inject(a, gossip([LEFT, b.id, 2 ** 52]));
    expect(a.member(b.id)?.state).toBe("left");
    expect(a.hostsOf("svc/b")).toEqual([]);
    healsWithin(sim, b);
    // B's names come back with it.
    expect(sim.runUntil(() => sim.running.every((node) => node.hostsOf("svc/b").length === 1), 5_000), `seed ${SEED}`).toBeDefined();
    // A real leave: the leaver says nothing more, and its old alives do not bring it back.
    const last = own(b);
    b.leave();
    sim.run(20);
    sim.inject(a, gossip([ALIVE, b.id, b.addr, last]));
    sim.run(10_000);
    for (const node of sim.running) expect(node.member(b.id)?.state, `seed ${SEED}`).toBe("left");
  });
});
