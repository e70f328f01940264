import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type EntityStore,
  openStore,
  openStoreDescribed,
  PostgresStore,
  type Reminder,
  SqliteStore,
  StoreError,
} from "../../src/store/index.ts";

/**
 * Every test runs against both stores: SQLite in a temp file (so WAL is in
 * play) and PostgreSQL on a real server named by PULSING_TEST_POSTGRES. Each
 * test uses kinds of its own (a random run id and a counter), so tests and
 * runs sharing one database never see each other's rows.
 */

const POSTGRES_URL = process.env.PULSING_TEST_POSTGRES;
const POSTGRES_SETUP = `PULSING_TEST_POSTGRES is not set: the store tests need a PostgreSQL server and fail without one (they never skip).
Set one up on this machine (as root; installs Debian's postgresql if missing, starts it, creates the role and database) and run the tests with it:
    scripts/postgres-for-tests.sh bun test test/store
or point the variable at a database of your own:
    PULSING_TEST_POSTGRES=postgres://pulsing:pulsing@127.0.0.1:5432/pulsing_test bun test test/store`;

type TestStore = EntityStore & { readonly saveTransactions: number; readonly writesSaved: number };

const dir = mkdtempSync(join(tmpdir(), "pulsing-store-test-"));
const sqlitePath = join(dir, "nested", "dir", "pulsing.db"); // the directories do not exist yet
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// This run's rows leave the shared test database with it.
afterAll(async () => {
  if (POSTGRES_URL === undefined || POSTGRES_URL === "") return;
  const sql = new SQL(POSTGRES_URL, { max: 1, connectionTimeout: 5 });
  try {
    const pattern = `test-%-${RUN}-%`;
    await sql`DELETE FROM entity_state WHERE kind LIKE ${pattern}`;
    await sql`DELETE FROM entity_reminders WHERE kind LIKE ${pattern}`;
  } finally {
    await sql.close({ timeout: 5 });
  }
});

interface Factory {
  readonly name: string;
  /** A store over the factory's one database: a second call is a second node (or process) on the same data. */
  open(): TestStore;
}

const FACTORIES: readonly Factory[] = [
  { name: "sqlite", open: () => new SqliteStore({ path: sqlitePath }) },
  {
    name: "postgres",
    open: () => {
      if (POSTGRES_URL === undefined || POSTGRES_URL === "") throw new Error(POSTGRES_SETUP);
      return new PostgresStore({ url: POSTGRES_URL, maxConnections: 4, connectTimeoutMs: 5000 });
    },
  },
];

const opened: EntityStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

const RUN = Math.random().toString(36).slice(2, 8);
let kindCount = 0;
/** A kind no other test (or run) uses. */
function kindFor(what: string): string {
  return `test-${what}-${RUN}-${++kindCount}`;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

async function storeError(promise: Promise<unknown>): Promise<StoreError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error("expected a StoreError");
}

test("PULSING_TEST_POSTGRES names the PostgreSQL server for the store tests", () => {
  if (POSTGRES_URL === undefined || POSTGRES_URL === "") throw new Error(POSTGRES_SETUP);
  expect(POSTGRES_URL).toMatch(/^postgres(ql)?:\/\//);
});

for (const factory of FACTORIES) {
  describe(`${factory.name} store`, () => {
    const open = (): TestStore => {
      const store = factory.open();
      opened.push(store);
      return store;
    };

    test("activate creates the key at epoch 1, each activation bumps it, and returns the saved state and version", async () => {
      const store = open();
      const kind = kindFor("activate");
      expect(await store.activate(kind, "a")).toEqual({ epoch: 1, state: undefined, version: 0 });
      const second = await store.activate(kind, "a");
      expect(second.epoch).toBe(2);
      expect(await store.save([{ kind, key: "a", epoch: 2, state: bytes("hello"), version: 3 }])).toEqual([true]);
      const third = await store.activate(kind, "a");
      expect(third.epoch).toBe(3);
      expect(third.state).toBeInstanceOf(Uint8Array);
      expect(third.state!.constructor).toBe(Uint8Array);
      expect(text(third.state)).toBe("hello");
      expect(third.version).toBe(3);
      // Keys are independent; empty and odd strings are keys like any other.
      expect((await store.activate(kind, "")).epoch).toBe(1);
      expect((await store.activate(kind, "b/é ✓ 😀 'x' \"y\"")).epoch).toBe(1);
      expect((await store.activate(`${kind}-other`, "a")).epoch).toBe(1);
    });

    test("a save with the current epoch commits; with a stale one it returns false and changes nothing", async () => {
      const store = open();
      const kind = kindFor("stale");
      const old = await store.activate(kind, "k");
      const current = await store.activate(kind, "k");
      expect(await store.save([{ kind, key: "k", epoch: old.epoch, state: bytes("old"), version: 1 }])).toEqual([false]);
      expect((await store.activate(kind, "k")).state).toBeUndefined();

      const now = await store.activate(kind, "k");
      expect(now.epoch).toBe(current.epoch + 2);
      // One call, two writes: each gets its own answer.
      const answers = await store.save([
        { kind, key: "k", epoch: current.epoch, state: bytes("stale"), version: 1 },
        { kind, key: "k", epoch: now.epoch, state: bytes("fresh"), version: 2 },
      ]);
      expect(answers).toEqual([false, true]);
      expect(await store.save([{ kind, key: "k", epoch: old.epoch, state: bytes("older"), version: 1 }])).toEqual([false]);
      const after = await store.activate(kind, "k");
      expect(text(after.state)).toBe("fresh");
      expect(after.version).toBe(2);

      // A key never activated has no epoch to match: nothing is written.
      expect(await store.save([{ kind, key: "never", epoch: 1, state: bytes("x"), version: 0 }])).toEqual([false]);
      expect(await store.keys(kind, 10)).toEqual(["k"]);
    });

    test("two writes to one key in one batch commit in call order", async () => {
      const store = open();
      const kind = kindFor("order");
      const { epoch } = await store.activate(kind, "k");
      const results = await Promise.all([
        store.save([{ kind, key: "k", epoch, state: bytes("1"), version: 0 }]),
        store.save([{ kind, key: "k", epoch, state: bytes("2"), version: 0 }]),
        store.save([
          { kind, key: "k", epoch, state: bytes("3"), version: 0 },
          { kind, key: "k", epoch, state: bytes("4"), version: 0 },
        ]),
      ]);
      expect(results).toEqual([[true], [true], [true, true]]);
      expect(text((await store.activate(kind, "k")).state)).toBe("4");
    });

    test("a forced race: two nodes activate one key at once and both save; exactly one commits, the newer activation", async () => {
      const nodeA = open();
      const nodeB = open();
      const kind = kindFor("race");
      for (let round = 0; round < 20; round++) {
        const [a, b] = await Promise.all([nodeA.activate(kind, "k"), nodeB.activate(kind, "k")]);
        expect(a.epoch).not.toBe(b.epoch);
        const [[savedA], [savedB]] = await Promise.all([
          nodeA.save([{ kind, key: "k", epoch: a.epoch, state: bytes(`A${round}`), version: 0 }]),
          nodeB.save([{ kind, key: "k", epoch: b.epoch, state: bytes(`B${round}`), version: 0 }]),
        ]);
        expect([savedA, savedB].filter(Boolean)).toHaveLength(1);
        const winner = a.epoch > b.epoch ? `A${round}` : `B${round}`;
        expect(savedA).toBe(a.epoch > b.epoch);
        const next = await nodeA.activate(kind, "k");
        expect(text(next.state)).toBe(winner);
        expect(next.epoch).toBe(Math.max(a.epoch, b.epoch) + 1);
      }
    });

    test("a null state clears the saved state but keeps the key's epoch, so fencing still holds", async () => {
      const store = open();
      const kind = kindFor("clear");
      const first = await store.activate(kind, "k");
      expect(await store.save([{ kind, key: "k", epoch: first.epoch, state: bytes("data"), version: 4 }])).toEqual([true]);
      expect(await store.keys(kind, 10)).toEqual(["k"]);
      expect(await store.save([{ kind, key: "k", epoch: first.epoch, state: null, version: 4 }])).toEqual([true]);
      expect(await store.keys(kind, 10)).toEqual([]);
      const second = await store.activate(kind, "k");
      expect(second).toEqual({ epoch: first.epoch + 1, state: undefined, version: 0 });
      expect(await store.save([{ kind, key: "k", epoch: first.epoch, state: bytes("late"), version: 4 }])).toEqual([false]);
      expect((await store.activate(kind, "k")).state).toBeUndefined();
    });

    test("group commit: 1,000 concurrent saves to distinct keys resolve each with its own answer, in far fewer transactions than writes", async () => {
      const store = open();
      const kind = kindFor("group");
      const keys = Array.from({ length: 1000 }, (_, i) => `key-${String(i).padStart(4, "0")}`);
      const epochs = await Promise.all(keys.map(async (key) => (await store.activate(kind, key)).epoch));
      const stale = keys.slice(0, 100);
      const staleEpochs = await Promise.all(stale.map(async (key) => (await store.activate(kind, key)).epoch));
      expect(staleEpochs.every((epoch) => epoch === 2)).toBe(true);

      const transactionsBefore = store.saveTransactions;
      const writesBefore = store.writesSaved;
      // Half from this turn directly, half from later microtasks of the same turn.
      const saves = keys.map((key, i) => {
        const write = { kind, key, epoch: i < 100 ? staleEpochs[i]! : epochs[i]!, state: bytes(`v-${key}`), version: 1 };
        return i % 2 === 0 ? store.save([write]) : Promise.resolve().then(() => Promise.resolve()).then(() => store.save([write]));
      });
      // The stale writes: the first activation's epoch of the first 100 keys.
      const staleSaves = stale.map((key, i) => store.save([{ kind, key, epoch: epochs[i]!, state: bytes("stale"), version: 1 }]));
      const answers = await Promise.all(saves);
      const staleAnswers = await Promise.all(staleSaves);
      expect(answers.every((answer) => answer.length === 1 && answer[0] === true)).toBe(true);
      expect(staleAnswers.every((answer) => answer.length === 1 && answer[0] === false)).toBe(true);

      const transactions = store.saveTransactions - transactionsBefore;
      expect(store.writesSaved - writesBefore).toBe(1100);
      expect(transactions).toBeGreaterThanOrEqual(2); // 1 100 writes, at most 1 000 per transaction
      expect(transactions).toBeLessThanOrEqual(10);

      const all: string[] = [];
      for (let after: string | undefined; ; ) {
        const page = await store.keys(kind, 300, after);
        all.push(...page);
        if (page.length < 300) break;
        after = page.at(-1);
      }
      expect(all).toEqual(keys);
      for (const i of [0, 99, 100, 555, 999]) {
        const key = keys[i]!;
        expect(text((await store.activate(kind, key)).state)).toBe(`v-${key}`);
      }
    }, 30_000);

    test("one save call larger than a batch commits in one transaction, each write answered", async () => {
      const store = open();
      const kind = kindFor("big");
      const keys = Array.from({ length: 2500 }, (_, i) => `k${i}`);
      const epochs = await Promise.all(keys.map(async (key) => (await store.activate(kind, key)).epoch));
      const before = store.saveTransactions;
      const writes = keys.map((key, i) => ({ kind, key, epoch: i % 10 === 0 ? epochs[i]! + 1 : epochs[i]!, state: bytes(key), version: 0 }));
      const answers = await store.save(writes);
      expect(store.saveTransactions - before).toBe(1);
      expect(answers).toEqual(keys.map((_, i) => i % 10 !== 0));
      expect(text((await store.activate(kind, "k2499")).state)).toBe("k2499");
      expect((await store.activate(kind, "k2490")).state).toBeUndefined();
    }, 30_000);

    test("keys() pages through the keys with a saved state, in byte order, after a key, at most limit", async () => {
      const store = open();
      const kind = kindFor("keys");
      const keys = ["b", "a", "A", "a b", "a/b", "ab", "é", "z", "😀", "\uffff", "0", "10", "9", "-", "~"];
      for (const key of keys) {
        const { epoch } = await store.activate(kind, key);
        expect(await store.save([{ kind, key, epoch, state: bytes(key), version: 0 }])).toEqual([true]);
      }
      await store.activate(kind, "no-state"); // activated but never saved: not listed
      const otherKind = kindFor("keys-other");
      const other = await store.activate(otherKind, "a");
      await store.save([{ kind: otherKind, key: "a", epoch: other.epoch, state: bytes("x"), version: 0 }]);

      const byteOrder = keys.toSorted((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      expect(await store.keys(kind, 100)).toEqual(byteOrder);
      const pages: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.keys(kind, 4, after);
        if (page.length === 0) break;
        pages.push(page);
        after = page.at(-1);
      }
      expect(pages.map((page) => page.length)).toEqual([4, 4, 4, 3]);
      expect(pages.flat()).toEqual(byteOrder);
      expect(await store.keys(kind, 0)).toEqual([]);
      expect(await store.keys(kind, 100, "~")).toEqual(byteOrder.slice(byteOrder.indexOf("~") + 1));
      expect(await store.keys(kindFor("empty"), 10)).toEqual([]);
    });

    test("delete removes the state and the reminders, fences out the live activation, and the next one starts empty", async () => {
      const store = open();
      const kind = kindFor("delete");
      const live = await store.activate(kind, "k");
      await store.save([{ kind, key: "k", epoch: live.epoch, state: bytes("data"), version: 2 }]);
      await store.remind({ kind, key: "k", name: "r", dueAt: 1000, everyMs: undefined });
      await store.remind({ kind, key: "other", name: "r", dueAt: 1000, everyMs: undefined });

      await store.delete(kind, "k");
      expect(await store.keys(kind, 10)).toEqual([]);
      expect((await store.due([kind], 5000, 10)).map((r) => r.key)).toEqual(["other"]);
      // The live activation would save its state back: it is refused.
      expect(await store.save([{ kind, key: "k", epoch: live.epoch, state: bytes("data"), version: 2 }])).toEqual([false]);
      const next = await store.activate(kind, "k");
      expect(next.state).toBeUndefined();
      expect(next.epoch).toBeGreaterThan(live.epoch);
      // Deleting a key that was never there is no error.
      await store.delete(kind, "never");
      expect((await store.activate(kind, "never")).epoch).toBe(1);
    });

    test("reminders: remind sets one, a second remind of the same name replaces it, forget removes it", async () => {
      const store = open();
      const kind = kindFor("remind");
      await store.remind({ kind, key: "k", name: "ping", dueAt: 1000, everyMs: undefined });
      expect(await store.due([kind], 1000, 10)).toEqual([{ kind, key: "k", name: "ping", dueAt: 1000, everyMs: undefined }]);
      await store.remind({ kind, key: "k", name: "ping", dueAt: 2000, everyMs: 500 });
      expect(await store.due([kind], 1999, 10)).toEqual([]);
      expect(await store.due([kind], 2000, 10)).toEqual([{ kind, key: "k", name: "ping", dueAt: 2000, everyMs: 500 }]);
      await store.remind({ kind, key: "k", name: "pong", dueAt: 1500, everyMs: undefined });
      await store.forget(kind, "k", "ping");
      expect((await store.due([kind], 10_000, 10)).map((r) => r.name)).toEqual(["pong"]);
      await store.forget(kind, "k", "ping"); // nothing there: no error
      await store.forget(kind, "nobody", "nothing");
      // A fraction of a millisecond rounds up: a reminder never fires early.
      await store.remind({ kind, key: "k", name: "frac", dueAt: 1200.2, everyMs: 99.5 });
      expect((await store.due([kind], 1200, 10)).map((r) => r.name)).toEqual([]);
      expect(await store.due([kind], 1201, 10)).toEqual([{ kind, key: "k", name: "frac", dueAt: 1201, everyMs: 100 }]);
    });

    test("reminders fenced by epoch: with the key's current epoch they change; with a stale one they are refused and change nothing", async () => {
      const store = open();
      const kind = kindFor("fenced-remind");
      const { epoch: old } = await store.activate(kind, "k");
      const { epoch: current } = await store.activate(kind, "k");
      expect(await store.remind({ kind, key: "k", name: "now", dueAt: 1000, everyMs: undefined }, current)).toBe(true);
      expect(await store.remind({ kind, key: "k", name: "stale", dueAt: 1000, everyMs: undefined }, old)).toBe(false);
      expect(await store.forget(kind, "k", "now", old)).toBe(false);
      expect((await store.due([kind], 10_000, 10)).map((r) => r.name)).toEqual(["now"]);
      expect(await store.forget(kind, "k", "now", current)).toBe(true);
      expect(await store.due([kind], 10_000, 10)).toEqual([]);
      // A key never activated has no epoch to match.
      expect(await store.remind({ kind, key: "never", name: "x", dueAt: 1000, everyMs: undefined }, 1)).toBe(false);
    });

    test("due() with after: the page past a reminder, in the same order, so a reader can skip what it cannot fire", async () => {
      const store = open();
      const kind = kindFor("due-after");
      for (const [key, dueAt] of [["a", 100], ["b", 100], ["c", 200], ["d", 300]] as const) await store.remind({ kind, key, name: "r", dueAt, everyMs: undefined });
      const first = await store.due([kind], 1000, 2);
      expect(first.map((r) => r.key)).toEqual(["a", "b"]);
      const second = await store.due([kind], 1000, 2, first.at(-1));
      expect(second.map((r) => r.key)).toEqual(["c", "d"]);
      expect(await store.due([kind], 1000, 2, second.at(-1))).toEqual([]);
      // A cursor that names nothing stored still pages from where it would be.
      expect((await store.due([kind], 1000, 10, { kind, key: "bb", name: "r", dueAt: 100, everyMs: undefined })).map((r) => r.key)).toEqual(["c", "d"]);
    });

    test("due(): earliest first, at most limit, only the kinds asked for and only those due by until", async () => {
      const store = open();
      const [carts, orders, others] = [kindFor("due-carts"), kindFor("due-orders"), kindFor("due-others")];
      const reminders: Reminder[] = [
        { kind: carts, key: "c1", name: "a", dueAt: 3000, everyMs: undefined },
        { kind: orders, key: "o1", name: "a", dueAt: 1000, everyMs: 60_000 },
        { kind: carts, key: "c2", name: "b", dueAt: 2000, everyMs: undefined },
        { kind: others, key: "x", name: "a", dueAt: 500, everyMs: undefined },
        { kind: carts, key: "c1", name: "b", dueAt: 2000, everyMs: undefined },
        { kind: orders, key: "o2", name: "late", dueAt: 9000, everyMs: undefined },
      ];
      await Promise.all(reminders.map((r) => store.remind(r)));
      const due = await store.due([carts, orders], 5000, 10);
      expect(due.map((r) => `${r.dueAt} ${r.key}/${r.name}`)).toEqual(["1000 o1/a", "2000 c1/b", "2000 c2/b", "3000 c1/a"]);
      expect(due[0]).toEqual({ kind: orders, key: "o1", name: "a", dueAt: 1000, everyMs: 60_000 });
      expect((await store.due([carts, orders], 5000, 2)).map((r) => r.dueAt)).toEqual([1000, 2000]);
      expect((await store.due([carts], 2000, 10)).map((r) => `${r.key}/${r.name}`)).toEqual(["c1/b", "c2/b"]);
      expect(await store.due([carts, orders], 999, 10)).toEqual([]);
      expect(await store.due([], 10_000, 10)).toEqual([]);
      expect(await store.due([carts], 10_000, 0)).toEqual([]);
      expect((await store.due([others, orders], 10_000, 10)).map((r) => r.dueAt)).toEqual([500, 1000, 9000]);
    });

    test("fired(): a one-shot reminder is removed; a periodic one moves to its first due time after now, skipping missed periods", async () => {
      const store = open();
      const kind = kindFor("fired");
      const once: Reminder = { kind, key: "k", name: "once", dueAt: 1000, everyMs: undefined };
      const every: Reminder = { kind, key: "k", name: "every", dueAt: 1000, everyMs: 100 };
      await store.remind(once);
      await store.remind(every);
      await store.fired(once, 1005);
      expect((await store.due([kind], 10_000, 10)).map((r) => r.name)).toEqual(["every"]);

      await store.fired(every, 1350); // 1100, 1200 and 1300 were missed: next is 1400
      const [moved] = await store.due([kind], 10_000, 10);
      expect(moved).toEqual({ ...every, dueAt: 1400 });
      await store.fired(moved!, 1400); // exactly at a period: the next one after now
      const [again] = await store.due([kind], 10_000, 10);
      expect(again!.dueAt).toBe(1500);
      await store.fired(again!, 1450); // fired before it was due: one period on
      expect((await store.due([kind], 10_000, 10))[0]!.dueAt).toBe(1600);
    });

    test("fired(): a reminder changed meanwhile (re-set by its handler) keeps its change", async () => {
      const store = open();
      const kind = kindFor("changed");
      const once: Reminder = { kind, key: "k", name: "once", dueAt: 1000, everyMs: undefined };
      const every: Reminder = { kind, key: "k", name: "every", dueAt: 1000, everyMs: 100 };
      await store.remind(once);
      await store.remind(every);
      // The handlers re-set both while they ran.
      await store.remind({ ...once, dueAt: 7000 });
      await store.remind({ ...every, dueAt: 8000 });
      await store.fired(once, 1001);
      await store.fired(every, 1001);
      expect(await store.due([kind], 10_000, 10)).toEqual([
        { ...once, dueAt: 7000 },
        { ...every, dueAt: 8000 },
      ]);
      // Same due time, another period: changed too.
      await store.remind({ ...every, dueAt: 8000, everyMs: 300 });
      await store.fired({ ...every, dueAt: 8000 }, 8001);
      expect((await store.due([kind], 10_000, 10))[1]).toEqual({ ...every, dueAt: 8000, everyMs: 300 });
      // Forgotten meanwhile: fired does not bring it back.
      await store.forget(kind, "k", "once");
      await store.fired({ ...once, dueAt: 7000 }, 7001);
      await store.forget(kind, "k", "every");
      await store.fired({ ...every, dueAt: 8000, everyMs: 300 }, 8001);
      expect(await store.due([kind], 100_000, 10)).toEqual([]);
    });

    test("close() lets the saves already taken commit, then refuses everything", async () => {
      const store = factory.open();
      const kind = kindFor("close");
      const { epoch } = await store.activate(kind, "k");
      const pending = store.save([{ kind, key: "k", epoch, state: bytes("last"), version: 0 }]);
      await store.close();
      expect(await pending).toEqual([true]);
      expect((await storeError(store.activate(kind, "k"))).code).toBe("CLOSED");
      expect((await storeError(store.save([{ kind, key: "k", epoch, state: null, version: 0 }]))).code).toBe("CLOSED");
      expect((await storeError(store.keys(kind, 1))).code).toBe("CLOSED");
      expect((await storeError(store.due([kind], 1, 1))).code).toBe("CLOSED");
      await store.close(); // twice is fine

      const reopened = open();
      const next = await reopened.activate(kind, "k");
      expect(text(next.state)).toBe("last");
      expect(next.epoch).toBe(epoch + 1);
    });

    test("arguments are checked before anything reaches the database", async () => {
      const store = open();
      const kind = kindFor("checks");
      expect((await storeError(store.activate("a\0b", "k"))).code).toBe("INVALID");
      expect((await storeError(store.activate(kind, 5 as unknown as string))).code).toBe("INVALID");
      expect((await storeError(store.save([{ kind, key: "k", epoch: 1.5, state: null, version: 0 }]))).code).toBe("INVALID");
      expect((await storeError(store.save([{ kind, key: "k", epoch: 1, state: "x" as unknown as Uint8Array, version: 0 }]))).code).toBe("INVALID");
      expect((await storeError(store.save([{ kind, key: "k", epoch: 1, state: null, version: -1 }]))).code).toBe("INVALID");
      expect((await storeError(store.keys(kind, -1))).code).toBe("INVALID");
      expect((await storeError(store.remind({ kind, key: "k", name: "r", dueAt: Number.NaN, everyMs: undefined }))).code).toBe("INVALID");
      expect((await storeError(store.remind({ kind, key: "k", name: "r", dueAt: 1, everyMs: 0 }))).code).toBe("INVALID");
      expect((await storeError(store.due([kind], 1.5, 1))).code).toBe("INVALID");
      expect(await store.save([])).toEqual([]);
    });
  });
}

describe("sqlite store only", () => {
  test("the file is in WAL mode, its directory created when missing; a column of the wrong type is refused, not trusted", async () => {
    const path = join(dir, "fresh", "pulsing.db");
    const store = new SqliteStore({ path });
    try {
      expect(store.journalMode).toBe("wal");
      const { epoch } = await store.activate("wal", "k");
      await store.save([{ kind: "wal", key: "k", epoch, state: bytes("x"), version: 0 }]);
      expect(existsSync(`${path}-wal`)).toBe(true);
      // Another program wrote text where bytes belong.
      const raw = new Database(path);
      raw.run("UPDATE entity_state SET state = 'not bytes' WHERE kind = 'wal'");
      raw.run("INSERT INTO entity_reminders VALUES ('wal', 'k', 'r', 5, 'often')");
      raw.close();
      expect((await storeError(store.activate("wal", "k"))).code).toBe("BAD_ROW");
      expect((await storeError(store.due(["wal"], Number.MAX_SAFE_INTEGER, 10))).code).toBe("BAD_ROW");
    } finally {
      await store.close();
    }
    const memory = new SqliteStore({ path: ":memory:" });
    expect(memory.journalMode).toBe("memory");
    await memory.close();
  });

  test("killed with SIGKILL while saving, a process loses none of the writes it acknowledged", async () => {
    const path = join(dir, "crash", "pulsing.db");
    const child = Bun.spawn([process.execPath, join(import.meta.dir, "crash-child.ts"), path], { stdout: "pipe", stderr: "pipe" });
    let acknowledged = -1;
    let buffer = "";
    const decoder = new TextDecoder();
    const reader = child.stdout.getReader();
    const deadline = setTimeout(() => child.kill("SIGKILL"), 20_000);
    try {
      while (acknowledged < 30) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const lines = buffer.split("\n");
        buffer = lines.pop()!;
        for (const line of lines) if (line !== "") acknowledged = Number(line);
      }
      child.kill("SIGKILL");
      expect(await child.exited).not.toBe(0);
    } finally {
      clearTimeout(deadline);
      reader.releaseLock();
    }
    if (acknowledged < 30) throw new Error(`the child acknowledged only round ${acknowledged}: ${await new Response(child.stderr).text()}`);
    expect(child.signalCode).toBe("SIGKILL");

    const store = new SqliteStore({ path });
    try {
      for (let i = 0; i < 50; i++) {
        const { state } = await store.activate("crash", `k${i}`);
        expect(Number(text(state))).toBeGreaterThanOrEqual(acknowledged);
      }
    } finally {
      await store.close();
    }
  }, 30_000);
});

describe("openStore", () => {
  test("no spec (or 'sqlite') is SQLite at <dataDir>/pulsing.db; a postgres:// or postgresql:// URL is PostgreSQL; anything else is refused", async () => {
    const dataDir = join(dir, "data-dir");
    const sqlite = openStoreDescribed(undefined, dataDir);
    expect(sqlite.store).toBeInstanceOf(SqliteStore);
    expect((sqlite.store as SqliteStore).path).toBe(join(dataDir, "pulsing.db"));
    expect(sqlite.description).toBe(`sqlite ${join(dataDir, "pulsing.db")}`);
    expect(existsSync(dataDir)).toBe(true);
    await sqlite.store.close();
    const named = openStore("sqlite", dataDir);
    expect(named).toBeInstanceOf(SqliteStore);
    await named.close();

    for (const url of ["postgres://u:secret@db.example:5432/app", "postgresql://u:secret@db.example/app"]) {
      const pg = openStoreDescribed(url, dataDir);
      expect(pg.store).toBeInstanceOf(PostgresStore);
      expect(pg.description).not.toContain("secret");
      expect(pg.description).toContain("db.example");
      await pg.store.close(); // never connected: closing needs no server
    }
    expect(() => openStore("mysql://u:secret@h/db", dataDir)).toThrow(/unknown store/);
    expect(() => openStore("mysql://u:secret@h/db", dataDir)).not.toThrow(/secret/);
  });
});
