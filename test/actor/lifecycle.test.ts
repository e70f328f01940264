import { describe, expect, test } from "bun:test";
import { Actor, ActorError, type StopEvent } from "pulsing";
import { gate, startSystem } from "../helpers.ts";

describe("start", () => {
  test("onStart runs as the first turn, before any message", async () => {
    const order: string[] = [];
    class Starter extends Actor {
      override async onStart(): Promise<void> {
        void this.ref.$tell.note("queued during start");
        await Bun.sleep(2);
        order.push("started");
      }
      note(what: string): void {
        order.push(what);
      }
      list(): string[] {
        return order;
      }
    }
    const { system } = await startSystem();
    const starter = await system.spawn(Starter);
    expect(await starter.list()).toEqual(["started", "queued during start"]);
  });

  test("an onStart that throws rejects spawn with START_FAILED and leaves nothing registered", async () => {
    class Broken extends Actor {
      override onStart(): void {
        throw new TypeError("no config");
      }
    }
    const { system } = await startSystem();
    const error = (await system.spawn(Broken, { name: "broken" }).catch((e: unknown) => e)) as ActorError;
    expect(error).toBeInstanceOf(ActorError);
    expect(error.code).toBe("START_FAILED");
    expect(error.errorName).toBe("TypeError");
    expect(error.message).toBe("no config");
    expect(((await system.resolve("broken").catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_NOT_FOUND");
    expect(system.actors()).toEqual([]);
    // The name is free again.
    class Fixed extends Actor {}
    expect((await system.spawn(Fixed, { name: "broken" })).$name).toBe("broken");
  });

  test("a constructor that throws rejects spawn with START_FAILED", async () => {
    class Throws extends Actor {
      constructor() {
        super();
        throw new Error("bad constructor");
      }
    }
    const { system } = await startSystem();
    expect(((await system.spawn(Throws).catch((e: unknown) => e)) as ActorError).code).toBe("START_FAILED");
    expect(system.actors()).toEqual([]);
  });

  test("spawn refuses something that is not an Actor class", async () => {
    class NotAnActor {}
    const { system } = await startSystem();
    const error = (await system.spawn(NotAnActor as never).catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("INVALID_OPTION");
  });

  test("an actor knows its ref and its system", async () => {
    class Self extends Actor {
      async whoAmI(): Promise<string | undefined> {
        const same = await this.system.resolve<Self>("me");
        return same === this.ref ? this.ref.$name : "different";
      }
    }
    const { system } = await startSystem();
    const self = await system.spawn(Self, { name: "me" });
    expect(await self.whoAmI()).toBe("me");
  });

  test("an actor built with new has no ref", () => {
    class Loose extends Actor {}
    expect(() => new Loose().ref).toThrow(/spawn/);
  });
});

describe("stop, kill and shutdown", () => {
  class Worker extends Actor {
    static stops = 0;
    async hold(release: Promise<void>): Promise<string> {
      await release;
      return "done";
    }
    echo(x: string): string {
      return x;
    }
    override onStop(): void {
      Worker.stops++;
    }
  }

  test("stop lets the running turn finish, refuses queued asks, runs onStop", async () => {
    const { system } = await startSystem();
    const worker = await system.spawn(Worker, { name: "w" });
    const release = gate();
    const running = worker.hold(release.promise);
    await Bun.sleep(1); // hold's turn began in a microtask; what follows queues behind it
    const queued = worker.echo("never").catch((e: ActorError) => e.code);
    const stops = Worker.stops;
    const stopping = system.stop(worker);
    const late = worker.echo("too late").catch((e: ActorError) => e.code);
    expect(await queued).toBe("ACTOR_STOPPED");
    expect(await late).toBe("ACTOR_STOPPED");
    release.open();
    expect(await running).toBe("done");
    await stopping;
    expect(Worker.stops).toBe(stops + 1);
    expect(((await worker.echo("after").catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_STOPPED");
    expect(((await system.resolve("w").catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_NOT_FOUND");
  });

  test("stop gives up on a turn that never ends after stopTimeoutMs", async () => {
    const { system, log } = await startSystem({ stopTimeoutMs: 30 });
    const worker = await system.spawn(Worker);
    const hung = worker.hold(new Promise(() => {}));
    await Bun.sleep(1);
    await system.stop(worker);
    expect(((await hung.catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_STOPPED");
    expect(log.lines.some((line) => line.event.startsWith("turn did not end in time"))).toBe(true);
  });

  test("kill stops at once: the running turn's caller is told, onStop does not run", async () => {
    const { system } = await startSystem();
    const worker = await system.spawn(Worker);
    const running = worker.hold(new Promise(() => {}));
    await Bun.sleep(1);
    const stops = Worker.stops;
    const events: StopEvent[] = [];
    system.watch(worker, (event) => events.push(event));
    await system.kill(worker);
    expect(((await running.catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_STOPPED");
    expect(Worker.stops).toBe(stops);
    expect(events.map((e) => e.reason)).toEqual(["killed"]);
  });

  test("a kill during a graceful stop stops waiting for the running turn", async () => {
    const { system } = await startSystem({ stopTimeoutMs: 60_000 });
    const worker = await system.spawn(Worker);
    const hung = worker.hold(new Promise(() => {})).catch((e: ActorError) => e.code);
    await Bun.sleep(1);
    const stopping = system.stop(worker);
    await system.kill(worker);
    await stopping;
    expect(await hung).toBe("ACTOR_STOPPED");
  });

  test("stopping an unknown name fails with ACTOR_NOT_FOUND; stopping twice is fine", async () => {
    const { system } = await startSystem();
    expect(((await system.stop("ghost").catch((e: unknown) => e)) as ActorError).code).toBe("ACTOR_NOT_FOUND");
    const worker = await system.spawn(Worker);
    await Promise.all([system.stop(worker), system.stop(worker)]);
    await system.stop(worker);
  });

  test("an actor can stop itself after its turn", async () => {
    class Quitter extends Actor {
      quit(): string {
        this.stopSelf();
        return "bye";
      }
    }
    const { system } = await startSystem();
    const quitter = await system.spawn(Quitter);
    const events: StopEvent[] = [];
    system.watch(quitter, (event) => events.push(event));
    expect(await quitter.quit()).toBe("bye");
    await Bun.sleep(1);
    expect(events.map((e) => e.reason)).toEqual(["normal"]);
  });

  test("shutdown stops every actor with reason shutdown and refuses new spawns", async () => {
    const { system } = await startSystem();
    const a = await system.spawn(Worker);
    const b = await system.spawn(Worker, { name: "b" });
    const reasons: string[] = [];
    system.watch(a, (e) => reasons.push(e.reason));
    system.watch(b, (e) => reasons.push(e.reason));
    await system.shutdown();
    expect(reasons).toEqual(["shutdown", "shutdown"]);
    expect(system.actors()).toEqual([]);
    expect(((await system.spawn(Worker).catch((e: unknown) => e)) as ActorError).code).toBe("SHUTTING_DOWN");
    await system.shutdown(); // idempotent
  });
});

describe("watch", () => {
  class Plain extends Actor {}

  test("tells each watcher once, and unwatch stops it", async () => {
    const { system } = await startSystem();
    const actor = await system.spawn(Plain, { name: "watched" });
    const seen: StopEvent[] = [];
    const ignored: StopEvent[] = [];
    system.watch("watched", (event) => seen.push(event));
    const unwatch = system.watch(actor, (event) => ignored.push(event));
    unwatch();
    await system.stop(actor);
    expect(seen).toEqual([{ name: "watched", id: actor.$id, reason: "normal" }]);
    expect(ignored).toEqual([]);
  });

  test("watching an actor that already stopped reports it at once", async () => {
    const { system } = await startSystem();
    const actor = await system.spawn(Plain);
    await system.stop(actor);
    const event = await new Promise<StopEvent>((resolve) => system.watch(actor, resolve));
    expect(event.reason).toBe("normal");
  });

  test("a watcher that throws does not disturb the others", async () => {
    const { system, log } = await startSystem();
    const actor = await system.spawn(Plain);
    const seen: string[] = [];
    system.watch(actor, () => {
      throw new Error("bad watcher");
    });
    system.watch(actor, (e) => seen.push(e.reason));
    await system.stop(actor);
    expect(seen).toEqual(["normal"]);
    expect(log.lines.some((line) => line.event === "watcher failed")).toBe(true);
  });
});

describe("hostile values from handlers", () => {
  test("a handler that throws an object without a prototype answers HANDLER_ERROR and the actor goes on", async () => {
    class Odd extends Actor {
      weird(): never {
        throw Object.create(null);
      }
      async weirdLater(): Promise<never> {
        throw Object.create(null);
      }
      ok(): string {
        return "ok";
      }
    }
    const { system } = await startSystem();
    const odd = await system.spawn(Odd);
    expect(((await odd.weird().catch((e: unknown) => e)) as ActorError).code).toBe("HANDLER_ERROR");
    expect(((await odd.weirdLater().catch((e: unknown) => e)) as ActorError).code).toBe("HANDLER_ERROR");
    expect(await odd.ok()).toBe("ok");
  });

  test("an onStop that throws a BigInt still lets the stop finish and frees the name", async () => {
    class Big extends Actor {
      override onStop(): void {
        throw 42n;
      }
    }
    const system = await (await import("pulsing")).ActorSystem.start(); // the default JSON logger must not throw on it
    const big = await system.spawn(Big, { name: "big" });
    const events: StopEvent[] = [];
    system.watch(big, (e) => events.push(e));
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      await system.stop(big);
    } finally {
      process.stderr.write = original;
    }
    expect(events.map((e) => e.reason)).toEqual(["normal"]);
    expect((await system.spawn(Big, { name: "big" })).$name).toBe("big");
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      await system.shutdown();
    } finally {
      process.stderr.write = original;
    }
  });
});
