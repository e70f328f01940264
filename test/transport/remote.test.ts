import { describe, expect, test } from "bun:test";
import { Actor, ActorError, type ActorRef, ActorSystem } from "pulsing";
import { STREAM_WINDOW } from "../../src/transport/index.ts";
import { Counter } from "../fixtures/actors.ts";
import { gate, startNode, until } from "../helpers.ts";
import { rogueAcceptor } from "../fixtures/raw-link.ts";

async function pair(): Promise<{ server: ActorSystem; client: ActorSystem; counter: ActorRef<Counter> }> {
  const server = await startNode();
  const client = await startNode();
  await server.spawn(Counter, { name: "counter" });
  return { server, client, counter: client.remote<Counter>(server.addr as string, "counter") };
}

describe("listening", () => {
  test("port 0 picks a free port and addr tells it", async () => {
    const system = await startNode();
    expect(system.addr).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(system.addr?.endsWith(":0")).toBe(false);
    const health = await fetch(`http://${system.addr}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe("ok");
  });

  test("an IPv6 address is written with brackets", async () => {
    const system = await startNode({ addr: "[::1]:0" });
    expect(system.addr).toMatch(/^\[::1\]:\d+$/);
    const client = await startNode({ addr: "[::1]:0" });
    await system.spawn(Counter, { name: "counter" });
    expect(await client.remote<Counter>(system.addr as string, "counter").inc(3)).toBe(3);
  });

  test("an invalid address is refused", async () => {
    await expect(ActorSystem.start({ addr: "nonsense" })).rejects.toThrow(ActorError);
  });
});

describe("remote refs", () => {
  test("ask, tell and message-style ask work like local ones", async () => {
    const { counter } = await pair();
    expect(await counter.inc(2)).toBe(2);
    expect(await counter.inc()).toBe(3);
    await counter.$tell.inc(10);
    expect(await counter.inc(0)).toBe(13);
    expect(await counter.$ask("Ping", { seq: 1 })).toEqual({ type: "Pong", payload: { seq: 1 } });
    expect(await counter.echo({ nested: [1, "two", null, true], bytes: new Uint8Array([1, 2]) })).toEqual({ nested: [1, "two", null, true], bytes: new Uint8Array([1, 2]) });
    expect(counter.$name).toBe("counter");
  });

  test("a missing payload means no arguments over a link too", async () => {
    const { counter } = await pair();
    expect(await counter.$ask("inc")).toBe(1);
    await counter.$send("inc");
    expect(await counter.$ask("inc", [])).toBe(3);
  });

  test("$ask of a stream method is refused and the far generator closed", async () => {
    const { counter } = await pair();
    const error = (await counter.$ask("forever", []).catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("BAD_REQUEST");
    let stats = await counter.stats();
    for (let i = 0; i < 100 && stats.closed === 0; i++) {
      await Bun.sleep(5);
      stats = await counter.stats();
    }
    expect(stats.closed).toBe(1);
  });

  test("errors keep their codes and names across the network", async () => {
    const { counter, client, server } = await pair();
    const handler = (await counter.fail("boom").catch((e: unknown) => e)) as ActorError;
    expect(handler).toBeInstanceOf(ActorError);
    expect([handler.code, handler.errorName, handler.message]).toEqual(["HANDLER_ERROR", "TypeError", "boom"]);
    expect(((await counter.coded().catch((e: unknown) => e)) as ActorError).code).toBe("BAD_REQUEST");
    expect(((await counter.$ask("Nope").catch((e: unknown) => e)) as ActorError).code).toBe("UNKNOWN_MESSAGE");
    expect(((await counter.$ask("inc", 5).catch((e: unknown) => e)) as ActorError).code).toBe("BAD_REQUEST");
    const ghost = client.remote(server.addr as string, "ghost");
    expect(((await ghost.$ask("inc", []).catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_NOT_FOUND");
    // the actor keeps serving
    expect(await counter.inc(1)).toBe(1);
  });

  test("private and inherited names cannot be reached", async () => {
    const { counter } = await pair();
    for (const name of ["_private", "constructor", "onStart", "toString", "__proto__", "hasOwnProperty", "isFatal"]) {
      // Not a method a message can call: it goes to receive(), which knows no such message.
      const error = (await counter.$ask(name, []).catch((e: unknown) => e)) as ActorError;
      expect([error.code, error.message]).toEqual(["UNKNOWN_MESSAGE", `Counter does not understand ${name}`]);
    }
    // @ts-expect-error not on the type either
    expect(counter._private).toBeUndefined();
    expect((counter as unknown as { then: unknown }).then).toBeUndefined();
  });

  test("a result that cannot be encoded fails that call only", async () => {
    const { counter } = await pair();
    const [bad, good] = await Promise.all([counter.unencodable().catch((e: ActorError) => e.code), counter.inc(1)]);
    expect(bad).toBe("HANDLER_ERROR");
    expect(good).toBe(1);
  });

  test("the caller's timeout holds on the serving node too", async () => {
    const server = await startNode({ askTimeoutMs: 100 });
    const client = await startNode();
    await server.spawn(Counter, { name: "counter" });
    class Slow extends Actor {
      async slow(ms: number): Promise<string> {
        await Bun.sleep(ms);
        return "done";
      }
    }
    await server.spawn(Slow, { name: "slow" });
    // The server's own default (100 ms) would time this out; the caller allows 5 s.
    expect(await client.remote<Slow>(server.addr as string, "slow").$withTimeout(5_000).slow(300)).toBe("done");
  });

  test("timeouts apply to remote asks", async () => {
    const { counter } = await pair();
    const error = (await counter.$withTimeout(50).hang().catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("TIMEOUT");
  });

  test("100,000 tells over a link all arrive, in order", async () => {
    const { counter } = await pair();
    const total = 100_000;
    for (let i = 0; i < total; i++) void counter.$tell.record(i);
    const seen = await counter.$withTimeout(20_000).history();
    expect(seen.length).toBe(total);
    let ordered = true;
    for (let i = 0; i < total; i++) if (seen[i] !== i) ordered = false;
    expect(ordered).toBe(true);
  });

  test("a batch larger than a frame may be is split into frames; a message too large alone fails alone", async () => {
    const limits = { maxMessageBytes: 16 * 1024 };
    const server = await startNode({ limits });
    const client = await startNode({ limits });
    await server.spawn(Counter, { name: "counter" });
    const counter = client.remote<Counter>(server.addr as string, "counter");
    for (let i = 0; i < 5000; i++) void counter.$tell.record(i); // ~60 KB in one turn
    const tooLarge = counter.echo("x".repeat(20 * 1024)).catch((e: ActorError) => e.code);
    expect((await counter.history()).length).toBe(5000);
    expect(await tooLarge).toBe("BAD_REQUEST");
    expect(await counter.echo("still fine")).toBe("still fine");
  });

  test("a peer with too many asks in flight gets TOO_MANY_CALLS for the rest, and the node goes on", async () => {
    const server = await startNode({ limits: { maxInFlightPerPeer: 10 } });
    const client = await startNode();
    class Slow extends Actor {
      async wait(ms: number): Promise<string> {
        await Bun.sleep(ms);
        return "done";
      }
    }
    await server.spawn(Slow, { name: "slow" });
    const slow = client.remote<Slow>(server.addr as string, "slow");
    const outcomes = await Promise.all(Array.from({ length: 25 }, () => slow.wait(20).catch((e: ActorError) => e.code)));
    expect(outcomes.filter((o) => o === "done").length).toBe(10);
    expect(outcomes.filter((o) => o === "TOO_MANY_CALLS").length).toBe(15);
    expect(await slow.wait(1)).toBe("done");
  });

  test("concurrent asks from many callers all get their own answers", async () => {
    const { counter } = await pair();
    const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => counter.echo(i)));
    expect(answers).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });
});

describe("remote streams", () => {
  test("a stream's items arrive in order, then it ends", async () => {
    const { counter } = await pair();
    const items: number[] = [];
    for await (const i of counter.countTo(500)) items.push(i);
    expect(items).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  test("a failing stream delivers the items before the failure, then the error", async () => {
    const { counter } = await pair();
    const items: number[] = [];
    const error = await (async () => {
      for await (const i of counter.failAfter(3)) items.push(i);
    })().catch((e: unknown) => e);
    expect(items).toEqual([0, 1, 2]);
    expect((error as ActorError).code).toBe("HANDLER_ERROR");
    expect((error as ActorError).errorName).toBe("RangeError");
  });

  test("leaving a for-await early runs the generator's finally on the far side", async () => {
    const { counter } = await pair();
    for await (const i of counter.forever()) if (i === 5) break;
    let stats = await counter.stats();
    for (let i = 0; i < 100 && stats.closed === 0; i++) {
      await Bun.sleep(5);
      stats = await counter.stats();
    }
    expect(stats.closed).toBe(1);
  });

  test("a reader that stops reading holds the producer to the credit window until it reads again", async () => {
    class Producer extends Actor {
      #produced = 0;
      async *numbers(): AsyncGenerator<number> {
        for (let i = 0; ; i++) {
          this.#produced++;
          yield i;
        }
      }
      produced(): number {
        return this.#produced;
      }
    }
    const server = await startNode();
    const client = await startNode();
    await server.spawn(Producer, { name: "producer" });
    const producer = client.remote<Producer>(server.addr as string, "producer");
    const stream = producer.numbers();
    let read = 0;
    for (; read < 10; read++) expect((await stream.next()).value).toBe(read);
    // The reader stalls. The producer fills the window it was granted...
    await until(async () => (await producer.produced()) >= STREAM_WINDOW, "the producer to fill its window");
    // ...and gets no further while the actor has turns to spare: each ask here is
    // queued behind the stream's next step, were the producer still producing.
    let produced = 0;
    for (let i = 0; i < 50; i++) produced = await producer.produced();
    expect(produced).toBeLessThanOrEqual(read + STREAM_WINDOW);
    // The test ends the stall: what is read is granted again, and the producer goes on, never a window ahead.
    for (; read < 3 * STREAM_WINDOW; read++) expect((await stream.next()).value).toBe(read);
    expect(await producer.produced()).toBeLessThanOrEqual(read + STREAM_WINDOW);
    await stream.return();
  });

  test("a second next() while one waits is refused, and timeouts keep working", async () => {
    const { client, server } = await pair();
    await server.spawn(Counter, { name: "sleepy" });
    const held = gate();
    class Held extends Actor {
      async *items(): AsyncGenerator<number> {
        yield 0;
        await held.promise;
        yield 1;
      }
    }
    await server.spawn(Held, { name: "held" });
    const stream = client.remote<Held>(server.addr as string, "held").items();
    expect(await stream.next()).toEqual({ done: false, value: 0 });
    // Nothing else is on its way (the producer waits for the test): a next() waits, and one more meanwhile is refused.
    const first = stream.next();
    expect(await stream.next().catch((e: ActorError) => e.code)).toBe("BAD_REQUEST");
    held.open();
    expect(await first).toEqual({ done: false, value: 1 });
    expect((await stream.next()).done).toBe(true);
    const sleepy = client.remote<Counter>(server.addr as string, "sleepy");
    expect(((await sleepy.$withTimeout(50).hang().catch((e: unknown) => e)) as ActorError).code).toBe("TIMEOUT");
  });

  test("awaiting a stream or iterating a value is a clear BAD_REQUEST", async () => {
    const { counter } = await pair();
    const awaited = (await (counter.countTo(3) as unknown as Promise<unknown>).then(
      () => undefined,
      (e: unknown) => e,
    )) as ActorError;
    expect(awaited.code).toBe("BAD_REQUEST");
    const iterated = await (async () => {
      for await (const _ of counter.inc(1) as unknown as AsyncIterable<unknown>);
    })().catch((e: unknown) => e);
    expect((iterated as ActorError).code).toBe("BAD_REQUEST");
  });
});

describe("links", () => {
  test("a graceful shutdown still answers what is in flight, with codes", async () => {
    const server = await startNode();
    const client = await startNode({ askTimeoutMs: 60_000 });
    await server.spawn(Counter, { name: "counter" });
    await server.spawn(Counter, { name: "streamer" });
    const counter = client.remote<Counter>(server.addr as string, "counter");
    expect(await counter.inc(1)).toBe(1);
    const hanging = counter.hang().catch((e: ActorError) => e.code);
    const stream = client.remote<Counter>(server.addr as string, "streamer").forever();
    await stream.next();
    await Bun.sleep(10);
    await server.shutdown();
    expect(await hanging).toBe("ACTOR_STOPPED");
    // Items that arrived before the stop are still read, then how the stream
    // ended: the actor stopped (even when the stream was waiting for credit).
    let error: unknown;
    for (let i = 0; i <= STREAM_WINDOW && error === undefined; i++) error = await stream.next().then(() => undefined, (e: unknown) => e);
    expect((error as ActorError).code).toBe("ACTOR_STOPPED");
  });

  test("asks and streams in flight fail at once with NODE_UNREACHABLE when the link drops", async () => {
    // A fake peer: takes the link, never answers, and hangs up once it has two calls.
    let frames = 0;
    const fake = rogueAcceptor({
      message(ws) {
        if (++frames >= 1) setTimeout(() => ws.close(1011, "going away"), 20);
      },
    });
    try {
      const client = await startNode({ askTimeoutMs: 60_000 });
      const remote = client.remote<Counter>(`127.0.0.1:${fake.port}`, "counter");
      const [ask, streamed] = await Promise.all([
        remote.inc(1).catch((e: ActorError) => e),
        (async () => {
          for await (const _ of remote.countTo(3));
        })().catch((e: ActorError) => e),
      ]);
      // Failed on the drop: the calls allow 60 s, and would have failed with TIMEOUT.
      expect((ask as ActorError).code).toBe("NODE_UNREACHABLE");
      expect((ask as ActorError).message).toContain("going away");
      expect((streamed as ActorError).code).toBe("NODE_UNREACHABLE");
    } finally {
      fake.stop(true);
    }
  });

  test("a call to a node that is not there fails with NODE_UNREACHABLE, then the link comes back", async () => {
    const server = await startNode();
    const addr = server.addr as string;
    await server.shutdown();
    const client = await startNode();
    const counter = client.remote<Counter>(addr, "counter");
    expect(((await counter.inc(1).catch((e: unknown) => e)) as ActorError).code).toBe("NODE_UNREACHABLE");
    // The same address serves again: after the backoff, calls go through.
    const again = await startNode({ addr });
    await again.spawn(Counter, { name: "counter" });
    let answer: unknown;
    for (let i = 0; i < 100 && answer === undefined; i++) {
      answer = await counter.inc(5).catch(() => undefined);
      if (answer === undefined) await Bun.sleep(50);
    }
    expect(answer).toBe(5);
  });

  for (const secret of [undefined, "a-shared-secret-of-32-characters"]) {
    test(`two nodes calling each other at once both get answers (${secret === undefined ? "no secret: each calls on the link it dialled" : "with a secret: one link stays"})`, async () => {
      const a = await startNode(secret === undefined ? {} : { secret });
      const b = await startNode(secret === undefined ? {} : { secret });
      await a.spawn(Counter, { name: "counter" });
      await b.spawn(Counter, { name: "counter" });
      const toB = a.remote<Counter>(b.addr as string, "counter");
      const toA = b.remote<Counter>(a.addr as string, "counter");
      const results = await Promise.all([toB.inc(1), toA.inc(2), toB.inc(3), toA.inc(4)]);
      expect(results).toEqual([1, 2, 4, 6]);
      expect(await Promise.all([toB.inc(0), toA.inc(0)])).toEqual([4, 6]);
      // With a secret, the link dialled by the smaller node id stays and the other closes once idle.
      // Without one, a link a peer dialled is never trusted with this node's calls, so both stay.
      const links = secret === undefined ? 2 : 1;
      for (let i = 0; i < 200 && (a.linksUp !== links || b.linksUp !== links); i++) await Bun.sleep(5);
      expect([a.linksUp, b.linksUp]).toEqual([links, links]);
      expect(await Promise.all([toB.inc(1), toA.inc(1)])).toEqual([5, 7]);
    });
  }

  test("a peer with another protocol version is refused with a clear reason", async () => {
    const server = await startNode();
    const closed = await new Promise<CloseEvent>((resolve) => {
      const socket = new WebSocket(`ws://${server.addr}/cluster/link`, {
        headers: { "x-pulsing-node": "rogue", "x-pulsing-protocol": "999" },
      } as unknown as string[]);
      socket.onclose = resolve;
    });
    expect(closed.code).toBe(4400);
    expect(closed.reason).toContain("incompatible protocol version 999");
  });

  test("a remote ref to this node's own address is the local ref", async () => {
    const system = await startNode();
    const local = await system.spawn(Counter, { name: "counter" });
    expect(system.remote(system.addr as string, "counter")).toBe(local);
  });

  test("an actor can hold a remote ref and call through it", async () => {
    class Forwarder extends Actor {
      constructor(readonly target: ActorRef<Counter>) {
        super();
      }
      async forward(by: number): Promise<number> {
        return this.target.inc(by);
      }
    }
    const { client, counter } = await pair();
    const forwarder = await client.spawn(Forwarder, { args: [counter] });
    expect(await forwarder.forward(7)).toBe(7);
  });
});
