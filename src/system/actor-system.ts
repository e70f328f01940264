import {
  type Actor,
  type ActorClass,
  type ActorRef,
  type ActorSystemApi,
  type ActorTarget,
  LocalRuntime,
  type Logger,
  type SpawnOptions,
  type StopEvent,
} from "../actor/index.ts";

export interface ActorSystemOptions {
  /** Default timeout of every ask and stream step, in ms (default 30 000). */
  askTimeoutMs?: number;
  /** Default mailbox capacity of spawned actors (default 256). */
  mailboxCapacity?: number;
  /** How long stopping an actor waits for its running turn and for each hook, in ms (default 5 000). */
  stopTimeoutMs?: number;
  /** Where log lines go; by default JSON lines on stderr, warnings and up. */
  logger?: Logger;
}

/**
 * The composition root: one per node. Today it holds the local actors; the
 * transport and the cluster attach here, and `resolve` routes local or remote.
 */
export class ActorSystem implements ActorSystemApi {
  readonly #local: LocalRuntime;

  private constructor(local: LocalRuntime) {
    this.#local = local;
    local.system = this;
  }

  static async start(options: ActorSystemOptions = {}): Promise<ActorSystem> {
    return new ActorSystem(new LocalRuntime(options));
  }

  get logger(): Logger {
    return this.#local.logger;
  }

  spawn<T extends Actor, A extends unknown[]>(cls: ActorClass<T, A>, options?: SpawnOptions<A>): Promise<ActorRef<T>> {
    return this.#local.spawn(cls, options);
  }

  /** The actor with that name; fails with ACTOR_NOT_FOUND when there is none. */
  resolve<T = unknown>(name: string): Promise<ActorRef<T>> {
    return this.#local.resolve<T>(name);
  }

  stop(target: ActorTarget): Promise<void> {
    return this.#local.stop(target);
  }

  kill(target: ActorTarget): Promise<void> {
    return this.#local.kill(target);
  }

  watch(target: ActorTarget, listener: (event: StopEvent) => void): () => void {
    return this.#local.watch(target, listener);
  }

  /** The actors running here: id, name and queued messages. */
  actors(): { id: string; name: string | undefined; mailbox: number }[] {
    return this.#local.list();
  }

  /** Stops every actor (watchers see `shutdown`); the system refuses new spawns. Idempotent. */
  shutdown(): Promise<void> {
    return this.#local.shutdown();
  }
}
