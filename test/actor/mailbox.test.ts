import { describe, expect, test } from "bun:test";
import { Actor, ActorError } from "pulsing";
import { gate, startSystem } from "../helpers.ts";

class Slow extends Actor {
  handled: number[] = [];
  async hold(release: Promise<void>): Promise<void> {
    await release;
  }
  take(i: number): number {
    this.handled.push(i);
    return i;
  }
  seen(): number[] {
    return this.handled;
  }
}

describe("bounded mailboxes", () => {
  test("a full mailbox makes tells wait for room, and loses nothing", async () => {
    const { system } = await startSystem();
    const actor = await system.spawn(Slow, { mailboxCapacity: 4 });
    const release = gate();
    const held = actor.hold(release.promise); // the turn this holds keeps the mailbox from draining
    await Bun.sleep(1);
    const accepted: number[] = [];
    const tells = Array.from({ length: 10 }, (_, i) => actor.$tell.take(i).then(() => accepted.push(i)));
    await Bun.sleep(5);
    expect(accepted).toEqual([0, 1, 2, 3]); // room for four; the other senders wait
    release.open();
    await held;
    await Promise.all(tells);
    expect(accepted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await actor.seen()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("asks beyond the capacity wait and are all answered in order", async () => {
    const { system } = await startSystem();
    const actor = await system.spawn(Slow, { mailboxCapacity: 2 });
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => actor.take(i)));
    expect(answers).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  test("an ask that times out while waiting for room is dropped from the queue", async () => {
    const { system } = await startSystem();
    const actor = await system.spawn(Slow, { mailboxCapacity: 1 });
    const release = gate();
    const held = actor.hold(release.promise);
    const queued = actor.take(1);
    const waiting = actor.$withTimeout(20).take(2);
    expect(((await waiting.catch((e: unknown) => e)) as ActorError).code).toBe("TIMEOUT");
    release.open();
    await held;
    expect(await queued).toBe(1);
    expect(await actor.seen()).toEqual([1]);
  });

  test.each([0, -1, 1.5, 2_000_000, Number.NaN])("capacity %p is refused", async (capacity) => {
    const { system } = await startSystem();
    const error = (await system.spawn(Slow, { mailboxCapacity: capacity }).catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("INVALID_OPTION");
  });
});

describe("scheduler", () => {
  test("a timer fires while an actor is flooded with messages", async () => {
    class Busy extends Actor {
      count = 0;
      work(): number {
        return ++this.count;
      }
    }
    const { system } = await startSystem();
    const busy = await system.spawn(Busy);
    let timerFiredAt = -1;
    setTimeout(() => {
      timerFiredAt = handled;
    }, 1);
    let handled = 0;
    // A sequential ask loop never leaves the microtask queue on its own; the
    // scheduler's budget must hand control back to the event loop.
    const total = 300_000;
    while (handled < total && timerFiredAt < 0) {
      await busy.work();
      handled++;
    }
    expect(timerFiredAt).toBeGreaterThan(0);
    expect(timerFiredAt).toBeLessThan(total);
  });

  test("a flood of tells yields to the event loop between budgets", async () => {
    let handled = 0;
    class Sink extends Actor {
      add(): void {
        handled++;
      }
      get(): number {
        return handled;
      }
    }
    const { system } = await startSystem();
    const sink = await system.spawn(Sink, { mailboxCapacity: 1_000_000 });
    const total = 200_000;
    for (let i = 0; i < total; i++) void sink.$tell.add();
    // An immediate is a macrotask: it sees the sink part-way only if draining yields.
    const seenByImmediate = await new Promise<number>((resolve) => setImmediate(() => resolve(handled)));
    expect(seenByImmediate).toBeGreaterThan(0);
    expect(seenByImmediate).toBeLessThan(total);
    expect(await sink.get()).toBe(total);
  });
});
