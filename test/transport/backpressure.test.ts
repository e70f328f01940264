/**
 * Backpressure from the network: what a busy actor does to the calls and tells
 * of other nodes (held per actor, in order, never dropped), and how a link's
 * peer is held to the protocol (call ids, stream credit).
 */
import { describe, expect, test } from "bun:test";
import { decode, encode } from "@msgpack/msgpack";
import { Actor, type ActorError, type ActorRef } from "pulsing";
import { gate, startNode } from "../helpers.ts";
import { STREAM_WINDOW } from "../../src/transport/index.ts";
import { PROTOCOL_VERSION } from "../../src/wire/index.ts";
import { plainLinkHeaders, rawLink, rogueAcceptor } from "../fixtures/raw-link.ts";

/** An actor whose turns wait for the test to open its gate. */
class Blocked extends Actor {
  ran: number[] = [];
  static gate = gate();
  async work(i: number): Promise<number> {
    await Blocked.gate.promise;
    this.ran.push(i);
    return i;
  }
  record(i: number): void {
    this.ran.push(i);
  }
  store(text: string): void {
    this.ran.push(text.length);
  }
  history(): number[] {
    return this.ran;
  }
}

class Fast extends Actor {
  ping(): string {
    return "pong";
  }
}

describe("a busy actor and the network", () => {
  test("calls to other actors from the same peer go on while one actor's messages are held", async () => {
    Blocked.gate = gate();
    const server = await startNode();
    const client = await startNode();
    await server.spawn(Blocked, { name: "slow", mailboxCapacity: 2 });
    await server.spawn(Fast, { name: "fast" });
    const slow = client.remote<Blocked>(server.addr as string, "slow");
    const fast = client.remote<Fast>(server.addr as string, "fast");
    const pending = Array.from({ length: 20 }, (_, i) => slow.work(i)); // far past 2 + 2: the rest is held on the link
    expect(await fast.ping()).toBe("pong");
    Blocked.gate.open();
    expect(await Promise.all(pending)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test("tells held for a busy actor all arrive, in order", async () => {
    Blocked.gate = gate();
    const server = await startNode();
    const client = await startNode();
    await server.spawn(Blocked, { name: "slow", mailboxCapacity: 4 });
    const slow = client.remote<Blocked>(server.addr as string, "slow");
    const first = slow.work(-1); // holds the actor's turn
    for (let i = 0; i < 2000; i++) void slow.$tell.record(i);
    await Bun.sleep(20);
    Blocked.gate.open();
    await first;
    const seen = await slow.history();
    expect(seen).toEqual([-1, ...Array.from({ length: 2000 }, (_, i) => i)]);
  });

  test("a call cycle between two nodes through a busy actor does not deadlock", async () => {
    const a = await startNode();
    const b = await startNode();
    class Helper extends Actor {
      async help(): Promise<string> {
        return await b2fast().ping();
      }
    }
    class Caller extends Actor {
      async run(): Promise<string> {
        return await a2helper().help();
      }
    }
    const b2fast = (): ActorRef<Fast> => a.remote<Fast>(b.addr as string, "fast");
    const a2helper = (): ActorRef<Helper> => b.remote<Helper>(a.addr as string, "helper");
    await a.spawn(Helper, { name: "helper" });
    await b.spawn(Caller, { name: "caller", mailboxCapacity: 1 });
    await b.spawn(Fast, { name: "fast" });
    const caller = a.remote<Caller>(b.addr as string, "caller");
    // Fill the caller's room for the network, so that A's link to B holds calls to it.
    const results = await Promise.all(Array.from({ length: 6 }, () => caller.$withTimeout(5_000).run()));
    expect(results).toEqual(Array(6).fill("pong"));
  });

  test("a CANCEL withdraws a call that is still held: it never runs", async () => {
    Blocked.gate = gate();
    const server = await startNode();
    await server.spawn(Blocked, { name: "slow", mailboxCapacity: 1 });
    const link = await rawLink(server.addr as string, plainLinkHeaders("peer-1"));
    // Calls 1–2 fill the mailbox and the room behind it; 3 and 4 are held.
    link.send([0, 1, "slow", "work", [1], 256, 10_000], [0, 2, "slow", "work", [2], 256, 10_000], [0, 3, "slow", "work", [3], 256, 10_000], [0, 4, "slow", "work", [4], 256, 10_000]);
    await Bun.sleep(50);
    link.send([7, 3]);
    await Bun.sleep(20);
    Blocked.gate.open();
    expect(await link.answer(4)).toEqual([2, 4, 4]);
    const history = (await (await server.resolve<Blocked>("slow")).history()) as number[];
    expect(history).toEqual([1, 2, 4]);
    expect(link.of(2, 3)).toEqual([]);
    link.ws.close();
  });

  test("over HTTP, a busy actor's room is counted in decoded memory too", async () => {
    Blocked.gate = gate();
    const server = await startNode({ limits: { maxQueuedBytesPerActor: 1024 * 1024 } });
    await server.spawn(Blocked, { name: "slow", mailboxCapacity: 1000 });
    const big = "x".repeat(256 * 1024);
    const tell = () =>
      fetch(`http://${server.addr}/actor/slow`, { method: "POST", headers: { "content-type": "application/json", "x-message-mode": "tell" }, body: JSON.stringify({ msg_type: "record", payload: [big] }) });
    const first = (await server.resolve<Blocked>("slow")).work(0);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await tell()).status);
    // Far fewer than the 1 000 messages of room: each is counted at its decoded size.
    expect(statuses.filter((s) => s === 202).length).toBeLessThan(6);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(6);
    Blocked.gate.open();
    await first;
  });
});

describe("a peer held to the protocol", () => {
  test("a CALL that reuses the id of a call in progress closes the link", async () => {
    Blocked.gate = gate();
    const server = await startNode();
    await server.spawn(Blocked, { name: "slow" });
    const link = await rawLink(server.addr as string, plainLinkHeaders("peer-2"));
    link.send([0, 9, "slow", "work", [1], 256, 10_000], [0, 9, "slow", "work", [2], 256, 10_000]);
    const closed = await link.closed;
    expect(closed.code).toBe(4400);
    expect(closed.reason).toContain("call id reused");
    Blocked.gate.open();
  });

  test("a callee that sends stream items past the credit it was granted loses the link", async () => {
    const client = await startNode();
    // A rogue acceptor: greets, then floods items for the first call it sees.
    const rogue = rogueAcceptor({
      open(ws) {
        ws.send(encode([[8, "rogue", PROTOCOL_VERSION, null, null]]));
      },
      message(ws, data) {
        const frame = decode(data as Uint8Array) as unknown[][];
        const call = frame.find((envelope) => envelope[0] === 0);
        if (call !== undefined) ws.send(encode(Array.from({ length: 1_000 }, (_, i) => [4, call[1], i])));
      },
    });
    try {
      const stream = client.remote<{ items(): AsyncGenerator<number> }>(`127.0.0.1:${rogue.port}`, "x").items();
      // What arrived within the window is read; then the stream fails, and nothing past it was kept.
      let read = 0;
      let error: ActorError | undefined;
      while (error === undefined && read <= 1_000) {
        error = (await stream.next().then(() => undefined, (e: unknown) => e)) as ActorError | undefined;
        if (error === undefined) read++;
      }
      expect(read).toBeLessThanOrEqual(STREAM_WINDOW + 2); // the one read at once, and a window plus the one that broke it
      expect(error?.code).toBe("NODE_UNREACHABLE");
      expect(error?.message).toContain("past the credit");
    } finally {
      rogue.stop(true);
    }
  });
});

describe("past the bound of what a peer may have held", () => {
  test("a stuck actor's messages are refused, counted, and the link with its other calls goes on", async () => {
    Blocked.gate = gate();
    const server = await startNode({ limits: { maxOutboxBytes: 256 * 1024 } });
    const client = await startNode();
    await server.spawn(Blocked, { name: "slow", mailboxCapacity: 1 });
    await server.spawn(Fast, { name: "fast" });
    const slow = client.remote<Blocked>(server.addr as string, "slow");
    const fast = client.remote<Fast>(server.addr as string, "fast");
    const big = "x".repeat(16 * 1024);
    const calls = Array.from({ length: 40 }, () => slow.work(0).then(() => "ok", (e: ActorError) => e.code));
    for (let i = 0; i < 40; i++) void slow.$tell.store(big);
    expect(await fast.ping()).toBe("pong");
    const metrics = await (await fetch(`http://${server.addr}/metrics`)).text();
    expect(metrics).toMatch(/pulsing_limit_trips_total\{limit="inbox_full"\} [1-9]/);
    Blocked.gate.open();
    const outcomes = await Promise.all(calls);
    expect(outcomes).toContain("ok");
    expect(outcomes.every((o) => o === "ok" || o === "MAILBOX_FULL")).toBe(true);
  });

  test("local senders that keep an actor's queue full do not starve calls from the network", async () => {
    const server = await startNode();
    const client = await startNode();
    class Busy extends Actor {
      n = 0;
      bump(): void {
        this.n++;
      }
      read(): number {
        return this.n;
      }
    }
    const local = await server.spawn(Busy, { name: "busy", mailboxCapacity: 8 });
    let flooding = true;
    const floods = Array.from({ length: 6 }, async () => {
      while (flooding) await local.$tell.bump();
    });
    const remote = client.remote<Busy>(server.addr as string, "busy");
    const answers = await Promise.all(Array.from({ length: 40 }, () => remote.$withTimeout(5_000).read()));
    flooding = false;
    await Promise.all(floods);
    expect(answers.length).toBe(40);
    expect(answers.every((n) => typeof n === "number")).toBe(true);
  });
});
