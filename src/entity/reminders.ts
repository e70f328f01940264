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
export class Reminders {
  readonly #options: RemindersOptions;
  readonly #pollMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #nextAt = Number.POSITIVE_INFINITY;
  #running: Promise<void> | undefined;
  #stopped = false;

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
    await this.#running;
    this.#schedule(Math.min(this.#nextAt, Date.now() + this.#pollMs));
  }

  async #fireDue(): Promise<void> {
    const { store, logger } = this.#options;
    const kinds = this.#options.kinds();
    if (kinds.length === 0) return;
    let due: Reminder[];
    try {
      due = await store.due(kinds, Date.now(), this.#options.batch ?? 256);
    } catch (error) {
      logger.warn("reminders not read", { error });
      return;
    }
    await Promise.all(
      due
        .filter((reminder) => this.#options.owns(reminder.kind, reminder.key))
        .map(async (reminder) => {
          try {
            await this.#options.fire(reminder);
            await store.fired(reminder, Date.now());
          } catch (error) {
            logger.warn("reminder not fired", { kind: reminder.kind, name: reminder.name, error });
          }
        }),
    );
  }
}
