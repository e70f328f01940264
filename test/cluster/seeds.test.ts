import { expect, test } from "bun:test";
import { Seeds } from "../../src/system/seeds.ts";
import { memoryLogger, startNode, until } from "../helpers.ts";

test("a seed given by name is every address it resolves to, and is resolved again while the node is alone", async () => {
  const answers: string[][] = [["10.9.0.1"], ["10.9.0.1", "10.9.0.2", "fd00::3"]];
  let calls = 0;
  const changes: string[][] = [];
  const seeds = new Seeds({
    given: ["pulsing.svc:9000", "10.9.0.7:9001"],
    resolve: async (host) => {
      expect(host).toBe("pulsing.svc");
      return answers[Math.min(calls++, answers.length - 1)] as string[];
    },
    logger: memoryLogger(),
    hasPeers: () => false,
    changed: (addresses) => changes.push(addresses),
  });
  await seeds.refresh();
  await seeds.refresh();
  expect(changes).toEqual([
    ["10.9.0.1:9000", "10.9.0.7:9001"],
    ["10.9.0.1:9000", "10.9.0.2:9000", "[fd00::3]:9000", "10.9.0.7:9001"],
  ]);
  await seeds.refresh(); // the same answer: no change
  expect(changes.length).toBe(2);
});

test("a name that stops resolving keeps the addresses it had", async () => {
  let fail = false;
  const changes: string[][] = [];
  const seeds = new Seeds({
    given: ["pulsing.svc:9000"],
    resolve: async () => {
      if (fail) throw new Error("SERVFAIL");
      return ["10.9.0.1"];
    },
    logger: memoryLogger(),
    hasPeers: () => false,
    changed: (addresses) => changes.push(addresses),
  });
  await seeds.refresh();
  fail = true;
  await seeds.refresh();
  expect(seeds.addresses).toEqual(["10.9.0.1:9000"]);
  expect(changes.length).toBe(1);
});

test("a node whose seeds never answer warns, naming what it tried; /ready is 503 and /health 200", async () => {
  const log = memoryLogger();
  const node = await startNode({ seeds: ["127.0.0.1:1", "localhost:2"] }, log);
  const ready = await fetch(`http://${node.addr}/ready`);
  expect(ready.status).toBe(503);
  expect(((await ready.json()) as { reason: string }).reason).toContain("not joined");
  expect((await fetch(`http://${node.addr}/health`)).status).toBe(200);
  await until(() => log.lines.some((line) => line.event === "no seed answers"), "the warning", 10_000);
  const warning = log.lines.find((line) => line.event === "no seed answers");
  expect(String(warning?.fields?.tried)).toContain("127.0.0.1:1");
  expect(String(warning?.fields?.tried)).toContain(":2");
}, 15_000);

test("/ready is 200 at once without seeds, and once the node has joined with them", async () => {
  const first = await startNode();
  expect((await fetch(`http://${first.addr}/ready`)).status).toBe(200);
  const second = await startNode({ seeds: [first.addr as string] });
  await until(() => second.cluster.members().filter((m) => m.state === "alive").length === 2, "joined");
  expect((await fetch(`http://${second.addr}/ready`)).status).toBe(200);
});

test("a node that binds every interface and advertises an address is reached at that address", async () => {
  const first = await startNode({ addr: "0.0.0.0:0", advertise: "127.0.0.1:0", secret: "bind and advertise tests!" });
  expect(first.addr).toStartWith("127.0.0.1:");
  const second = await startNode({ addr: "0.0.0.0:0", advertise: "127.0.0.1:0", secret: "bind and advertise tests!", seeds: [first.addr as string] });
  await until(() => first.cluster.members().filter((m) => m.state === "alive").length === 2, "joined");
  expect(first.cluster.members().map((m) => m.addr).sort()).toEqual([first.addr as string, second.addr as string].sort());
  const refused = await startNode({ addr: "0.0.0.0:0" }).catch((error: unknown) => error);
  expect(String(refused)).toContain("advertised address");
});
