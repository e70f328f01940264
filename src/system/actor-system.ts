import {
  type Actor,
  type ActorClass,
  ActorError,
  type ActorRef,
  type ActorSystemApi,
  type ActorTarget,
  deadlines,
  LocalRuntime,
  type Logger,
  nameProblem,
  type SpawnOptions,
  type StopEvent,
} from "../actor/index.ts";
import { formatAddr, Links, type NodeServer, parseAddr, remoteRef, startServer } from "../transport/index.ts";
import { Codec, type WireLimits } from "../wire/index.ts";

export interface ActorSystemOptions {
  /** `host:port` to serve on (port 0 picks a free one). Without it the system is in-process only, though it can still call other nodes. */
  addr?: string;
  /** Default timeout of every ask and stream step, in ms (default 30 000). */
  askTimeoutMs?: number;
  /** Default mailbox capacity of spawned actors (default 256). */
  mailboxCapacity?: number;
  /** How long stopping an actor waits for its running turn and for each hook, in ms (default 5 000). */
  stopTimeoutMs?: number;
  /** Limits on what this node decodes from the network (default 4 MiB a message, 64 levels deep). */
  limits?: Partial<WireLimits>;
  /** Where log lines go; by default JSON lines on stderr, warnings and up. */
  logger?: Logger;
}

/**
 * The composition root: one per node. It holds the local actors, serves them
 * over HTTP and links when given an address, and hands out refs to actors on
 * other nodes.
 */
export class ActorSystem implements ActorSystemApi {
  /** This node's identity: new at every start, so a restarted node is a new node. */
  readonly nodeId: string;
  readonly #local: LocalRuntime;
  readonly #links: Links;
  readonly #server: NodeServer | undefined;
  #shutdown: Promise<void> | undefined;

  private constructor(nodeId: string, local: LocalRuntime, codec: Codec, server: NodeServer | undefined) {
    this.nodeId = nodeId;
    this.#local = local;
    this.#server = server;
    local.system = this;
    this.#links = new Links({
      nodeId,
      addr: server?.addr,
      codec,
      logger: local.logger,
      lookup: (name) => local.lookup(name),
    });
  }

  static async start(options: ActorSystemOptions = {}): Promise<ActorSystem> {
    const nodeId = crypto.randomUUID();
    const local = new LocalRuntime(options);
    const codec = new Codec(options.limits);
    if (options.addr === undefined) return new ActorSystem(nodeId, local, codec, undefined);
    // The real port is known only once listening, and links advertise it: bind first.
    let system: ActorSystem | undefined;
    const server = startServer({
      ...parseAddr(options.addr),
      nodeId,
      codec,
      logger: local.logger,
      links: () => (system as ActorSystem).#links,
      lookup: (name) => local.lookup(name),
      shuttingDown: () => system === undefined || system.#shutdown !== undefined,
    });
    system = new ActorSystem(nodeId, local, codec, server);
    return system;
  }

  /** The `host:port` this node serves on, or undefined when it does not listen. */
  get addr(): string | undefined {
    return this.#server?.addr;
  }

  /** Open links to other nodes (a link serves calls both ways). */
  get linksUp(): number {
    return this.#links.size;
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

  /**
   * A ref to the actor named `name` on the node at `addr`. It works like a local
   * ref (ask, `$tell`, streams, timeouts, error codes); nothing is sent until it
   * is used, and the link to that node is made on first use.
   */
  remote<T = unknown>(addr: string, name: string): ActorRef<T> {
    const problem = nameProblem(name);
    if (problem !== undefined) throw new ActorError("INVALID_NAME", problem);
    const target = formatAddr(parseAddr(addr));
    if (target === this.addr) {
      const local = this.#local.lookup<T>(name);
      if (local !== undefined) return local;
    }
    return remoteRef(this.#links, target, name, deadlines.lane(this.#local.askTimeoutMs)) as ActorRef<T>;
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

  /**
   * Stops every actor (watchers see `shutdown`), closes every link (calls in
   * flight fail with NODE_UNREACHABLE) and stops serving. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      await this.#local.shutdown();
      // Let replies the actors just sent leave before the links close.
      await new Promise((resolve) => setImmediate(resolve));
      this.#links.close();
      await this.#server?.stop();
    })();
    return this.#shutdown;
  }
}
