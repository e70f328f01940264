import { ActorError } from "./errors.ts";

/**
 * When an actor that failed (its `onStart` threw, or a handler threw an error
 * its `isFatal` accepts) or stopped itself is built again:
 * - `never`: it stays stopped;
 * - `on-failure`: after a failure;
 * - `always`: after a failure and after it stopped itself.
 * A stop asked from outside (stop, kill, shutdown) never restarts.
 */
export type RestartPolicy = "never" | "on-failure" | "always";

export interface SupervisionOptions {
  restart?: RestartPolicy;
  /** At most this many restarts within `withinMs`; one more and the actor stops as failed. */
  maxRestarts?: number;
  withinMs?: number;
  /** Backoff before restart n (from 0) is min(maxBackoffMs, minBackoffMs * 2^min(n, 30)), +-20% jitter. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export type Supervision = Required<SupervisionOptions>;

export const DEFAULT_SUPERVISION: Supervision = {
  restart: "never",
  maxRestarts: 3,
  withinMs: 60_000,
  minBackoffMs: 100,
  maxBackoffMs: 30_000,
};

const JITTER = 0.2;
/**
 * The backoff stops doubling here: 2^n is Infinity from n = 1024, and
 * 0 * Infinity (minBackoffMs 0) is NaN, a delay no timer understands. 2^30
 * times even 1 ms is 12 days, past any sensible maxBackoffMs.
 */
const MAX_DOUBLINGS = 30;
const POLICIES: readonly RestartPolicy[] = ["never", "on-failure", "always"];

function check(ok: boolean, message: string): void {
  if (!ok) throw new ActorError("INVALID_OPTION", `supervision: ${message}`);
}

export function resolveSupervision(options: SupervisionOptions | undefined): Supervision {
  const s = { ...DEFAULT_SUPERVISION, ...options };
  check(POLICIES.includes(s.restart), `restart must be one of ${POLICIES.join(", ")}`);
  check(Number.isInteger(s.maxRestarts) && s.maxRestarts >= 0, "maxRestarts must be an integer >= 0");
  check(Number.isFinite(s.withinMs) && s.withinMs > 0, "withinMs must be a positive number");
  check(Number.isFinite(s.minBackoffMs) && s.minBackoffMs >= 0, "minBackoffMs must be >= 0");
  check(Number.isFinite(s.maxBackoffMs) && s.maxBackoffMs >= s.minBackoffMs, "maxBackoffMs must be >= minBackoffMs");
  return s;
}

export type StopCause = "failure" | "self";

/** Decides restarts for one actor: the policy, the restart budget per window, the backoff. */
export class RestartTracker {
  readonly #policy: Supervision;
  readonly #random: () => number;
  readonly #restarts: number[] = [];

  constructor(policy: Supervision, random: () => number = Math.random) {
    this.#policy = policy;
    this.#random = random;
  }

  /** The delay before the next restart, or undefined when the actor should stay stopped. */
  next(cause: StopCause, now: number): number | undefined {
    const { restart, maxRestarts, withinMs, minBackoffMs, maxBackoffMs } = this.#policy;
    if (restart === "never" || (cause === "self" && restart !== "always")) return undefined;
    const recent = this.#restarts;
    while (recent.length > 0 && (recent[0] as number) <= now - withinMs) recent.shift();
    if (recent.length >= maxRestarts) return undefined;
    const base = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(recent.length, MAX_DOUBLINGS));
    recent.push(now);
    return Math.round(base * (1 + JITTER * (2 * this.#random() - 1)));
  }
}
