/**
 * The gateway between real node processes: every node answers for every
 * actor (HTTP and the out-of-cluster client), and a node killed with SIGKILL
 * turns what was in flight through it into coded errors, never a hang.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decode, encode } from "@msgpack/msgpack";
import { connect } from "pulsing/client";
import { killAll, type NodeProcess, startNodeProcess } from "../fixtures/processes.ts";
import { memoryLogger, until } from "../helpers.ts";

const NODE = `${import.meta.dir}/../fixtures/cluster-node.ts`;

interface Worker {
  whoami(): string;
  hang(): Promise<void>;
}

/** Three node processes in one cluster, each hosting svc/node-<i>; every registry knows all three. */
async function threeNodes(): Promise<NodeProcess[]> {
  const first = await startNodeProcess(NODE, { INDEX: "0" });
  const rest = await Promise.all([1, 2].map((i) => startNodeProcess(NODE, { INDEX: String(i), PULSING_SEEDS: first.addr })));
  const nodes = [first, ...rest];
  await until(async () => {
    for (const node of nodes) {
      const actors = (await (await fetch(`http://${node.addr}/actors`)).json()) as { registry: { names: string[] }[] };
      const names = actors.registry.flatMap((entry) => entry.names);
      if (![0, 1, 2].every((i) => names.includes(`svc/node-${i}`))) return false;
    }
    return true;
  }, "every registry to know every node's actors", 20_000, 50);
  return nodes;
}

function post(gateway: NodeProcess, actor: string, msgType: string, payload: unknown[], headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://${gateway.addr}/actor/${actor}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ msg_type: msgType, payload }),
    signal: AbortSignal.timeout(20_000),
  });
}

describe("three node processes behind any gateway", () => {
  let nodes: NodeProcess[];
  beforeAll(async () => {
    nodes = await threeNodes();
  }, 30_000);
  afterAll(() => killAll());

  test("HTTP asks, tells and streams reach each actor through each node", async () => {
    for (const gateway of nodes) {
      for (let i = 0; i < 3; i++) {
        const actor = `svc/node-${i}`;
        expect(await (await post(gateway, actor, "whoami", [])).json()).toEqual({ result: `node-${i}` });
        expect((await post(gateway, actor, "hit", [], { "x-message-mode": "tell" })).status).toBe(202);
        const lines = (await (await post(gateway, actor, "count", [2])).text()).trim().split("\n");
        expect(lines.map((line) => JSON.parse(line))).toEqual([{ item: `node-${i}:0` }, { item: `node-${i}:1` }, { end: true }]);
        const packed = await fetch(`http://${gateway.addr}/actor/${actor}`, { method: "POST", headers: { "content-type": "application/msgpack" }, body: encode({ msg_type: "whoami", payload: [] }) });
        expect(decode(new Uint8Array(await packed.arrayBuffer()))).toEqual({ result: `node-${i}` });
      }
    }
    // Every gateway told every actor once.
    for (let i = 0; i < 3; i++) {
      await until(async () => ((await (await post(nodes[0]!, `svc/node-${i}`, "hitCount", [])).json()) as { result: number }).result === 3, `svc/node-${i} to count 3 tells`);
    }
  }, 30_000);

  test("a forwarded call whose hosting node is killed with SIGKILL fails with a code, and the gateway goes on", async () => {
    const [gateway, , host] = nodes as [NodeProcess, NodeProcess, NodeProcess];
    const hanging = post(gateway, "svc/node-2", "hang", []);
    await Bun.sleep(200);
    host.proc.kill("SIGKILL");
    const answer = await hanging;
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("NODE_UNREACHABLE");
    expect(await (await post(gateway, "svc/node-1", "whoami", [])).json()).toEqual({ result: "node-1" });
  }, 30_000);
});

describe("the out-of-cluster client across node processes", () => {
  afterAll(() => killAll());

  test("when its gateway is killed with SIGKILL, the client fails over to the next and calls go on", async () => {
    const [first, second] = (await threeNodes()) as [NodeProcess, NodeProcess, NodeProcess];
    const client = await connect([first.addr, second.addr], { logger: memoryLogger(), connectTimeoutMs: 2_000 });
    try {
      const worker = client.resolve<Worker>("svc/node-2");
      expect(await worker.whoami()).toBe("node-2");
      expect(client.gateway).toBe(first.addr);
      first.proc.kill("SIGKILL");
      const codes = new Set<string>();
      await until(async () => {
        try {
          return (await worker.whoami()) === "node-2";
        } catch (error) {
          codes.add((error as { code: string }).code);
          return false;
        }
      }, "calls to go through the second gateway", 15_000, 50);
      expect([...codes].every((code) => code === "NODE_UNREACHABLE")).toBe(true);
      expect(client.gateway).toBe(second.addr);
    } finally {
      await client.close();
    }
  }, 40_000);
});
