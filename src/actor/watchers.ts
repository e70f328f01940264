import type { Logger } from "./log.ts";
import type { StopEvent } from "./types.ts";

type Listener = (event: StopEvent) => void;

/**
 * Who watches an actor stop, and how it stopped once it has: a watcher that
 * comes later hears of it at once (in a microtask). A watcher that throws is
 * logged, and the others still hear.
 */
export class Watchers {
  #listeners: Listener[] = [];
  #event: StopEvent | undefined;

  constructor(
    readonly logger: Logger,
    readonly label: string,
  ) {}

  add(listener: Listener): () => void {
    const event = this.#event;
    if (event !== undefined) {
      queueMicrotask(() => this.#notify(listener, event));
      return () => {};
    }
    const listeners = this.#listeners;
    listeners.push(listener);
    return () => {
      const at = listeners.indexOf(listener);
      if (at >= 0) listeners.splice(at, 1);
    };
  }

  /** The actor stopped: tells every watcher, once. */
  stopped(event: StopEvent): void {
    this.#event = event;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) this.#notify(listener, event);
  }

  #notify(listener: Listener, event: StopEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.logger.warn("watcher failed", { actor: this.label, error });
    }
  }
}
