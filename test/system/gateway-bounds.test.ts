/**
 * What a caller outside the cluster cannot make a gateway do: throw on a bad
 * option, use up a member's budget for the gateway's own calls, queue without
 * bound for a member still connecting, or keep a wait slot it gave up.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Actor } from "pulsing";
import { connect } from "pulsing/client";
import { PROTOCOL_VERSION } from "../../src/wire/index.ts";
import { cluster, registered, Where } from "../fixtures/gateway.ts";
import { killAll, startNodeProcess } from "../fixtures/processes.ts";
import { rawLink } from "../fixtures/raw-link.ts";
import { memoryLogger, startNode, until } from "../helpers.ts";

class Hangs extends Actor {
  async hang(): Promise<void> {
    await new Promise(() => {});
  }
  whoami(): string {
    return "hangs";
  }
}

function post(addr: string, name: string, msgType: string, payload: unknown[], headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`http://${addr}/actor/${name}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ msg_type: msgType, payload }), ...(signal === undefined ? {} : { signal }) });
}

async function answer(addr: string, name: string, msgType: string, payload: unknown[] = [], headers: Record<string, string> = {}): Promise<[number, unknown]> {
  const response = await post(addr, name, msgType, payload, headers);
  const body = (await response.json()) as { result?: unknown; error?: { code: string } };
  return [response.status, body.error?.code ?? body.result];
}

afterAll(() => killAll());

describe("the gateway's bounds", () => {
  test("a bad option on a client's link call fails that call with INVALID_OPTION; the frame's other calls are answered", async () => {
    const [a] = await cluster(1);
    await a!.spawn(Where, { name: "svc/here", args: ["a"] });
    const link = await rawLink(a!.addr as string, { "x-pulsing-protocol": String(PROTOCOL_VERSION), "x-pulsing-node": "client-raw" });
    link.send([0, 0, `svc/here?key=${"k".repeat(300)}`, "whoami", [], 256, 5_000], [0, 1, "svc/here?wait_ms=abc", "whoami", [], 256, 5_000], [0, 2, "svc/here", "whoami", [], 256, 5_000]);
    expect((await link.answer(0))?.slice(0, 3)).toEqual([3, 0, "INVALID_OPTION"]);
    expect((await link.answer(1))?.slice(0, 3)).toEqual([3, 1, "INVALID_OPTION"]);
    expect(await link.answer(2)).toEqual([2, 2, "a"]);
    link.ws.close();
    // The client checks its options before anything is sent.
    const client = await connect(a!.addr as string, { logger: memoryLogger() });
    try {
      expect(() => client.resolve("svc/here", { key: "k".repeat(300) })).toThrow(expect.objectContaining({ code: "INVALID_OPTION" }));
    } finally {
      await client.close();
    }
  });

  test("calls forwarded to one member are capped below its budget for the gateway: past the cap TOO_MANY_CALLS, and the gateway's own calls go on", async () => {
    const [a, b] = await cluster(2, { limits: { maxForwardedPerMember: 3 } });
    await b!.spawn(Hangs, { name: "svc/hangs" });
    await b!.spawn(Where, { name: "svc/where", args: ["b"] });
    await registered([a!, b!], "svc/hangs", 1);
    await registered([a!, b!], "svc/where", 1);
    const stop = new AbortController();
    const hanging = [1, 2, 3].map(() => post(a!.addr as string, "svc/hangs", "hang", [], {}, stop.signal).catch(() => undefined));
    await until(async () => (await answer(a!.addr as string, "svc/where", "whoami"))[1] === "TOO_MANY_CALLS", "the cap to refuse a fourth forwarded call");
    expect(await answer(a!.addr as string, "svc/where", "whoami")).toEqual([429, "TOO_MANY_CALLS"]);
    expect(await (await a!.resolve<Where>("svc/where")).whoami()).toBe("b");
    // The callers hang up: their slots are free again.
    stop.abort();
    await Promise.all(hanging);
    await until(async () => (await answer(a!.addr as string, "svc/where", "whoami"))[1] === "b", "a forwarded call to be taken again");
  });

  test("round robin keeps a rotation per name: calls to two names alternating still spread each", async () => {
    const [a, b, c] = await cluster(3);
    for (const node of [b!, c!]) {
      await node.spawn(Where, { name: "svc/x", args: [node === b ? "b" : "c"] });
      await node.spawn(Where, { name: "svc/y", args: [node === b ? "b" : "c"] });
    }
    await registered([a!, b!, c!], "svc/x", 2);
    await registered([a!, b!, c!], "svc/y", 2);
    const seen: Record<string, Set<unknown>> = { "svc/x": new Set(), "svc/y": new Set() };
    for (let i = 0; i < 8; i++) for (const name of ["svc/x", "svc/y"]) seen[name]!.add((await answer(a!.addr as string, name, "whoami"))[1]);
    expect([...seen["svc/x"]!].sort()).toEqual(["b", "c"]);
    expect([...seen["svc/y"]!].sort()).toEqual(["b", "c"]);
  });

  test("a wait whose caller hung up gives its slot back at once", async () => {
    const a = await startNode({ limits: { maxNameWaits: 2 } });
    const stop = new AbortController();
    const waits = [1, 2].map(() => post(a.addr as string, "svc/later", "whoami", [], { "x-wait-ms": "60000" }, stop.signal).catch(() => undefined));
    await until(async () => (await answer(a.addr as string, "svc/later", "whoami", [], { "x-wait-ms": "60000" }))[1] === "TOO_MANY_CALLS", "the waits to be full");
    stop.abort();
    await Promise.all(waits);
    const waiting = answer(a.addr as string, "svc/later", "whoami", [], { "x-wait-ms": "10000" });
    await Bun.sleep(100);
    await a.spawn(Where, { name: "svc/later", args: ["a"] });
    expect(await waiting).toEqual([200, "a"]);
  });

  test("options: a key alone asks for consistent hashing; consistent hashing without a key, or an empty option, is INVALID_OPTION", async () => {
    const [a, b, c] = await cluster(3);
    await b!.spawn(Where, { name: "svc/keyed", args: ["b"] });
    await c!.spawn(Where, { name: "svc/keyed", args: ["c"] });
    await registered([a!, b!, c!], "svc/keyed", 2);
    for (const key of ["k1", "k2", "k3"]) {
      const answers = new Set<unknown>();
      for (let i = 0; i < 4; i++) answers.add((await answer(a!.addr as string, "svc/keyed", "whoami", [], { "x-policy-key": key }))[1]);
      expect(answers.size).toBe(1);
    }
    expect(await answer(a!.addr as string, "svc/keyed", "whoami", [], { "x-policy": "consistent-hash" })).toEqual([400, "INVALID_OPTION"]);
    expect(await answer(a!.addr as string, "svc/keyed", "whoami", [], { "x-node": "" })).toEqual([400, "INVALID_OPTION"]);
  });

  test("forwarded calls waiting for a member's link to open are bounded in bytes: past maxOutboxBytes they fail with NODE_UNREACHABLE at once", async () => {
    const gateway = await startNode({ limits: { maxOutboxBytes: 2 * 1024 * 1024 } });
    const member = await startNodeProcess(`${import.meta.dir}/../fixtures/cluster-node.ts`, { INDEX: "1", PULSING_SEEDS: gateway.addr as string });
    await until(() => gateway.cluster.registry().some((entry) => entry.names.includes("svc/node-1")), "the gateway to learn svc/node-1");
    // The member stops answering before the gateway ever dialled it: its link stays connecting.
    member.proc.kill("SIGSTOP");
    try {
      const big = "x".repeat(700 * 1024);
      const answers = await Promise.all([1, 2, 3, 4, 5].map(async () => {
        const response = await post(gateway.addr as string, "svc/node-1", "whoami", [big], { "x-timeout-ms": "3000" });
        return [response.status, ((await response.json()) as { error?: { code: string; message: string } }).error?.message ?? ""] as const;
      }));
      const refused = answers.filter(([status, message]) => status === 502 && message.includes("bytes of forwarded messages already wait"));
      expect(refused.length).toBeGreaterThanOrEqual(2);
    } finally {
      member.proc.kill("SIGKILL");
    }
  }, 30_000);
});
