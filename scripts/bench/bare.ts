/**
 * The bare baseline the local benchmark is measured against: an actor reduced to
 * an index-ring queue drained in a microtask, one handler, a promise per ask.
 * No names, no timeouts, no bounds, no errors: what any mailbox costs at least.
 */
type Job = { arg: number; resolve: ((value: number) => void) | undefined };

export class BareMailbox {
  #ring: (Job | undefined)[] = new Array(1024);
  #head = 0;
  #size = 0;
  #scheduled = false;
  state = 0;

  #push(job: Job): void {
    if (this.#size === this.#ring.length) {
      const old = this.#ring;
      const next = new Array<Job | undefined>(old.length * 2);
      for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
      this.#ring = next;
      this.#head = 0;
    }
    this.#ring[(this.#head + this.#size) & (this.#ring.length - 1)] = job;
    this.#size++;
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#drain);
    }
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    while (this.#size > 0) {
      const job = this.#ring[this.#head] as Job;
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) & (this.#ring.length - 1);
      this.#size--;
      const result = (this.state += job.arg);
      job.resolve?.(result);
    }
  };

  ask(arg: number): Promise<number> {
    return new Promise((resolve) => this.#push({ arg, resolve }));
  }

  tell(arg: number): void {
    this.#push({ arg, resolve: undefined });
  }
}

/**
 * The same mailbox with a plain array as its queue (`push` / `shift`): the kind
 * of "bare promise-and-queue" mailbox whose figures reference.md §6 quotes. On a
 * flood of tells `Array.prototype.shift` costs far more than an index ring.
 */
export class BareArrayMailbox {
  #queue: Job[] = [];
  #scheduled = false;
  state = 0;

  readonly #drain = (): void => {
    this.#scheduled = false;
    for (let job = this.#queue.shift(); job !== undefined; job = this.#queue.shift()) {
      const result = (this.state += job.arg);
      job.resolve?.(result);
    }
  };

  #push(job: Job): void {
    this.#queue.push(job);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#drain);
    }
  }

  ask(arg: number): Promise<number> {
    return new Promise((resolve) => this.#push({ arg, resolve }));
  }

  tell(arg: number): void {
    this.#push({ arg, resolve: undefined });
  }
}

export async function* bareCount(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}
