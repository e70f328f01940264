import { Ring } from "./ring.ts";
import { ROOT_CONTEXT, runIn, tracing } from "../trace/index.ts";

/** Something with queued work: it runs up to `max` turns and says how many it ran. */
export interface Runnable {
  runTurns(max: number): number;
}

export interface SchedulerOptions {
  /** Turns run in microtasks before the event loop gets control back (timers, I/O). */
  budget?: number;
  /** Turns one actor may run before the next ready actor gets its go. */
  throughput?: number;
}

/**
 * Runs ready actors in microtasks, which is what makes a local ask cheap, but
 * never for more than `budget` turns in a row: then it waits for a
 * `setImmediate`, so timers and sockets get their turn even while actors are
 * flooded with messages.
 */
export class Scheduler {
  readonly budget: number;
  readonly throughput: number;
  readonly #ready = new Ring<Runnable>();
  #queued = false;
  #used = 0;
  #resetArmed = false;

  constructor(options: SchedulerOptions = {}) {
    this.budget = options.budget ?? 2048;
    this.throughput = options.throughput ?? 64;
  }

  schedule(runnable: Runnable): void {
    this.#ready.push(runnable);
    if (!this.#queued && this.#used < this.budget) {
      this.#queued = true;
      queueMicrotask(this.#run);
    }
  }

  readonly #run = (): void => {
    this.#queued = false;
    if (!this.#resetArmed) {
      this.#resetArmed = true;
      setImmediate(this.#reset);
    }
    // A microtask runs in the context of whoever queued it: with an SDK registered, turns start from
    // none, so that a message outside any trace needs no context of its own (see Cell.#trace).
    if (tracing.on) runIn(ROOT_CONTEXT, this.#drain);
    else this.#drain();
  };

  readonly #drain = (): void => {
    const ready = this.#ready;
    while (ready.length > 0 && this.#used < this.budget) {
      const runnable = ready.shift() as Runnable;
      this.#used += runnable.runTurns(Math.min(this.throughput, this.budget - this.#used));
    }
  };

  /** Runs once the microtask queue is empty, i.e. after the event loop had control. */
  readonly #reset = (): void => {
    this.#resetArmed = false;
    this.#used = 0;
    if (this.#ready.length > 0) this.#run();
  };
}

/** One event loop per process, so one scheduler for every system in it. */
export const scheduler = new Scheduler();
