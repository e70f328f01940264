/**
 * Virtual actors across real node processes (issue 13): three nodes host the
 * entity kinds of test/fixtures/entity-node.ts; 1,000 keys called through
 * every node reach one activation each; idle ones passivate and come back;
 * when a node is killed with SIGKILL its keys activate on the survivors and
 * calls go on; a node that joins takes over its share of keys and no more;
 * and POST /entity/{kind}/{key} works through a node that does not own the key.
 *
 * The tests run in order on one cluster: each starts from what the one before left.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Answer, Failure } from "../fixtures/entity-node.ts";
import { killAll, type NodeProcess, startNodeProcess } from "../fixtures/processes.ts";
import { until } from "../helpers.ts";

const NODE = `${import.meta.dir}/../fixtures/entity-node.ts`;
const KEYS = Array.from({ length: 1_000 }, (_, i) => `cart-${i}`);
/** Codes a call may end with while a node dies or joins: the owner went under it, or the key moved while it travelled. */
const CHANGE_CODES = ["NODE_UNREACHABLE", "ENTITY_MOVED"];

interface Node extends NodeProcess {
  index: number;
}

interface Counts {
  node: string;
  kinds: Record<string, { active: number; activations: number; passivations: number; moves: number; failedActivations: number }>;
  naps: { activated: number; deactivated: number };
}

async function startNode(index: number, seed?: Node): Promise<Node> {
  const env: Record<string, string> = { INDEX: String(index), NAP_PASSIVATE_MS: "300" };
  if (seed !== undefined) env.PULSING_SEEDS = seed.addr;
  return { ...(await startNodeProcess(NODE, env)), index };
}

/** An ask over HTTP to `actor` on `node` itself; the result, or the test fails with the error body. */
async function ask<T>(node: Node, actor: string, msgType: string, payload: unknown[]): Promise<T> {
  const response = await fetch(`http://${node.addr}/actor/${actor}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-node": node.addr },
    body: JSON.stringify({ msg_type: msgType, payload }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { result?: T; error?: unknown };
  if (response.status !== 200) throw new Error(`${msgType} on ${actor}@${node.addr}: ${response.status} ${JSON.stringify(body.error)}`);
  return body.result as T;
}

/** Calls `method` on entity (kind, key) for each key from inside `node` (its driver), in order of `keys`. */
function callFrom(node: Node, kind: string, method: "bump" | "peek", keys: readonly string[]): Promise<(Answer | Failure)[]> {
  return ask(node, `svc/driver-${node.index}`, "call", [kind, method, keys]);
}

function answers(results: readonly (Answer | Failure)[]): Answer[] {
  const failed = results.filter((result): result is Failure => "code" in result);
  if (failed.length > 0) throw new Error(`${failed.length} calls failed, e.g. ${JSON.stringify(failed.slice(0, 5))}`);
  return results as Answer[];
}

function counts(node: Node): Promise<Counts> {
  return ask(node, `svc/driver-${node.index}`, "counts", []);
}

/** POST /entity/{kind}/{key} on `node`: the status and the JSON body. */
async function postEntity(node: Node, kind: string, key: string, msgType: string, payload: unknown[] = []): Promise<{ status: number; body: { result?: unknown; error?: { code: string } } }> {
  const response = await fetch(`http://${node.addr}/entity/${kind}/${encodeURIComponent(key)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ msg_type: msgType, payload }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: response.status, body: (await response.json()) as { result?: unknown; error?: { code: string } } };
}

/** Whether every node in `nodes` sees exactly their ids as the alive members that host `kind`. */
async function hostsAgree(nodes: readonly Node[], kind: string): Promise<boolean> {
  const ids = nodes.map((node) => node.node as string).sort();
  for (const node of nodes) {
    const response = await fetch(`http://${node.addr}/actors`, { signal: AbortSignal.timeout(5_000) });
    const { registry } = (await response.json()) as { registry: { node: string; names: string[] }[] };
    const hosts = registry.filter((entry) => entry.names.includes(`system/entities/${kind}`)).map((entry) => entry.node).sort();
    if (JSON.stringify(hosts) !== JSON.stringify(ids)) return false;
    const members = (await (await fetch(`http://${node.addr}/cluster/members`)).json()) as { id: string; state: string }[];
    const present = members.filter((member) => member.state === "alive" || member.state === "suspect").map((member) => member.id).sort();
    if (JSON.stringify(present) !== JSON.stringify(ids)) return false;
  }
  return true;
}

/**
 * Calls every key through `through` until each answers (bounded): the codes
 * seen on the way, and each key's last answer.
 */
async function callUntilAllAnswer(through: readonly Node[], kind: string, keys: readonly string[], what: string): Promise<{ codes: Set<string>; last: Map<string, Answer> }> {
  const codes = new Set<string>();
  const last = new Map<string, Answer>();
  let missing = [...keys];
  const deadline = Date.now() + 25_000;
  for (let round = 0; missing.length > 0; round++) {
    if (Date.now() > deadline) throw new Error(`${what}: ${missing.length} keys still fail after 25 s (codes ${[...codes].join(", ")}), e.g. ${missing.slice(0, 5).join(", ")}`);
    const node = through[round % through.length] as Node;
    const results = await callFrom(node, kind, "bump", missing);
    missing = [];
    for (const result of results) {
      if ("code" in result) {
        codes.add(result.code);
        missing.push(result.key);
      } else {
        last.set(result.key, result);
      }
    }
    if (missing.length > 0) await Bun.sleep(100);
  }
  return { codes, last };
}

describe("entities across three node processes", () => {
  let nodes: Node[] = [];
  /** Each key's activation and count as the last test left them. */
  let state = new Map<string, Answer>();

  beforeAll(async () => {
    const first = await startNode(0);
    nodes = [first, ...(await Promise.all([1, 2].map((i) => startNode(i, first))))];
    await until(() => hostsAgree(nodes, "ledger"), "every node to know that the three host ledgers", 20_000, 50);
    await until(() => hostsAgree(nodes, "nap"), "every node to know that the three host naps", 20_000, 50);
  }, 40_000);
  afterAll(() => killAll());

  test("1,000 keys called through every node: each reaches one activation, and its count goes up across nodes", async () => {
    const rounds: Answer[][] = [];
    for (const node of nodes) rounds.push(answers(await callFrom(node, "ledger", "bump", KEYS)));
    const owners = new Map<string, number>();
    for (const [i, key] of KEYS.entries()) {
      const [a, b, c] = rounds.map((round) => round[i] as Answer) as [Answer, Answer, Answer];
      expect({ key: a.key, activations: [a.activation, b.activation, c.activation], nodes: [a.node, b.node, c.node], counts: [a.count, b.count, c.count] }).toEqual({
        key,
        activations: [a.activation, a.activation, a.activation],
        nodes: [a.node, a.node, a.node],
        counts: [1, 2, 3],
      });
      owners.set(a.node, (owners.get(a.node) ?? 0) + 1);
      state.set(key, c);
    }
    // The keys spread over the three nodes, and each node holds exactly the activations of its keys.
    expect([...owners.keys()].sort()).toEqual(nodes.map((node) => node.node as string).sort());
    for (const node of nodes) {
      const owned = owners.get(node.node as string) as number;
      expect(owned).toBeGreaterThan(KEYS.length * 0.2);
      expect(owned).toBeLessThan(KEYS.length * 0.47);
      const { kinds } = await counts(node);
      expect(kinds.ledger).toMatchObject({ active: owned, activations: owned, passivations: 0 });
    }
    // Over HTTP, through each node, a sample of keys reaches the same activations.
    for (const key of KEYS.slice(0, 30)) {
      for (const node of nodes) {
        const { status, body } = await postEntity(node, "ledger", key, "peek");
        expect(status).toBe(200);
        expect(body.result).toEqual(state.get(key) as Answer);
      }
    }
  }, 60_000);

  test("an idle entity passivates (onDeactivate runs) and the next call activates it again, fresh, on the same owner", async () => {
    const keys = KEYS.slice(0, 60).map((key) => `nap-${key}`);
    const first = answers(await callFrom(nodes[0] as Node, "nap", "bump", keys));
    expect(first.every((answer) => answer.count === 1)).toBe(true);
    await until(async () => (await Promise.all(nodes.map(counts))).every(({ kinds }) => kinds.nap?.active === 0), "every nap to passivate", 10_000, 50);
    const all = await Promise.all(nodes.map(counts));
    expect(all.reduce((sum, { naps }) => sum + naps.deactivated, 0)).toBe(keys.length);
    expect(all.reduce((sum, { kinds }) => sum + (kinds.nap?.passivations ?? 0), 0)).toBe(keys.length);
    // Called again through another node: a new activation of each key on the same node, its state new.
    const again = answers(await callFrom(nodes[1] as Node, "nap", "bump", keys));
    for (const [i, answer] of again.entries()) {
      const before = first[i] as Answer;
      expect({ node: answer.node, count: answer.count, fresh: answer.activation !== before.activation }).toEqual({ node: before.node, count: 1, fresh: true });
    }
    const after = await Promise.all(nodes.map(counts));
    expect(after.reduce((sum, { naps }) => sum + naps.activated, 0)).toBe(2 * keys.length);
  }, 30_000);

  test("a node killed with SIGKILL: its keys activate on the survivors and calls go on; the others' keys keep their state", async () => {
    const victim = nodes[2] as Node;
    const survivors = [nodes[0] as Node, nodes[1] as Node];
    victim.proc.kill("SIGKILL");
    await victim.proc.exited;
    // Calls start at once: the ones that reach the dead node fail with a code until the survivors declare it dead.
    const { codes, last } = await callUntilAllAnswer(survivors, "ledger", KEYS, "after the kill");
    expect([...codes].filter((code) => !CHANGE_CODES.includes(code))).toEqual([]);
    await until(() => hostsAgree(survivors, "ledger"), "the survivors to agree the victim is gone", 20_000, 50);
    let moved = 0;
    for (const key of KEYS) {
      const before = state.get(key) as Answer;
      const now = last.get(key) as Answer;
      expect(now.node).not.toBe(victim.node as string);
      if (before.node === victim.node) {
        moved++;
        expect({ key, fresh: now.activation !== before.activation }).toEqual({ key, fresh: true });
      } else {
        // Not the victim's: the same activation, which has counted every call.
        expect({ key, node: now.node, activation: now.activation, count: now.count }).toEqual({ key, node: before.node, activation: before.activation, count: before.count + 1 });
      }
    }
    expect(moved).toBeGreaterThan(KEYS.length * 0.2);
    // Through both survivors: one activation per key.
    const a = answers(await callFrom(survivors[0] as Node, "ledger", "bump", KEYS));
    const b = answers(await callFrom(survivors[1] as Node, "ledger", "bump", KEYS));
    for (const [i, key] of KEYS.entries()) {
      const x = a[i] as Answer;
      const y = b[i] as Answer;
      expect({ key, activation: y.activation, count: y.count }).toEqual({ key, activation: x.activation, count: x.count + 1 });
      state.set(key, y);
    }
    const active = (await Promise.all(survivors.map(counts))).reduce((sum, { kinds }) => sum + (kinds.ledger?.active ?? 0), 0);
    expect(active).toBe(KEYS.length);
    nodes = survivors;
  }, 60_000);

  test("a node that joins takes over its share of the keys and no more; the keys that stay keep their state", async () => {
    // Calls flow while it joins (reads, so that the counts below stay exact).
    const during = new Set<string>();
    let joining = true;
    const reads = (async () => {
      for (let round = 0; joining; round++) {
        for (const result of await callFrom(nodes[round % nodes.length] as Node, "ledger", "peek", KEYS)) if ("code" in result) during.add(result.code);
      }
    })();
    const joiner = await startNode(3, nodes[0]);
    const all = [...nodes, joiner];
    await until(() => hostsAgree(all, "ledger"), "every node to know the joiner hosts ledgers", 20_000, 50);
    joining = false;
    await reads;
    expect([...during].filter((code) => !CHANGE_CODES.includes(code))).toEqual([]);
    const { codes, last } = await callUntilAllAnswer(all, "ledger", KEYS, "after the join");
    expect([...codes].filter((code) => !CHANGE_CODES.includes(code))).toEqual([]);
    let taken = 0;
    for (const key of KEYS) {
      const before = state.get(key) as Answer;
      const now = last.get(key) as Answer;
      if (now.node === joiner.node) {
        taken++;
        expect({ key, fresh: now.activation !== before.activation }).toEqual({ key, fresh: true });
      } else {
        // A key moves only to the joiner; one that stays is the same activation, counting on.
        expect({ key, node: now.node, activation: now.activation, count: now.count }).toEqual({ key, node: before.node, activation: before.activation, count: before.count + 1 });
      }
      state.set(key, now);
    }
    // About a third of the keys, out of three nodes now.
    expect(taken).toBeGreaterThan(KEYS.length * 0.2);
    expect(taken).toBeLessThan(KEYS.length * 0.47);
    // The old owners passivated what moved ("moves"), and the cluster holds one activation per key.
    await until(async () => (await Promise.all(all.map(counts))).reduce((sum, { kinds }) => sum + (kinds.ledger?.active ?? 0), 0) === KEYS.length, "one activation per key in the cluster", 10_000, 50);
    const after = await Promise.all(all.map(counts));
    expect(after.reduce((sum, { kinds }) => sum + (kinds.ledger?.moves ?? 0), 0)).toBe(taken);
    expect(after.find(({ node }) => node === joiner.node)?.kinds.ledger?.active).toBe(taken);
    nodes = all;
  }, 60_000);

  test("POST /entity/{kind}/{key} through a node that does not own the key reaches its activation", async () => {
    for (const owner of nodes) {
      const key = KEYS.find((k) => state.get(k)?.node === owner.node) as string;
      const before = state.get(key) as Answer;
      let count = before.count;
      for (const gateway of nodes.filter((node) => node !== owner)) {
        const { status, body } = await postEntity(gateway, "ledger", key, "bump");
        expect(status).toBe(200);
        expect(body.result).toEqual({ key, node: owner.node, activation: before.activation, count: ++count });
      }
      // A stream through a non-owner, and a tell.
      const gateway = nodes.find((node) => node !== owner) as Node;
      const stream = await fetch(`http://${gateway.addr}/entity/ledger/${encodeURIComponent(key)}`, { method: "POST", body: JSON.stringify({ msg_type: "history", payload: [2] }) });
      expect((await stream.text()).trim().split("\n").map((line) => JSON.parse(line))).toEqual([{ item: count }, { item: count + 1 }, { end: true }]);
      const told = await fetch(`http://${gateway.addr}/entity/ledger/${encodeURIComponent(key)}`, { method: "POST", headers: { "x-message-mode": "tell" }, body: JSON.stringify({ msg_type: "bump", payload: [] }) });
      expect(told.status).toBe(202);
      await until(async () => ((await postEntity(owner, "ledger", key, "peek")).body.result as Answer).count === count + 1, "the tell to be counted", 5_000, 20);
    }
    // A key with characters that need escaping in a path.
    const odd = "ünïcode/key ?#%";
    const via = await Promise.all(nodes.map((node) => postEntity(node, "ledger", odd, "bump")));
    expect(via.map(({ body }) => (body.result as Answer).count).sort()).toEqual([1, 2, 3]);
    expect(new Set(via.map(({ body }) => (body.result as Answer).activation)).size).toBe(1);
    expect(new Set(via.map(({ body }) => (body.result as Answer).key))).toEqual(new Set([odd]));
    // A kind nobody hosts: 404 through any node.
    const missing = await postEntity(nodes[0] as Node, "nope", "k", "bump");
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe("ACTOR_NOT_FOUND");
  }, 30_000);
});
