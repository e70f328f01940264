import { expect, test } from "bun:test";
import { Actor, ActorSystem, Entity } from "pulsing";
import { exposition, Histogram } from "../../src/ops/index.ts";
import { startNode, until } from "../helpers.ts";

test("the exposition format: help, type, labels escaped, histogram buckets cumulative", () => {
  const histogram = new Histogram([0.1, 1]);
  histogram.observe(0.05);
  histogram.observe(0.5);
  histogram.observe(5);
  const text = exposition([
    { name: "x_total", help: "Things.", type: "counter", samples: [{ labels: { path: 'a"b\\c' }, value: 3 }] },
    { name: "lat", help: "Latency.", type: "histogram", samples: histogram.samples({ node: "n" }) },
  ]);
  expect(text).toContain("# HELP x_total Things.\n# TYPE x_total counter\n");
  expect(text).toContain('x_total{path="a\\"b\\\\c"} 3');
  expect(text).toContain('lat_bucket{node="n",le="0.1"} 1');
  expect(text).toContain('lat_bucket{node="n",le="1"} 2');
  expect(text).toContain('lat_bucket{node="n",le="+Inf"} 3');
  expect(text).toContain('lat_count{node="n"} 3');
  expect(text).toContain('lat_sum{node="n"} 5.55');
});

test("GET /metrics counts what the node did", async () => {
  class Echo extends Actor {
    echo(x: unknown): unknown {
      return x;
    }
  }
  const a = await startNode();
  const b = await startNode({ seeds: [a.addr as string] });
  await a.spawn(Echo, { name: "echo" });
  const remote = b.remote<Echo>(a.addr as string, "echo");
  // The tell first: the asks behind it on the same link are answered only once it was handled.
  await remote.$tell.echo(1);
  for (let i = 0; i < 5; i++) await remote.echo(i);
  await fetch(`http://${a.addr}/actor/echo`, { method: "POST", body: JSON.stringify({ msg_type: "echo", payload: [1] }) });
  const value = async (system: ActorSystem, series: string) => {
    const text = await (await fetch(`http://${system.addr}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(series));
    return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(" ") + 1));
  };
  await until(() => a.cluster.members().filter((m) => m.state === "alive").length === 2, "b to join a");
  expect(await value(a, 'pulsing_messages_total{kind="ask"}')).toBe(6);
  expect(await value(a, 'pulsing_messages_total{kind="tell"}')).toBe(1);
  expect(await value(a, 'pulsing_actors')).toBe(1);
  expect(await value(a, 'pulsing_http_ask_seconds_count')).toBe(1);
  expect(await value(b, 'pulsing_link_messages_total{direction="out",kind="call"}')).toBe(5);
  expect(await value(a, 'pulsing_link_messages_total{direction="in",kind="tell"}')).toBe(1);
  expect(await value(a, 'pulsing_links_up')).toBe(1);
  expect(await value(a, 'pulsing_members{state="alive"}')).toBe(2);
  expect(await value(a, "process_resident_memory_bytes")).toBeGreaterThan(0);
  expect(await value(a, `pulsing_node_info{node="${a.nodeId}",addr="${a.addr}"}`)).toBe(1);
});

test("GET /health is 200 while serving and 503 once shutting down", async () => {
  const system = await startNode();
  expect((await fetch(`http://${system.addr}/health`)).status).toBe(200);
  class Slow extends Actor {
    override async onStop(): Promise<void> {
      await Bun.sleep(200);
    }
  }
  await system.spawn(Slow);
  const stopping = system.shutdown();
  expect((await fetch(`http://${system.addr}/health`)).status).toBe(503);
  await stopping;
});

test("GET /metrics counts entities per kind hosted here: active, activations, passivations, moves, failed activations", async () => {
  class Cart extends Entity {
    add(n: number): number {
      return n;
    }
  }
  class Room extends Cart {}
  class Broken extends Entity {
    override onActivate(): void {
      throw new Error("cannot activate");
    }
    ping(): string {
      return "pong";
    }
  }
  const samples = async (system: ActorSystem) => {
    const text = await (await fetch(`http://${system.addr}/metrics`)).text();
    return new Map(text.split("\n").filter((line) => line.startsWith("pulsing_entit")).map((line) => [line.slice(0, line.lastIndexOf(" ")), Number(line.slice(line.lastIndexOf(" ") + 1))]));
  };
  const a = await startNode();
  // Nothing hosted: the families are there, with no samples.
  expect([...(await samples(a)).keys()]).toEqual([]);
  expect(await (await fetch(`http://${a.addr}/metrics`)).text()).toContain("# TYPE pulsing_entities_active gauge");
  a.host(Cart, { kind: "cart", maxActive: 2 });
  a.host(Broken, { kind: "broken" });
  for (const key of ["k1", "k2", "k3"]) await a.entity(Cart, key).add(1); // k3 passivates k1 (maxActive 2)
  await a.entity(Cart, "k3").add(1);
  await expect(a.entity(Broken, "b").ping()).rejects.toThrow(); // the code is the entity layer's to test
  await until(async () => (await samples(a)).get('pulsing_entity_passivations_total{kind="cart"}') === 1, "the LRU passivation to count");
  expect(Object.fromEntries(await samples(a))).toEqual({
    'pulsing_entities_active{kind="cart"}': 2,
    'pulsing_entities_active{kind="broken"}': 0,
    'pulsing_entity_activations_total{kind="cart"}': 3,
    'pulsing_entity_activations_total{kind="broken"}': 1,
    'pulsing_entity_passivations_total{kind="cart"}': 1,
    'pulsing_entity_passivations_total{kind="broken"}': 0,
    'pulsing_entity_moves_total{kind="cart"}': 0,
    'pulsing_entity_moves_total{kind="broken"}': 0,
    'pulsing_entity_activation_failures_total{kind="cart"}': 0,
    'pulsing_entity_activation_failures_total{kind="broken"}': 1,
  });

  // A member that joins and hosts a kind takes some of its keys: the old owner counts them as moves.
  a.host(Room, { kind: "room" });
  for (let i = 0; i < 20; i++) await a.entity(Room, `r-${i}`).add(1);
  const b = await startNode({ seeds: [a.addr as string] });
  b.host(Room, { kind: "room" });
  await until(async () => ((await samples(a)).get('pulsing_entity_moves_total{kind="room"}') ?? 0) > 0, "keys to move to b");
  const after = await samples(a);
  // Every move is a passivation too.
  expect(after.get('pulsing_entity_passivations_total{kind="room"}')).toBeGreaterThanOrEqual(after.get('pulsing_entity_moves_total{kind="room"}') as number);
  expect(after.get('pulsing_entities_active{kind="room"}')).toBe(20 - (after.get('pulsing_entity_moves_total{kind="room"}') as number));
  // b counts the kind it hosts, not the ones a does.
  expect([...(await samples(b)).keys()].every((series) => series.includes('kind="room"'))).toBe(true);
}, 20_000);
