import type { ActorError } from "./errors.ts";
import { clip } from "./log.ts";

/** One failure the dashboard lists: when, where, what. Every text is clipped (a caller may have chosen it). */
export interface RecentFailure {
  /** When, in ms since the epoch. */
  at: number;
  /** The actor's name, or its id when it has none. */
  actor: string;
  /** The message type (method name). */
  message: string;
  /** An error code (`HANDLER_ERROR`, …) for a handler error; `DEAD_LETTER` for a dead letter. */
  code: string;
  /** The error's message, or why the letter was dead. */
  error: string;
}

/** What `RecentFailures.snapshot` gives: the latest of each kind, newest first, and how many there were since start. */
export interface RecentFailuresSnapshot {
  errors: RecentFailure[];
  deadLetters: RecentFailure[];
  totals: { handlerErrors: number; deadLetters: number };
}

/** How many of each kind a node keeps: the newest replace the oldest. */
export const RECENT_FAILURES = 50;
const MAX_ACTOR = 96;
const MAX_TYPE = 64;
const MAX_TEXT = 200;

/** A fixed-size ring: `RECENT_FAILURES` slots, written round, read newest first. */
class Latest {
  readonly #items: RecentFailure[] = [];
  #next = 0;
  /** How many were ever added (the ring keeps the last RECENT_FAILURES). */
  total = 0;

  add(item: RecentFailure): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % RECENT_FAILURES;
    this.total++;
  }

  newestFirst(): RecentFailure[] {
    const items = this.#items;
    const out: RecentFailure[] = [];
    for (let i = 1; i <= items.length; i++) out.push(items[(this.#next - i + items.length) % items.length] as RecentFailure);
    return out;
  }
}

/**
 * The latest handler errors and dead letters of a runtime, for the dashboard:
 * bounded memory (RECENT_FAILURES of each, short clipped strings, no error
 * objects kept), and totals to derive rates from. Only failures write here.
 */
export class RecentFailures {
  readonly #errors = new Latest();
  readonly #deadLetters = new Latest();

  /** A handler threw (an ask's caller got `error`, or a tell's error was logged). */
  handlerFailed(actor: string, type: string, error: ActorError): void {
    this.#errors.add({ at: Date.now(), actor: clip(actor, MAX_ACTOR), message: clip(type, MAX_TYPE), code: error.code, error: clip(error.message, MAX_TEXT) });
  }

  /** A tell no handler will see. */
  deadLetter(actor: string, type: string, why: string): void {
    this.#deadLetters.add({ at: Date.now(), actor: clip(actor, MAX_ACTOR), message: clip(type, MAX_TYPE), code: "DEAD_LETTER", error: clip(why, MAX_TEXT) });
  }

  /** Newest first, with the totals since start. */
  snapshot(): RecentFailuresSnapshot {
    return {
      errors: this.#errors.newestFirst(),
      deadLetters: this.#deadLetters.newestFirst(),
      totals: { handlerErrors: this.#errors.total, deadLetters: this.#deadLetters.total },
    };
  }
}
