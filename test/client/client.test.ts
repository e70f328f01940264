import { afterEach, describe, expect, test } from "bun:test";
import { type Client, connect } from "pulsing/client";
import { cluster, registered, Where } from "../fixtures/gateway.ts";
import { memoryLogger, until } from "../helpers.ts";

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function client(gateways: string | string[], options: Parameters<typeof connect>[1] = {}): Promise<Client> {
  const made = await connect(gateways, { logger: memoryLogger(), connectTimeoutMs: 2_000, ...options });
  clients.push(made);
  return made;
}

describe("the out-of-cluster client", () => {
  test("calls, tells and streams reach an actor on a node the gateway forwards to, with the codes of a local call", async () => {
    const [a, b] = await cluster(2);
    await b!.spawn(Where, { name: "svc/where", args: ["b"] });
    await registered([a!, b!], "svc/where", 1);
    const c = await client(a!.addr as string);
    expect(c.gateway).toBe(a!.addr);
    const where = c.resolve<Where>("svc/where");
    expect(await where.whoami()).toBe("b");
    await where.$tell.add(2);
    await until(async () => (await where.add(0)) === 2, "the tell to land");
    const items: number[] = [];
    for await (const item of where.ticks(3)) items.push(item);
    expect(items).toEqual([0, 1, 2]);
    await expect(where.boom()).rejects.toMatchObject({ code: "HANDLER_ERROR", errorName: "TypeError", message: "boom on purpose" });
    await expect(c.resolve<Where>("svc/nowhere").whoami()).rejects.toMatchObject({ code: "ACTOR_NOT_FOUND", message: 'no actor named "svc/nowhere" in the cluster' });
    // The client is not a member: no node lists it.
    expect(a!.cluster.members().length).toBe(2);
  });

  test("route hints: a pinned node, a consistent-hash key, a wait for the name", async () => {
    const [a, b, c] = await cluster(3);
    await b!.spawn(Where, { name: "svc/spread", args: ["b"] });
    await c!.spawn(Where, { name: "svc/spread", args: ["c"] });
    await registered([a!, b!, c!], "svc/spread", 2);
    const viaA = await client(a!.addr as string);
    const viaB = await client(b!.addr as string);
    expect(await viaA.resolve<Where>("svc/spread", { node: c!.nodeId }).whoami()).toBe("c");
    expect(await viaA.resolve<Where>("svc/spread", { node: b!.addr as string }).whoami()).toBe("b");
    for (const key of ["k1", "k2", "k3"]) {
      const answers = new Set<string>();
      for (const via of [viaA, viaB]) for (let i = 0; i < 3; i++) answers.add(await via.resolve<Where>("svc/spread", { policy: "consistent-hash", key }).whoami());
      expect(answers.size).toBe(1);
    }
    const late = viaA.resolve<Where>("svc/late", { timeoutMs: 10_000 }).whoami();
    await Bun.sleep(50);
    await c!.spawn(Where, { name: "svc/late", args: ["c"] });
    expect(await late).toBe("c");
  });

  test("when its gateway goes, the client fails over to the next one and calls go on", async () => {
    const [a, b, c] = await cluster(3);
    await c!.spawn(Where, { name: "svc/where", args: ["c"] });
    await registered([a!, b!, c!], "svc/where", 1);
    const made = await client([a!.addr as string, b!.addr as string]);
    const where = made.resolve<Where>("svc/where");
    expect(await where.whoami()).toBe("c");
    expect(made.gateway).toBe(a!.addr);
    await a!.shutdown();
    await until(async () => {
      try {
        return (await where.whoami()) === "c";
      } catch (error) {
        expect((error as { code: string }).code).toBe("NODE_UNREACHABLE");
        return false;
      }
    }, "calls to go through the next gateway");
    expect(made.gateway).toBe(b!.addr);
  });

  test("with no gateway reachable, connect fails with NODE_UNREACHABLE naming them", async () => {
    await expect(connect(["127.0.0.1:1", "127.0.0.1:2"], { logger: memoryLogger(), connectTimeoutMs: 500 })).rejects.toMatchObject({ code: "NODE_UNREACHABLE" });
  });

  test("a cluster with a secret takes a client that knows it, and refuses one that does not", async () => {
    const secret = "a-cluster-secret-of-some-length";
    const [a, b] = await cluster(2, { secret });
    await b!.spawn(Where, { name: "svc/where", args: ["b"] });
    await registered([a!, b!], "svc/where", 1);
    const knows = await client(a!.addr as string, { secret });
    expect(await knows.resolve<Where>("svc/where").whoami()).toBe("b");
    await expect(connect(a!.addr as string, { logger: memoryLogger(), connectTimeoutMs: 1_000 })).rejects.toMatchObject({ code: "NODE_UNREACHABLE" });
    await expect(connect(a!.addr as string, { secret: "another-secret-entirely-wrong", logger: memoryLogger(), connectTimeoutMs: 1_000 })).rejects.toMatchObject({ code: "NODE_UNREACHABLE" });
  });
});
