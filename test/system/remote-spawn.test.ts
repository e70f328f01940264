import { afterAll, describe, expect, test } from "bun:test";
import { z } from "zod";
import { Actor, ActorError, type ActorSystem, type Spawner, SPAWNER_NAME, type StandardSchemaV1 } from "pulsing";
import { connect } from "pulsing/client";
import { freePort } from "../fixtures/outside.ts";
import { memoryLogger, startNode, startSystem, until } from "../helpers.ts";

/** What remote spawns make: knows where it runs and what it was given. */
class Counter extends Actor {
  n: number;
  constructor(start = 0) {
    super();
    this.n = start;
  }
  inc(by = 1): number {
    return (this.n += by);
  }
  node(): string {
    return (this.system as ActorSystem).nodeId;
  }
}

/** A class no node allows. */
class Secret extends Actor {
  read(): string {
    return "secret";
  }
}

/** Checks its constructor's arguments when spawned from the network; its schema's output is what it gets. */
class Account extends Actor {
  static argsSchema: StandardSchemaV1<unknown, [string, number]> = z.tuple([z.string().min(1), z.coerce.number().int().nonnegative()]);
  constructor(
    readonly owner: string,
    readonly balance: number,
  ) {
    super();
  }
  show(): [string, number] {
    return [this.owner, this.balance];
  }
}

class Broken extends Actor {
  constructor() {
    super();
    throw new RangeError("cannot start");
  }
}

/** Nodes joined into one cluster: each sees every other as alive. */
async function cluster(size: number, options: Parameters<typeof startNode>[0] = {}): Promise<ActorSystem[]> {
  const first = await startNode(options);
  const nodes = [first];
  for (let i = 1; i < size; i++) nodes.push(await startNode({ ...options, seeds: [first.addr as string] }));
  await until(() => nodes.every((node) => node.cluster.members().filter((m) => m.state === "alive").length === size), "the cluster to form");
  return nodes;
}

/** Waits until every node knows which members allow `className` (their registry's system/spawnable/<Class>). */
async function published(nodes: ActorSystem[], className: string, hosts: ActorSystem[]): Promise<void> {
  const expected = hosts.map((host) => host.nodeId).sort();
  await until(
    () => nodes.every((node) => JSON.stringify(node.cluster.registry().filter((e) => e.names.includes(`system/spawnable/${className}`)).map((e) => e.node).sort()) === JSON.stringify(expected)),
    `${className} published by ${expected.length} members`,
  );
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as ActorError).code;
  }
  return "resolved";
}

function post(node: ActorSystem, name: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://${node.addr}/actor/${name}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

async function call(node: ActorSystem, name: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: { result?: unknown; error?: { code: string; message: string; issues?: unknown[] } } }> {
  const response = await post(node, name, body, headers);
  return { status: response.status, body: (await response.json()) as { result?: unknown; error?: { code: string; message: string; issues?: unknown[] } } };
}

describe("remote spawn: allowed", () => {
  test("spawnOn a node pinned by id and by address returns a working typed ref to the actor there", async () => {
    const [a, b] = await cluster(2);
    b!.allowSpawn(Counter);

    const byId = await a!.spawnOn(b!.nodeId, Counter, { name: "c/by-id", args: [5] });
    expect(await byId.inc(2)).toBe(7);
    expect(await byId.node()).toBe(b!.nodeId);
    expect(byId.$id).toBe(`c/by-id@${b!.addr}`);
    expect(b!.actors().map((actor) => actor.name)).toEqual(["c/by-id"]);

    const byAddr = await a!.spawnOn<Counter>(b!.addr as string, "Counter", { name: "c/by-addr" });
    expect(await byAddr.inc()).toBe(1);
    expect(await (await a!.resolve<Counter>("c/by-addr", { timeoutMs: 5_000 })).node()).toBe(b!.nodeId);
  });

  test("without a name the node names the actor spawned/<Class>/<uuid>, so that it is reachable over links", async () => {
    const [a, b] = await cluster(2);
    b!.allowSpawn(Counter);
    const ref = await a!.spawnOn(b!.nodeId, Counter, { args: [1] });
    expect(ref.$name).toMatch(/^spawned\/Counter\/[0-9a-f-]{36}$/);
    expect(await ref.inc()).toBe(2);
  });

  test("on this node (its id or address), spawnOn checks what the spawner checks and returns the local ref", async () => {
    const { system } = await startSystem();
    expect(await codeOf(system.spawnOn(system.nodeId, Counter))).toBe("SPAWN_NOT_ALLOWED");
    system.allowSpawn(Counter);
    const ref = await system.spawnOn(system.nodeId, Counter, { name: "here", args: [3] });
    expect(ref).toBe((await system.resolve<Counter>("here")) as never);
    expect(await ref.inc()).toBe(4);
    // Without a cluster, random and least-actors can only mean this node.
    expect(await (await system.spawnOn("random", Counter)).inc()).toBe(1);

    const node = await startNode();
    node.allowSpawn(Counter);
    const local = await node.spawnOn(node.addr as string, Counter, { name: "here" });
    expect(local.$id).not.toContain("@");
  });

  test("random places only on members that allow the class", async () => {
    const [a, b, c] = await cluster(3);
    b!.allowSpawn(Counter);
    c!.allowSpawn(Counter);
    await published([a!, b!, c!], "Counter", [b!, c!]);
    const places = new Set<string>();
    for (let i = 0; i < 20; i++) places.add(await (await a!.spawnOn("random", Counter)).node());
    expect([...places].sort()).toEqual([b!.nodeId, c!.nodeId].sort());
  });

  test("least-actors places on the allowing member with the fewest named actors, and a burst spreads before gossip catches up", async () => {
    const [a, b, c] = await cluster(3);
    b!.allowSpawn(Counter);
    c!.allowSpawn(Counter);
    await a!.spawn(Counter, { name: "a/0" }); // a has fewest, but does not allow Counter
    for (let i = 0; i < 3; i++) await b!.spawn(Counter, { name: `b/${i}` });
    await published([a!], "Counter", [b!, c!]);
    await until(() => a!.cluster.registry().find((e) => e.node === b!.nodeId)?.names.length === 4, "b's names (and its marker) at a");

    const placed: string[] = [];
    for (let i = 0; i < 9; i++) placed.push(await (await a!.spawnOn("least-actors", Counter)).node());
    // c (none) until it has as many as b (3), then they share: a's count of what it placed fills in for gossip.
    expect(placed.slice(0, 3)).toEqual([c!.nodeId, c!.nodeId, c!.nodeId]);
    expect(placed.slice(3).filter((node) => node === b!.nodeId).length).toBeGreaterThanOrEqual(2);
    expect(placed).not.toContain(a!.nodeId);
  });

  test("constructor arguments are checked against the class's argsSchema, whose output the constructor gets", async () => {
    const [a, b] = await cluster(2);
    b!.allowSpawn(Account);
    const account = await a!.spawnOn(b!.nodeId, Account, { name: "acct", args: ["ada", 10] });
    expect(await account.show()).toEqual(["ada", 10]);

    // Over HTTP a string becomes a number through the schema (z.coerce), as a method's schema output does.
    const coerced = await call(b!, SPAWNER_NAME, { msg_type: "spawn", payload: ["Account", { name: "acct2", args: ["bob", "7"] }] });
    expect(coerced.status).toBe(200);
    expect((await call(b!, "acct2", { msg_type: "show" })).body.result).toEqual(["bob", 7]);

    const refused = await a!.spawnOn(b!.nodeId, Account, { name: "acct3", args: ["", -1] }).catch((error: ActorError) => error);
    expect(refused).toBeInstanceOf(ActorError);
    expect((refused as ActorError).code).toBe("BAD_REQUEST");
    expect((refused as ActorError).message).toStartWith("new Account: ");
    const overHttp = await call(b!, SPAWNER_NAME, { msg_type: "spawn", payload: ["Account", { args: ["x"] }] });
    expect([overHttp.status, overHttp.body.error?.code]).toEqual([400, "BAD_REQUEST"]);
    expect(overHttp.body.error?.issues?.length).toBeGreaterThan(0);
    expect(b!.actors().map((actor) => actor.name).sort()).toEqual(["acct", "acct2"]);
  });

  test("the out-of-cluster client spawns through a gateway's spawner, pinned with node", async () => {
    const [a, b] = await cluster(2);
    b!.allowSpawn(Counter);
    const client = await connect([a!.addr as string]);
    try {
      const spawner = client.resolve<Spawner>(SPAWNER_NAME, { node: b!.nodeId });
      const at = await spawner.spawn("Counter", { name: "from-client", args: [40] });
      expect(at).toEqual({ name: "from-client", node: b!.nodeId, addr: b!.addr as string });
      expect(await client.resolve<Counter>(at.name, { node: at.node }).inc(2)).toBe(42);
      expect(await codeOf(spawner.spawn("Secret", {}))).toBe("SPAWN_NOT_ALLOWED");
    } finally {
      await client.close();
    }
  });
});

describe("remote spawn: refused", () => {
  test("a class the node does not allow: SPAWN_NOT_ALLOWED over links and 403 over HTTP, nothing spawned", async () => {
    const [a, b] = await cluster(2);
    b!.allowSpawn(Counter);
    const refused = (await a!.spawnOn(b!.nodeId, Secret).catch((error: unknown) => error)) as ActorError;
    expect(refused.code).toBe("SPAWN_NOT_ALLOWED");
    expect(refused.message).toContain('"Secret"');
    expect(refused.message).toContain("Counter");
    expect(await codeOf(a!.spawnOn(a!.nodeId, Counter))).toBe("SPAWN_NOT_ALLOWED"); // a allows nothing

    const http = await call(a!, SPAWNER_NAME, { msg_type: "spawn", payload: ["Secret", { name: "s" }] }, { "x-node": b!.nodeId });
    expect([http.status, http.body.error?.code]).toEqual([403, "SPAWN_NOT_ALLOWED"]);
    // A name the node has is no way around it: the spawner knows classes by the names allowed, nothing else.
    for (const name of ["constructor", "__proto__", "toString", "Actor"]) {
      expect((await call(b!, SPAWNER_NAME, { msg_type: "spawn", payload: [name] })).body.error?.code).toBe("SPAWN_NOT_ALLOWED");
    }
    expect(b!.actors()).toEqual([]);
  });

  test("random and least-actors with no member that allows the class: SPAWN_NOT_ALLOWED", async () => {
    const [a, b] = await cluster(2);
    b!.allowSpawn(Counter);
    await published([a!, b!], "Counter", [b!]);
    expect(await codeOf(a!.spawnOn("random", Secret))).toBe("SPAWN_NOT_ALLOWED");
    expect(await codeOf(a!.spawnOn("least-actors", "Secret"))).toBe("SPAWN_NOT_ALLOWED");
  });

  test("bad requests: the shape, the name, the placement, a name taken, a constructor that throws", async () => {
    const [a, b] = await cluster(2);
    b!.allowSpawn(Counter, Broken);
    const spawn = (payload: unknown) => call(b!, SPAWNER_NAME, { msg_type: "spawn", payload });
    const codes = async (payload: unknown) => {
      const answer = await spawn(payload);
      return [answer.status, answer.body.error?.code];
    };
    expect(await codes([42])).toEqual([400, "BAD_REQUEST"]);
    expect(await codes(["Counter", "c"])).toEqual([400, "BAD_REQUEST"]);
    expect(await codes(["Counter", { args: 5 }])).toEqual([400, "BAD_REQUEST"]);
    expect(await codes(["Counter", { name: "m", mailboxCapacity: 1_000_000 }])).toEqual([400, "BAD_REQUEST"]);
    expect(await codes(["Counter", { name: "system/mine" }])).toEqual([400, "INVALID_NAME"]);
    expect(await codes(["Counter", { name: "../x" }])).toEqual([400, "INVALID_NAME"]);
    expect(await codes(["Counter", { name: 7 }])).toEqual([400, "INVALID_NAME"]);
    expect(await codes(["Broken", {}])).toEqual([500, "START_FAILED"]);
    // null fields are absent fields (msgpack sends an undefined field as nil).
    expect((await spawn(["Counter", { name: "taken", args: null }])).status).toBe(200);
    expect(await codes(["Counter", { name: "taken" }])).toEqual([409, "NAME_TAKEN"]);
    expect(await codeOf(a!.spawnOn(b!.nodeId, Counter, { name: "taken" }))).toBe("NAME_TAKEN");

    expect(await codeOf(a!.spawnOn("nobody", Counter))).toBe("NODE_UNREACHABLE");
    expect(await codeOf(a!.spawnOn("", Counter))).toBe("INVALID_OPTION");
    expect(await codeOf(a!.spawnOn(b!.nodeId, Counter, { supervision: {} } as never))).toBe("INVALID_OPTION");
  });

  test("allowSpawn refuses what cannot be spawned by name: not an actor class, an anonymous one, a different class under a taken name, a bad argsSchema", async () => {
    const { system } = await startSystem();
    const refusal = (run: () => void) => {
      try {
        run();
      } catch (error) {
        return (error as ActorError).code;
      }
      return "accepted";
    };
    expect(refusal(() => system.allowSpawn(Object as never))).toBe("INVALID_OPTION");
    expect(refusal(() => system.allowSpawn(class extends Actor {}))).toBe("INVALID_OPTION");
    const Other = { Counter: class Counter extends Actor {} }.Counter;
    system.allowSpawn(Counter, Counter);
    expect(refusal(() => system.allowSpawn(Other))).toBe("INVALID_OPTION");
    class Odd extends Actor {
      static argsSchema = { not: "a schema" };
    }
    expect(refusal(() => system.allowSpawn(Odd, Secret))).toBe("INVALID_OPTION");
    expect(await codeOf(system.spawnOn(system.nodeId, Secret))).toBe("SPAWN_NOT_ALLOWED"); // nothing of a refused call is kept
  });

  test("a node holds at most limits.maxRemoteSpawns remotely spawned actors alive; past it TOO_MANY_CALLS, counted; a stop makes room", async () => {
    const [a, b] = await cluster(2, { limits: { maxRemoteSpawns: 2 } });
    b!.allowSpawn(Counter);
    const first = await a!.spawnOn(b!.nodeId, Counter, { name: "l/1" });
    await a!.spawnOn(b!.nodeId, Counter, { name: "l/2" });
    await b!.spawn(Counter, { name: "l/local" }); // a local spawn does not count
    const refused = (await a!.spawnOn(b!.nodeId, Counter, { name: "l/3" }).catch((error: unknown) => error)) as ActorError;
    expect(refused.code).toBe("TOO_MANY_CALLS");
    expect(refused.message).toContain("maxRemoteSpawns");
    const http = await call(b!, SPAWNER_NAME, { msg_type: "spawn", payload: ["Counter", { name: "l/4" }] });
    expect([http.status, http.body.error?.code]).toEqual([429, "TOO_MANY_CALLS"]);
    const metrics = await (await fetch(`http://${b!.addr}/metrics`)).text();
    expect(metrics).toMatch(/pulsing_limit_trips_total\{[^}]*limit="remote_spawns"[^}]*\} 2/);

    await b!.stop(first.$name as string);
    // A spawn that fails (a name taken) gives its place back: the one left is still there after it.
    expect(await codeOf(a!.spawnOn(b!.nodeId, Counter, { name: "l/2" }))).toBe("NAME_TAKEN");
    expect(await (await a!.spawnOn(b!.nodeId, Counter, { name: "l/5" })).inc()).toBe(1);
    expect(await codeOf(a!.spawnOn(b!.nodeId, Counter, { name: "l/6" }))).toBe("TOO_MANY_CALLS");
  });
});

describe("the spawner over HTTP", () => {
  test("POST /actor/system/spawner spawns on the node it is sent to, or on the node x-node pins; classes lists what is allowed", async () => {
    const [a, b] = await cluster(2);
    a!.allowSpawn(Counter);
    b!.allowSpawn(Counter, Account);

    const here = await call(a!, SPAWNER_NAME, { msg_type: "spawn", payload: ["Counter", { name: "c1", args: [5] }] });
    expect(here).toEqual({ status: 200, body: { result: { name: "c1", node: a!.nodeId, addr: a!.addr as string } } });
    expect(await call(a!, "c1", { msg_type: "inc", payload: [1] })).toEqual({ status: 200, body: { result: 6 } });

    const pinned = await call(a!, SPAWNER_NAME, { msg_type: "spawn", payload: ["Counter", { name: "c2", args: [1] }] }, { "x-node": b!.addr as string });
    expect(pinned.body.result).toEqual({ name: "c2", node: b!.nodeId, addr: b!.addr as string });
    // Through the gateway, the name is reached wherever it went.
    await until(async () => (await call(a!, "c2", { msg_type: "inc" })).status === 200, "c2 through the gateway");

    expect((await call(a!, SPAWNER_NAME, { msg_type: "classes" }, { "x-node": b!.nodeId })).body.result).toEqual(["Counter", "Account"]);
  });

  test("the spawner is the runtime's own: not in actors(), GET /actors or the registry, which lists system/spawnable/<Class> instead", async () => {
    const [a, b] = await cluster(2);
    b!.allowSpawn(Counter);
    await published([a!, b!], "Counter", [b!]);
    expect(b!.actors()).toEqual([]);
    const listed = (await (await fetch(`http://${b!.addr}/actors`)).json()) as { local: unknown[]; registry: { node: string; names: string[] }[] };
    expect(listed.local).toEqual([]);
    expect(listed.registry).toEqual([expect.objectContaining({ node: b!.nodeId, names: ["system/spawnable/Counter"] })]);
    expect(await codeOf(b!.spawn(Counter, { name: SPAWNER_NAME }))).toBe("INVALID_NAME");
  });

  test("an actors module's spawnable is allowed on the node that runs it", async () => {
    const { loadActorsModule, runActorsModule } = await import("../../src/cli/actors-module.ts");
    const dir = `${process.env.TMPDIR ?? "/tmp"}/pulsing-spawnable-${crypto.randomUUID()}`;
    await Bun.write(`${dir}/actors.ts`, `import { Actor } from "pulsing";\nexport class Greeter extends Actor { hi(who: string) { return "hi " + who; } }\nexport default { spawnable: [Greeter] };\n`);
    const module = await loadActorsModule(`${dir}/actors.ts`);
    const [a, b] = await cluster(2);
    await runActorsModule(b!, module);
    const greeter = await a!.spawnOn<{ hi(who: string): string }>(b!.nodeId, "Greeter");
    expect(await greeter.hi("ada")).toBe("hi ada");

    await Bun.write(`${dir}/bad.ts`, `export default { spawnable: [42] };\n`);
    expect(loadActorsModule(`${dir}/bad.ts`)).rejects.toThrow("spawnable[0] must be a class that extends Actor");
  });
});

test("a node without an address reaches a node by its address, as remote does", async () => {
  const server = await startNode();
  server.allowSpawn(Counter);
  const { system: outsider } = await startSystem({}, memoryLogger());
  const ref = await outsider.spawnOn(server.addr as string, Counter, { name: "far", args: [9] });
  expect(await ref.inc()).toBe(10);
});

describe("through a real node process", () => {
  const processes: Bun.Subprocess[] = [];
  afterAll(async () => {
    for (const proc of processes) proc.kill();
    await Promise.all(processes.map((proc) => proc.exited));
  });

  test("`pulsing node --actors` with a module's spawnable: the node allows those classes, and refuses others, over links and HTTP", async () => {
    const dir = `${process.env.TMPDIR ?? "/tmp"}/pulsing-spawn-node-${crypto.randomUUID()}`;
    await Bun.write(`${dir}/actors.ts`, `import { Actor } from "pulsing";\nexport class Greeter extends Actor { constructor(readonly greeting = "hi") { super(); } hi(who: string) { return this.greeting + " " + who; } }\nexport default { spawnable: [Greeter] };\n`);
    const addr = `127.0.0.1:${freePort()}`;
    const proc = Bun.spawn(["bun", `${import.meta.dir}/../../src/cli/main.ts`, "node", "--addr", addr, "--actors", `${dir}/actors.ts`, "--log-level", "error"], { stdout: "ignore", stderr: "inherit" });
    processes.push(proc);
    await until(async () => (await fetch(`http://${addr}/health`).catch(() => undefined))?.ok === true, "the node process to serve", 20_000, 50);

    const here = await startNode({ seeds: [addr] });
    await until(() => here.cluster.registry().some((entry) => entry.names.includes("system/spawnable/Greeter")), "the process's spawnable class in the registry");
    const greeter = await here.spawnOn<{ hi(who: string): string }>("random", "Greeter", { args: ["hello"] });
    expect(await greeter.hi("ada")).toBe("hello ada");
    expect(greeter.$id).toEndWith(`@${addr}`);
    expect(await codeOf(here.spawnOn(addr, "Counter"))).toBe("SPAWN_NOT_ALLOWED");

    const spawned = await call({ addr } as ActorSystem, SPAWNER_NAME, { msg_type: "spawn", payload: ["Greeter", { name: "g1" }] });
    expect(spawned.body.result).toMatchObject({ name: "g1", addr });
    expect(await call({ addr } as ActorSystem, "g1", { msg_type: "hi", payload: ["bob"] })).toEqual({ status: 200, body: { result: "hi bob" } });
    const refused = await call({ addr } as ActorSystem, SPAWNER_NAME, { msg_type: "spawn", payload: ["Counter", {}] });
    expect([refused.status, refused.body.error?.code]).toEqual([403, "SPAWN_NOT_ALLOWED"]);
  }, 30_000);
});
