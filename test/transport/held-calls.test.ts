import { expect, test } from "bun:test";
import { Actor, type ActorRef, LocalRuntime, type NetworkActor } from "../../src/actor/index.ts";
import { HeldCalls } from "../../src/transport/held-calls.ts";
import { PeerBudget } from "../../src/transport/peer-budget.ts";
import type { CallEnvelope, TellEnvelope } from "../../src/wire/index.ts";
import { gate, memoryLogger } from "../helpers.ts";

class Busy extends Actor {
  static gate = gate();
  async work(): Promise<void> {
    await Busy.gate.promise;
  }
}

/** An actor with no room for the network: its turn hangs, its mailbox and the room behind it are full. */
async function fullActor(): Promise<{ runtime: LocalRuntime; ref: NetworkActor }> {
  Busy.gate = gate();
  const runtime = new LocalRuntime({ logger: memoryLogger() });
  const local: ActorRef<Busy> = await runtime.spawn(Busy, { name: "busy", mailboxCapacity: 1 });
  // Network messages fill the room behind the busy turn: one in the mailbox, one waiting.
  const ref = runtime.networkActor("busy") as NetworkActor;
  void local.work();
  const sink = { resolve() {}, reject() {}, stream() {} };
  for (let i = 0; i < 2; i++) ref.serve("work", [], sink, i, undefined, 1);
  return { runtime, ref };
}

const tell = (i: number): TellEnvelope => [1, "busy", "work", [i]];
const call = (id: number): CallEnvelope => [0, id, "busy", "work", [], 256, 1000];

test("held messages go in order once the actor has room, and their memory is counted until then", async () => {
  const { runtime, ref } = await fullActor();
  const account = new PeerBudget(10).open("peer");
  const delivered: unknown[] = [];
  const held = new HeldCalls(account, () => ref, (envelope) => {
    delivered.push(envelope[0] === 0 ? envelope[1] : envelope[3]);
    return true;
  });
  held.hold("busy", ref, tell(1), 100);
  held.hold("busy", ref, call(7), 50);
  expect(account.held).toBe(150);
  expect(held.holds("busy")).toBe(true);
  Busy.gate.open();
  await Bun.sleep(10);
  expect(delivered).toEqual([[1], 7]);
  expect(account.held).toBe(0);
  expect(held.holds("busy")).toBe(false);
  await runtime.shutdown();
});

test("a closed link's held messages are dropped, and nothing waits for room on its behalf", async () => {
  const { runtime, ref } = await fullActor();
  const account = new PeerBudget(10).open("peer");
  let delivered = 0;
  const held = new HeldCalls(account, () => ref, () => {
    delivered++;
    return true;
  });
  held.hold("busy", ref, tell(1), 100);
  held.clear();
  expect(account.held).toBe(0);
  Busy.gate.open();
  await Bun.sleep(10);
  expect(delivered).toBe(0);
  await runtime.shutdown();
});

test("a cancelled held call is skipped and its memory given back", async () => {
  const { runtime, ref } = await fullActor();
  const account = new PeerBudget(10).open("peer");
  const delivered: number[] = [];
  const held = new HeldCalls(account, () => ref, (envelope) => {
    delivered.push(envelope[1] as number);
    return true;
  });
  held.hold("busy", ref, call(1), 10);
  held.hold("busy", ref, call(2), 10);
  expect(held.hasCall(2)).toBe(true);
  expect(held.cancel(2)).toBe(true);
  expect(held.cancel(3)).toBe(false);
  expect(account.held).toBe(10);
  Busy.gate.open();
  await Bun.sleep(10);
  expect(delivered).toEqual([1]);
  await runtime.shutdown();
});

test("a link that closes while its held messages are being delivered gives their memory back once", async () => {
  const { runtime, ref } = await fullActor();
  const account = new PeerBudget(10).open("peer");
  let held: HeldCalls | undefined;
  let delivered = 0;
  held = new HeldCalls(account, () => ref, () => {
    delivered++;
    held?.clear(); // the first delivery closes the link (a reused id, say)
    return true;
  });
  for (let i = 0; i < 5; i++) held.hold("busy", ref, tell(i), 100);
  expect(account.held).toBe(500);
  Busy.gate.open();
  await Bun.sleep(10);
  expect(delivered).toBe(1);
  expect(account.held).toBe(0);
  await runtime.shutdown();
});
