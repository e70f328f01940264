import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Actor, type ActorSystem, Entity } from "pulsing";
import packageJson from "../../package.json" with { type: "json" };
import type { Io } from "../../src/cli/io.ts";
import { renderEntities } from "../../src/cli/inspect-entities.ts";
import { main } from "../../src/cli/main.ts";
import { startNode, until } from "../helpers.ts";

class Tally extends Actor {
  #n = 0;
  add(by: number): number {
    return (this.#n += by);
  }
  async *upTo(k: number): AsyncGenerator<number> {
    for (let i = 1; i <= k; i++) yield i;
  }
}

/**
 * An Io that keeps what is written. `closeAfter`: after that many writes to
 * `out`, its reader goes away (what a closed pipe is to stdio).
 */
function memoryIo(options: { terminal?: boolean; closeAfter?: number } = {}) {
  const closed = new AbortController();
  const outs: string[] = [];
  const errs: string[] = [];
  const io: Io = {
    out(text) {
      if (closed.signal.aborted) return;
      outs.push(text);
      if (options.closeAfter !== undefined && outs.length >= options.closeAfter) closed.abort();
    },
    err: (text) => errs.push(text),
    outIsTerminal: options.terminal === true,
    errIsTerminal: options.terminal === true,
    outClosed: closed.signal,
  };
  return { io, outs, out: () => outs.join(""), err: () => errs.join("") };
}

async function run(argv: string[], options: { terminal?: boolean; closeAfter?: number } = {}) {
  const io = memoryIo(options);
  const code = await main(argv, io.io);
  return { code, out: io.out(), err: io.err(), outs: io.outs };
}

/** A node in this process, with a named Tally, for the commands to talk to. */
async function node(): Promise<{ system: ActorSystem; addr: string }> {
  const system = await startNode();
  await system.spawn(Tally, { name: "t/tally" });
  return { system, addr: system.addr as string };
}

// The commands read PULSING_ENDPOINT: none from the environment these tests run in, and none left behind.
const saved = process.env.PULSING_ENDPOINT;
beforeEach(() => {
  delete process.env.PULSING_ENDPOINT;
});
afterEach(() => {
  if (saved === undefined) delete process.env.PULSING_ENDPOINT;
  else process.env.PULSING_ENDPOINT = saved;
});

describe("pulsing --version", () => {
  test("--version and version print the package version and Bun's, exit 0", async () => {
    for (const argv of [["--version"], ["version"]]) {
      const { code, out, err } = await run(argv);
      expect(code).toBe(0);
      expect(err).toBe("");
      expect(out).toBe(`pulsing ${packageJson.version} (bun ${Bun.version})\n`);
    }
    expect((await run(["--help"])).out).toContain("version   print the version");
  });
});

describe("--endpoint names the node on ask, inspect and bench", () => {
  test("ask: --endpoint, the positional HOST:PORT, and PULSING_ENDPOINT", async () => {
    const { addr } = await node();
    expect(await run(["ask", "--endpoint", addr, "t/tally", "add", "2"])).toMatchObject({ code: 0, out: "2\n", err: "" });
    expect(await run(["ask", addr, "t/tally", "add", "3"])).toMatchObject({ code: 0, out: "5\n", err: "" });
    expect(await run(["ask", "t/tally", "add", "--endpoint", addr, "--", "-1"])).toMatchObject({ code: 0, out: "4\n", err: "" });
    process.env.PULSING_ENDPOINT = addr;
    expect(await run(["ask", "t/tally", "add", "1"])).toMatchObject({ code: 0, out: "5\n", err: "" });
    // The command line wins over the variable: a positional node...
    process.env.PULSING_ENDPOINT = "127.0.0.1:1";
    expect(await run(["ask", addr, "t/tally", "add", "1"])).toMatchObject({ code: 0, out: "6\n" });
    // ...and --endpoint.
    expect(await run(["ask", "--endpoint", addr, "t/tally", "add", "1"])).toMatchObject({ code: 0, out: "7\n" });
    // A variable set to "" counts as unset.
    process.env.PULSING_ENDPOINT = "";
    expect(await run(["ask", addr, "t/tally", "add", "1"])).toMatchObject({ code: 0, out: "8\n" });
  });

  test("ask: usage mistakes about the node exit 2", async () => {
    const twice = await run(["ask", "--endpoint", "127.0.0.1:1", "127.0.0.1:2", "t/tally", "add"]);
    expect(twice.code).toBe(2);
    expect(twice.err).toContain("the node is given twice");
    const missing = await run(["ask", "--endpoint", "127.0.0.1:1", "t/tally"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("ask needs ACTOR METHOD");
    expect((await run(["ask", "127.0.0.1:1"])).code).toBe(2);
    const badFlag = await run(["ask", "--endpoint", "nowhere", "t/tally", "add"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toContain("--endpoint");
    const badPositional = await run(["ask", "host:port", "t/tally", "add"]);
    expect(badPositional.code).toBe(2);
    expect(badPositional.err).toContain("--endpoint");
  });

  test("inspect and bench: --endpoint and PULSING_ENDPOINT", async () => {
    const { addr } = await node();
    const inspect = await run(["inspect", "actors", "--endpoint", addr, "--json"]);
    expect(inspect.code).toBe(0);
    expect((JSON.parse(inspect.out) as { local: { name?: string }[] }).local.map((a) => a.name)).toContain("t/tally");
    process.env.PULSING_ENDPOINT = addr;
    expect((await run(["inspect", "members"])).out).toContain(`as seen from ${addr}`);
    const bench = await run(["bench", "--actor", "t/tally", "--method", "add", "--args", "[1]", "--concurrency", "2", "--duration", "0.2"]);
    expect(bench.code).toBe(0);
    expect(bench.out).toContain(`t/tally.add on ${addr}`);
    expect(bench.err).toBe(""); // not a terminal: no \r progress line
  }, 20_000);

  test("every command's help names --endpoint and PULSING_ENDPOINT", async () => {
    for (const command of ["ask", "inspect", "bench"]) {
      const help = await run([command, "--help"]);
      expect(help.code).toBe(0);
      expect(help.out).toMatch(/--endpoint VALUE .*\[env PULSING_ENDPOINT\]/);
    }
    expect((await run(["--help"])).out).toContain("pulsing ask --endpoint HOST:PORT ACTOR METHOD");
  });
});

describe("inspect metrics --json", () => {
  test("each sample has its labels as an object", async () => {
    const { addr } = await node();
    const { code, out } = await run(["inspect", "metrics", "--endpoint", addr, "--json"]);
    expect(code).toBe(0);
    const samples = JSON.parse(out) as { series: string; labels: Record<string, string>; value: unknown; type?: string }[];
    expect(samples.length).toBeGreaterThan(5);
    for (const sample of samples) {
      expect(typeof sample.series).toBe("string");
      expect(sample.series).not.toContain("{");
      expect(typeof sample.labels).toBe("object");
      expect(sample.value === "NaN" || sample.value === "+Inf" || sample.value === "-Inf" || typeof sample.value === "number").toBe(true);
    }
    expect(samples.find((s) => s.series === "pulsing_actors")).toMatchObject({ labels: {}, value: 1, type: "gauge" });
    expect(samples.find((s) => s.series === "pulsing_members" && s.labels.state === "alive")).toMatchObject({ value: 1, type: "gauge" });
    expect(samples.find((s) => s.series === "pulsing_node_info")?.labels.addr).toBe(addr);
  });
});

class Cart extends Entity {
  add(item: string): string {
    return item;
  }
}

describe("inspect entities", () => {
  test("asks every alive member for its kinds: a row per member and kind, totals per kind; --json too", async () => {
    const a = await startNode();
    const b = await startNode({ seeds: [a.addr as string] });
    const c = await startNode({ seeds: [a.addr as string] }); // hosts nothing
    a.host(Cart, { kind: "cart" });
    b.host(Cart, { kind: "cart" });
    b.host(Tally, { kind: "tally" });
    const nodes = [a, b, c];
    await until(() => nodes.every((node) => node.cluster.registry().filter((entry) => entry.names.includes("system/entities/cart")).length === 2), "every node to know who hosts carts");
    // By kind: c does not host carts, and the class has no static kind.
    for (let i = 0; i < 10; i++) await c.entity<Cart>("cart", `k-${i}`).add("x");
    await c.entity<Tally>("tally", "t").add(1);
    const active = (node: ActorSystem) => String(node.entities().cart?.active);

    const text = await run(["inspect", "entities", "--endpoint", c.addr as string]);
    expect(text.code).toBe(0);
    const lines = text.out.split("\n");
    expect(lines[0]).toBe(`entities on 3 alive members, as seen from ${c.addr}`);
    expect(lines[1]).toMatch(/^NODE +ADDRESS +KIND +ACTIVE +ACTIVATIONS +PASSIVATIONS +MOVES +FAILED$/);
    const row = (node: ActorSystem, kind: string) => lines.find((line) => line.startsWith(node.nodeId) && line.split(/ +/)[2] === kind)?.split(/ +/);
    expect(row(a, "cart")).toEqual([a.nodeId, a.addr as string, "cart", active(a), active(a), "0", "0", "0"]);
    expect(row(b, "cart")).toEqual([b.nodeId, b.addr as string, "cart", active(b), active(b), "0", "0", "0"]);
    expect(row(b, "tally")).toEqual([b.nodeId, b.addr as string, "tally", "1", "1", "0", "0", "0"]);
    expect(row(c, "(none)")).toEqual([c.nodeId, c.addr as string, "(none)"]);
    expect(text.out).toContain("in all:\n  cart: 10 active (10 activations, 0 passivations, 0 moves, 0 failed)\n  tally: 1 active");

    const json = await run(["inspect", "entities", "--endpoint", a.addr as string, "--json"]);
    expect(json.code).toBe(0);
    const members = JSON.parse(json.out) as { node: string; addr: string; kinds: Record<string, unknown> }[];
    expect(members.map((member) => member.node).sort()).toEqual(nodes.map((node) => node.nodeId).sort());
    expect(members.find((member) => member.node === b.nodeId)?.kinds).toEqual({
      cart: { active: b.entities().cart?.active, activations: b.entities().cart?.activations, passivations: 0, moves: 0, failedActivations: 0 },
      tally: { active: 1, activations: 1, passivations: 0, moves: 0, failedActivations: 0 },
    });
  });

  test("a member that does not answer is reported in its row; an endpoint that does not answer is NODE_UNREACHABLE", async () => {
    const text = renderEntities(
      [
        { node: "node-a", addr: "10.0.0.1:9000", kinds: { cart: { active: 2, activations: 3, passivations: 1, moves: 1, failedActivations: 0 } } },
        { node: "node-b", addr: "10.0.0.2:9000", error: "connection refused" },
      ],
      "10.0.0.1:9000",
      false,
      2,
    );
    expect(text.split("\n")).toEqual([
      "entities on 2 alive members, as seen from 10.0.0.1:9000",
      "NODE    ADDRESS        KIND           ACTIVE  ACTIVATIONS  PASSIVATIONS  MOVES  FAILED",
      "node-a  10.0.0.1:9000  cart           2       3            1             1      0",
      "node-b  10.0.0.2:9000  (unreachable)",
      "",
      "in all:",
      "  cart: 2 active (3 activations, 1 passivations, 1 moves, 0 failed)",
      "",
      "unreachable:",
      "  node-b (10.0.0.2:9000): connection refused",
    ]);
    const down = await run(["inspect", "entities", "--endpoint", "127.0.0.1:1"]);
    expect(down.code).toBe(1);
    expect(down.err).toStartWith("NODE_UNREACHABLE: 127.0.0.1:1");
  });
});

describe("inspect --watch", () => {
  test("into a pipe: each refresh printed plainly, no screen codes; stops with exit 0 when the reader goes", async () => {
    const { addr } = await node();
    const { code, outs, err } = await run(["inspect", "members", "--endpoint", addr, "--watch", "--interval-ms", "100"], { closeAfter: 3 });
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(outs).toHaveLength(3);
    expect(outs.join("")).not.toContain("\x1b");
    expect(outs[0]).toStartWith("cluster: 1 members");
    // Refreshes after the first are set apart by a blank line.
    expect(outs[1]).toStartWith("\ncluster: 1 members");
  });

  test("on a terminal: each refresh clears the screen and redraws", async () => {
    const { addr } = await node();
    const { code, outs } = await run(["inspect", "members", "--endpoint", addr, "--watch", "--interval-ms", "100"], { terminal: true, closeAfter: 2 });
    expect(code).toBe(0);
    expect(outs).toHaveLength(2);
    for (const refresh of outs) expect(refresh).toStartWith("\x1b[2J\x1b[Hcluster: 1 members");
  });

  test("--json: one JSON document per line per refresh", async () => {
    const { addr } = await node();
    const { code, outs } = await run(["inspect", "metrics", "--endpoint", addr, "--watch", "--json", "--interval-ms", "100"], { terminal: true, closeAfter: 2 });
    expect(code).toBe(0);
    for (const refresh of outs) {
      expect(refresh.indexOf("\n")).toBe(refresh.length - 1);
      expect(Array.isArray(JSON.parse(refresh))).toBe(true);
    }
  });
});

describe("a reader that goes away", () => {
  test("ask of a stream stops reading and exits 0", async () => {
    const { addr } = await node();
    const { code, outs, err } = await run(["ask", addr, "t/tally", "upTo", "100000"], { closeAfter: 2 });
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(outs).toEqual(["1\n", "2\n"]);
  });
});
