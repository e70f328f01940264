import { afterAll, expect, test } from "bun:test";
import { type ActorError, ActorSystem, type Member } from "pulsing";
import { killAll, type NodeProcess, startNodeProcess } from "../fixtures/processes.ts";
import { memoryLogger } from "../helpers.ts";

const NODE = new URL("../fixtures/cluster-node.ts", import.meta.url).pathname;

afterAll(killAll);

async function members(node: NodeProcess): Promise<Member[]> {
  return (await (await fetch(`http://${node.addr}/cluster/members`, { signal: AbortSignal.timeout(2_000) })).json()) as Member[];
}

async function registry(node: NodeProcess): Promise<{ addr: string; names: string[] }[]> {
  return ((await (await fetch(`http://${node.addr}/actors`, { signal: AbortSignal.timeout(2_000) })).json()) as { registry: { addr: string; names: string[] }[] }).registry;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

const stateOf = async (observer: NodeProcess, subject: NodeProcess) => (await members(observer)).find((m) => m.id === subject.node)?.state;

test(
  "five node processes: converge; kill -9 is detected everywhere; a short SIGSTOP is not; a graceful stop is seen at once",
  async () => {
    const first = await startNodeProcess(NODE, { INDEX: "0" });
    const rest = await Promise.all([1, 2, 3, 4].map((i) => startNodeProcess(NODE, { INDEX: String(i), PULSING_SEEDS: first.addr })));
    const nodes = [first, ...rest];
    await until(async () => (await Promise.all(nodes.map(members))).every((list) => list.filter((m) => m.state === "alive").length === 5), "convergence", 10_000);

    const client = await ActorSystem.start({ logger: memoryLogger(), askTimeoutMs: 60_000 });
    try {
      // -- kill -9: every survivor marks it dead, its actors vanish, calls to it fail fast.
      const victim = nodes[4] as NodeProcess;
      const survivors = nodes.slice(0, 4);
      const victimRef = client.remote<{ whoami(): string; hang(): Promise<void> }>(victim.addr, "svc/node-4");
      expect(await victimRef.whoami()).toBe("node-4");
      const inFlight = victimRef.hang().then(
        () => "answered",
        (e: ActorError) => e.code,
      );
      await Bun.sleep(20);
      victim.proc.kill(9);
      expect(await inFlight).toBe("NODE_UNREACHABLE");
      expect(((await victimRef.whoami().catch((e: unknown) => e)) as ActorError).code).toBe("NODE_UNREACHABLE");
      await until(async () => (await Promise.all(survivors.map((s) => stateOf(s, victim)))).every((state) => state === "dead"), "every survivor marks the killed node dead", 15_000);
      await until(
        async () => (await Promise.all(survivors.map(registry))).every((entries) => !entries.some((e) => e.addr === victim.addr)),
        "the killed node's actors vanish from every registry",
        5_000,
      );

      // -- SIGSTOP for 300 ms: nobody marks it dead.
      const sleeper = nodes[3] as NodeProcess;
      sleeper.proc.kill("SIGSTOP");
      await Bun.sleep(300);
      sleeper.proc.kill("SIGCONT");
      await Bun.sleep(3_000);
      const deaths = nodes.flatMap((n) => n.lines).filter((line) => line.member === sleeper.node && line.state === "dead");
      expect(deaths).toEqual([]);
      expect((await Promise.all(nodes.slice(0, 3).map((s) => stateOf(s, sleeper)))).every((state) => state === "alive")).toBe(true);

      // -- SIGTERM: a graceful shutdown, marked left at once, exit code 0.
      const leaver = nodes[2] as NodeProcess;
      leaver.proc.kill("SIGTERM");
      expect(await leaver.proc.exited).toBe(0);
      const others = [nodes[0], nodes[1], nodes[3]] as NodeProcess[];
      await until(async () => (await Promise.all(others.map((s) => stateOf(s, leaver)))).every((state) => state === "left"), "every node marks the leaver left", 3_000);
      const leftEvents = others.flatMap((n) => n.lines).filter((line) => line.member === leaver.node && line.state === "left");
      expect(leftEvents.length).toBe(3);
      // Straight from alive to left: told, not found out by failure detection.
      expect(leftEvents.every((line) => line.previous === "alive")).toBe(true);
    } finally {
      await client.shutdown();
    }
  },
  60_000,
);

test(
  "a node restarted at the same address is a new member; the old one's death does not cut calls to the new one",
  async () => {
    const first = await startNodeProcess(NODE, { INDEX: "0" });
    const old = await startNodeProcess(NODE, { INDEX: "1", PULSING_SEEDS: first.addr });
    const caller = await ActorSystem.start({ addr: "127.0.0.1:0", seeds: [first.addr], logger: memoryLogger(), askTimeoutMs: 30_000 });
    try {
      const deadline = Date.now() + 10_000;
      while (caller.cluster.members().filter((m) => m.state === "alive").length < 3 && Date.now() < deadline) await Bun.sleep(20);
      old.proc.kill(9);
      await old.proc.exited;
      const fresh = await startNodeProcess(NODE, { INDEX: "1", ADDR: old.addr, PULSING_SEEDS: first.addr });
      expect(fresh.node).not.toBe(old.node);
      // A long call to the new node, in flight while the cluster declares the old one dead.
      const answer = caller.remote<{ slow(ms: number): Promise<string> }>(fresh.addr, "svc/node-1").slow(4_000);
      while (caller.cluster.members().find((m) => m.id === old.node)?.state !== "dead" && Date.now() < deadline + 10_000) await Bun.sleep(20);
      expect(caller.cluster.members().find((m) => m.id === old.node)?.state).toBe("dead");
      expect(await answer).toBe("node-1");
      expect(caller.cluster.members().find((m) => m.id === fresh.node)?.state).toBe("alive");
    } finally {
      await caller.shutdown();
    }
  },
  60_000,
);
