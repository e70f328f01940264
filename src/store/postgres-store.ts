import { SQL } from "bun";
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

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (or postgresql://…); query parameters such as sslmode are Bun.sql's. */
  url: string;
  /** Connections in the pool at most (default 10). */
  maxConnections?: number;
  /** How long opening a connection may take (default 10 000 ms). */
  connectTimeoutMs?: number;
  /**
   * How long one statement may run on the server, lock waits included
   * (PostgreSQL's statement_timeout, set on every connection; default 30 000 ms).
   * The client gives up on a query after connectTimeoutMs + statementTimeoutMs
   * + 5 s; by then the server has run it or cancelled it.
   */
  statementTimeoutMs?: number;
  /** Writes per group-commit transaction at most (default 1 000). */
  maxBatch?: number;
}

/** Rows per statement of a save batch; a larger batch runs several in one transaction. */
const CHUNK = 1000;
/** The advisory lock that serialises the CREATE statements of nodes starting together. */
const SCHEMA_LOCK = 7_239_184_321;

/**
 * The schema, created on first use (docs/deploy.md, "State stores"). Keys
 * compare bytewise (COLLATE "C"), so keys() pages in the same order as
 * SQLite's, whatever the database's collation.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS entity_state (
    kind TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    epoch BIGINT NOT NULL,
    state BYTEA,
    version BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, key)
  )`,
  `CREATE TABLE IF NOT EXISTS entity_reminders (
    kind TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    due_at BIGINT NOT NULL,
    every_ms BIGINT,
    PRIMARY KEY (kind, key, name)
  )`,
  `CREATE INDEX IF NOT EXISTS entity_reminders_kind_due ON entity_reminders (kind, due_at)`,
];

type Sql = SQL;

/**
 * The shared store: PostgreSQL through Bun.sql. Every node of a cluster whose
 * entities move between hosts points at the same database; the epoch check
 * in the database fences out an activation that another node has replaced.
 */
export class PostgresStore implements EntityStore {
  readonly #sql: Sql;
  readonly #commits: GroupCommit<StateWrite, boolean>;
  readonly #queryTimeoutMs: number;
  #schema: Promise<void> | undefined;
  #closed = false;

  constructor(options: PostgresStoreOptions) {
    const { url } = options;
    if (typeof url !== "string" || !/^postgres(ql)?:\/\//.test(url)) throw new StoreError("INVALID", "url must be a postgres:// or postgresql:// URL");
    const maxConnections = positive(options.maxConnections ?? 10, "maxConnections");
    const connectTimeoutMs = positive(options.connectTimeoutMs ?? 10_000, "connectTimeoutMs");
    const statementTimeoutMs = positive(options.statementTimeoutMs ?? 30_000, "statementTimeoutMs");
    this.#queryTimeoutMs = connectTimeoutMs + statementTimeoutMs + 5000;
    this.#sql = new SQL(url, {
      adapter: "postgres",
      // Bun.sql lets PGDATABASE win over the URL's database: the URL's, when it names one, wins here.
      ...databaseOf(url),
      max: maxConnections,
      connectionTimeout: Math.ceil(connectTimeoutMs / 1000),
      idleTimeout: 60,
      connection: {
        statement_timeout: statementTimeoutMs,
        idle_in_transaction_session_timeout: statementTimeoutMs,
        application_name: "pulsing",
      },
    });
    this.#commits = new GroupCommit((writes) => this.#saveBatch(writes), { maxBatch: options.maxBatch ?? 1000 });
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
    await this.#ready();
    // Saves submitted before this activation commit (or are refused) before it bumps the epoch.
    await this.#commits.settled();
    this.#open();
    const rows = await this.#bounded(
      this.#sql`INSERT INTO entity_state (kind, key, epoch, state, version, updated_at)
        VALUES (${kind}, ${key}, 1, NULL, 0, ${Date.now()})
        ON CONFLICT (kind, key) DO UPDATE SET epoch = entity_state.epoch + 1
        RETURNING epoch, state, version`,
      "activate",
    );
    const row = rowObject(onlyRow(rows, "activate"), "activate");
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
    if (after !== undefined) checkName(after, "after");
    await this.#ready();
    const sql = this.#sql;
    const rows =
      after === undefined
        ? await this.#bounded(sql`SELECT key FROM entity_state WHERE kind = ${kind} AND state IS NOT NULL ORDER BY key LIMIT ${limit}`, "keys")
        : await this.#bounded(
            sql`SELECT key FROM entity_state WHERE kind = ${kind} AND key > ${after} AND state IS NOT NULL ORDER BY key LIMIT ${limit}`,
            "keys",
          );
    return rowsOf(rows, "keys").map((row) => textColumn(rowObject(row, "keys").key, "key"));
  }

  async delete(kind: string, key: string): Promise<void> {
    this.#open();
    checkName(kind, "kind");
    checkName(key, "key");
    await this.#ready();
    await this.#commits.settled();
    this.#open();
    const now = Date.now();
    // The row (its epoch) stays and the epoch moves on: a live activation is
    // fenced out instead of saving its state back, and no later activation can
    // reuse an old epoch.
    await this.#bounded(
      this.#sql.begin(async (tx) => {
        await tx`UPDATE entity_state SET state = NULL, version = 0, epoch = epoch + 1, updated_at = ${now} WHERE kind = ${kind} AND key = ${key}`;
        await tx`DELETE FROM entity_reminders WHERE kind = ${kind} AND key = ${key}`;
      }),
      "delete",
    );
  }

  async remind(reminder: Reminder, epoch?: number): Promise<boolean> {
    this.#open();
    const r = checkReminder(reminder);
    await this.#ready();
    if (epoch === undefined) {
      await this.#bounded(
        this.#sql`INSERT INTO entity_reminders (kind, key, name, due_at, every_ms)
          VALUES (${r.kind}, ${r.key}, ${r.name}, ${r.dueAt}, ${r.everyMs ?? null})
          ON CONFLICT (kind, key, name) DO UPDATE SET due_at = excluded.due_at, every_ms = excluded.every_ms`,
        "remind",
      );
      return true;
    }
    checkEpoch(epoch);
    // Only while the activation's epoch is the key's current one: its reminders are fenced like its saves.
    const rows = await this.#bounded(
      this.#sql`INSERT INTO entity_reminders (kind, key, name, due_at, every_ms)
        SELECT ${r.kind}, ${r.key}, ${r.name}, ${r.dueAt}, ${r.everyMs ?? null}
        WHERE EXISTS (SELECT 1 FROM entity_state WHERE kind = ${r.kind} AND key = ${r.key} AND epoch = ${epoch})
        ON CONFLICT (kind, key, name) DO UPDATE SET due_at = excluded.due_at, every_ms = excluded.every_ms
        RETURNING 1 AS done`,
      "remind",
    );
    return (rows as unknown[]).length > 0;
  }

  async forget(kind: string, key: string, name: string, epoch?: number): Promise<boolean> {
    this.#open();
    checkName(kind, "kind");
    checkName(key, "key");
    checkName(name, "name");
    await this.#ready();
    if (epoch === undefined) {
      await this.#bounded(this.#sql`DELETE FROM entity_reminders WHERE kind = ${kind} AND key = ${key} AND name = ${name}`, "forget");
      return true;
    }
    checkEpoch(epoch);
    const rows = await this.#bounded(
      this.#sql`WITH current AS (SELECT 1 FROM entity_state WHERE kind = ${kind} AND key = ${key} AND epoch = ${epoch}),
        gone AS (DELETE FROM entity_reminders WHERE kind = ${kind} AND key = ${key} AND name = ${name} AND EXISTS (SELECT 1 FROM current) RETURNING 1)
        SELECT EXISTS (SELECT 1 FROM current) AS fenced_ok`,
      "forget",
    );
    return (rows as { fenced_ok?: unknown }[])[0]?.fenced_ok === true;
  }

  async due(kinds: readonly string[], until: number, limit: number, after?: Reminder): Promise<Reminder[]> {
    this.#open();
    const names = kinds.map((kind) => checkName(kind, "kind"));
    checkTime(until, "until");
    checkLimit(limit);
    if (names.length === 0 || limit === 0) return [];
    await this.#ready();
    const sql = this.#sql;
    const a = after === undefined ? undefined : checkReminder(after);
    const rows = await this.#bounded(
      a === undefined
        ? sql`SELECT kind, key, name, due_at, every_ms FROM entity_reminders
          WHERE kind = ANY(${sql.array(names, "TEXT")}::text[]) AND due_at <= ${until}
          ORDER BY due_at, kind, key, name LIMIT ${limit}`
        : sql`SELECT kind, key, name, due_at, every_ms FROM entity_reminders
          WHERE kind = ANY(${sql.array(names, "TEXT")}::text[]) AND due_at <= ${until}
            AND (due_at, kind, key, name) > (${a.dueAt}, ${a.kind}, ${a.key}, ${a.name})
          ORDER BY due_at, kind, key, name LIMIT ${limit}`,
      "due",
    );
    return rowsOf(rows, "due").map(reminderRow);
  }

  async fired(reminder: Reminder, now: number): Promise<void> {
    this.#open();
    const r = checkReminder(reminder);
    checkTime(now, "now");
    await this.#ready();
    const sql = this.#sql;
    // "Unless it was changed meanwhile": only the row as it was when it fired.
    if (r.everyMs === undefined) {
      await this.#bounded(
        sql`DELETE FROM entity_reminders
          WHERE kind = ${r.kind} AND key = ${r.key} AND name = ${r.name} AND due_at = ${r.dueAt} AND every_ms IS NULL`,
        "fired",
      );
    } else {
      await this.#bounded(
        sql`UPDATE entity_reminders SET due_at = ${nextDueAt(r.dueAt, r.everyMs, now)}
          WHERE kind = ${r.kind} AND key = ${r.key} AND name = ${r.name} AND due_at = ${r.dueAt} AND every_ms = ${r.everyMs}`,
        "fired",
      );
    }
  }

  /** Takes nothing more, lets the saves already taken commit, then closes the pool (waiting up to 5 s for running queries). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commits.close();
    await this.#sql.close({ timeout: 5 });
  }

  /**
   * One batch of saves: one statement per CHUNK rows, each updating only the
   * rows whose epoch is still the write's, in one transaction when there are
   * several. Writes to one (kind, key, epoch) collapse to the last of them
   * (what running them in order would leave), and all of them commit or none.
   */
  async #saveBatch(writes: StateWrite[]): Promise<boolean[]> {
    await this.#ready();
    const now = Date.now();
    const chunks: StateWrite[][] = [];
    for (let at = 0; at < writes.length; at += CHUNK) chunks.push(writes.slice(at, at + CHUNK));
    const committed = new Set<string>();
    const run = async (sql: Sql) => {
      for (const chunk of chunks) {
        const last = new Map<string, StateWrite>();
        for (const w of chunk) {
          const id = writeId(w.kind, w.key, w.epoch);
          last.delete(id); // keeps insertion order = the order of the last writes
          last.set(id, w);
        }
        const rows = [...last.values()];
        const result = rows.length === 1 ? await saveOne(sql, rows[0] as StateWrite, now) : await sql`UPDATE entity_state AS s
          SET state = v.state, version = v.version, updated_at = ${now}
          FROM unnest(
            ${sql.array(rows.map((w) => w.kind), "TEXT")}::text[],
            ${sql.array(rows.map((w) => w.key), "TEXT")}::text[],
            ${sql.array(rows.map((w) => w.epoch), "INT8")}::bigint[],
            ${sql.array(rows.map((w) => w.state), "BYTEA")}::bytea[],
            ${sql.array(rows.map((w) => w.version), "INT8")}::bigint[]
          ) AS v(kind, key, epoch, state, version)
          WHERE s.kind = v.kind AND s.key = v.key AND s.epoch = v.epoch
          RETURNING s.kind, s.key, s.epoch`;
        for (const row of rowsOf(result, "save")) {
          const r = rowObject(row, "save");
          committed.add(writeId(textColumn(r.kind, "kind"), textColumn(r.key, "key"), intColumn(r.epoch, "epoch")));
        }
      }
    };
    await this.#bounded(chunks.length === 1 ? run(this.#sql) : this.#sql.begin((tx) => run(tx as unknown as Sql)), "save");
    return writes.map((w) => committed.has(writeId(w.kind, w.key, w.epoch)));
  }

  /** The tables, created once per store by the first operation (again after a failure). */
  #ready(): Promise<void> {
    this.#schema ??= this.#bounded(
      this.#sql.begin(async (tx) => {
        await tx.unsafe(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
        for (const statement of SCHEMA) await tx.unsafe(statement);
      }),
      "creating the tables",
    ).then(
      () => undefined,
      (error: unknown) => {
        this.#schema = undefined;
        throw error;
      },
    );
    return this.#schema;
  }

  /** A query, bounded in time: past the timeout it is cancelled and the caller gets TIMEOUT (a write's outcome is then unknown). */
  async #bounded<T>(query: PromiseLike<T> & { cancel?: () => unknown }, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        query.cancel?.();
        reject(new StoreError("TIMEOUT", `PostgreSQL did not answer ${what} within ${this.#queryTimeoutMs} ms`));
      }, this.#queryTimeoutMs);
    });
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #open(): void {
    if (this.#closed) throw new StoreError("CLOSED", "the store is closed");
  }
}

function checkEpoch(epoch: number): void {
  if (!Number.isSafeInteger(epoch)) throw new StoreError("INVALID", "epoch must be an integer");
}

function positive(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new StoreError("INVALID", `${what} must be a positive integer`);
  return value;
}

/** The database a URL names (its path), as Bun.sql's `database` option; none when the path is empty. */
function databaseOf(url: string): { database?: string } {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    throw new StoreError("INVALID", "url is not a valid postgres:// URL");
  }
  const name = decodeURIComponent(path.replace(/^\//, ""));
  return name === "" ? {} : { database: name };
}

function writeId(kind: string, key: string, epoch: number): string {
  return `${epoch}\0${kind}\0${key}`;
}

function rowsOf(result: unknown, what: string): unknown[] {
  if (!Array.isArray(result)) throw new StoreError("BAD_ROW", `${what}: the database returned no rows array`);
  return result;
}

function onlyRow(result: unknown, what: string): unknown {
  const rows = rowsOf(result, what);
  if (rows.length !== 1) throw new StoreError("BAD_ROW", `${what}: the database returned ${rows.length} rows, not 1`);
  return rows[0];
}

/**
 * A batch of one (a lone caller, the common case at low load) as a plain
 * epoch-checked UPDATE: the batch statement over unnest(arrays) is planned
 * again at every execution (~80 µs), which a lone caller pays in full.
 */
function saveOne(sql: Sql, write: StateWrite, now: number): PromiseLike<unknown> {
  return sql`UPDATE entity_state
    SET state = ${write.state}, version = ${write.version}, updated_at = ${now}
    WHERE kind = ${write.kind} AND key = ${write.key} AND epoch = ${write.epoch}
    RETURNING kind, key, epoch`;
}
