/**
 * Entity state and reminders over a real store (SQLite in a temp file here;
 * test/store/ runs the stores themselves against SQLite and PostgreSQL).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Actor, type ActorClass, ActorSystem, Entity } from "pulsing";
import { SqliteStore } from "../../src/store/sqlite-store.ts";
import { memoryLogger, until } from "../helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "pulsing-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `db-${files++}.sqlite`);

const systems: ActorSystem[] = [];
afterAll(async () => {
  await Promise.all(systems.map((system) => system.shutdown()));
});

/** A node without an address, hosting `classes`, whose entities keep their state in the SQLite file `path`. */
async function node(path: string, ...classes: ActorClass<Actor, []>[]): Promise<ActorSystem> {
  const system = await ActorSystem.start({ logger: memoryLogger(), store: new SqliteStore({ path }), stopTimeoutMs: 200 });
  for (const cls of classes) system.host(cls, { passivateAfterMs: 60_000 });
  systems.push(system);
  return system;
}

class Counter extends Entity<{ n: number; log: string[] }> {
  static kind = "counter";
  static initialState = { n: 0, log: [] as string[] };
  inc(by: number): number {
    this.state.n += by;
    return this.state.n;
  }
  read(): number {
    return this.state.n;
  }
  async slowInc(ms: number): Promise<number> {
    await Bun.sleep(ms);
    this.state.n += 1;
    return this.state.n;
  }
  reset(): Promise<void> {
    return this.clearState();
  }
  stop(): void {
    this.stopSelf();
  }
}

describe("entity state", () => {
  test("a change is saved before the reply: it survives a restart of the node", async () => {
    const path = freshFile();
    const first = await node(path, Counter);
    expect(await first.entity(Counter, "a").inc(2)).toBe(2);
    expect(await first.entity(Counter, "a").inc(3)).toBe(5);
    await first.shutdown();
    const again = await node(path, Counter);
    expect(await again.entity(Counter, "a").read()).toBe(5);
    expect(await again.entity(Counter, "b").read()).toBe(0);
  });

  test("a passivated entity comes back with its state", async () => {
    const path = freshFile();
    const system = await node(path, Counter);
    const counter = system.entity(Counter, "p");
    await counter.inc(7);
    await counter.stop();
    await until(() => system.entities().counter?.active === 0, "the entity to stop");
    expect(await counter.read()).toBe(7);
    expect(system.entities().counter?.activations).toBe(2);
  });

  test("clearState empties the saved state and starts over from the initial one", async () => {
    const system = await node(freshFile(), Counter);
    const counter = system.entity(Counter, "c");
    await counter.inc(4);
    await counter.reset();
    expect(await counter.read()).toBe(0);
    await counter.stop();
    await until(() => system.entities().counter?.active === 0, "the entity to stop");
    expect(await counter.read()).toBe(0);
  });

  test("a state saved by an older version is migrated by the class's migrate", async () => {
    const path = freshFile();
    class V1 extends Entity<{ count: number }> {
      static kind = "versioned";
      static initialState = { count: 0 };
      add(): number {
        return ++this.state.count;
      }
    }
    class V2 extends Entity<{ total: number; unit: string }> {
      static kind = "versioned";
      static initialState = { total: 0, unit: "item" };
      static stateVersion = 2;
      static migrate(old: unknown, from: number): { total: number; unit: string } {
        if (from !== 0) throw new Error(`no migration from ${from}`);
        return { total: (old as { count: number }).count, unit: "item" };
      }
      read(): { total: number; unit: string } {
        return this.state;
      }
    }
    const old = await node(path, V1);
    await old.entity(V1, "k").add();
    await old.entity(V1, "k").add();
    await old.shutdown();
    const upgraded = await node(path, V2);
    expect(await upgraded.entity(V2, "k").read()).toEqual({ total: 2, unit: "item" });
  });

  test("fencing: two activations of one key cannot both commit; the older one stops and its caller gets ENTITY_MOVED", async () => {
    const path = freshFile();
    // Two nodes that each believe they own the key (no cluster between them), one store.
    const a = await node(path, Counter);
    const b = await node(path, Counter);
    expect(await a.entity(Counter, "f").inc(1)).toBe(1);
    // b activates the key: a newer epoch, and the acknowledged write of a is there.
    expect(await b.entity(Counter, "f").inc(10)).toBe(11);
    // a's activation is stale now: its change is refused, and it deactivates.
    await expect(a.entity(Counter, "f").inc(100)).rejects.toMatchObject({ code: "ENTITY_MOVED" });
    await until(() => a.entities().counter?.active === 0, "the fenced activation to stop");
    // Nothing acknowledged is lost; the refused change never landed.
    expect(await b.entity(Counter, "f").read()).toBe(11);
    const c = await node(path, Counter);
    expect(await c.entity(Counter, "f").read()).toBe(11);
  });
});

class Alarm extends Entity<{ fired: { name: string; dueAt: number }[] }> {
  static kind = "alarm";
  static initialState = { fired: [] as { name: string; dueAt: number }[] };
  static fired: { key: string; name: string }[] = [];
  set(name: string, inMs: number): Promise<void> {
    return this.remind(name, { at: Date.now() + inMs });
  }
  repeat(name: string, everyMs: number): Promise<void> {
    return this.remind(name, { everyMs });
  }
  cancel(name: string): Promise<void> {
    return this.forget(name);
  }
  override onReminder(name: string, dueAt: number): void {
    Alarm.fired.push({ key: this.key, name });
    this.state.fired.push({ name, dueAt });
  }
  history(): { name: string; dueAt: number }[] {
    return this.state.fired;
  }
  stop(): void {
    this.stopSelf();
  }
}

describe("states that cannot be saved", () => {
  test("a state that cannot be encoded, or would be too large to load again, is put back and the turn fails; the entity goes on", async () => {
    class Bag extends Entity<{ items: unknown[] }> {
      static kind = "bag";
      static initialState = { items: [] as unknown[] };
      put(item: unknown): number {
        this.state.items.push(item);
        return this.state.items.length;
      }
      putFunction(): number {
        this.state.items.push(() => 1);
        return this.state.items.length;
      }
      putBig(bytes: number): number {
        this.state.items.push("x".repeat(bytes));
        return this.state.items.length;
      }
      count(): number {
        return this.state.items.length;
      }
    }
    const system = await ActorSystem.start({ logger: memoryLogger(), store: new SqliteStore({ path: freshFile() }), stopTimeoutMs: 200, limits: { maxMessageBytes: 64 * 1024 } });
    systems.push(system);
    system.host(Bag);
    const bag = system.entity(Bag, "b");
    expect(await bag.put("one")).toBe(1);
    await expect(bag.putFunction()).rejects.toMatchObject({ code: "HANDLER_ERROR" });
    await expect(bag.putBig(100 * 1024)).rejects.toMatchObject({ code: "HANDLER_ERROR" });
    // Nested deeper than a node loads (64 levels): refused as well.
    let deep: unknown = "bottom";
    for (let i = 0; i < 70; i++) deep = [deep];
    await expect(bag.put(deep)).rejects.toMatchObject({ code: "HANDLER_ERROR" });
    expect(await bag.count()).toBe(1);
    expect(await bag.put("two")).toBe(2);
  });
});

describe("a store that fails", () => {
  test("a change whose save failed is dropped: the caller gets an error, the entity reloads, and the change is never committed later", async () => {
    const real = new SqliteStore({ path: freshFile() });
    let failing = false;
    // The real store, whose saves fail while `failing` is set (as a database that went away would).
    const flaky = new Proxy(real, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === "save") return (...args: unknown[]) => (failing ? Promise.reject(new Error("connection closed")) : (value as Function).apply(target, args));
        return typeof value === "function" ? (value as Function).bind(target) : value;
      },
    });
    const system = await ActorSystem.start({ logger: memoryLogger(), store: flaky, stopTimeoutMs: 200 });
    systems.push(system);
    system.host(Counter);
    const counter = system.entity(Counter, "s");
    expect(await counter.inc(1)).toBe(1);
    failing = true;
    await expect(counter.inc(1)).rejects.toMatchObject({ code: "HANDLER_ERROR", errorName: "StoreError" });
    failing = false;
    await until(() => system.entities().counter?.active === 0, "the activation to stop");
    expect(await counter.read()).toBe(1);
    expect(await counter.inc(1)).toBe(2);
  });
});

test("a handler that changes the state and then throws has its change saved before the failure goes, as one that rejects", async () => {
  class Rash extends Entity<{ n: number }> {
    static kind = "rash-now";
    static initialState = { n: 0 };
    boom(): number {
      this.state.n++;
      throw new Error("after the change");
    }
  }
  const path = freshFile();
  const system = await node(path, Rash);
  await expect(system.entity(Rash, "r").boom()).rejects.toMatchObject({ code: "HANDLER_ERROR", message: "after the change" });
  const reader = new SqliteStore({ path });
  try {
    expect(await reader.keys("rash-now", 10)).toEqual(["r"]);
  } finally {
    await reader.close();
  }
});

describe("periodic saving", () => {
  test("with saveEveryMs, changes are saved on the period and when the activation ends", async () => {
    class Fast extends Entity<{ n: number }> {
      static kind = "fast";
      static initialState = { n: 0 };
      static saveEveryMs = 50;
      inc(): number {
        return ++this.state.n;
      }
      stop(): void {
        this.stopSelf();
      }
    }
    const path = freshFile();
    const system = await node(path, Fast);
    const fast = system.entity(Fast, "f");
    await fast.inc();
    await fast.inc();
    // Read the store directly: a reader on the same file sees the periodic save.
    const saved = async () => {
      const reader = new SqliteStore({ path });
      try {
        return (await reader.keys("fast", 10)).length;
      } finally {
        await reader.close();
      }
    };
    await until(async () => (await saved()) === 1, "the periodic save");
    await fast.inc();
    await fast.stop();
    await until(() => system.entities().fast?.active === 0, "the entity to stop");
    expect(await fast.inc()).toBe(4);
  });
});

test("with saveEveryMs, an activation no turn touched runs no save turn: idle costs nothing", async () => {
  class Idle extends Entity<{ n: number }> {
    static kind = "idle";
    static initialState = { n: 0 };
    static saveEveryMs = 20;
    inc(): number {
      return ++this.state.n;
    }
  }
  const path = freshFile();
  const system = await ActorSystem.start({ addr: "127.0.0.1:0", logger: memoryLogger(), store: new SqliteStore({ path }), stopTimeoutMs: 200 });
  systems.push(system);
  system.host(Idle, { passivateAfterMs: 60_000 });
  const handled = async () => {
    const text = await (await fetch(`http://${system.addr}/metrics`)).text();
    return Number(/pulsing_messages_handled_total\{class="Idle"\} (\d+)/.exec(text)?.[1] ?? "0");
  };
  const idle = system.entity(Idle, "i");
  await idle.inc();
  // The call's turn, then the one save it armed, a period later.
  await until(async () => (await handled()) === 2, "the save turn the call armed");
  await Bun.sleep(200); // ten periods: before, each ran a save turn
  expect(await handled()).toBe(2);
  expect(await idle.inc()).toBe(2);
  await until(async () => (await handled()) === 4, "the next call's save turn");
});

test("with saveEveryMs, a handler that changes the state and then throws still arms the save: its change is saved a period later", async () => {
  class Rash extends Entity<{ n: number }> {
    static kind = "rash";
    static initialState = { n: 0 };
    static saveEveryMs = 20;
    boom(): number {
      this.state.n++;
      throw new Error("after the change");
    }
  }
  const path = freshFile();
  const system = await node(path, Rash);
  await expect(system.entity(Rash, "r").boom()).rejects.toMatchObject({ code: "HANDLER_ERROR" });
  // Nothing else touches the key: only the save that turn armed can store its change (passivation is a minute away).
  const saved = async () => {
    const reader = new SqliteStore({ path });
    try {
      return (await reader.keys("rash", 10)).length;
    } finally {
      await reader.close();
    }
  };
  await until(async () => (await saved()) === 1, "the save the failed turn armed", 2_000);
});

test("with saveEveryMs, a save that falls due while the activation deactivates warns of nothing: the deactivation saves the change", async () => {
  class Lingering extends Entity<{ n: number }> {
    static kind = "lingering";
    static initialState = { n: 0 };
    static saveEveryMs = 10;
    inc(): number {
      return ++this.state.n;
    }
    override async onDeactivate(): Promise<void> {
      await Bun.sleep(40); // the save armed by inc falls due meanwhile
    }
    stop(): void {
      this.stopSelf();
    }
  }
  const path = freshFile();
  const logger = memoryLogger();
  const system = await ActorSystem.start({ logger, store: new SqliteStore({ path }), stopTimeoutMs: 200 });
  systems.push(system);
  system.host(Lingering, { passivateAfterMs: 60_000 });
  const entity = system.entity(Lingering, "l");
  await entity.inc();
  await entity.stop();
  await until(() => system.entities().lingering?.active === 0, "the activation to end");
  await Bun.sleep(20);
  expect(logger.lines.filter((line) => line.level === "warn").map((line) => line.event)).toEqual([]);
  expect(await entity.inc()).toBe(2);
});

test("an every() timer that falls due while the activation deactivates warns of nothing", async () => {
  class Ticking extends Entity {
    static kind = "ticking";
    ticks = 0;
    override onActivate(): void {
      this.every(10, () => this.ticks++);
    }
    override async onDeactivate(): Promise<void> {
      await Bun.sleep(40); // the timer falls due meanwhile
    }
    read(): number {
      return this.ticks;
    }
    stop(): void {
      this.stopSelf();
    }
  }
  const logger = memoryLogger();
  const system = await ActorSystem.start({ logger, store: new SqliteStore({ path: freshFile() }), stopTimeoutMs: 200 });
  systems.push(system);
  system.host(Ticking, { passivateAfterMs: 60_000 });
  const entity = system.entity(Ticking, "t");
  await until(async () => (await entity.read()) > 0, "the timer to tick");
  await entity.stop();
  await until(() => system.entities().ticking?.active === 0, "the activation to end");
  await Bun.sleep(20);
  expect(logger.lines.filter((line) => line.level === "warn").map((line) => line.event)).toEqual([]);
});

describe("reminders", () => {
  test("a reminder fires with its name and due time, even on a passive entity (it is activated), and is saved with the state", async () => {
    Alarm.fired = [];
    const system = await node(freshFile(), Alarm);
    const alarm = system.entity(Alarm, "wake");
    await alarm.set("ring", 100);
    await alarm.stop();
    await until(() => system.entities().alarm?.active === 0, "the alarm to passivate");
    await until(() => Alarm.fired.length === 1, "the reminder to fire");
    expect(Alarm.fired).toEqual([{ key: "wake", name: "ring" }]);
    const [entry] = await alarm.history();
    expect(entry?.name).toBe("ring");
    expect(entry?.dueAt).toBeGreaterThan(0);
  });

  test("a periodic reminder fires again and again until forgotten", async () => {
    Alarm.fired = [];
    const system = await node(freshFile(), Alarm);
    const alarm = system.entity(Alarm, "tick");
    await alarm.repeat("every", 50);
    await until(() => Alarm.fired.length >= 3, "three firings");
    await alarm.cancel("every");
    const count = Alarm.fired.length;
    await Bun.sleep(300);
    expect(Alarm.fired.length).toBeLessThanOrEqual(count + 1); // one may have been in flight
  });

  test("a reminder due while its node was down fires after the node starts again", async () => {
    Alarm.fired = [];
    const path = freshFile();
    const first = await node(path, Alarm);
    await first.entity(Alarm, "later").set("after-restart", 200);
    await first.shutdown();
    await Bun.sleep(300);
    expect(Alarm.fired).toEqual([]);
    await node(path, Alarm);
    await until(() => Alarm.fired.some((f) => f.name === "after-restart"), "the reminder to fire after the restart");
  });
});

describe("failing reminders", () => {
  test("reminders whose handler keeps failing back off, and do not hold back the ones due after them", async () => {
    let good = 0;
    let bad = 0;
    class Poisoned extends Entity<{ x: number }> {
      static kind = "poisoned";
      static initialState = { x: 0 };
      set(name: string, at: number): Promise<void> {
        return this.remind(name, { at });
      }
      override onReminder(name: string): void {
        if (name === "bad") {
          bad++;
          throw new Error("poison");
        }
        good++;
      }
    }
    const system = await ActorSystem.start({ logger: memoryLogger(), store: new SqliteStore({ path: freshFile() }), stopTimeoutMs: 200 });
    systems.push(system);
    system.host(Poisoned);
    const now = Date.now();
    // More failing reminders than a poll reads, all due before the good one.
    for (let i = 0; i < 300; i++) await system.entity(Poisoned, `bad-${i}`).set("bad", now + 100);
    await system.entity(Poisoned, "good").set("good", now + 200);
    await until(() => good === 1, "the good reminder to fire despite the failing ones", 10_000);
    // Every failing one was tried (and stays due: at least once).
    expect(bad).toBeGreaterThanOrEqual(300);
  });
});

describe("operators", () => {
  test("GET /entities/{kind}/keys pages through the keys with a state; DELETE /entity/{kind}/{key} deletes one", async () => {
    const system = await ActorSystem.start({ addr: "127.0.0.1:0", logger: memoryLogger(), store: new SqliteStore({ path: freshFile() }), stopTimeoutMs: 200 });
    systems.push(system);
    system.host(Counter);
    for (const key of ["k1", "k2", "k3", "a/b c"]) await system.entity(Counter, key).inc(1);
    const base = `http://${system.addr}`;
    const page = (await (await fetch(`${base}/entities/counter/keys?limit=2`)).json()) as { keys: string[]; next: string | null };
    expect(page.keys).toEqual(["a/b c", "k1"]);
    const rest = (await (await fetch(`${base}/entities/counter/keys?limit=2&after=${encodeURIComponent(page.next as string)}`)).json()) as { keys: string[] };
    expect(rest.keys).toEqual(["k2", "k3"]);
    const deleted = await fetch(`${base}/entity/counter/${encodeURIComponent("a/b c")}`, { method: "DELETE" });
    expect(await deleted.json()).toEqual({ deleted: true });
    expect(((await (await fetch(`${base}/entities/counter/keys`)).json()) as { keys: string[] }).keys).toEqual(["k1", "k2", "k3"]);
    expect(await system.entity(Counter, "a/b c").read()).toBe(0);
    const bad = await fetch(`${base}/entities/counter/keys?limit=0`);
    expect(bad.status).toBe(400);
  });
});
