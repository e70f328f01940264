import { describe, expect, test } from "bun:test";
import { encode } from "@msgpack/msgpack";
import { Actor, ActorError, ActorSystem, type ActorSystemOptions, type Member, type MemberChange } from "pulsing";
import { memoryLogger, startNode, until } from "../helpers.ts";

const node = (options: ActorSystemOptions = {}) => startNode(options);

/** Nodes joined through the first one's address, waited for until all see all. */
async function cluster(size: number): Promise<ActorSystem[]> {
  const first = await node();
  const rest = await Promise.all(Array.from({ length: size - 1 }, () => node({ seeds: [first.addr as string] })));
  const all = [first, ...rest];
  await until(() => all.every((s) => s.cluster.members().filter((m) => m.state === "alive").length === size), "convergence");
  return all;
}

class Worker extends Actor {
  constructor(readonly label = "worker") {
    super();
  }
  whoami(): string {
    return this.label;
  }
  async *count(k: number): AsyncGenerator<number> {
    for (let i = 0; i < k; i++) yield i;
  }
}

describe("membership", () => {
  test("nodes join through a seed, even when other seeds are down or are themselves", async () => {
    const first = await node();
    const second = await node({ seeds: ["127.0.0.1:1", first.addr as string] });
    const third = await node({ seeds: [second.addr as string, "localhost:1"] });
    await until(() => [first, second, third].every((s) => s.cluster.members().filter((m) => m.state === "alive").length === 3), "three members");
    const members = third.cluster.members();
    expect(members.map((m) => m.id).sort()).toEqual([first.nodeId, second.nodeId, third.nodeId].sort());
    expect(members.every((m) => m.incarnation === 0 && m.state === "alive")).toBe(true);
  });

  test("seeds may be host names", async () => {
    const first = await node();
    const port = (first.addr as string).split(":")[1];
    const second = await node({ seeds: [`localhost:${port}`] });
    await until(() => first.cluster.members().length === 2 && second.cluster.members().length === 2, "two members");
  });

  test("GET /cluster/members serves the members as JSON", async () => {
    const [a, b] = await cluster(2);
    const members = (await (await fetch(`http://${a?.addr}/cluster/members`)).json()) as Member[];
    expect(members.map((m) => m.addr).sort()).toEqual([a?.addr as string, b?.addr as string].sort());
    expect(members.every((m) => m.state === "alive")).toBe(true);
  });

  test("shutdown leaves: the others mark the node left at once, and change events say so", async () => {
    const [a, b, c] = await cluster(3);
    const changes: MemberChange[] = [];
    (a as ActorSystem).cluster.on("change", (change) => changes.push(change));
    await (c as ActorSystem).shutdown();
    await until(() => changes.some((ch) => ch.member.id === c?.nodeId && ch.member.state === "left"), "the left event", 2_000);
    await until(() => b?.cluster.members().find((m) => m.id === c?.nodeId)?.state === "left", "b sees it left", 2_000);
    expect(changes.find((ch) => ch.member.id === c?.nodeId)?.previous).toBe("alive");
  });

  test("a standalone system has no cluster", async () => {
    const system = await ActorSystem.start({ logger: memoryLogger() });
    expect(system.cluster.enabled).toBe(false);
    expect(system.cluster.members()).toEqual([]);
    await system.shutdown();
  });
});

describe("registry and resolve", () => {
  test("a named actor on one node is resolved and called from another", async () => {
    const [a, b] = await cluster(2);
    await (a as ActorSystem).spawn(Worker, { name: "svc/worker", args: ["on a"] });
    const ref = await (b as ActorSystem).resolve<Worker>("svc/worker", { timeoutMs: 5_000 });
    expect(await ref.whoami()).toBe("on a");
    const items: number[] = [];
    for await (const i of ref.count(3)) items.push(i);
    expect(items).toEqual([0, 1, 2]);
    expect(ref.$name).toBe("svc/worker");
  });

  test("resolve waits for the name to appear, or fails with ACTOR_NOT_FOUND after its timeout", async () => {
    const [a, b] = await cluster(2);
    const missing = (await (b as ActorSystem).resolve("svc/nobody", { timeoutMs: 100 }).catch((e: unknown) => e)) as ActorError;
    expect(missing.code).toBe("ACTOR_NOT_FOUND");
    const waiting = (b as ActorSystem).resolve<Worker>("svc/late", { timeoutMs: 5_000 });
    await Bun.sleep(50);
    await (a as ActorSystem).spawn(Worker, { name: "svc/late", args: ["late"] });
    expect(await (await waiting).whoami()).toBe("late");
  });

  test("a local instance is preferred", async () => {
    const [a, b] = await cluster(2);
    await (a as ActorSystem).spawn(Worker, { name: "svc/both", args: ["a"] });
    await (b as ActorSystem).spawn(Worker, { name: "svc/both", args: ["b"] });
    await until(() => (a as ActorSystem).cluster.registry().length === 2, "both in the registry");
    const ref = await (a as ActorSystem).resolve<Worker>("svc/both");
    for (let i = 0; i < 5; i++) expect(await ref.whoami()).toBe("a");
  });

  test("several instances share the calls round robin; consistent hashing keeps a key on one", async () => {
    const [a, b, c] = await cluster(3);
    await (b as ActorSystem).spawn(Worker, { name: "svc/multi", args: ["b"] });
    await (c as ActorSystem).spawn(Worker, { name: "svc/multi", args: ["c"] });
    await until(() => (a as ActorSystem).cluster.registry().filter((r) => r.names.includes("svc/multi")).length === 2, "two instances known");
    const rr = await (a as ActorSystem).resolve<Worker>("svc/multi");
    const seen = await Promise.all(Array.from({ length: 10 }, () => rr.whoami()));
    expect(seen.filter((s) => s === "b").length).toBe(5);
    expect(seen.filter((s) => s === "c").length).toBe(5);
    const hashed = await (a as ActorSystem).resolve<Worker>("svc/multi", { policy: "consistent-hash", key: "user-42" });
    const answers = new Set(await Promise.all(Array.from({ length: 10 }, () => hashed.whoami())));
    expect(answers.size).toBe(1);
    const custom = await (a as ActorSystem).resolve<Worker>("svc/multi", { policy: (hosts) => hosts.find((h) => h.id === c?.nodeId) ?? (hosts[0] as Member) });
    expect(await custom.whoami()).toBe("c");
  });

  test("stopping an actor removes it from every registry", async () => {
    const [a, b, c] = await cluster(3);
    const worker = await (a as ActorSystem).spawn(Worker, { name: "svc/short" });
    await until(() => [b, c].every((s) => (s as ActorSystem).cluster.registry().some((r) => r.names.includes("svc/short"))), "registered everywhere");
    await (a as ActorSystem).stop(worker);
    await until(() => [b, c].every((s) => !(s as ActorSystem).cluster.registry().some((r) => r.names.includes("svc/short"))), "removed everywhere");
    expect(((await (b as ActorSystem).resolve("svc/short").catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_NOT_FOUND");
  });

  test("a ref from resolve keeps working when its instance leaves and another exists", async () => {
    const [a, b, c] = await cluster(3);
    await (b as ActorSystem).spawn(Worker, { name: "svc/ha", args: ["b"] });
    await (c as ActorSystem).spawn(Worker, { name: "svc/ha", args: ["c"] });
    await until(() => (a as ActorSystem).cluster.registry().filter((r) => r.names.includes("svc/ha")).length === 2, "two instances");
    const ref = await (a as ActorSystem).resolve<Worker>("svc/ha");
    await (b as ActorSystem).shutdown();
    await until(() => (a as ActorSystem).cluster.members().find((m) => m.id === b?.nodeId)?.state === "left", "b left");
    for (let i = 0; i < 4; i++) expect(await ref.whoami()).toBe("c");
  });

  test("a cluster ref with no instance left fails calls, streams and $ask with ACTOR_NOT_FOUND, and logs tells", async () => {
    const log = memoryLogger();
    const a = await startNode({}, log);
    const b = await node({ seeds: [a.addr as string] });
    const worker = await b.spawn(Worker, { name: "svc/gone" });
    const ref = await a.resolve<Worker>("svc/gone", { timeoutMs: 5_000 });
    expect(await ref.whoami()).toBe("worker");
    await b.stop(worker);
    await until(() => a.cluster.registry().length === 0, "the name gone");
    expect(((await ref.whoami().catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_NOT_FOUND");
    expect(((await ref.$ask("whoami").catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_NOT_FOUND");
    const streamed = await (async () => {
      for await (const _ of ref.count(3));
    })().catch((e: unknown) => e);
    expect((streamed as ActorError).code).toBe("ACTOR_NOT_FOUND");
    await ref.$tell.whoami();
    expect(log.lines.some((line) => line.event === "dead letter" && line.fields?.actor === "svc/gone")).toBe(true);
  });

  test("$ask of a stream method through a cluster ref is refused, locally too", async () => {
    const [a] = await cluster(1);
    await (a as ActorSystem).spawn(Worker, { name: "svc/streamer" });
    const ref = await (a as ActorSystem).resolve<Worker>("svc/streamer");
    expect(((await ref.$ask("count", [3]).catch((e: unknown) => e)) as ActorError).code).toBe("BAD_REQUEST");
  });

  test("a member that shuts down still answers the calls it was running", async () => {
    class Slow extends Actor {
      async slow(): Promise<string> {
        await Bun.sleep(50);
        return "finished";
      }
    }
    const [a, b] = await cluster(2);
    await (b as ActorSystem).spawn(Slow, { name: "svc/slow" });
    const ref = await (a as ActorSystem).resolve<Slow>("svc/slow", { timeoutMs: 5_000 });
    const answer = ref.slow();
    await Bun.sleep(10);
    await (b as ActorSystem).shutdown();
    expect(await answer).toBe("finished");
  });

  test("GET /actors lists local actors and the cluster registry", async () => {
    const [a, b] = await cluster(2);
    await (a as ActorSystem).spawn(Worker, { name: "svc/listed" });
    await until(() => (b as ActorSystem).cluster.registry().length === 1, "registry");
    const body = (await (await fetch(`http://${b?.addr}/actors`)).json()) as { local: unknown[]; registry: { addr: string; names: string[] }[] };
    expect(body.local).toEqual([]);
    expect(body.registry).toEqual([expect.objectContaining({ addr: a?.addr, names: ["svc/listed"] })]);
  });

  test("without a cluster, resolve is the local ref itself", async () => {
    const system = await ActorSystem.start({ logger: memoryLogger() });
    const ref = await system.spawn(Worker, { name: "solo" });
    expect(await system.resolve("solo")).toBe(ref);
    await system.shutdown();
  });
});

describe("POST /cluster/gossip", () => {
  test("bad gossip gets a 400 with a code and changes nothing", async () => {
    const [a] = await cluster(1);
    const send = (body: Uint8Array, version = "1") =>
      fetch(`http://${a?.addr}/cluster/gossip`, { method: "POST", headers: { "content-type": "application/msgpack", "x-pulsing-gossip": version }, body });
    for (const body of [new Uint8Array([0xc1]), encode({ a: 1 }), encode([9, "x"]), encode([3, "x", [[0, "id", 5, 0]]]), encode([0, 1, "x", "y"])]) {
      const response = await send(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    }
    expect((await send(encode([3, "x", []]), "2")).status).toBe(400);
    expect(a?.cluster.members().length).toBe(1);
  });
});
