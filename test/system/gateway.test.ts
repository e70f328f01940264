import { describe, expect, test } from "bun:test";
import { decode, encode } from "@msgpack/msgpack";
import { Actor, type ActorSystem } from "pulsing";
import { cluster, registered, Where } from "../fixtures/gateway.ts";
import { startNode, startSystem, until } from "../helpers.ts";

function post(node: ActorSystem, name: string, msgType: string, payload: unknown[], headers: Record<string, string> = {}, query = ""): Promise<Response> {
  return fetch(`http://${node.addr}/actor/${name}${query}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ msg_type: msgType, payload }),
  });
}

async function ask(node: ActorSystem, name: string, msgType: string, payload: unknown[] = [], headers: Record<string, string> = {}, query = ""): Promise<{ status: number; body: { result?: unknown; error?: { code: string; message: string } } }> {
  const response = await post(node, name, msgType, payload, headers, query);
  return { status: response.status, body: (await response.json()) as { result?: unknown; error?: { code: string; message: string } } };
}

describe("the gateway: any node answers for an actor on any node", () => {
  test("asks, tells and both stream framings reach an actor on another node, with the codes of a local call", async () => {
    const [a, b] = await cluster(2);
    await b!.spawn(Where, { name: "svc/where", args: ["b"] });
    await registered([a!, b!], "svc/where", 1);

    expect(await ask(a!, "svc/where", "whoami")).toEqual({ status: 200, body: { result: "b" } });
    expect(await ask(a!, "svc/where", "nothing")).toEqual({ status: 200, body: { result: null } });
    const told = await post(a!, "svc/where", "add", [5], { "x-message-mode": "tell" });
    expect(told.status).toBe(202);
    await until(async () => (await ask(a!, "svc/where", "add", [0])).body.result === 5, "the tell to land");

    const unknown = await ask(a!, "svc/where", "nope");
    expect([unknown.status, unknown.body.error?.code]).toEqual([400, "UNKNOWN_MESSAGE"]);
    const failed = await ask(a!, "svc/where", "boom");
    expect([failed.status, failed.body.error?.code, failed.body.error?.message]).toEqual([500, "HANDLER_ERROR", "boom on purpose"]);

    const ndjson = await post(a!, "svc/where", "ticks", [3]);
    expect(ndjson.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await ndjson.text()).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { end: true }]);

    const packed = await fetch(`http://${a!.addr}/actor/svc/where`, { method: "POST", headers: { "content-type": "application/msgpack" }, body: encode({ msg_type: "ticks", payload: [2] }) });
    const bytes = new Uint8Array(await packed.arrayBuffer());
    const records: unknown[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 0; at < bytes.byteLength; at += 4 + view.getUint32(at)) records.push(decode(bytes.subarray(at + 4, at + 4 + view.getUint32(at))));
    expect(records).toEqual([{ item: 0 }, { item: 1 }, { end: true }]);
  });

  test("a stream that fails before its first item answers with its error's status, here and forwarded", async () => {
    const [a, b] = await cluster(2);
    await b!.spawn(Where, { name: "svc/broken", args: ["b"] });
    await registered([a!, b!], "svc/broken", 1);
    for (const node of [a!, b!]) {
      const answer = await ask(node, "svc/broken", "broken");
      expect([answer.status, answer.body.error?.code]).toEqual([400, "INVALID_OPTION"]);
    }
  });

  test("404 ACTOR_NOT_FOUND only when no node has the name, and it says so", async () => {
    const [a] = await cluster(2);
    const missing = await ask(a!, "svc/nowhere", "whoami");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toEqual({ code: "ACTOR_NOT_FOUND", message: 'no actor named "svc/nowhere" in the cluster' });
  });

  test("round robin spreads over the hosts; a consistent-hash key lands on one instance through every node", async () => {
    const [a, b, c] = await cluster(3);
    await b!.spawn(Where, { name: "svc/spread", args: ["b"] });
    await c!.spawn(Where, { name: "svc/spread", args: ["c"] });
    await registered([a!, b!, c!], "svc/spread", 2);

    const seen = new Set<unknown>();
    for (let i = 0; i < 6; i++) seen.add((await ask(a!, "svc/spread", "whoami")).body.result);
    expect([...seen].sort()).toEqual(["b", "c"]);

    for (const key of ["user-1", "user-2", "user-3", "user-4"]) {
      const answers = new Set<unknown>();
      for (const node of [a!, b!, c!]) {
        for (let i = 0; i < 3; i++) answers.add((await ask(node, "svc/spread", "whoami", [], { "x-policy": "consistent-hash", "x-policy-key": key })).body.result);
        answers.add((await ask(node, "svc/spread", "whoami", [], {}, `?policy=consistent-hash&key=${key}`)).body.result);
      }
      expect(answers.size).toBe(1);
    }

    const bad = await ask(a!, "svc/spread", "whoami", [], { "x-policy": "fastest" });
    expect([bad.status, bad.body.error?.code]).toEqual([400, "INVALID_OPTION"]);
  });

  test("a pinned node, by id or address, is where the call goes", async () => {
    const [a, b, c] = await cluster(3);
    await b!.spawn(Where, { name: "svc/pinned", args: ["b"] });
    await c!.spawn(Where, { name: "svc/pinned", args: ["c"] });
    await registered([a!, b!, c!], "svc/pinned", 2);
    for (let i = 0; i < 3; i++) {
      expect((await ask(a!, "svc/pinned", "whoami", [], { "x-node": c!.nodeId })).body.result).toBe("c");
      expect((await ask(a!, "svc/pinned", "whoami", [], {}, `?node=${b!.addr}`)).body.result).toBe("b");
      expect((await ask(b!, "svc/pinned", "whoami", [], { "x-node": b!.addr as string })).body.result).toBe("b");
    }
    const nowhere = await ask(a!, "svc/pinned", "whoami", [], { "x-node": a!.nodeId });
    expect([nowhere.status, nowhere.body.error?.code]).toEqual([404, "ACTOR_NOT_FOUND"]);
    const stranger = await ask(a!, "svc/pinned", "whoami", [], { "x-node": "127.0.0.1:1" });
    expect([stranger.status, stranger.body.error?.code]).toEqual([502, "NODE_UNREACHABLE"]);
  });

  test("a call may wait for its name to appear anywhere in the cluster, up to the wait it names", async () => {
    const [a, b] = await cluster(2);
    const waiting = ask(a!, "svc/late", "whoami", [], { "x-wait-ms": "10000" });
    await Bun.sleep(50);
    await b!.spawn(Where, { name: "svc/late", args: ["b"] });
    expect(await waiting).toEqual({ status: 200, body: { result: "b" } });

    const gaveUp = await ask(a!, "svc/never", "whoami", [], {}, "?wait_ms=50");
    expect([gaveUp.status, gaveUp.body.error?.code]).toEqual([404, "ACTOR_NOT_FOUND"]);
    const bad = await ask(a!, "svc/never", "whoami", [], { "x-wait-ms": "soon" });
    expect([bad.status, bad.body.error?.code]).toEqual([400, "INVALID_OPTION"]);
  });

  test("calls waiting for names are bounded: past the limit they are refused with TOO_MANY_CALLS", async () => {
    const a = await startNode({ limits: { maxNameWaits: 2 } });
    const waits = [ask(a, "svc/later", "whoami", [], { "x-wait-ms": "5000" }), ask(a, "svc/later", "whoami", [], { "x-wait-ms": "5000" })];
    await Bun.sleep(50);
    const refused = await ask(a, "svc/later", "whoami", [], { "x-wait-ms": "5000" });
    expect([refused.status, refused.body.error?.code]).toEqual([429, "TOO_MANY_CALLS"]);
    await a.spawn(Where, { name: "svc/later", args: ["a"] });
    expect((await Promise.all(waits)).map((answer) => answer.body.result)).toEqual(["a", "a"]);
  });

  test("links between members are served from local actors only (a forwarded call is never forwarded again); a link from outside is a gateway", async () => {
    const [a, b, c] = await cluster(3);
    await c!.spawn(Where, { name: "svc/far", args: ["c"] });
    await registered([a!, b!, c!], "svc/far", 1);
    // a is a member: b answers its link calls from its own actors, so no call can bounce between members.
    await expect(a!.remote<Where>(b!.addr as string, "svc/far").whoami()).rejects.toMatchObject({ code: "ACTOR_NOT_FOUND", message: 'no actor named "svc/far" on this node' });
    // A system that serves nothing is a client: b forwards its calls.
    const { system: outside } = await startSystem();
    expect(await outside.remote<Where>(b!.addr as string, "svc/far").whoami()).toBe("c");
  });

  test("route options are checked: an over-long hint is INVALID_OPTION, so is an unknown mode", async () => {
    const [a] = await cluster(1);
    await a!.spawn(Where, { name: "svc/here", args: ["a"] });
    const long = await ask(a!, "svc/here", "whoami", [], { "x-policy-key": "k".repeat(300) });
    expect([long.status, long.body.error?.code]).toEqual([400, "INVALID_OPTION"]);
    const mode = await ask(a!, "svc/here", "whoami", [], { "x-message-mode": "broadcast" });
    expect([mode.status, mode.body.error?.code]).toEqual([400, "INVALID_OPTION"]);
    expect((await ask(a!, "svc/here", "whoami", [], {}, "?mode=ask&timeout_ms=1000")).body.result).toBe("a");
  });

  test("a forwarded call whose node goes away fails with a code, it does not hang", async () => {
    const [a, b] = await cluster(2);
    class Hangs extends Actor {
      async hang(): Promise<void> {
        await new Promise(() => {});
      }
    }
    await b!.spawn(Hangs, { name: "svc/hangs" });
    await registered([a!, b!], "svc/hangs", 1);
    const pending = ask(a!, "svc/hangs", "hang");
    await Bun.sleep(100);
    await b!.shutdown();
    const answer = await pending;
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect(["NODE_UNREACHABLE", "ACTOR_STOPPED", "SHUTTING_DOWN"]).toContain(answer.body.error?.code as string);
  });
});
