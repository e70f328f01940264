import { expect, test } from "bun:test";
import { Actor, LocalRuntime, TURN_SAMPLE_EVERY } from "../../src/actor/index.ts";

class Sleepy extends Actor {
  async nap(ms: number): Promise<number> {
    await Bun.sleep(ms);
    return ms;
  }
  quick(): number {
    return 1;
  }
  boom(): never {
    throw new RangeError("fatal");
  }
  override isFatal(error: unknown): boolean {
    return error instanceof RangeError;
  }
}

const statsOf = (runtime: LocalRuntime, name: string) => runtime.classes.snapshot().find((s) => s.name === name);

test("turns are counted per class; one in TURN_SAMPLE_EVERY is timed, an async one until its promise settles", async () => {
  const runtime = new LocalRuntime();
  const sleepy = await runtime.spawn(Sleepy);
  for (let i = 0; i < TURN_SAMPLE_EVERY; i++) await sleepy.quick();
  expect(statsOf(runtime, "Sleepy")?.latency.count).toBe(0);
  // The next turn is the sampled one: an async handler, timed until it settles.
  await sleepy.nap(20);
  const stats = statsOf(runtime, "Sleepy");
  expect(stats?.handled).toBe(TURN_SAMPLE_EVERY + 1);
  expect(stats?.latency.count).toBe(1);
  expect(stats?.latency.sum).toBeGreaterThanOrEqual(0.015);
  await runtime.shutdown();
});

test("a flood is counted exactly and sampled about one turn in TURN_SAMPLE_EVERY; classes share their counts, not their instances", async () => {
  const runtime = new LocalRuntime({ mailboxCapacity: 10_000 });
  const refs = [await runtime.spawn(Sleepy), await runtime.spawn(Sleepy)];
  const N = 5_000;
  for (const ref of refs) for (let i = 0; i < N; i++) void ref.$tell.quick();
  await Promise.all(refs.map((ref) => ref.quick()));
  const stats = statsOf(runtime, "Sleepy");
  expect(stats?.handled).toBe(2 * N + 2);
  // A due sample waits for the next batch of a cell of the class: a little under one in TURN_SAMPLE_EVERY.
  const expected = (2 * N) / TURN_SAMPLE_EVERY;
  expect(stats?.latency.count).toBeGreaterThanOrEqual(Math.floor(expected * 0.8));
  expect(stats?.latency.count).toBeLessThanOrEqual(Math.ceil(expected));
  await runtime.shutdown();
});

test("a timed turn that fails the actor (restart) is timed once, and leaves no timing behind for the next turns", async () => {
  const runtime = new LocalRuntime();
  const sleepy = await runtime.spawn(Sleepy, { supervision: { restart: "on-failure", minBackoffMs: 1, maxBackoffMs: 1 } });
  for (let i = 0; i < TURN_SAMPLE_EVERY; i++) await sleepy.quick();
  await expect(sleepy.boom()).rejects.toMatchObject({ code: "HANDLER_ERROR" }); // the sampled turn
  expect(statsOf(runtime, "Sleepy")).toMatchObject({ restarts: 1, errors: 1, latency: { count: 1 } });
  // After the restart, an async turn that is not sampled adds nothing.
  await sleepy.nap(30);
  const after = statsOf(runtime, "Sleepy");
  expect(after?.latency.count).toBe(1);
  expect(after?.latency.sum).toBeLessThan(0.03);
  await runtime.shutdown();
});
