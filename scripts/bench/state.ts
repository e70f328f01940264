/**
 * Durable entity state, as same-run ratios (figures, not tests):
 *   bun scripts/bench/state.ts [--quick] [--only sqlite|postgres]
 *   scripts/postgres-for-tests.sh bun scripts/bench/state.ts   # with PostgreSQL
 *
 * One node in this process (`ActorSystem.start({ store })`, no address), one
 * entity kind whose `inc()` changes its state (write-before-reply), called
 * through refs made by `system.entity(...)`, by 1, 64 and 1,024 concurrent
 * callers that take the next of 10,000 keys in turn (all activated first):
 * - SQLite: against raw bun:sqlite upserts of the same rows one by one, each
 *   its own autocommit statement, on a file with the store's settings (WAL,
 *   synchronous=FULL): the naive program. Goal ≥ 100%.
 * - PostgreSQL (PULSING_TEST_POSTGRES or PULSING_BENCH_POSTGRES): against raw
 *   Bun.sql upserts one by one, each its own statement, from a pool of the
 *   store's size (10). Goal ≥ 100%.
 * - For the record: the same entity with no store (state in memory only), and
 *   with periodic saving (saveEveryMs: 100) on SQLite, measured alone.
 * - Reminders: 10,000 one-shot reminders set with `at` spread over 5 s (all
 *   set before the first is due); lateness = when onReminder ran − its due
 *   time, p50/p99/max. The poller reads the store every 500 ms (and wakes
 *   early for a reminder set here for sooner), so lateness under ~500 ms is
 *   the design; more means the poller fell behind.
 * The contenders take turns for ROUNDS rounds and each keeps its best figure.
 * The SQLite files live in a directory made in ./pulsing-data (where a node
 * keeps its file by default, so on the same disk), removed at the end; the rows
 * written to PostgreSQL are the run's own kinds and table, removed at the end.
 */
import { Database } from "bun:sqlite";
import { SQL } from "bun";
import { closeSync, existsSync, fdatasyncSync, mkdirSync, mkdtempSync, openSync, rmdirSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { encode } from "@msgpack/msgpack";
import { type ActorRef, ActorSystem, Entity, type EntityStore, PostgresStore, SqliteStore } from "pulsing";

const quick = process.argv.includes("--quick");
const only = (() => {
  const at = process.argv.indexOf("--only");
  return at === -1 ? undefined : process.argv[at + 1];
})();
const SECONDS = quick ? 0.5 : 2;
const WARM_MS = quick ? 200 : 500;
const ROUNDS = quick ? 2 : 3;
const KEYS = 10_000;
const CALLERS = [1, 64, 1024];
const REMINDERS = quick ? 2_000 : 10_000;
const SPREAD_MS = 5_000;
const PG_URL = process.env.PULSING_BENCH_POSTGRES ?? process.env.PULSING_TEST_POSTGRES;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const suffix = `${process.pid}`;

class Row extends Entity<{ n: number }> {
  static kind = "bench-row";
  static initialState = { n: 0 };
  inc(): number {
    return ++this.state.n;
  }
  read(): number {
    return this.state.n;
  }
}

class PeriodicRow extends Row {
  static saveEveryMs = 100;
}

class Alarm extends Entity {
  static kind = "bench-alarm";
  static late: number[] = [];
  static lastAt = 0;
  static fired = new Set<string>();
  static duplicates = 0;
  arm(at: number): Promise<void> {
    return this.remind("r", { at });
  }
  override onReminder(_name: string, dueAt: number): void {
    const now = Date.now();
    if (Alarm.fired.has(this.key)) Alarm.duplicates += 1;
    else {
      Alarm.fired.add(this.key);
      Alarm.late.push(now - dueAt);
      Alarm.lastAt = now;
    }
  }
}

interface Contender {
  /** One state-changing call on key number `k`. */
  call(k: number): Promise<unknown>;
  close(): Promise<void>;
  /** Writes per transaction since the last call, for a store that groups them. */
  grouping?(): string;
}

/** Calls/s of `callers` concurrent loops, each taking the next key in turn (after a warm-up). */
async function callRate(contender: Contender, callers: number): Promise<number> {
  let next = 0;
  const loop = async (until: number, counted: boolean) => {
    let count = 0;
    while (performance.now() < until) {
      await contender.call(next++ % KEYS);
      if (counted) count++;
    }
    return count;
  };
  const warm = performance.now() + WARM_MS;
  await Promise.all(Array.from({ length: callers }, () => loop(warm, false)));
  contender.grouping?.();
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  const counts = await Promise.all(Array.from({ length: callers }, () => loop(deadline, true)));
  return (counts.reduce((a, b) => a + b, 0) * 1000) / (performance.now() - start);
}

/** Runs `fn` for every key with 64 callers (activation, loading the baseline's rows). */
async function forEachKey(fn: (k: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < KEYS) await fn(next++);
    }),
  );
}

const keyOf = (k: number) => `key-${k}`;

/** A node with `cls` hosted on `store` (or none), every key activated, and refs to them all. */
async function entityContender(cls: typeof Row, kind: string, store: EntityStore | undefined): Promise<Contender> {
  const system = await ActorSystem.start({ logger: quiet, ...(store === undefined ? {} : { store }) });
  system.host(cls, { kind, passivateAfterMs: 600_000 });
  const refs: ActorRef<Row>[] = Array.from({ length: KEYS }, (_, k) => system.entity<Row>(kind, keyOf(k)));
  await forEachKey((k) => refs[k]!.read());
  const counted = store as unknown as { saveTransactions?: number; writesSaved?: number } | undefined;
  let tx = counted?.saveTransactions ?? 0;
  let writes = counted?.writesSaved ?? 0;
  return {
    call: (k) => refs[k]!.inc(),
    close: () => system.shutdown(),
    ...(counted?.saveTransactions === undefined
      ? {}
      : {
          grouping() {
            const dt = (counted.saveTransactions as number) - tx;
            const dw = (counted.writesSaved as number) - writes;
            tx = counted.saveTransactions as number;
            writes = counted.writesSaved as number;
            return dt === 0 ? "no saves" : `${(dw / dt).toFixed(1)} writes/tx`;
          },
        }),
  };
}

/** The naive program on SQLite: one autocommit upsert per call, WAL and synchronous=FULL as the store has them. */
async function naiveSqlite(path: string): Promise<Contender> {
  const db = new Database(path, { create: true, readwrite: true, strict: true });
  db.run("PRAGMA journal_mode = WAL");
  db.run("PRAGMA synchronous = FULL");
  db.run(`CREATE TABLE IF NOT EXISTS naive_state (
    kind TEXT NOT NULL, key TEXT NOT NULL, state BLOB, updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, key)) WITHOUT ROWID`);
  const upsert = db.query(
    `INSERT INTO naive_state (kind, key, state, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (kind, key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
  );
  const counts = new Int32Array(KEYS);
  const call = async (k: number) => {
    const n = ++counts[k]!;
    upsert.run("bench-row", keyOf(k), encode({ n }), Date.now());
    return n;
  };
  await forEachKey(call);
  return {
    call,
    async close() {
      db.close();
    },
  };
}

/** The naive program on PostgreSQL: one upsert statement per call (its own transaction), from a pool of 10. */
async function naivePostgres(url: string, table: string): Promise<Contender> {
  const sql = new SQL(url, { adapter: "postgres", max: 10 });
  await sql.unsafe(`CREATE TABLE IF NOT EXISTS ${table} (
    kind TEXT COLLATE "C" NOT NULL, key TEXT COLLATE "C" NOT NULL, state BYTEA, updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, key))`);
  const counts = new Int32Array(KEYS);
  const call = async (k: number) => {
    const n = ++counts[k]!;
    await sql`INSERT INTO ${sql(table)} (kind, key, state, updated_at) VALUES ('bench-row', ${keyOf(k)}, ${encode({ n })}, ${Date.now()})
      ON CONFLICT (kind, key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`;
    return n;
  };
  await forEachKey(call);
  return {
    call,
    async close() {
      await sql.unsafe(`DROP TABLE IF EXISTS ${table}`);
      await sql.close();
    },
  };
}

/** The best calls/s of each contender over ROUNDS rounds, taking turns; with a store's grouping in its best round. */
async function best(contenders: Record<string, Contender>, callers: number): Promise<Record<string, { rate: number; note: string }>> {
  const figures: Record<string, { rate: number; note: string }> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, contender] of Object.entries(contenders)) {
      const rate = await callRate(contender, callers);
      const note = contender.grouping?.() ?? "";
      if (rate > (figures[name]?.rate ?? 0)) figures[name] = { rate, note };
    }
  }
  return figures;
}

const k = (rate: number) => (rate >= 10_000 ? `${(rate / 1000).toFixed(1)} k/s` : `${(rate / 1000).toFixed(2)} k/s`);
const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)}%`;

/** What one write + fdatasync costs on this disk: the floor of a naive durable write. */
function fsyncCost(dir: string): number {
  const path = join(dir, "fsync-probe");
  const fd = openSync(path, "w");
  const buf = Buffer.alloc(4096, 1);
  const n = 300;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    writeSync(fd, buf, 0, buf.length, (i % 16) * 4096);
    fdatasyncSync(fd);
  }
  const each = (performance.now() - start) / n;
  closeSync(fd);
  unlinkSync(path);
  return each * 1000;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Sets REMINDERS (or `count`) reminders due over SPREAD_MS, all before the first is due, and waits for them to fire. */
async function reminderLateness(label: string, store: EntityStore, kind: string, count: number): Promise<void> {
  Alarm.late = [];
  Alarm.lastAt = 0;
  Alarm.fired = new Set();
  Alarm.duplicates = 0;
  const system = await ActorSystem.start({ logger: quiet, store });
  try {
    system.host(Alarm, { kind, passivateAfterMs: 600_000 });
    const refs = Array.from({ length: count }, (_, i) => system.entity<Alarm>(kind, keyOf(i)));
    // How fast reminders are set here decides how far ahead the first must be due.
    const probeStart = performance.now();
    const probe = Math.min(200, count);
    const farAway = Date.now() + 3_600_000;
    await Promise.all(refs.slice(0, probe).map((ref) => ref.arm(farAway)));
    const perSet = (performance.now() - probeStart) / probe;
    const lead = Math.ceil(perSet * count * 1.5) + 1000;
    const base = Date.now() + lead;
    const armStart = performance.now();
    let setLate = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < count) {
          const i = next++;
          const due = base + Math.floor((i * SPREAD_MS) / count);
          await refs[i]!.arm(due);
          if (Date.now() > due) setLate += 1;
        }
      }),
    );
    const armMs = performance.now() - armStart;
    const deadline = Date.now() + lead + SPREAD_MS + 120_000;
    while (Alarm.fired.size < count && Date.now() < deadline) await Bun.sleep(50);
    await Bun.sleep(600); // time for a duplicate to show
    const sorted = [...Alarm.late].sort((a, b) => a - b);
    const ms = (x: number) => `${Math.round(x)} ms`;
    const firedPerS = Math.round((Alarm.fired.size * 1000) / Math.max(1, Alarm.lastAt - base));
    console.log(
      `reminders, ${label}: ${count.toLocaleString("en")} due over ${SPREAD_MS / 1000} s (${Math.round((count * 1000) / SPREAD_MS)}/s), set in ${(armMs / 1000).toFixed(1)} s (${Math.round((count * 1000) / armMs)}/s, ${setLate} after due): ${Alarm.fired.size} fired at ${firedPerS}/s from the first due time, lateness p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted.at(-1) ?? Number.NaN)}; fired twice ${Alarm.duplicates}`,
    );
  } finally {
    await system.shutdown();
  }
}

// Where a node keeps its SQLite file by default (./pulsing-data, git-ignored): the same disk.
const dataDir = join(process.cwd(), "pulsing-data");
const madeDataDir = !existsSync(dataDir);
mkdirSync(dataDir, { recursive: true });
const dir = mkdtempSync(join(dataDir, "bench-state-"));
const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
/** What the run leaves: its PostgreSQL rows and table, its directory. Runs once, also on Ctrl-C. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    if (madeDataDir) rmdirSync(dataDir); // empty again: the run made it
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}
try {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`Bun ${Bun.version}, ${cpus().length} cores (${cpu}); ${SECONDS} s per figure after ${WARM_MS} ms warm-up, best of ${ROUNDS}; ${KEYS.toLocaleString("en")} keys, all activated first`);
  console.log(`disk under ${process.cwd()}: write 4 KiB + fdatasync ${fsyncCost(dir).toFixed(0)} µs each`);

  const runSqlite = only === undefined || only === "sqlite";
  const runPostgres = (only === undefined || only === "postgres") && PG_URL !== undefined;
  if ((only === undefined || only === "postgres") && PG_URL === undefined) {
    console.log("PostgreSQL: skipped (no PULSING_TEST_POSTGRES / PULSING_BENCH_POSTGRES; run through scripts/postgres-for-tests.sh)");
  }
  let admin: SQL | undefined;
  if (runPostgres) {
    admin = new SQL(PG_URL as string, { adapter: "postgres", max: 1 });
    const [v] = (await admin`SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sc, current_setting('fsync') AS f, current_setting('commit_delay') AS cd`) as { v: string; sc: string; f: string; cd: string }[];
    console.log(`PostgreSQL ${v?.v} on this machine: synchronous_commit=${v?.sc}, fsync=${v?.f}, commit_delay=${v?.cd}`);
    const kinds = [`bench-row-${suffix}`, `bench-alarm-${suffix}`, `bench-remind-light-${suffix}`];
    const sql = admin;
    cleanups.push(async () => {
      await sql`DELETE FROM entity_state WHERE kind IN ${sql(kinds)}`.catch(() => undefined);
      await sql`DELETE FROM entity_reminders WHERE kind IN ${sql(kinds)}`.catch(() => undefined);
      await sql.unsafe(`DROP TABLE IF EXISTS bench_naive_${suffix}`).catch(() => undefined);
      await sql.close();
    });
  }

  for (const callers of CALLERS) {
    const contenders: Record<string, Contender> = {};
    const open: Contender[] = [];
    const add = (name: string, contender: Contender) => {
      contenders[name] = contender;
      open.push(contender);
    };
    try {
      add("memory", await entityContender(Row, "bench-row", undefined));
      if (runSqlite) {
        add("sqlite", await entityContender(Row, "bench-row", new SqliteStore({ path: join(dir, `pulsing-${callers}.db`) })));
        add("sqlite naive", await naiveSqlite(join(dir, `naive-${callers}.db`)));
      }
      if (runPostgres) {
        add("postgres", await entityContender(Row, `bench-row-${suffix}`, new PostgresStore({ url: PG_URL as string })));
        add("postgres naive", await naivePostgres(PG_URL as string, `bench_naive_${suffix}`));
      }
      const f = await best(contenders, callers);
      const line = (name: string) => `${k(f[name]!.rate)}${f[name]!.note === "" ? "" : ` (${f[name]!.note})`}`;
      console.log(`\n${callers} caller${callers === 1 ? "" : "s"}: entity in memory, no store ${line("memory")}`);
      if (runSqlite) {
        console.log(`  SQLite: write-before-reply ${line("sqlite")}; naive upserts ${line("sqlite naive")} → ${pct(f.sqlite!.rate, f["sqlite naive"]!.rate)} (goal ≥ 100%)`);
      }
      if (runPostgres) {
        console.log(`  PostgreSQL: write-before-reply ${line("postgres")}; naive upserts ${line("postgres naive")} → ${pct(f.postgres!.rate, f["postgres naive"]!.rate)} (goal ≥ 100%)`);
      }
    } finally {
      for (const contender of open) await contender.close();
    }
    if (runSqlite) {
      // Alone, after the others have closed: each activation's saveEveryMs timer runs a turn every
      // period even while idle, which would take CPU from whichever contender ran beside it.
      const periodic = await entityContender(PeriodicRow, "bench-row", new SqliteStore({ path: join(dir, `periodic-${callers}.db`) }));
      try {
        const f = await best({ periodic }, callers);
        console.log(`  for the record, SQLite with saveEveryMs 100 (measured alone): ${k(f.periodic!.rate)} (${f.periodic!.note})`);
      } finally {
        await periodic.close();
      }
    }
  }

  console.log("");
  if (runSqlite) {
    await reminderLateness("SQLite", new SqliteStore({ path: join(dir, "reminders.db") }), "bench-alarm", REMINDERS);
    await reminderLateness("SQLite, light load", new SqliteStore({ path: join(dir, "reminders-light.db") }), "bench-alarm", Math.round(REMINDERS / 10));
  }
  if (runPostgres) {
    await reminderLateness("PostgreSQL", new PostgresStore({ url: PG_URL as string }), `bench-alarm-${suffix}`, REMINDERS);
    await reminderLateness("PostgreSQL, light load", new PostgresStore({ url: PG_URL as string }), `bench-remind-light-${suffix}`, Math.round(REMINDERS / 10));
  }
} finally {
  await cleanUp();
}
process.exit(0);
