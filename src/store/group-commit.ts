import { StoreError } from "./values.ts";

export interface GroupCommitOptions {
  /**
   * Writes per batch at most (default 1 000). A batch takes whole calls: one
   * call larger than this makes a batch of its own.
   */
  maxBatch?: number;
}

interface Job<W, R> {
  readonly writes: readonly W[];
  readonly resolve: (results: R[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: the writes of every `submit` made in one turn of the event loop
 * (any number of microtasks) are joined into one batch, and the batch runs as
 * one transaction while the next batch collects. So N concurrent callers cost
 * about two transactions per round trip of the database, not N fsyncs, and
 * each caller still gets its own results.
 *
 * One batch runs at a time and batches run in the order their calls were
 * made, so two writes to one key commit in call order.
 */
export class GroupCommit<W, R> {
  readonly #run: (writes: W[]) => R[] | Promise<R[]>;
  readonly #maxBatch: number;
  #queue: Job<W, R>[] = [];
  #head = 0;
  #scheduled = false;
  #running = false;
  /** Settles (never rejects) when every job submitted so far has settled. */
  #last: Promise<unknown> = Promise.resolve();
  #closed = false;
  #batches = 0;
  #writes = 0;

  /** `run` commits one batch in one transaction and returns one result per write, in order; a throw fails the batch's calls. */
  constructor(run: (writes: W[]) => R[] | Promise<R[]>, options: GroupCommitOptions = {}) {
    this.#run = run;
    const maxBatch = options.maxBatch ?? 1000;
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new StoreError("INVALID", "maxBatch must be a positive integer");
    this.#maxBatch = maxBatch;
  }

  /** Batches run so far (each one transaction), successful or not. */
  get batches(): number {
    return this.#batches;
  }

  /** Writes those batches carried. */
  get writes(): number {
    return this.#writes;
  }

  submit(writes: readonly W[]): Promise<R[]> {
    if (this.#closed) return Promise.reject(new StoreError("CLOSED", "the store is closed"));
    if (writes.length === 0) return Promise.resolve([]);
    const done = new Promise<R[]>((resolve, reject) => {
      this.#queue.push({ writes, resolve, reject });
    });
    this.#last = done.catch(() => undefined);
    if (!this.#running && !this.#scheduled) {
      this.#scheduled = true;
      // After the current turn: every submit of this turn's microtasks joins the batch.
      setImmediate(() => {
        this.#scheduled = false;
        void this.#drain();
      });
    }
    return done;
  }

  /** Resolves when every call submitted before it has settled (whatever its outcome). */
  settled(): Promise<void> {
    return this.#last.then(() => undefined);
  }

  /** Takes no more calls; resolves when those already taken have settled. */
  close(): Promise<void> {
    this.#closed = true;
    return this.settled();
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#head < this.#queue.length) {
        const jobs = this.#take();
        const writes: W[] = [];
        for (const job of jobs) for (const write of job.writes) writes.push(write);
        this.#batches += 1;
        this.#writes += writes.length;
        let results: R[];
        try {
          results = await this.#run(writes);
          if (!Array.isArray(results) || results.length !== writes.length) {
            throw new StoreError("BAD_ROW", `a batch of ${writes.length} writes returned ${Array.isArray(results) ? results.length : "no"} results`);
          }
        } catch (error) {
          for (const job of jobs) job.reject(error);
          continue;
        }
        let at = 0;
        for (const job of jobs) {
          job.resolve(results.slice(at, at + job.writes.length));
          at += job.writes.length;
        }
      }
    } finally {
      this.#queue = [];
      this.#head = 0;
      this.#running = false;
    }
  }

  /** The next batch: whole jobs, up to maxBatch writes (at least one job). */
  #take(): Job<W, R>[] {
    const jobs: Job<W, R>[] = [];
    let size = 0;
    while (this.#head < this.#queue.length) {
      const job = this.#queue[this.#head]!;
      if (jobs.length > 0 && size + job.writes.length > this.#maxBatch) break;
      jobs.push(job);
      size += job.writes.length;
      this.#head += 1;
    }
    // Let the array shrink now and then rather than hold every settled job until idle.
    if (this.#head > 4096) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return jobs;
  }
}
