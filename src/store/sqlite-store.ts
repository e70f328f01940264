import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { GroupCommit } from "./group-commit.ts";
import type { Activated, EntityStore, Reminder, StateWrite } from "./store.ts";
import {
  checkLimit,
  checkName,
  checkReminder,
  checkTime,
  activatedOf,
  checkWrite,
  intColumn,
  nextDueAt,
  reminderRow,
  rowObject,
  StoreError,
  textColumn,
} from "./values.ts";

export const DEFAULT_SQLITE_PATH = "./pulsing-data/pulsing.db";

export interface SqliteStoreOptions {
  /** The database file (default ./pulsing-data/pulsing.db; its directory is created if missing), or ":memory:". */
  path?: string;
  /**
   * SQLite's `synchronous` in WAL mode (default "full"). "full": a commit is
   * fsynced before a save resolves, so an acknowledged write survives a crash
   * of the process and of the machine (power loss, kernel panic). "normal": a
   * commit reaches the OS but is fsynced only at checkpoints, so it survives a
   * crash of the process (kill -9) but the last commits before a power loss or
   * an OS crash can be lost (the database stays consistent either way).
   */
  synchronous?: "full" | "normal";
  /** How long a write waits for another connection's lock on the same file (default 5 000 ms). */
  busyTimeoutMs?: number;
  /** Writes per group-commit transaction at most (default 1 000). */
  maxBatch?: number;
}

/**
 * The schema, created on first use (docs/deploy.md, "State stores"). A row of
 * entity_state exists for every key that was ever activated: its epoch must
 * outlive its state, or a later activation could reuse an old epoch.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS entity_state (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    state BLOB,
    version INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
  ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS entity_reminders (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    every_ms INTEGER,
    PRIMARY KEY (kind, key, name)
  ) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS entity_reminders_kind_due ON entity_reminders (kind, due_at)`,
];

/**
 * The embedded store: one SQLite file in WAL mode (bun:sqlite). Fits one
 * node, or a cluster whose entities are pinned to nodes; entities that move
 * between hosts need a store every host reaches (PostgresStore).
 *
 * bun:sqlite is synchronous: each statement runs on the event loop's thread.
 * Saves are grouped (GroupCommit) so a turn's worth of saves costs one
 * transaction and one fsync.
 */
export class SqliteStore implements EntityStore {
  readonly path: string;
  /** The journal mode SQLite reports: "wal" for a file, "memory" for ":memory:". */
  readonly journalMode: string;
  readonly #db: Database;
  readonly #commits: GroupCommit<StateWrite, boolean>;
  readonly #activate: Statement;
  readonly #update: Statement;
  readonly #saveBatch: (writes: StateWrite[], now: number) => boolean[];
  readonly #keysFirst: Statement;
  readonly #keysAfter: Statement;
  readonly #clearState: Statement;
  readonly #deleteReminders: Statement;
  readonly #delete: (kind: string, key: string, now: number) => void;
  readonly #remind: Statement;
  readonly #forget: Statement;
  readonly #dueAfter: Statement;
  readonly #fencedChange: ReturnType<Database["transaction"]>;
  readonly #due: Statement;
  readonly #firedOnce: Statement;
  readonly #firedPeriodic: Statement;
  #closed = false;

  constructor(options: SqliteStoreOptions = {}) {
    const path = options.path ?? DEFAULT_SQLITE_PATH;
    if (typeof path !== "string" || path === "") throw new StoreError("INVALID", "path must be a file path or :memory:");
    const synchronous = options.synchronous ?? "full";
    if (synchronous !== "full" && synchronous !== "normal") throw new StoreError("INVALID", 'synchronous must be "full" or "normal"');
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw new StoreError("INVALID", "busyTimeoutMs must be a non-negative integer");
    this.path = path;
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { create: true, readwrite: true, strict: true });
    this.#db = db;
    try {
      db.run(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
      const mode = db.query("PRAGMA journal_mode = WAL").get() as { journal_mode?: unknown } | null;
      this.journalMode = textColumn(mode?.journal_mode, "journal_mode");
      db.run(`PRAGMA synchronous = ${synchronous.toUpperCase()}`);
      db.transaction(() => {
        for (const statement of SCHEMA) db.run(statement);
      }).immediate();
    } catch (error) {
      db.close();
      throw error;
    }

    this.#activate = db.query(
      `INSERT INTO entity_state (kind, key, epoch, state, version, updated_at) VALUES (?, ?, 1, NULL, 0, ?)
       ON CONFLICT (kind, key) DO UPDATE SET epoch = epoch + 1
       RETURNING epoch, state, version`,
    );
    this.#update = db.query(
      `UPDATE entity_state SET state = ?, version = ?, updated_at = ? WHERE kind = ? AND key = ? AND epoch = ?`,
    );
    const saveBatch = db.transaction((writes: StateWrite[], now: number) =>
      writes.map((w) => this.#update.run(w.state, w.version, now, w.kind, w.key, w.epoch).changes === 1),
    );
    this.#saveBatch = (writes, now) => saveBatch.immediate(writes, now);
    this.#keysFirst = db.query(`SELECT key FROM entity_state WHERE kind = ? AND state IS NOT NULL ORDER BY key LIMIT ?`);
    this.#keysAfter = db.query(`SELECT key FROM entity_state WHERE kind = ? AND key > ? AND state IS NOT NULL ORDER BY key LIMIT ?`);
    // An operator's delete keeps the row (its epoch) and bumps the epoch: a live
    // activation is fenced out instead of saving its state back, and no later
    // activation can reuse an old epoch.
    this.#clearState = db.query(
      `UPDATE entity_state SET state = NULL, version = 0, epoch = epoch + 1, updated_at = ? WHERE kind = ? AND key = ?`,
    );
    this.#deleteReminders = db.query(`DELETE FROM entity_reminders WHERE kind = ? AND key = ?`);
    const deleteKey = db.transaction((kind: string, key: string, now: number) => {
      this.#clearState.run(now, kind, key);
      this.#deleteReminders.run(kind, key);
    });
    this.#delete = (kind, key, now) => deleteKey.immediate(kind, key, now);
    this.#remind = db.query(
      `INSERT INTO entity_reminders (kind, key, name, due_at, every_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, key, name) DO UPDATE SET due_at = excluded.due_at, every_ms = excluded.every_ms`,
    );
    this.#forget = db.query(`DELETE FROM entity_reminders WHERE kind = ? AND key = ? AND name = ?`);
    const epochOf = db.query(`SELECT epoch FROM entity_state WHERE kind = ? AND key = ?`);
    this.#fencedChange = db.transaction((kind: string, key: string, epoch: number, change: () => void) => {
      const row = epochOf.get(kind, key) as { epoch?: unknown } | null;
      if (row === null || row.epoch !== epoch) return false;
      change();
      return true;
    });
    this.#due = db.query(
      `SELECT kind, key, name, due_at, every_ms FROM entity_reminders
       WHERE kind IN (SELECT value FROM json_each(?)) AND due_at <= ?
       ORDER BY due_at, kind, key, name LIMIT ?`,
    );
    this.#dueAfter = db.query(
      `SELECT kind, key, name, due_at, every_ms FROM entity_reminders
       WHERE kind IN (SELECT value FROM json_each(?)) AND due_at <= ? AND (due_at, kind, key, name) > (?, ?, ?, ?)
       ORDER BY due_at, kind, key, name LIMIT ?`,
    );
    // "Unless it was changed meanwhile": only the row as it was when it fired.
    this.#firedOnce = db.query(
      `DELETE FROM entity_reminders WHERE kind = ? AND key = ? AND name = ? AND due_at = ? AND every_ms IS NULL`,
    );
    this.#firedPeriodic = db.query(
      `UPDATE entity_reminders SET due_at = ? WHERE kind = ? AND key = ? AND name = ? AND due_at = ? AND every_ms = ?`,
    );
    this.#commits = new GroupCommit((writes) => this.#saveBatch(writes, Date.now()), { maxBatch: options.maxBatch ?? 1000 });
  }

  /** Save transactions run so far (group commit: far fewer than `writesSaved` under load). */
  get saveTransactions(): number {
    return this.#commits.batches;
  }

  /** Writes those transactions carried. */
  get writesSaved(): number {
    return this.#commits.writes;
  }

  async activate(kind: string, key: string): Promise<Activated> {
    this.#open();
    checkName(kind, "kind");
    checkName(key, "key");
    // Saves submitted before this activation commit (or are refused) before it bumps the epoch.
    await this.#commits.settled();
    this.#open();
    const row = rowObject(this.#activate.get(kind, key, Date.now()), "activate");
    return activatedOf(row);
  }

  save(writes: readonly StateWrite[]): Promise<boolean[]> {
    try {
      this.#open();
      return this.#commits.submit(writes.map(checkWrite));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async keys(kind: string, limit: number, after?: string): Promise<string[]> {
    this.#open();
    checkName(kind, "kind");
    checkLimit(limit);
    const rows = after === undefined ? this.#keysFirst.all(kind, limit) : this.#keysAfter.all(kind, checkName(after, "after"), limit);
    return rows.map((row) => textColumn(rowObject(row, "keys").key, "key"));
  }

  async delete(kind: string, key: string): Promise<void> {
    this.#open();
    checkName(kind, "kind");
    checkName(key, "key");
    await this.#commits.settled();
    this.#open();
    this.#delete(kind, key, Date.now());
  }

  async remind(reminder: Reminder, epoch?: number): Promise<boolean> {
    this.#open();
    const r = checkReminder(reminder);
    return this.#fenced(r.kind, r.key, epoch, () => this.#remind.run(r.kind, r.key, r.name, r.dueAt, r.everyMs ?? null));
  }

  async forget(kind: string, key: string, name: string, epoch?: number): Promise<boolean> {
    this.#open();
    const [k, id, n] = [checkName(kind, "kind"), checkName(key, "key"), checkName(name, "name")];
    return this.#fenced(k, id, epoch, () => this.#forget.run(k, id, n));
  }

  /** Runs `change` in one transaction with the check that `epoch` (when given) is still the key's current one. */
  #fenced(kind: string, key: string, epoch: number | undefined, change: () => void): boolean {
    if (epoch === undefined) {
      change();
      return true;
    }
    if (!Number.isSafeInteger(epoch)) throw new StoreError("INVALID", "epoch must be an integer");
    return this.#fencedChange.immediate(kind, key, epoch, change) as boolean;
  }

  async due(kinds: readonly string[], until: number, limit: number, after?: Reminder): Promise<Reminder[]> {
    this.#open();
    const names = kinds.map((kind) => checkName(kind, "kind"));
    checkTime(until, "until");
    checkLimit(limit);
    if (names.length === 0 || limit === 0) return [];
    if (after === undefined) return this.#due.all(JSON.stringify(names), until, limit).map(reminderRow);
    const a = checkReminder(after);
    return this.#dueAfter.all(JSON.stringify(names), until, a.dueAt, a.kind, a.key, a.name, limit).map(reminderRow);
  }

  async fired(reminder: Reminder, now: number): Promise<void> {
    this.#open();
    const r = checkReminder(reminder);
    checkTime(now, "now");
    if (r.everyMs === undefined) this.#firedOnce.run(r.kind, r.key, r.name, r.dueAt);
    else this.#firedPeriodic.run(nextDueAt(r.dueAt, r.everyMs, now), r.kind, r.key, r.name, r.dueAt, r.everyMs);
  }

  /** Takes nothing more, lets the saves already taken commit, then closes the file (checkpointing the WAL). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commits.close();
    this.#db.close();
  }

  #open(): void {
    if (this.#closed) throw new StoreError("CLOSED", "the store is closed");
  }
}
