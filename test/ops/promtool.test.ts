import { expect, test } from "bun:test";
import { Actor, Entity } from "pulsing";
import { startNode, until } from "../helpers.ts";
import { promtool } from "./promtool-run.ts";
import { metricsText, scrape } from "./scrape.ts";

class Worker extends Actor {
  n = 0;
  inc(by: number): number {
    return (this.n += by);
  }
  boom(): never {
    throw new Error("boom");
  }
  async slow(ms: number): Promise<void> {
    await Bun.sleep(ms);
  }
  async *count(k: number): AsyncGenerator<number> {
    for (let i = 0; i < k; i++) yield i;
  }
}

class Cart extends Entity {
  items = 0;
  add(n: number): number {
    return (this.items += n);
  }
}

/**
 * Prometheus' own checker on the `/metrics` of a busy node: every family
 * with HELP and TYPE, valid names, counters ending in `_total`, units in the
 * names, histograms whole. Without promtool this fails (promtool-run.ts).
 */

test("promtool check metrics passes on the /metrics of a busy node", async () => {
  const a = await startNode();
  const b = await startNode({ seeds: [a.addr as string] });
  await until(() => a.cluster.members().filter((m) => m.state === "alive").length === 2, "b to join a");
  a.host(Cart, { kind: "cart" });
  b.host(Cart, { kind: "cart" });
  await a.spawn(Worker, { name: "worker" });
  const local = await a.spawn(Worker);
  const remote = b.remote<Worker>(a.addr as string, "worker");

  // Calls both ways and locally, a stream, errors, timeouts, dead letters, entities on both nodes, HTTP.
  await Promise.all(Array.from({ length: 200 }, (_, i) => remote.inc(i)));
  for await (const _ of remote.count(50));
  for await (const _ of local.count(50));
  await expect(remote.boom()).rejects.toMatchObject({ code: "HANDLER_ERROR" });
  await expect(remote.$withTimeout(10).slow(50)).rejects.toMatchObject({ code: "TIMEOUT" });
  await expect(local.$withTimeout(10).slow(50)).rejects.toMatchObject({ code: "TIMEOUT" });
  await remote.$tell.inc(1);
  await b.remote<Worker>(a.addr as string, "nobody").$tell.inc(1);
  for (let i = 0; i < 40; i++) await a.entity(Cart, `cart-${i}`).add(1);
  for (let i = 0; i < 40; i++) await b.entity(Cart, `cart-${i}`).add(1);
  const post = (body: unknown) => fetch(`http://${a.addr}/actor/worker`, { method: "POST", body: JSON.stringify(body) });
  expect((await post({ msg_type: "inc", payload: [1] })).status).toBe(200);
  expect((await post({ msg_type: "boom" })).status).toBe(500);
  // A queue that is deep while the scrape reads it.
  const held = local.slow(200);
  const queued = Array.from({ length: 20 }, () => local.inc(1));

  for (const node of [a, b]) {
    const text = await metricsText(node);
    const { code, output } = await promtool(["check", "metrics"], text);
    if (code !== 0) throw new Error(`promtool check metrics failed on ${node.addr}:\n${output}\n--- the scrape ---\n${text}`);
    expect(output.trim()).toBe("");
  }
  // What a busy node must show, so that the check above saw these families with samples.
  const present = async (node: typeof a, prefixes: string[]) => {
    const series = [...(await scrape(node)).keys()];
    return prefixes.filter((prefix) => !series.some((s) => s.startsWith(prefix)));
  };
  expect(
    await present(a, [
      'pulsing_errors_total{code="HANDLER_ERROR"}',
      'pulsing_handler_seconds_bucket{class="Worker"',
      `pulsing_link_calls_in_flight{peer="${b.addr}"`,
      'pulsing_actor_mailbox_depth{actor="',
      'pulsing_entity_activations_total{kind="cart"}',
      "pulsing_gossip_messages_received_total",
    ]),
  ).toEqual([]);
  expect(await present(b, [`pulsing_link_rtt_seconds_bucket{peer="${a.addr}"`, 'pulsing_timeouts_total{where="link"}'])).toEqual([]);
  await Promise.all([held, ...queued]);
}, 20_000);
