import type { Logger } from "../actor/index.ts";
import type { EntityStore, Reminder } from "../store/index.ts";

export interface RemindersOptions {
  store: EntityStore;
  logger: Logger;
  /** The kinds this node hosts: only their reminders are read. */
  kinds(): string[];
  /** Whether this node owns (kind, key) now: only the owner fires a key's reminders. */
  owns(kind: string, key: string): boolean;
  /** Fires one reminder: runs the entity's `onReminder` (activating it); rejects when it could not. */
  fire(reminder: Reminder): Promise<void>;
  /** How often the store is read for due reminders (default 500 ms); a reminder set here for sooner wakes it earlier. */
  pollMs?: number;
  /** Reminders read per poll at most (default 256). */
  batch?: number;
}

/**
 * Fires the durable reminders of the keys this node owns: it reads the store
 * for due reminders of its kinds every poll (and sooner when one of its own
 * is set to be due sooner), runs each owned one's handler, then records it
 * fired. A reminder whose handler fails, or whose owner dies first, stays due
 * and fires at the next poll, here or at the new owner: at least once.
 */
const MAX_RETRIES = 4_096;
/** Pages of due reminders read in one poll at most: a bound on the work one poll does. */
const MAX_PAGES = 16;
const MAX_BACKOFF_MS = 60_000;

/** A reminder's identity as it fired: the same reminder re-set later is another. */
function idOf(reminder: Reminder): string {
  return `${reminder.kind}\u0000${reminder.key}\u0000${reminder.name}\u0000${reminder.dueAt}`;
}

export class Reminders {
  readonly #options: RemindersOptions;
  readonly #pollMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #nextAt = Number.POSITIVE_INFINITY;
  #running: Promise<boolean> | undefined;
  #stopped = false;
  /** Reminders whose handler failed, by id: when to try again. Bounded; the oldest is forgotten first. */
  readonly #retries = new Map<string, { failures: number; at: number }>();

  constructor(options: RemindersOptions) {
    this.#options = options;
    this.#pollMs = options.pollMs ?? 500;
  }

  start(): void {
    this.#schedule(Date.now());
  }

  /** A reminder is due at `dueAt`: poll then at the latest. */
  wake(dueAt: number): void {
    if (dueAt < this.#nextAt) this.#schedule(dueAt);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(at: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#nextAt = at;
    this.#timer = setTimeout(() => void this.#poll(), Math.max(0, at - Date.now()));
    this.#timer.unref?.();
  }

  async #poll(): Promise<void> {
    if (this.#running !== undefined) return;
    this.#nextAt = Number.POSITIVE_INFINITY;
    this.#running = this.#fireDue().finally(() => {
      this.#running = undefined;
    });
    const full = await this.#running;
    // A full batch means more may be due now: read again at once rather than a poll period later.
    this.#schedule(full ? Date.now() : Math.min(this.#nextAt, Date.now() + this.#pollMs));
  }

  /** Fires what is due and ours; true when it fired a full batch (so more may be waiting). */
  async #fireDue(): Promise<boolean> {
    const { store, logger } = this.#options;
    const kinds = this.#options.kinds();
    if (kinds.length === 0) return false;
    const batch = this.#options.batch ?? 256;
    const now = Date.now();
    const ready: Reminder[] = [];
    // Page past what is not ours to fire now (other owners' keys, ours backing off), so that
    // reminders nobody here can fire never hide the ones due after them; a few pages a poll at most.
    let after: Reminder | undefined;
    for (let page = 0; page < MAX_PAGES && ready.length < batch; page++) {
      let due: Reminder[];
      try {
        due = await store.due(kinds, now, batch, after);
      } catch (error) {
        logger.warn("reminders not read", { error });
        break;
      }
      for (const reminder of due) {
        if (ready.length < batch && this.#options.owns(reminder.kind, reminder.key) && (this.#retries.get(idOf(reminder))?.at ?? 0) <= now) ready.push(reminder);
      }
      if (due.length < batch) break;
      after = due.at(-1);
    }
    await Promise.all(ready.map((reminder) => this.#fireOne(reminder)));
    return ready.length >= batch;
  }

  async #fireOne(reminder: Reminder): Promise<void> {
    const id = idOf(reminder);
    try {
      await this.#options.fire(reminder);
      await this.#options.store.fired(reminder, Date.now());
      this.#retries.delete(id);
    } catch (error) {
      // It stays due (at least once), and is tried again after a delay that doubles, up to a minute.
      const failures = (this.#retries.get(id)?.failures ?? 0) + 1;
      this.#retries.delete(id);
      if (this.#retries.size >= MAX_RETRIES) this.#retries.delete(this.#retries.keys().next().value as string);
      this.#retries.set(id, { failures, at: Date.now() + Math.min(MAX_BACKOFF_MS, this.#pollMs * 2 ** failures) });
      this.#options.logger.warn("reminder not fired", { kind: reminder.kind, name: reminder.name, failures, error });
    }
  }
}
