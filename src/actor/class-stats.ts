import { LatencyBuckets, type LatencySnapshot } from "./latency.ts";

/** The label of the classes past the cap, counted together. */
export const OTHER_CLASSES = "(other)";
/** How many actor classes a node counts apart; the rest share OTHER_CLASSES, so labels stay bounded. */
export const MAX_CLASSES = 256;
/**
 * One turn in this many of a class is timed. A clock read costs ~30 ns here,
 * a third of a local ask: timing one turn in 16 cost a sequential local ask
 * ~4%, one in 64 costs it ~1% (docs/benchmarks.md).
 */
export const TURN_SAMPLE_EVERY = 64;

/** What one actor class did on a node since it started. */
export interface ClassSnapshot {
  readonly name: string;
  /** Turns run: asks, tells and stream steps handled. */
  readonly handled: number;
  /** Turns whose handler threw (or whose promise rejected), asks and tells alike. */
  readonly errors: number;
  readonly restarts: number;
  /** Starts whose constructor or onStart (onActivate) threw, first starts and restarts alike. */
  readonly failedStarts: number;
  /** Handler time of the sampled turns. */
  readonly latency: LatencySnapshot;
}

/**
 * The counts of one actor class, shared by its cells: a cell holds its class's
 * object, so counting its turns is an addition on it, once a batch, with no lookup.
 */
export class ClassStats {
  handled = 0;
  /** When `handled` reaches this, a cell of the class times its next turn. */
  nextTimed = TURN_SAMPLE_EVERY;
  errors = 0;
  restarts = 0;
  failedStarts = 0;
  readonly latency = new LatencyBuckets();

  constructor(readonly name: string) {}

  snapshot(): ClassSnapshot {
    return { name: this.name, handled: this.handled, errors: this.errors, restarts: this.restarts, failedStarts: this.failedStarts, latency: this.latency.snapshot() };
  }
}

/**
 * A runtime's ClassStats, by class name (two classes of one name share one:
 * the label would not tell them apart). Past `max` names, new ones are
 * counted under OTHER_CLASSES, so a program that makes classes at run time
 * cannot grow the metrics without bound.
 */
export class ClassStatsTable {
  readonly #byName = new Map<string, ClassStats>();
  readonly #max: number;

  constructor(max = MAX_CLASSES) {
    this.#max = max;
  }

  of(cls: Function): ClassStats {
    const name = cls.name === "" ? "(anonymous)" : cls.name;
    let stats = this.#byName.get(name);
    if (stats !== undefined) return stats;
    if (this.#byName.size >= this.#max) return this.#other();
    stats = new ClassStats(name);
    this.#byName.set(name, stats);
    return stats;
  }

  #other(): ClassStats {
    let other = this.#byName.get(OTHER_CLASSES);
    if (other === undefined) {
      other = new ClassStats(OTHER_CLASSES);
      this.#byName.set(OTHER_CLASSES, other);
    }
    return other;
  }

  snapshot(): ClassSnapshot[] {
    return [...this.#byName.values()].map((stats) => stats.snapshot());
  }
}
