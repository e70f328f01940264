import { describe, expect, test } from "bun:test";
import { type ActorSystem, Entity, type Member } from "pulsing";
import { startNode, startSystem, until } from "../helpers.ts";

/** A cart: items by key; it says where it runs and counts its activations. */
class Cart extends Entity {
  static kind = "cart";
  static activated: string[] = [];
  static deactivated: string[] = [];
  items: string[] = [];
  node = "";
  override onActivate(): void {
    Cart.activated.push(this.key);
    this.node = (this.system as ActorSystem).nodeId;
  }
  override onDeactivate(): void {
    Cart.deactivated.push(this.key);
  }
  add(item: string): string[] {
    this.items.push(item);
    return this.items;
  }
  whoami(): { key: string; node: string } {
    return { key: this.key, node: this.node };
  }
  async *list(): AsyncGenerator<string> {
    yield* this.items;
  }
}

/** An entity that calls another through its system. */
class Order extends Entity {
  static kind = "order";
  checkout(cart: string): Promise<string[]> {
    return this.system.entity(Cart, cart).add(`order:${this.key}`);
  }
}

function reset(): void {
  Cart.activated = [];
  Cart.deactivated = [];
}

async function cluster(size: number, host = true, passivateAfterMs?: number): Promise<ActorSystem[]> {
  const first = await startNode();
  const nodes = [first];
  for (let i = 1; i < size; i++) nodes.push(await startNode({ seeds: [first.addr as string] }));
  if (host) for (const node of nodes) node.host(Cart, { kind: "cart", ...(passivateAfterMs === undefined ? {} : { passivateAfterMs }) });
  await until(() => nodes.every((node) => node.cluster.members().filter((m) => m.state === "alive").length === size), "the cluster to form");
  await until(() => nodes.every((node) => node.cluster.registry().filter((entry) => entry.names.includes("system/entities/cart")).length === (host ? size : 0)), "every node to know who hosts carts");
  return nodes;
}

describe("entities in one process", () => {
  test("a call activates the entity of its key; it sees its key, keeps its state, and onActivate runs first", async () => {
    reset();
    const { system } = await startSystem();
    system.host(Cart, { kind: "cart" });
    const cart = system.entity(Cart, "c-1");
    expect(await cart.add("apple")).toEqual(["apple"]);
    expect(await cart.add("pear")).toEqual(["apple", "pear"]);
    expect((await cart.whoami()).key).toBe("c-1");
    expect(await system.entity<Cart>("cart", "c-2").add("fig")).toEqual(["fig"]);
    const items: string[] = [];
    for await (const item of cart.list()) items.push(item);
    expect(items).toEqual(["apple", "pear"]);
    expect(Cart.activated).toEqual(["c-1", "c-2"]);
    expect(system.entities().cart).toMatchObject({ active: 2, activations: 2, passivations: 0 });
  });

  test("an idle entity passivates (onDeactivate) and a later call activates it again, fresh", async () => {
    reset();
    const { system } = await startSystem();
    system.host(Cart, { kind: "cart", passivateAfterMs: 40 });
    const cart = system.entity(Cart, "idle");
    await cart.add("x");
    await until(() => Cart.deactivated.includes("idle"), "the idle cart to passivate");
    expect(system.entities().cart).toMatchObject({ active: 0, passivations: 1 });
    expect(await cart.add("y")).toEqual(["y"]);
    expect(Cart.activated).toEqual(["idle", "idle"]);
  });

  test("past maxActive the least recently used activation passivates", async () => {
    reset();
    const { system } = await startSystem();
    system.host(Cart, { kind: "cart", maxActive: 2 });
    await system.entity(Cart, "a").add("1");
    await system.entity(Cart, "b").add("1");
    await system.entity(Cart, "a").add("2"); // a is now the most recent
    await system.entity(Cart, "c").add("1");
    await until(() => Cart.deactivated.length === 1, "one passivation");
    expect(Cart.deactivated).toEqual(["b"]);
    expect(system.entities().cart?.active).toBe(2);
  });

  test("an entity reaches another through this.system.entity", async () => {
    reset();
    const { system } = await startSystem();
    system.host(Cart);
    system.host(Order);
    expect(await system.entity(Order, "o-1").checkout("c-9")).toEqual(["order:o-1"]);
    expect(Object.keys(system.entities()).sort()).toEqual(["cart", "order"]);
  });

  test("an onActivate that throws fails the calls queued for that activation with START_FAILED; the next call tries again", async () => {
    class Flaky extends Entity {
      static kind = "flaky";
      static failures = 1;
      override onActivate(): void {
        if (Flaky.failures-- > 0) throw new Error("not today");
      }
      ping(): string {
        return "pong";
      }
    }
    const { system } = await startSystem();
    system.host(Flaky);
    const first = await Promise.allSettled([system.entity(Flaky, "x").ping(), system.entity(Flaky, "x").ping()]);
    expect(first.map((outcome) => (outcome.status === "rejected" ? (outcome.reason as { code: string }).code : outcome.value))).toEqual(["START_FAILED", "START_FAILED"]);
    expect(await system.entity(Flaky, "x").ping()).toBe("pong");
    expect(system.entities().flaky).toMatchObject({ activations: 2, failedActivations: 1 });
  });

  test("an activation busy with a long turn or an open stream is not passivated as idle", async () => {
    class Slow extends Entity {
      static kind = "slow";
      async *drip(n: number): AsyncGenerator<number> {
        for (let i = 0; i < n; i++) {
          await Bun.sleep(30);
          yield i;
        }
      }
    }
    const { system } = await startSystem();
    system.host(Slow, { passivateAfterMs: 20 });
    const items: number[] = [];
    for await (const item of system.entity(Slow, "s").drip(8)) items.push(item);
    expect(items).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  test("activations still stopping count too: past maxActive of them, a new key is refused with TOO_MANY_CALLS", async () => {
    class Stuck extends Entity {
      static kind = "stuck";
      async hang(): Promise<void> {
        await new Promise(() => {});
      }
      ping(): string {
        return this.key;
      }
    }
    const { system } = await startSystem({ stopTimeoutMs: 2_000 });
    system.host(Stuck, { maxActive: 1 });
    await system.entity(Stuck, "a").$tell.hang();
    // b needs a's place; a is evicted but its turn holds its stop: b must wait.
    await expect(system.entity(Stuck, "b").ping()).rejects.toMatchObject({ code: "TOO_MANY_CALLS" });
  });

  test("bad kinds and keys are refused with INVALID_NAME; a kind nobody hosts is ACTOR_NOT_FOUND", async () => {
    const { system } = await startSystem();
    expect(() => system.entity("no/slash", "k")).toThrow(expect.objectContaining({ code: "INVALID_NAME" }));
    expect(() => system.entity("cart", "")).toThrow(expect.objectContaining({ code: "INVALID_NAME" }));
    expect(() => system.entity("cart", "k".repeat(257))).toThrow(expect.objectContaining({ code: "INVALID_NAME" }));
    await expect(system.entity<Cart>("cart", "k").add("x")).rejects.toMatchObject({ code: "ACTOR_NOT_FOUND" });
  });
});

describe("entities in a cluster", () => {
  test("every node routes a key to its one activation; keys spread over the members", async () => {
    reset();
    const nodes = await cluster(3);
    const keys = Array.from({ length: 60 }, (_, i) => `k-${i}`);
    for (const key of keys) for (const node of nodes) await node.entity(Cart, key).add(node.nodeId);
    // Each key was activated once, and its activation got the call of every node.
    expect(Cart.activated.length).toBe(keys.length);
    for (const key of keys.slice(0, 10)) expect((await nodes[0]!.entity(Cart, key).add("end")).length).toBe(4);
    const owners = new Set(await Promise.all(keys.map(async (key) => (await nodes[1]!.entity(Cart, key).whoami()).node)));
    expect(owners.size).toBe(3);
    const active = nodes.map((node) => node.entities().cart?.active ?? 0);
    expect(active.reduce((a, b) => a + b, 0)).toBe(keys.length);
  });

  test("a placement function chooses the owner the same way on every node", async () => {
    reset();
    const first = await startNode();
    const nodes = [first, await startNode({ seeds: [first.addr as string] }), await startNode({ seeds: [first.addr as string] })];
    // Every key to the member with the smallest id: deterministic from membership, as a placement must be.
    const smallest = (_key: string, hosts: readonly Member[]): Member => [...hosts].sort((a, b) => (a.id < b.id ? -1 : 1))[0] as Member;
    for (const node of nodes) node.host(Cart, { placement: smallest });
    await until(() => nodes.every((node) => node.cluster.registry().filter((entry) => entry.names.includes("system/entities/cart")).length === 3), "every node to know who hosts carts");
    const expected = [...nodes.map((node) => node.nodeId)].sort()[0];
    for (const key of ["p1", "p2", "p3", "p4"]) for (const node of nodes) expect((await node.entity(Cart, key).whoami()).node).toBe(expected as string);
  });

  test("POST /entity/{kind}/{key} on a node that does not own the key reaches its activation", async () => {
    reset();
    const nodes = await cluster(3);
    const key = "shared/cart 1";
    const owner = (await nodes[0]!.entity(Cart, key).whoami()).node;
    const other = nodes.find((node) => node.nodeId !== owner) as ActorSystem;
    const url = `http://${other.addr}/entity/cart/${encodeURIComponent(key)}`;
    const response = await fetch(url, { method: "POST", body: JSON.stringify({ msg_type: "add", payload: ["via-http"] }) });
    expect(await response.json()).toEqual({ result: ["via-http"] });
    expect(Cart.activated.filter((k) => k === key).length).toBe(1);
    const missing = await fetch(`http://${other.addr}/entity/nope/k`, { method: "POST", body: JSON.stringify({ msg_type: "add", payload: ["x"] }) });
    expect(missing.status).toBe(404);
    // The mark that a call was forwarded already belongs to member links: from outside it is a malformed kind.
    const forged = await fetch(`http://${other.addr}/entity/!cart/k`, { method: "POST", body: JSON.stringify({ msg_type: "add", payload: ["x"] }) });
    expect([forged.status, ((await forged.json()) as { error: { code: string } }).error.code]).toEqual([400, "INVALID_NAME"]);
    // A message the kind does not handle is refused before anything is activated, wherever it enters.
    const before = Cart.activated.length;
    for (const node of nodes) {
      const unknown = await fetch(`http://${node.addr}/entity/cart/never-${node.nodeId}`, { method: "POST", body: JSON.stringify({ msg_type: "nope", payload: [] }) });
      expect([unknown.status, ((await unknown.json()) as { error: { code: string } }).error.code]).toEqual([400, "UNKNOWN_MESSAGE"]);
    }
    expect(Cart.activated.length).toBe(before);
  });

  test("when a member joins, the keys it now owns move to it: the old activation passivates and calls go on", async () => {
    reset();
    const nodes = await cluster(2);
    const keys = Array.from({ length: 40 }, (_, i) => `m-${i}`);
    for (const key of keys) await nodes[0]!.entity(Cart, key).add("before");
    const joiner = await startNode({ seeds: [nodes[0]!.addr as string] });
    joiner.host(Cart, { kind: "cart" });
    const all = [...nodes, joiner];
    await until(() => all.every((node) => node.cluster.registry().filter((entry) => entry.names.includes("system/entities/cart")).length === 3), "every node to know the joiner hosts carts");
    await until(() => Cart.deactivated.length > 0, "some keys to move");
    const moved = new Set(Cart.deactivated);
    for (const key of keys) {
      const where = await nodes[1]!.entity(Cart, key).whoami();
      expect(where.node === joiner.nodeId).toBe(moved.has(key));
    }
    // About a third moved, never all.
    expect(moved.size).toBeGreaterThan(0);
    expect(moved.size).toBeLessThan(keys.length);
  });

  test("when the owner goes, its keys activate on the members left", async () => {
    reset();
    const nodes = await cluster(3);
    const keys = Array.from({ length: 30 }, (_, i) => `d-${i}`);
    const before = await Promise.all(keys.map(async (key) => (await nodes[0]!.entity(Cart, key).whoami()).node));
    const victim = nodes[2]!;
    await victim.shutdown();
    const left = [nodes[0]!, nodes[1]!];
    await until(() => left.every((node) => node.cluster.members().filter((m) => m.state === "alive").length === 2), "the others to see it gone");
    for (const [i, key] of keys.entries()) {
      const now = await nodes[1]!.entity(Cart, key).whoami();
      expect(now.node).not.toBe(victim.nodeId);
      // Keys that were not on the victim stay where they were.
      if (before[i] !== victim.nodeId) expect(now.node).toBe(before[i] as string);
    }
  });
});
