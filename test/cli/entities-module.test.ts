/**
 * An actors module's `entities`: the kinds `pulsing node --actors` hosts, and
 * the demo node's `counter` entities (what README's first command serves).
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { loadActorsModule, runActorsModule } from "../../src/cli/actors-module.ts";
import { defaultActors } from "../../src/cli/default-actors.ts";
import { freePort } from "../fixtures/outside.ts";
import { startNode, until } from "../helpers.ts";

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const processes: Subprocess[] = [];
afterEach(async () => {
  for (const proc of processes.splice(0)) {
    proc.kill();
    await proc.exited;
  }
});

/** A module file in a fresh directory, importing "pulsing" as a user's module does. */
async function moduleFile(text: string): Promise<string> {
  const path = `${process.env.TMPDIR ?? "/tmp"}/pulsing-entities-${crypto.randomUUID()}/actors.ts`;
  await Bun.write(path, text);
  return path;
}

const CART = `import { Entity } from "pulsing";
export class Cart extends Entity {
  static kind = "cart";
  items: string[] = [];
  add(item: string) { this.items.push(item); return { key: this.key, items: this.items }; }
}
export class Room extends Entity {
  said: string[] = [];
  say(text: string) { this.said.push(text); return this.said.length; }
}
`;

async function post(addr: string, path: string, body: unknown): Promise<{ status: number; body: { result?: unknown; error?: { code: string } } }> {
  const response = await fetch(`http://${addr}${path}`, { method: "POST", body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { result?: unknown; error?: { code: string } } };
}

describe("an actors module's entities", () => {
  test("classes and { cls, ...options } are hosted on the node that runs the module", async () => {
    const path = await moduleFile(`${CART}export default { entities: [Cart, { cls: Room, kind: "chat", passivateAfterMs: 60_000, maxActive: 10 }] };\n`);
    const module = await loadActorsModule(path);
    const node = await startNode();
    await runActorsModule(node, module);
    expect(Object.keys(node.entities()).sort()).toEqual(["cart", "chat"]);
    expect(await post(node.addr as string, "/entity/cart/c-1", { msg_type: "add", payload: ["pear"] })).toEqual({ status: 200, body: { result: { key: "c-1", items: ["pear"] } } });
    expect(await post(node.addr as string, "/entity/chat/lobby", { msg_type: "say", payload: ["hi"] })).toEqual({ status: 200, body: { result: 1 } });
    expect(node.entities().chat).toMatchObject({ active: 1, activations: 1 });
    // Hosted before setup runs: setup may call entities at once.
    const withSetup = await moduleFile(`${CART}export default { entities: [Cart], async setup(system) { await system.entity(Cart, "from-setup").add("x"); } };\n`);
    const other = await startNode();
    await runActorsModule(other, await loadActorsModule(withSetup));
    expect(other.entities().cart?.active).toBe(1);
  });

  test("entities alone is enough to run; a wrong entry is refused at load, a wrong option when the node hosts it", async () => {
    expect((await loadActorsModule(await moduleFile(`${CART}export default { entities: [Cart] };\n`))).entities).toHaveLength(1);
    for (const [entities, message] of [
      ["42", "\"entities\" must be an array"],
      ["[42]", "entities[0] must be a class that extends Entity"],
      ["[Cart, { kind: 'x' }]", "entities[1] must be a class that extends Entity"],
      ["[{ cls: class NotAnActor {} }]", "entities[0] must be a class that extends Entity"],
    ] as const) {
      const path = await moduleFile(`${CART}export default { entities: ${entities} };\n`);
      expect(loadActorsModule(path)).rejects.toThrow(message);
    }
    expect(loadActorsModule(await moduleFile(`${CART}export default { entities: [] };\n`))).rejects.toThrow('exports none of "entities", "spawnable", "spawn" and "setup"');
    const badOption = await loadActorsModule(await moduleFile(`${CART}export default { entities: [{ cls: Cart, passivateAfterMs: -1 }] };\n`));
    expect(runActorsModule(await startNode(), badOption)).rejects.toMatchObject({ code: "INVALID_OPTION" });
    const twice = await loadActorsModule(await moduleFile(`${CART}export default { entities: [Cart, Cart] };\n`));
    expect(runActorsModule(await startNode(), twice)).rejects.toMatchObject({ code: "NAME_TAKEN" });
  });

  test("the demo module hosts counter entities", async () => {
    const node = await startNode();
    await runActorsModule(node, defaultActors);
    const addr = node.addr as string;
    expect(await post(addr, "/entity/counter/alice", { msg_type: "inc", payload: [1] })).toEqual({ status: 200, body: { result: 1 } });
    expect(await post(addr, "/entity/counter/alice", { msg_type: "inc", payload: [2] })).toEqual({ status: 200, body: { result: 3 } });
    expect(await post(addr, "/entity/counter/bob", { msg_type: "get" })).toEqual({ status: 200, body: { result: 0 } });
    expect(node.entities().counter).toMatchObject({ active: 2, activations: 2 });
  });
});

describe("pulsing node, as a process", () => {
  test("the demo node (no --actors) answers POST /entity/counter/alice, and says how to call it", async () => {
    const addr = `127.0.0.1:${freePort()}`;
    const proc = Bun.spawn(["bun", MAIN, "node", "--addr", addr, "--log-level", "error"], { stdout: "pipe", stderr: "inherit", env: { ...process.env, PULSING_ACTORS: undefined } });
    processes.push(proc);
    await until(async () => (await fetch(`http://${addr}/health`).catch(() => undefined))?.ok === true, "the node process to serve", 20_000, 50);
    // What README's curl sends.
    expect(await post(addr, "/entity/counter/alice", { msg_type: "inc", payload: [1] })).toEqual({ status: 200, body: { result: 1 } });
    expect(await post(addr, "/entity/counter/alice", { msg_type: "inc", payload: [1] })).toEqual({ status: 200, body: { result: 2 } });
    const reader = proc.stdout.getReader();
    let printed = "";
    while (!printed.includes("/entity/counter/alice")) {
      const chunk = await reader.read();
      if (chunk.done) break;
      printed += new TextDecoder().decode(chunk.value);
    }
    expect(printed).toContain(`curl -s ${addr}/entity/counter/alice -d '{"msg_type":"inc","payload":[1]}'`);
  }, 30_000);
});
