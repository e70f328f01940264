import { expect, test } from "bun:test";
import { Actor, ActorSystem, Entity } from "pulsing";
import { exposition, Histogram } from "../../src/ops/index.ts";
import { startNode, until } from "../helpers.ts";
import { deltas, scrape } from "./scrape.ts";

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

test("GET /metrics counts errors by code, timeouts, dead letters, handler errors, restarts and failed starts: exact deltas", async () => {
  class Flaky extends Actor {
    boom(): never {
      throw new Error("boom");
    }
    fatal(): never {
      throw new RangeError("fatal");
    }
    async slow(ms: number): Promise<void> {
      await Bun.sleep(ms);
    }
    ok(): string {
      return "ok";
    }
    override isFatal(error: unknown): boolean {
      return error instanceof RangeError;
    }
  }
  class NoStart extends Actor {
    override onStart(): void {
      throw new Error("cannot start");
    }
  }
  const a = await startNode();
  const b = await startNode();
  const flaky = await a.spawn(Flaky, { name: "flaky", supervision: { restart: "on-failure", minBackoffMs: 1, maxBackoffMs: 1 } });
  const gone = await a.spawn(Flaky);
  await a.stop(gone);
  const series = [
    'pulsing_errors_total{code="HANDLER_ERROR"}',
    'pulsing_errors_total{code="TIMEOUT"}',
    'pulsing_errors_total{code="ACTOR_STOPPED"}',
    'pulsing_errors_total{code="UNKNOWN_MESSAGE"}',
    'pulsing_errors_total{code="ACTOR_NOT_FOUND"}',
    'pulsing_errors_total{code="BAD_REQUEST"}',
    'pulsing_timeouts_total{where="actor"}',
    'pulsing_timeouts_total{where="link"}',
    "pulsing_dead_letters_total",
    'pulsing_handler_errors_total{class="Flaky"}',
    'pulsing_actor_restarts_total{class="Flaky"}',
    'pulsing_actor_start_failures_total{class="NoStart"}',
    'pulsing_messages_handled_total{class="Flaky"}',
  ];
  const before = await scrape(a);

  await expect(flaky.boom()).rejects.toMatchObject({ code: "HANDLER_ERROR" }); // handled 1, handler error 1, HANDLER_ERROR 1
  await flaky.$tell.boom(); // handled 2, handler error 2: a tell's caller gets no error
  await expect(flaky.$withTimeout(20).slow(300)).rejects.toMatchObject({ code: "TIMEOUT" }); // handled 3, TIMEOUT 1
  await expect(gone.ok()).rejects.toMatchObject({ code: "ACTOR_STOPPED" }); // ACTOR_STOPPED 1
  await gone.$tell.ok(); // dead letter 1
  await flaky.$send("nope"); // dead letter 2: no handler
  await expect(flaky.$ask("nope")).rejects.toMatchObject({ code: "UNKNOWN_MESSAGE" }); // UNKNOWN_MESSAGE 1
  // Over HTTP: an actor's error is counted once (where it was made), the route's own refusals once.
  const post = (name: string, body: unknown) => fetch(`http://${a.addr}/actor/${name}`, { method: "POST", body: JSON.stringify(body) });
  expect((await post("flaky", { msg_type: "boom" })).status).toBe(500); // handled 4, HANDLER_ERROR 2, handler error 3
  expect((await post("nobody", { msg_type: "ok" })).status).toBe(404); // ACTOR_NOT_FOUND 1
  expect((await post("flaky", { payload: 1 })).status).toBe(400); // BAD_REQUEST 1: no msg_type
  // Over a link: a call to a name the node does not have.
  await expect(b.remote<Flaky>(a.addr as string, "nobody").ok()).rejects.toMatchObject({ code: "ACTOR_NOT_FOUND" }); // ACTOR_NOT_FOUND 2
  await expect(a.spawn(NoStart)).rejects.toMatchObject({ code: "START_FAILED" }); // failed start 1
  await expect(flaky.fatal()).rejects.toMatchObject({ code: "HANDLER_ERROR" }); // handled 5, HANDLER_ERROR 3, handler error 4, restart 1
  await until(async () => (await flaky.ok()) === "ok", "flaky to restart"); // handled 6

  expect(deltas(before, await scrape(a), series)).toEqual({
    'pulsing_errors_total{code="HANDLER_ERROR"}': 3,
    'pulsing_errors_total{code="TIMEOUT"}': 1,
    'pulsing_errors_total{code="ACTOR_STOPPED"}': 1,
    'pulsing_errors_total{code="UNKNOWN_MESSAGE"}': 1,
    'pulsing_errors_total{code="ACTOR_NOT_FOUND"}': 2,
    'pulsing_errors_total{code="BAD_REQUEST"}': 1,
    'pulsing_timeouts_total{where="actor"}': 1,
    'pulsing_timeouts_total{where="link"}': 0,
    "pulsing_dead_letters_total": 2,
    'pulsing_handler_errors_total{class="Flaky"}': 4,
    'pulsing_actor_restarts_total{class="Flaky"}': 1,
    'pulsing_actor_start_failures_total{class="NoStart"}': 1,
    'pulsing_messages_handled_total{class="Flaky"}': 6,
  });

  // A call over a link that times out is the caller's node's timeout, and its error: b counts it.
  const beforeB = await scrape(b);
  await expect(b.remote<Flaky>(a.addr as string, "flaky").$withTimeout(20).slow(300)).rejects.toMatchObject({ code: "TIMEOUT" });
  // A tell over a link to a name the peer does not have is a dead letter there.
  await b.remote<Flaky>(a.addr as string, "nobody").$tell.ok();
  await until(async () => (await scrape(a)).get("pulsing_dead_letters_total") === (before.get("pulsing_dead_letters_total") ?? 0) + 3, "the peer's dead letter");
  expect(deltas(beforeB, await scrape(b), ['pulsing_timeouts_total{where="link"}', 'pulsing_errors_total{code="TIMEOUT"}', 'pulsing_timeouts_total{where="actor"}'])).toEqual({
    'pulsing_timeouts_total{where="link"}': 1,
    'pulsing_errors_total{code="TIMEOUT"}': 1,
    'pulsing_timeouts_total{where="actor"}': 0,
  });
});

test("GET /metrics: handler time per class (sampled), the deepest mailboxes, calls in flight and round trips per peer, gossip received", async () => {
  class Echo extends Actor {
    echo(x: unknown): unknown {
      return x;
    }
  }
  class Stuck extends Actor {
    async wait(ms: number): Promise<void> {
      await Bun.sleep(ms);
    }
  }
  const a = await startNode();
  const b = await startNode({ seeds: [a.addr as string] });
  await a.spawn(Echo, { name: "echo" });
  const remote = b.remote<Echo>(a.addr as string, "echo");
  for (let i = 0; i < 130; i++) await remote.echo(i);
  // 130 calls on a fresh link: ids 1..130, of which every 16th is timed (8 of them); of the
  // class's turns, one after every 64 (the 65th and the 129th).
  const bSamples = await scrape(b);
  expect(bSamples.get(`pulsing_link_rtt_seconds_count{peer="${a.addr}"}`)).toBe(8);
  expect(bSamples.get(`pulsing_link_rtt_seconds_bucket{peer="${a.addr}",le="+Inf"}`)).toBe(8);
  expect(bSamples.get(`pulsing_link_rtt_seconds_sum{peer="${a.addr}"}`)).toBeGreaterThan(0);
  const aSamples = await scrape(a);
  expect(aSamples.get('pulsing_messages_handled_total{class="Echo"}')).toBe(130);
  expect(aSamples.get('pulsing_handler_seconds_count{class="Echo"}')).toBe(2);
  expect(aSamples.get('pulsing_handler_seconds_bucket{class="Echo",le="10"}')).toBe(2);

  // Calls in flight: one held by a slow handler on a, seen from both ends; the slow actor's queue is the deepest.
  const stuck = await a.spawn(Stuck, { name: "stuck" });
  const held = b.remote<Stuck>(a.addr as string, "stuck").wait(500);
  await until(async () => (await scrape(a)).get(`pulsing_link_calls_in_flight{peer="${b.addr}",direction="in"}`) === 1, "a to serve b's call");
  const queued = [stuck.wait(0), stuck.wait(0), stuck.wait(0)];
  expect((await scrape(b)).get(`pulsing_link_calls_in_flight{peer="${a.addr}",direction="out"}`)).toBe(1);
  const deepest = [...(await scrape(a))].filter(([series]) => series.startsWith("pulsing_actor_mailbox_depth{"));
  expect(deepest).toEqual([['pulsing_actor_mailbox_depth{actor="stuck",class="Stuck"}', 3]]);
  await Promise.all([held, ...queued]);
  expect((await scrape(a)).get(`pulsing_link_calls_in_flight{peer="${b.addr}",direction="in"}`)).toBe(0);

  // Gossip: what one node sends, the other takes.
  await until(async () => ((await scrape(a)).get("pulsing_gossip_messages_received_total") ?? 0) > 0, "gossip to arrive");
  expect((await scrape(a)).get("pulsing_gossip_bytes_received_total")).toBeGreaterThan(0);
});

test("the class label is bounded: past MAX_CLASSES names, classes are counted as (other)", async () => {
  const { MAX_CLASSES, OTHER_CLASSES } = await import("../../src/system/index.ts");
  const a = await startNode();
  for (let i = 0; i <= MAX_CLASSES; i++) {
    const cls = { [`C${i}`]: class extends Actor {} }[`C${i}`] as new () => Actor;
    await a.spawn(cls);
  }
  const classes = [...(await scrape(a)).keys()].filter((series) => series.startsWith("pulsing_messages_handled_total{"));
  // The node's own Spawner took one of the names.
  expect(classes.length).toBe(MAX_CLASSES + 1);
  expect(classes).toContain(`pulsing_messages_handled_total{class="${OTHER_CLASSES}"}`);
});

test("GET /metrics: a routed ref whose name has no instance left counts its tells as dead letters and its asks' errors", async () => {
  class Named extends Actor {
    ping(): string {
      return "pong";
    }
  }
  const a = await startNode();
  await a.spawn(Named, { name: "named" });
  const ref = await a.resolve<Named>("named");
  expect(await ref.ping()).toBe("pong");
  await a.stop("named");
  const series = ["pulsing_dead_letters_total", 'pulsing_errors_total{code="ACTOR_NOT_FOUND"}'];
  const before = await scrape(a);
  await ref.$tell.ping();
  await expect(ref.ping()).rejects.toMatchObject({ code: "ACTOR_NOT_FOUND" });
  expect(deltas(before, await scrape(a), series)).toEqual({ "pulsing_dead_letters_total": 1, 'pulsing_errors_total{code="ACTOR_NOT_FOUND"}': 1 });
});

test("GET /metrics: an entity ref whose kind no member hosts counts its tells as dead letters and its asks' errors", async () => {
  class Unhosted extends Entity {
    static kind = "unhosted";
    ping(): string {
      return "pong";
    }
  }
  const a = await startNode();
  const ref = a.entity(Unhosted, "k");
  const series = ["pulsing_dead_letters_total", 'pulsing_errors_total{code="ACTOR_NOT_FOUND"}'];
  const before = await scrape(a);
  await ref.$tell.ping();
  await expect(ref.ping()).rejects.toMatchObject({ code: "ACTOR_NOT_FOUND" });
  expect(deltas(before, await scrape(a), series)).toEqual({ "pulsing_dead_letters_total": 1, 'pulsing_errors_total{code="ACTOR_NOT_FOUND"}': 1 });
});
