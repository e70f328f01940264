/**
 * How long a suspicion lasts before the member is declared dead (Lifeguard):
 * long at first, shorter with each independent member that suspects it too.
 * With n members the floor is suspicionMult * max(1, log10(n)) probe intervals.
 */
export function suspicionBounds(members: number, probeIntervalMs: number, mult: number, maxMult: number): { min: number; max: number } {
  const min = mult * Math.max(1, Math.log10(Math.max(1, members))) * probeIntervalMs;
  return { min, max: maxMult * min };
}

/** The timeout after `confirmations` independent confirmations, of `expected` ones. */
export function suspicionTimeout(min: number, max: number, confirmations: number, expected: number): number {
  if (expected < 1) return min;
  const fraction = Math.log(confirmations + 1) / Math.log(expected + 1);
  return Math.max(min, max - (max - min) * Math.min(1, fraction));
}

/** What a suspicion needs of time: the membership's clock and its cancellable timers. */
export interface SuspicionTimer {
  now(): number;
  /** Runs `run` after `ms`; returns a function that cancels it. */
  later(ms: number, run: () => void): () => void;
}

/**
 * One member's suspicion (Lifeguard, after memberlist's suspicion.go): a timer
 * that runs from when the suspicion started, for a timeout that shrinks with
 * every independent member that confirms it. The first suspector is one of the
 * confirmers (so a suspicion starts at the timeout for one confirmation), and no
 * member confirms twice: a suspector's own retransmits do not shorten it. The
 * timeout is asked again at each arming, since it depends on how many members
 * there are now.
 */
export class Suspicion {
  readonly started: number;
  readonly #confirmers: Set<string>;
  readonly #timer: SuspicionTimer;
  readonly #timeout: (confirmations: number) => number;
  readonly #expire: () => void;
  #cancel: () => void = () => {};

  constructor(from: string, timer: SuspicionTimer, timeout: (confirmations: number) => number, expire: () => void) {
    this.started = timer.now();
    this.#confirmers = new Set([from]);
    this.#timer = timer;
    this.#timeout = timeout;
    this.#expire = expire;
    this.arm();
  }

  /** Members that suspect it, the first suspector included. */
  get confirmations(): number {
    return this.#confirmers.size;
  }

  /** `from` suspects the member too: true, and the timer shortened, if it had not said so before. */
  confirm(from: string): boolean {
    if (this.#confirmers.has(from)) return false;
    this.#confirmers.add(from);
    this.arm();
    return true;
  }

  /** (Re)starts the timer for what is left of the timeout, counted from the start of the suspicion. */
  arm(): void {
    this.#cancel();
    const left = Math.max(0, this.started + this.#timeout(this.#confirmers.size) - this.#timer.now());
    this.#cancel = this.#timer.later(left, this.#expire);
  }

  cancel(): void {
    this.#cancel();
  }
}
