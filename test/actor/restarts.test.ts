import { describe, expect, test } from "bun:test";
import { Actor, ActorError, type StopEvent } from "pulsing";
import { startSystem, until } from "../helpers.ts";

class Fragile extends Actor {
  static built = 0;
  static stopped = 0;
  calls = 0;
  constructor() {
    super();
    Fragile.built++;
  }
  work(): number {
    return ++this.calls;
  }
  corrupt(): never {
    throw new Error("state corrupted");
  }
  shrug(): never {
    throw new Error("just this call");
  }
  async *items(): AsyncGenerator<number> {
    for (let i = 0; ; i++) yield i;
  }
  override isFatal(error: unknown): boolean {
    return error instanceof Error && error.message === "state corrupted";
  }
  override onStop(): void {
    Fragile.stopped++;
  }
}

const fast = { minBackoffMs: 1, maxBackoffMs: 5 };

describe("supervision", () => {
  test("a fatal error restarts the actor with a fresh instance under the same name and ref", async () => {
    const { system, log } = await startSystem();
    const ref = await system.spawn(Fragile, { name: "fragile", supervision: { restart: "on-failure", ...fast } });
    await ref.work();
    await ref.work();
    const built = Fragile.built;
    const stopped = Fragile.stopped;
    const error = (await ref.corrupt().catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("HANDLER_ERROR");
    // Asked while restarting: queued, then handled by the new instance.
    expect(await ref.work()).toBe(1);
    expect(Fragile.built).toBe(built + 1);
    expect(Fragile.stopped).toBe(stopped + 1);
    expect(await system.resolve("fragile")).toBe(ref);
    expect(log.lines.some((line) => line.event === "actor restarting")).toBe(true);
  });

  test("a non-fatal error does not restart", async () => {
    const { system } = await startSystem();
    const ref = await system.spawn(Fragile, { supervision: { restart: "always", ...fast } });
    await ref.work();
    await ref.shrug().catch(() => {});
    expect(await ref.work()).toBe(2);
  });

  test("without a restart policy a fatal error stops the actor as failed", async () => {
    const { system } = await startSystem();
    const ref = await system.spawn(Fragile, { name: "once" });
    const events: StopEvent[] = [];
    system.watch(ref, (event) => events.push(event));
    await ref.corrupt().catch(() => {});
    await until(() => events.length > 0, "the stop event", 2000);
    expect(events[0]?.reason).toBe("failed");
    expect(events[0]?.error?.message).toBe("state corrupted");
    expect(((await ref.work().catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_STOPPED");
    expect(((await system.resolve("once").catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_NOT_FOUND");
  });

  test("after maxRestarts within the window the actor stops as failed", async () => {
    const { system } = await startSystem();
    const ref = await system.spawn(Fragile, { supervision: { restart: "on-failure", maxRestarts: 2, withinMs: 60_000, ...fast } });
    const events: StopEvent[] = [];
    system.watch(ref, (event) => events.push(event));
    for (let i = 0; i < 2; i++) {
      await ref.corrupt().catch(() => {});
      expect(await ref.work()).toBe(1); // restarted, fresh
    }
    await ref.corrupt().catch(() => {});
    await until(() => events.length > 0, "the stop event", 2000);
    expect(events[0]?.reason).toBe("failed");
  });

  test("an onStart that throws during a restart counts as another failure", async () => {
    let starts = 0;
    class FailsSecondStart extends Actor {
      override onStart(): void {
        starts++;
        if (starts === 2) throw new Error("cannot start twice");
      }
      crash(): never {
        throw new Error("crash");
      }
      ok(): string {
        return "ok";
      }
      override isFatal(): boolean {
        return true;
      }
    }
    const { system } = await startSystem();
    const ref = await system.spawn(FailsSecondStart, { supervision: { restart: "on-failure", ...fast } });
    await ref.crash().catch(() => {});
    expect(await ref.ok()).toBe("ok");
    expect(starts).toBe(3);
  });

  test("always restarts an actor that stopped itself; never and on-failure do not", async () => {
    class Quitter extends Actor {
      generation = 0;
      static built = 0;
      constructor() {
        super();
        this.generation = ++Quitter.built;
      }
      quit(): number {
        this.stopSelf();
        return this.generation;
      }
    }
    const { system } = await startSystem();
    const always = await system.spawn(Quitter, { supervision: { restart: "always", ...fast } });
    const first = await always.quit();
    expect(await always.quit()).toBe(first + 1);

    const onFailure = await system.spawn(Quitter, { supervision: { restart: "on-failure", ...fast } });
    await onFailure.quit();
    await Bun.sleep(20);
    expect(((await onFailure.quit().catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_STOPPED");
  });

  test("a restart ends the old instance's open streams with ACTOR_STOPPED", async () => {
    const { system } = await startSystem();
    const ref = await system.spawn(Fragile, { supervision: { restart: "on-failure", ...fast } });
    const stream = ref.items();
    expect((await stream.next()).value).toBe(0);
    await ref.corrupt().catch(() => {});
    const error = (await stream.next().catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("ACTOR_STOPPED");
    expect(await ref.work()).toBe(1);
  });

  test("stop during the backoff stops for good", async () => {
    const { system } = await startSystem();
    const ref = await system.spawn(Fragile, { supervision: { restart: "on-failure", minBackoffMs: 10_000, maxBackoffMs: 10_000 } });
    const events: StopEvent[] = [];
    system.watch(ref, (event) => events.push(event));
    await ref.corrupt().catch(() => {});
    const queued = ref.work();
    await system.stop(ref);
    expect(((await queued.catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_STOPPED");
    expect(events.map((e) => e.reason)).toEqual(["normal"]);
  });

  test("invalid supervision options are refused at spawn", async () => {
    const { system } = await startSystem();
    const error = (await system.spawn(Fragile, { supervision: { restart: "sometimes" as never } }).catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("INVALID_OPTION");
  });
});
