/**
 * A millisecond clock that reads the system time at most once per event-loop
 * turn. Reading the real clock costs ~30 ns here, a third of a local ask, and a
 * deadline measured in seconds does not need better than "this turn".
 */
let cached = 0;
let fresh = false;

function expire(): void {
  fresh = false;
}

export function coarseNow(): number {
  if (!fresh) {
    cached = Date.now();
    fresh = true;
    setImmediate(expire);
  }
  return cached;
}

/**
 * Time as the actor layer sees it: what a cell asks of it, so that a test (or
 * the cluster's simulator) can hand in its own. The cluster's `Clock` has the
 * same shape.
 */
export interface Clock {
  now(): number;
  /** Runs `run` after `ms`; returns a function that cancels it. */
  after(ms: number, run: () => void): () => void;
}

/** The system's time and timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  after(ms, run) {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};
