import { afterEach, describe, expect, test } from "bun:test";
import { type ActorSystem, Entity } from "pulsing";
import { type Client, connect } from "pulsing/client";
import { entityAddress } from "../../src/client/entity-address.ts";
import { checkKey, checkKind, entityTarget } from "../../src/entity/index.ts";
import { cluster } from "../fixtures/gateway.ts";
import { memoryLogger, until } from "../helpers.ts";

/** A cart per key: says which key and node it is, adds, streams, fails on request. */
class Cart extends Entity {
  static kind = "cart";
  static activations = 0;
  items: string[] = [];
  override onActivate(): void {
    Cart.activations++;
  }
  add(item: string): string[] {
    this.items.push(item);
    return this.items;
  }
  whoami(): { key: string; node: string } {
    return { key: this.key, node: (this.system as ActorSystem).nodeId };
  }
  async *list(): AsyncGenerator<string> {
    yield* this.items;
  }
  boom(): never {
    throw new TypeError("boom on purpose");
  }
}

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function client(gateways: string | string[]): Promise<Client> {
  const made = await connect(gateways, { logger: memoryLogger(), connectTimeoutMs: 2_000 });
  clients.push(made);
  return made;
}

/** `size` nodes of which the first `hosting` host carts; every node knows who does. */
async function cartCluster(size: number, hosting = size): Promise<ActorSystem[]> {
  const nodes = await cluster(size);
  for (const node of nodes.slice(0, hosting)) node.host(Cart);
  await until(() => nodes.every((node) => node.cluster.registry().filter((entry) => entry.names.includes("system/entities/cart")).length === hosting), "every node to know who hosts carts");
  return nodes;
}

describe("client.entity", () => {
  test("reaches each key's one activation through any gateway, by class or by kind, with asks, tells, streams and codes", async () => {
    Cart.activations = 0;
    const nodes = await cartCluster(3);
    const viaA = await client(nodes[0]!.addr as string);
    const viaC = await client(nodes[2]!.addr as string);
    const keys = Array.from({ length: 30 }, (_, i) => `cart-${i}`);
    for (const key of keys) {
      await viaA.entity(Cart, key).add("a");
      await viaC.entity<Cart>("cart", key).add("c");
    }
    // One activation per key, wherever the call came in; the keys spread over the members.
    expect(Cart.activations).toBe(keys.length);
    const owners = await Promise.all(keys.map((key) => viaA.entity(Cart, key).whoami()));
    expect(owners.map((owner) => owner.key)).toEqual(keys);
    expect(new Set(owners.map((owner) => owner.node)).size).toBe(3);
    // The owner the client reaches is the one an in-cluster ref reaches.
    for (const key of keys.slice(0, 5)) expect((await viaC.entity(Cart, key).whoami()).node).toBe((await nodes[1]!.entity(Cart, key).whoami()).node);

    const cart = viaA.entity(Cart, "cart-0");
    expect([cart.$name, cart.$id]).toEqual([undefined, "cart/cart-0"]);
    await cart.$tell.add("told");
    await until(async () => (await cart.add("x")).includes("told"), "the tell to land");
    const items: string[] = [];
    for await (const item of cart.list()) items.push(item);
    expect(items).toEqual(["a", "c", "told", "x"]);
    expect(await cart.$ask("add", ["by-type"])).toEqual(["a", "c", "told", "x", "by-type"]);
    await expect(cart.boom()).rejects.toMatchObject({ code: "HANDLER_ERROR", errorName: "TypeError", message: "boom on purpose" });
    await expect(viaA.entity<Cart>("nobody", "k").add("x")).rejects.toMatchObject({ code: "ACTOR_NOT_FOUND" });
  });

  test("a gateway that does not host the kind sends calls to the owners; keys may hold any character", async () => {
    const nodes = await cartCluster(3, 2);
    const viaOutsider = await client(nodes[2]!.addr as string);
    for (const key of ["user/42", "a b", "ünïcødé 🛒", "what?", "q?policy=random&node=x", "#hash", "%41"]) {
      const cart = viaOutsider.entity(Cart, key);
      expect(await cart.add("one")).toEqual(["one"]);
      const where = await cart.whoami();
      expect(where.key).toBe(key);
      expect(where.node).not.toBe(nodes[2]!.nodeId);
      // The same activation as an in-cluster ref's.
      expect(await nodes[0]!.entity(Cart, key).add("two")).toEqual(["one", "two"]);
    }
  });

  test("a bad kind or key throws INVALID_NAME at once, by the rules the nodes apply", async () => {
    const nodes = await cartCluster(1);
    const c = await client(nodes[0]!.addr as string);
    for (const [kind, key] of [["no/slash", "k"], ["", "k"], ["..", "k"], ["k".repeat(65), "k"], ["cart", ""], ["cart", "k".repeat(257)], ["cart", "tab\there"]]) {
      expect(() => c.entity(kind as string, key as string)).toThrow(expect.objectContaining({ code: "INVALID_NAME" }));
    }
  });

  test("the client writes entity addresses as src/entity does, and refuses what it refuses", () => {
    const kinds = ["cart", "Cart_2", "a.b-c", ".", "...", ".x", "", "a/b", "a b", "#", "k".repeat(64), "k".repeat(65), "é"];
    const keys = ["k", "user/42", "a?b", "", " ", "\u0000", "x\u007f", "\u001f", "é🛒", "k".repeat(256), "k".repeat(257)];
    for (const kind of kinds) {
      for (const key of keys) {
        let expected: string | undefined;
        try {
          expected = entityTarget(checkKind(kind), checkKey(key));
        } catch {
          expected = undefined;
        }
        let written: string | undefined;
        try {
          written = entityAddress(kind, key);
        } catch (error) {
          expect((error as { code: string }).code).toBe("INVALID_NAME");
          written = undefined;
        }
        expect([kind, key, written]).toEqual([kind, key, expected]);
      }
    }
  });

  test("when its gateway goes, entity calls go on through the next one", async () => {
    const nodes = await cartCluster(3);
    const [a, b] = nodes as [ActorSystem, ActorSystem, ActorSystem];
    // A key that a survives with: its owner is not the gateway that goes.
    const keys = Array.from({ length: 20 }, (_, i) => `k-${i}`);
    const owners = await Promise.all(keys.map(async (key) => (await b.entity(Cart, key).whoami()).node));
    const key = keys[owners.findIndex((owner) => owner !== a.nodeId)] as string;
    const c = await client([a.addr as string, b.addr as string]);
    const cart = c.entity(Cart, key);
    expect(await cart.add("before")).toEqual(["before"]);
    await a.shutdown();
    await until(async () => {
      try {
        return (await cart.add("after")).at(-1) === "after";
      } catch (error) {
        expect((error as { code: string }).code).toBe("NODE_UNREACHABLE");
        return false;
      }
    }, "calls to go through the next gateway");
    expect(c.gateway).toBe(b.addr);
    expect((await cart.list().next()).value).toBe("before");
  });
});
