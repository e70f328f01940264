import type { Activated, Reminder, StateWrite } from "./store.ts";

export type StoreErrorCode =
  /** The store was closed: nothing more is taken. */
  | "CLOSED"
  /** An argument the store cannot keep (a kind with a NUL, an epoch that is not an integer, …). */
  | "INVALID"
  /** A row read back is not what the schema says (a column of the wrong type): the database was changed under the store. */
  | "BAD_ROW"
  /** The database did not answer in time; the outcome of a write that timed out is unknown. */
  | "TIMEOUT";

/** What a store throws of its own; the database's own errors pass through as they are. */
export class StoreError extends Error {
  override readonly name = "StoreError";
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

const MAX_NAME_LENGTH = 4096;

/** A kind, key or reminder name: any string without NUL (PostgreSQL's TEXT cannot hold one), at most 4 096 characters. */
export function checkName(value: unknown, what: string): string {
  if (typeof value !== "string") throw new StoreError("INVALID", `${what} must be a string`);
  if (value.length > MAX_NAME_LENGTH) throw new StoreError("INVALID", `${what} is longer than ${MAX_NAME_LENGTH} characters`);
  if (value.includes("\0")) throw new StoreError("INVALID", `${what} must not contain NUL`);
  return value;
}

function checkInteger(value: unknown, what: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new StoreError("INVALID", `${what} must be an integer of at least ${min}, not ${String(value)}`);
  }
  return value;
}

export function checkLimit(value: unknown): number {
  return checkInteger(value, "limit", 0);
}

export function checkTime(value: unknown, what: string): number {
  return checkInteger(value, what, Number.MIN_SAFE_INTEGER);
}

/** A write checked field by field, `state` as a plain Uint8Array view (a Buffer is one too) or null. */
export function checkWrite(write: StateWrite): StateWrite {
  if (typeof write !== "object" || write === null) throw new StoreError("INVALID", "a state write must be an object");
  const state = write.state;
  if (state !== null && !(state instanceof Uint8Array)) throw new StoreError("INVALID", "a state must be a Uint8Array or null");
  return {
    kind: checkName(write.kind, "kind"),
    key: checkName(write.key, "key"),
    epoch: checkInteger(write.epoch, "epoch", 0),
    state,
    version: checkInteger(write.version, "version", 0),
  };
}

/**
 * A reminder checked field by field. A due time or period with a fraction of a
 * millisecond is rounded up (a reminder never fires early); a period must be at
 * least 1 ms.
 */
export function checkReminder(reminder: Reminder): Reminder {
  if (typeof reminder !== "object" || reminder === null) throw new StoreError("INVALID", "a reminder must be an object");
  const { dueAt, everyMs } = reminder;
  if (typeof dueAt !== "number" || !Number.isFinite(dueAt)) throw new StoreError("INVALID", "dueAt must be a finite number of ms");
  if (everyMs !== undefined && (typeof everyMs !== "number" || !Number.isFinite(everyMs) || everyMs <= 0)) {
    throw new StoreError("INVALID", "everyMs must be a positive number of ms, or undefined");
  }
  return {
    kind: checkName(reminder.kind, "kind"),
    key: checkName(reminder.key, "key"),
    name: checkName(reminder.name, "name"),
    dueAt: checkTime(Math.ceil(dueAt), "dueAt"),
    everyMs: everyMs === undefined ? undefined : checkInteger(Math.ceil(everyMs), "everyMs", 1),
  };
}

/**
 * A periodic reminder that was due at `dueAt` and fired at `now`: its next due
 * time, the first `dueAt + k·everyMs` (k ≥ 1) after `now`, so the periods
 * missed while nobody fired it are skipped rather than fired in a burst.
 */
export function nextDueAt(dueAt: number, everyMs: number, now: number): number {
  const k = now < dueAt ? 1 : Math.floor((now - dueAt) / everyMs) + 1;
  return dueAt + k * everyMs;
}

// Reading rows: every column is checked against the schema's type before use.

/** An integer column: a number, a bigint or (PostgreSQL's BIGINT, as Bun.sql returns it) a decimal string, within 2^53. */
export function intColumn(value: unknown, column: string): number {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "bigint") n = Number(value);
  else if (typeof value === "string" && /^-?\d{1,16}$/.test(value)) n = Number(value);
  if (n === undefined || !Number.isSafeInteger(n) || (typeof value === "bigint" && BigInt(n) !== value)) {
    throw new StoreError("BAD_ROW", `column ${column} holds ${describe(value)}, not an integer within 2^53`);
  }
  return n;
}

export function nullableIntColumn(value: unknown, column: string): number | undefined {
  return value === null || value === undefined ? undefined : intColumn(value, column);
}

export function textColumn(value: unknown, column: string): string {
  if (typeof value !== "string") throw new StoreError("BAD_ROW", `column ${column} holds ${describe(value)}, not text`);
  return value;
}

/** A BLOB/BYTEA column: undefined for NULL, else a plain Uint8Array view of the bytes (not a Buffer). */
export function bytesColumn(value: unknown, column: string): Uint8Array | undefined {
  if (value === null || value === undefined) return undefined;
  if (!(value instanceof Uint8Array)) throw new StoreError("BAD_ROW", `column ${column} holds ${describe(value)}, not bytes`);
  return value.constructor === Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

export function rowObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null) throw new StoreError("BAD_ROW", `${what}: the database returned ${describe(value)}, not a row`);
  return value as Record<string, unknown>;
}

export function reminderRow(row: unknown): Reminder {
  const r = rowObject(row, "entity_reminders");
  return {
    kind: textColumn(r.kind, "kind"),
    key: textColumn(r.key, "key"),
    name: textColumn(r.name, "name"),
    dueAt: intColumn(r.due_at, "due_at"),
    everyMs: nullableIntColumn(r.every_ms, "every_ms"),
  };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof Uint8Array) return "bytes";
  return typeof value;
}

/** What `activate` answers, from the row it returned: the epoch, and the state with its version when there is one. */
export function activatedOf(row: Record<string, unknown>): Activated {
  const state = bytesColumn(row.state, "state");
  return { epoch: intColumn(row.epoch, "epoch"), state, version: state === undefined ? 0 : intColumn(row.version, "version") };
}
