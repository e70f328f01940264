import { describe, expect, test } from "bun:test";
import { decode, encode } from "@msgpack/msgpack";
import * as v from "valibot";
import { z } from "zod";
import { Actor, type ActorError, type ActorSchemas, type ActorSystem } from "pulsing";
import { memoryLogger, startNode, until } from "../helpers.ts";

/** The counter of the report: `inc` took any payload from outside and `n += "x"` made it a string. */
class Counter extends Actor {
  static schemas: ActorSchemas<Counter> = {
    inc: z.tuple([z.number().int()]),
    countTo: z.tuple([z.number().int().min(0).max(100)]),
  };
  n = 0;
  inc(by: number): number {
    return (this.n += by);
  }
  async *countTo(k: number): AsyncGenerator<number> {
    for (let i = 0; i < k; i++) yield i;
  }
}

class Profiles extends Actor {
  static schemas: ActorSchemas<Profiles> = {
    save: v.tuple([v.object({ name: v.pipe(v.string(), v.minLength(1)), age: v.pipe(v.number(), v.integer(), v.minValue(0)) })]),
  };
  saved: unknown[] = [];
  save(profile: { name: string; age: number }): number {
    return this.saved.push(profile);
  }
}

interface ErrorBody {
  error: { code: string; message: string; issues?: { message: string; path?: (string | number)[] }[] };
}

async function serving(log = memoryLogger()): Promise<ActorSystem> {
  const node = await startNode({}, log);
  await node.spawn(Counter, { name: "counter" });
  await node.spawn(Profiles, { name: "profiles" });
  return node;
}

function post(node: ActorSystem, name: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://${node.addr}/actor/${name}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

async function result(response: Promise<Response>): Promise<unknown> {
  const answer = await response;
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { result: unknown }).result;
}

describe("over HTTP", () => {
  test('the report: {"msg_type":"inc","payload":["x"]} is 400 BAD_REQUEST with its issues, and the count stays a number', async () => {
    const node = await serving();
    expect(await result(post(node, "counter", { msg_type: "inc", payload: [242063] }))).toBe(242063);
    const refused = await post(node, "counter", { msg_type: "inc", payload: ["x"] });
    expect(refused.status).toBe(400);
    expect((await refused.json()) as ErrorBody).toEqual({
      error: {
        code: "BAD_REQUEST",
        message: "inc: [0]: Invalid input: expected number, received string",
        issues: [{ message: "Invalid input: expected number, received string", path: [0] }],
      },
    });
    expect(await result(post(node, "counter", { msg_type: "inc", payload: [0] }))).toBe(242063);
  });

  test("valibot: nested issues carry their paths; a valid body is answered", async () => {
    const node = await serving();
    const refused = await post(node, "profiles", { msg_type: "save", payload: [{ name: "", age: -1.5 }] });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as ErrorBody;
    expect(body.error.code).toBe("BAD_REQUEST");
    expect(body.error.issues?.map((issue) => issue.path)).toEqual([[0, "name"], [0, "age"], [0, "age"]]);
    expect(body.error.message).toStartWith("save: [0].name: ");
    expect(await result(post(node, "profiles", { msg_type: "save", payload: [{ name: "ada", age: 36 }] }))).toBe(1);
  });

  test("a refused tell is 400, not 202, and never reaches the handler", async () => {
    const node = await serving();
    const refused = await post(node, "counter", { msg_type: "inc", payload: ["x"] }, { "x-message-mode": "tell" });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as ErrorBody).error.issues).toEqual([{ message: "Invalid input: expected number, received string", path: [0] }]);
    const accepted = await post(node, "counter", { msg_type: "inc", payload: [4] }, { "x-message-mode": "tell" });
    expect(accepted.status).toBe(202);
    await until(async () => (await result(post(node, "counter", { msg_type: "inc", payload: [0] }))) === 4, "the accepted tell to land");
  });

  test("msgpack bodies are checked too, and the issues come back in msgpack", async () => {
    const node = await serving();
    const refused = await fetch(`http://${node.addr}/actor/counter`, { method: "POST", headers: { "content-type": "application/msgpack" }, body: encode({ msg_type: "inc", payload: [true] }) });
    expect(refused.status).toBe(400);
    const body = decode(new Uint8Array(await refused.arrayBuffer())) as ErrorBody;
    expect(body.error.code).toBe("BAD_REQUEST");
    expect(body.error.issues?.[0]?.path).toEqual([0]);
  });

  test("a stream's arguments are checked before it starts", async () => {
    const node = await serving();
    const refused = await post(node, "counter", { msg_type: "countTo", payload: [1e9] });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as ErrorBody).error.code).toBe("BAD_REQUEST");
    const lines = (await (await post(node, "counter", { msg_type: "countTo", payload: [2] })).text()).trim().split("\n");
    expect(lines.map((line) => JSON.parse(line))).toEqual([{ item: 0 }, { item: 1 }, { end: true }]);
  });
});

describe("over a link", () => {
  test("a remote ref's call with a wrong argument is refused with BAD_REQUEST; a right one passes", async () => {
    const node = await serving();
    const client = await startNode();
    const counter = client.remote<Counter>(node.addr as string, "counter");
    const error = (await counter.inc("x" as unknown as number).catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("inc: [0]: Invalid input: expected number, received string");
    // The issues travel in the link's FAIL, as in an HTTP error body.
    expect(error.issues).toEqual([{ message: "Invalid input: expected number, received string", path: [0] }]);
    expect((await counter.$ask("inc", [1, 2]).catch((e: ActorError) => e.code)) as string).toBe("BAD_REQUEST");
    expect(await counter.inc(7)).toBe(7);
    const profiles = client.remote<Profiles>(node.addr as string, "profiles");
    expect((await profiles.save({ name: "", age: 1 }).catch((e: ActorError) => e.code)) as string).toBe("BAD_REQUEST");
  });

  test("a refused tell is a dead letter on the serving node, with the issues as its reason", async () => {
    const log = memoryLogger();
    const node = await serving(log);
    const client = await startNode();
    const counter = client.remote<Counter>(node.addr as string, "counter");
    await counter.$tell.inc("x" as unknown as number);
    await counter.$tell.inc(3);
    expect(await counter.inc(0)).toBe(3); // FIFO on the link: both tells were handled or refused by now
    const dead = log.lines.filter((line) => line.event === "dead letter");
    expect(dead.map((line) => line.fields?.why)).toEqual(["inc: [0]: Invalid input: expected number, received string"]);
  });

  test("a stream over a link with wrong arguments fails on its first step", async () => {
    const node = await serving();
    const client = await startNode();
    const counter = client.remote<Counter>(node.addr as string, "counter");
    const error = (await counter.countTo(-1).next().catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("BAD_REQUEST");
    expect(await Array.fromAsync(counter.countTo(3))).toEqual([0, 1, 2]);
  });
});

describe("through the gateway", () => {
  test("a call forwarded to the node that hosts the actor is checked there: 400 BAD_REQUEST with the summary and the issues", async () => {
    const host = await serving();
    const gateway = await startNode({ seeds: [host.addr as string] });
    await until(() => gateway.cluster.registry().some((entry) => entry.names.includes("counter")), "the gateway to learn of the counter");
    const refused = await post(gateway, "counter", { msg_type: "inc", payload: ["242063x"] });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as ErrorBody;
    expect([body.error.code, body.error.message]).toEqual(["BAD_REQUEST", "inc: [0]: Invalid input: expected number, received string"]);
    expect(body.error.issues).toEqual([{ message: "Invalid input: expected number, received string", path: [0] }]);
    expect(await result(post(gateway, "counter", { msg_type: "inc", payload: [1] }))).toBe(1);
  });
});
