import { type GossipMessage, gossipProblem } from "../wire/index.ts";
import { ClusterNode } from "./node.ts";
import { seededRandom } from "./random.ts";
import type { ClusterConfig, Clock, Network } from "./types.ts";

interface Event {
  time: number;
  seq: number;
  run: () => void;
}

/** A binary heap of events by time, then by the order they were scheduled: runs are reproducible. */
class EventQueue {
  readonly #heap: Event[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(event: Event): void {
    const heap = this.#heap;
    heap.push(event);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent] as Event)) break;
      heap[i] = heap[parent] as Event;
      heap[parent] = event;
      i = parent;
    }
  }

  peek(): Event | undefined {
    return this.#heap[0];
  }

  pop(): Event | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left] as Event, heap[smallest] as Event)) smallest = left;
      if (right < heap.length && before(heap[right] as Event, heap[smallest] as Event)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest] as Event, heap[i] as Event];
      i = smallest;
    }
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

export interface SimulationOptions {
  seed: number;
  /** One-way latency of every message, drawn uniformly in [min, max] ms. */
  latencyMs?: [number, number];
  /** Fraction of messages lost, 0..1. */
  loss?: number;
  config?: Partial<ClusterConfig>;
}

interface SimHost {
  readonly node: ClusterNode;
  killed: boolean;
  /** Paused like a SIGSTOPped process: nothing runs, what arrives waits. */
  paused: boolean;
  readonly backlog: (() => void)[];
}

/**
 * A deterministic world for cluster nodes: virtual time, seeded randomness,
 * per-message latency and loss, partitions, paused and killed nodes. The nodes
 * are the real ClusterNode; only their clock and network are simulated.
 */
export class Simulation {
  readonly seed: number;
  readonly #random: () => number;
  readonly #queue = new EventQueue();
  readonly #hosts = new Map<string, SimHost>();
  readonly #config: Partial<ClusterConfig>;
  #now = 0;
  #seq = 0;
  #groups: Map<string, number> | undefined;
  latencyMs: [number, number];
  loss: number;
  /** Messages sent, and delivered, so far. */
  sent = 0;
  delivered = 0;
  /** Messages that a real node's server would have refused (gossipProblem), and so were dropped. */
  refused = 0;

  constructor(options: SimulationOptions) {
    this.seed = options.seed;
    this.#random = seededRandom(options.seed);
    this.latencyMs = options.latencyMs ?? [1, 5];
    this.loss = options.loss ?? 0;
    this.#config = options.config ?? {};
  }

  get now(): number {
    return this.#now;
  }

  /** The nodes, killed ones included. */
  get nodes(): ClusterNode[] {
    return [...this.#hosts.values()].map((host) => host.node);
  }

  /** Nodes that are neither killed nor paused. */
  get running(): ClusterNode[] {
    return [...this.#hosts.values()].filter((host) => !host.killed && !host.paused).map((host) => host.node);
  }

  addNode(seeds: string[] = []): ClusterNode {
    const index = this.#hosts.size;
    const addr = `node-${index}:7000`;
    let host: SimHost | undefined;
    const clock: Clock = {
      now: () => this.#now,
      after: (ms, run) => {
        let cancelled = false;
        this.#at(this.#now + ms, () => {
          if (cancelled || host === undefined || host.killed) return;
          if (host.paused) host.backlog.push(run);
          else run();
        });
        return () => {
          cancelled = true;
        };
      },
    };
    const network: Network = { send: (to, message) => this.#send(addr, to, message) };
    const node = new ClusterNode({
      id: `n${index}-${this.seed}`,
      addr,
      seeds,
      clock,
      network,
      random: seededRandom(this.seed * 7919 + index + 1),
      config: this.#config,
    });
    host = { node, killed: false, paused: false, backlog: [] };
    this.#hosts.set(addr, host);
    return node;
  }

  /** `count` new nodes, each seeded with the first node of the simulation (the first one ever starts the cluster). */
  addNodes(count: number): ClusterNode[] {
    const added: ClusterNode[] = [];
    if (this.#hosts.size === 0 && count > 0) added.push(this.addNode([]));
    const first = this.nodes[0] as ClusterNode;
    while (added.length < count) added.push(this.addNode([first.addr]));
    return added;
  }

  #host(node: ClusterNode): SimHost {
    return this.#hosts.get(node.addr) as SimHost;
  }

  kill(node: ClusterNode): void {
    const host = this.#host(node);
    host.killed = true;
    host.backlog.length = 0;
    node.stop();
  }

  pause(node: ClusterNode): void {
    this.#host(node).paused = true;
  }

  resume(node: ClusterNode): void {
    const host = this.#host(node);
    host.paused = false;
    const backlog = host.backlog.splice(0);
    for (const run of backlog) if (!host.killed) run();
  }

  /** Messages cross only within a group until `heal`. */
  partition(groups: ClusterNode[][]): void {
    this.#groups = new Map();
    groups.forEach((group, index) => {
      for (const node of group) this.#groups?.set(node.addr, index);
    });
  }

  heal(): void {
    this.#groups = undefined;
  }

  #at(time: number, run: () => void): void {
    this.#queue.push({ time, seq: this.#seq++, run });
  }

  /**
   * A message from outside the cluster (an attacker, say), delivered to `node`
   * now if its server would take it; returns what the server would refuse it for.
   */
  inject(node: ClusterNode, message: unknown): string | undefined {
    const problem = gossipProblem(message);
    if (problem === undefined) node.receive(message as GossipMessage); // gossipProblem said it is one
    return problem;
  }

  #send(from: string, to: string, message: GossipMessage): void {
    this.sent++;
    // What the real server checks: a node that sends what others refuse is cut off here as there.
    if (gossipProblem(message) !== undefined) {
      this.refused++;
      return;
    }
    if (this.loss > 0 && this.#random() < this.loss) return;
    if (this.#groups !== undefined && this.#groups.get(from) !== this.#groups.get(to)) return;
    const [min, max] = this.latencyMs;
    this.#at(this.#now + min + (max - min) * this.#random(), () => {
      const host = this.#hosts.get(to);
      if (host === undefined || host.killed) return;
      const deliver = () => {
        this.delivered++;
        host.node.receive(message);
      };
      if (host.paused) host.backlog.push(deliver);
      else deliver();
    });
  }

  /** Runs virtual time forward by `ms`. */
  run(ms: number): void {
    const end = this.#now + ms;
    for (let event = this.#queue.peek(); event !== undefined && event.time <= end; event = this.#queue.peek()) {
      this.#queue.pop();
      this.#now = event.time;
      event.run();
    }
    this.#now = end;
  }

  /** Runs until `done` holds (checked every `stepMs`) or `maxMs` pass; returns the time it took, or undefined. */
  runUntil(done: () => boolean, maxMs: number, stepMs = 10): number | undefined {
    const start = this.#now;
    while (this.#now - start < maxMs) {
      if (done()) return this.#now - start;
      this.run(stepMs);
    }
    return done() ? this.#now - start : undefined;
  }

  /** Whether every running node sees exactly the running nodes as alive. */
  converged(): boolean {
    const running = this.running;
    const ids = new Set(running.map((node) => node.id));
    return running.every((node) => {
      const alive = node.members().filter((m) => m.state === "alive");
      return alive.length === ids.size && alive.every((m) => ids.has(m.id));
    });
  }

  /** Starts every node that has not started. */
  startAll(): void {
    for (const node of this.nodes) node.start();
  }
}
