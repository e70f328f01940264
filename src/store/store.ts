/**
 * Where entities keep their state and reminders: one small interface, with
 * bun:sqlite as the embedded default and PostgreSQL (Bun.sql) for a cluster
 * whose entities move between hosts. States travel as bytes (msgpack, encoded
 * by the caller), so a store never interprets them.
 *
 * Fencing: every activation of (kind, key) takes a new epoch from the store
 * (`activate`), and a save succeeds only while its epoch is still the current
 * one. Two activations of one key can therefore never both commit: the older
 * one's saves are refused once the newer one has activated.
 */
export interface EntityStore {
  /**
   * A new activation of (kind, key): bumps the key's epoch (creating the row
   * when there is none) and returns the new epoch with the saved state, if any.
   */
  activate(kind: string, key: string): Promise<Activated>;
  /**
   * Saves states, each only if its epoch is still the key's current one, in as
   * few transactions as the store can (group commit: calls made in the same
   * turn share one). Resolves per write: true when it committed, false when its
   * epoch was stale (another activation took over). A `state` of null clears
   * the saved state (the row and its epoch stay, so fencing still holds).
   */
  save(writes: readonly StateWrite[]): Promise<boolean[]>;
  /** The keys of `kind` with a saved state, in key order, after `after`, at most `limit`. */
  keys(kind: string, limit: number, after?: string): Promise<string[]>;
  /** Deletes (kind, key)'s state and reminders, whatever its epoch (an operator's delete). */
  delete(kind: string, key: string): Promise<void>;

  /**
   * Sets (or replaces) a reminder. With `epoch`, only while it is still the
   * key's current epoch (an activation's reminders are fenced like its saves):
   * false when it is not, and nothing changed.
   */
  remind(reminder: Reminder, epoch?: number): Promise<boolean>;
  /** Removes a reminder (none is no error); with `epoch`, only while it is the key's current one (false, and nothing changed, when not). */
  forget(kind: string, key: string, name: string, epoch?: number): Promise<boolean>;
  /**
   * Reminders of these kinds due at or before `until` (ms since the epoch),
   * earliest first (then by kind, key, name), at most `limit`; with `after`,
   * those that come after it in that order (a page past the last one read).
   */
  due(kinds: readonly string[], until: number, limit: number, after?: Reminder): Promise<Reminder[]>;
  /**
   * A reminder fired: a one-shot one is removed, a periodic one moves to its
   * next due time after `now` — unless it was changed meanwhile (its due time
   * is no longer `firedDueAt`), so a handler that re-set it keeps its change.
   */
  fired(reminder: Reminder, now: number): Promise<void>;

  close(): Promise<void>;
}

export interface Activated {
  readonly epoch: number;
  /** The saved state's bytes, undefined when there is none. */
  readonly state: Uint8Array | undefined;
  /** The state's shape version, as saved with it (0 when there is none). */
  readonly version: number;
}

export interface StateWrite {
  readonly kind: string;
  readonly key: string;
  readonly epoch: number;
  /** The encoded state; null clears it. */
  readonly state: Uint8Array | null;
  readonly version: number;
}

export interface Reminder {
  readonly kind: string;
  readonly key: string;
  readonly name: string;
  /** When it is due next, ms since the epoch. */
  readonly dueAt: number;
  /** For a periodic reminder, its period in ms; undefined for a one-shot one. */
  readonly everyMs: number | undefined;
}
