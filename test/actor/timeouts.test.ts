import { describe, expect, test } from "bun:test";
import { Actor, ActorError } from "pulsing";
import { gate, startSystem } from "../helpers.ts";

const never = new Promise<never>(() => {});

class Sleeper extends Actor {
  handled: string[] = [];
  async hang(): Promise<void> {
    await never;
  }
  async wait(release: Promise<void>, tag: string): Promise<string> {
    await release;
    this.handled.push(tag);
    return tag;
  }
  mark(tag: string): string {
    this.handled.push(tag);
    return tag;
  }
  seen(): string[] {
    return this.handled;
  }
}

describe("timeouts", () => {
  test("every ask has a timeout: a handler that never settles gives TIMEOUT", async () => {
    const { system } = await startSystem({ askTimeoutMs: 40 });
    const sleeper = await system.spawn(Sleeper);
    const error = (await sleeper.hang().catch((e: unknown) => e)) as ActorError;
    expect(error).toBeInstanceOf(ActorError);
    expect(error.code).toBe("TIMEOUT");
  });

  test("$withTimeout overrides the system default for that ref only", async () => {
    const { system } = await startSystem({ askTimeoutMs: 60_000 });
    const sleeper = await system.spawn(Sleeper);
    const short = sleeper.$withTimeout(20);
    expect(((await short.hang().catch((e: unknown) => e)) as ActorError).code).toBe("TIMEOUT");
    expect(short.$name).toBe(sleeper.$name);
    expect(() => sleeper.$withTimeout(0)).toThrow(ActorError);
    expect(() => sleeper.$withTimeout(Number.NaN)).toThrow(ActorError);
  });

  test("a message that timed out while queued is skipped, the rest still run", async () => {
    const { system } = await startSystem();
    const sleeper = await system.spawn(Sleeper);
    const release = gate();
    const blocking = sleeper.wait(release.promise, "first");
    const doomed = sleeper.$withTimeout(20).mark("doomed");
    const kept = sleeper.mark("kept");
    expect(((await doomed.catch((e: unknown) => e)) as ActorError).code).toBe("TIMEOUT");
    release.open();
    expect(await blocking).toBe("first");
    expect(await kept).toBe("kept");
    expect(await sleeper.seen()).toEqual(["first", "kept"]);
  });

  test("many asks with mixed timeouts each settle once, the right way", async () => {
    const { system } = await startSystem();
    const sleeper = await system.spawn(Sleeper);
    const quick = Array.from({ length: 200 }, (_, i) => sleeper.$withTimeout(5_000).mark(`q${i}`));
    const hanging = [10, 20, 30].map((ms) => sleeper.$withTimeout(ms).hang().catch((e: ActorError) => e.code));
    expect((await Promise.all(quick)).length).toBe(200);
    // Only the first hang runs (it holds the turn); all three time out.
    expect(await Promise.all(hanging)).toEqual(["TIMEOUT", "TIMEOUT", "TIMEOUT"]);
  });

  test("an invalid askTimeoutMs is refused", async () => {
    await expect(startSystem({ askTimeoutMs: -1 })).rejects.toThrow(ActorError);
  });
});
