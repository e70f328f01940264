/**
 * Upper bounds of the latency buckets, in seconds: 1, 2.5 and 5 per decade
 * from 10 µs to 10 s. A local handler takes microseconds and a remote call tens
 * of them, so the buckets start low; past 10 s is `+Inf`.
 */
export const LATENCY_BOUNDS: readonly number[] = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** What a histogram holds at one moment: counts per bucket (not cumulative; the last one is past every bound), their sum and count. */
export interface LatencySnapshot {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/**
 * Latencies counted in fixed buckets, for metrics. Kept by the layer that
 * times something (a cell's turns, a link's calls) and read by ops; it is fed
 * sampled observations only, so observing may walk the bounds.
 */
export class LatencyBuckets {
  readonly #counts = new Float64Array(LATENCY_BOUNDS.length + 1);
  #sum = 0;
  #count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < LATENCY_BOUNDS.length && seconds > (LATENCY_BOUNDS[i] as number)) i++;
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#sum += seconds;
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  snapshot(): LatencySnapshot {
    return { bounds: LATENCY_BOUNDS, counts: [...this.#counts], sum: this.#sum, count: this.#count };
  }
}
