/**
 * A process-free cluster for entity tests: the real `ClusterNode`s of the
 * simulator (virtual time, seeded, with kills), each with a real
 * `LocalRuntime` and a real `Entities`, wired as `ActorSystem` wires them
 * (markers published in the registry, remote and forwarded calls by entity
 * address) over an in-memory network instead of links.
 *
 * Calls between nodes arrive one simulator step after they are sent, so a
 * membership change can land between a call's routing and its arrival, as on
 * a real network. A call to a node that is dead or gone fails with
 * NODE_UNREACHABLE, and so does a call in flight to a node when it is killed
 * (what a link does when its peer's socket closes).
 */
import { type Actor, type ActorClass, ActorError, type ActorRef, type CallReturn, deadlines, type Lane, LocalRuntime, type MessageTarget, type NetworkActor } from "../../src/actor/index.ts";
import { type ClusterNode, Simulation } from "../../src/cluster/index.ts";
import { Entities, type HostOptions } from "../../src/entity/index.ts";
import { memoryLogger } from "../helpers.ts";

export type SimHostState = "up" | "leaving" | "left" | "dead";

export interface SimHost {
  readonly id: string;
  readonly addr: string;
  readonly node: ClusterNode;
  readonly runtime: LocalRuntime;
  readonly entities: Entities;
  state: SimHostState;
  /** Rejecters of the calls delivered to this host and not yet answered. */
  readonly inflight: Set<(error: ActorError) => void>;
}

interface Delivery {
  to: string;
  from: string;
  target: string;
  run: (host: SimHost) => void;
  fail: (error: ActorError) => void;
}

/** What actors of a host see as `this.system`: which node they run on. */
const hostOfRuntime = new WeakMap<object, string>();

/** The id of the simulated node an actor runs on (call from inside an actor with `this.system`). */
export function simNodeOf(system: unknown): string {
  return hostOfRuntime.get(system as object) ?? "?";
}

export class SimCluster {
  readonly sim: Simulation;
  readonly hosts = new Map<string, SimHost>();
  readonly #pending: Delivery[] = [];
  readonly #lane: Lane;
  readonly #stepMs: number;
  readonly #hosting: { cls: ActorClass<Actor, []>; options: HostOptions }[] = [];

  constructor(options: { seed: number; stepMs?: number; askTimeoutMs?: number; latencyMs?: [number, number] }) {
    this.sim = new Simulation({ seed: options.seed, latencyMs: options.latencyMs ?? [1, 5] });
    this.#stepMs = options.stepMs ?? 10;
    this.#lane = deadlines.lane(options.askTimeoutMs ?? 5_000);
  }

  /** Every node added from now on hosts `cls` with these options (and so does every node added before: call it first). */
  hostOnEveryNode<T extends Actor>(cls: ActorClass<T, []>, options: HostOptions): void {
    this.#hosting.push({ cls: cls as unknown as ActorClass<Actor, []>, options });
    for (const host of this.hosts.values()) if (host.state === "up") host.entities.host(cls, options);
  }

  /** A new node that joins through `seed` (none: it starts the cluster), hosting every kind given to hostOnEveryNode. */
  add(seed?: SimHost): SimHost {
    const node = this.sim.addNode(seed === undefined ? [] : [seed.addr]);
    const runtime = new LocalRuntime({ logger: memoryLogger(), stopTimeoutMs: 500, askTimeoutMs: this.#lane.timeoutMs });
    hostOfRuntime.set(runtime, node.id);
    const entities = new Entities({
      nodeId: node.id,
      runtime,
      logger: runtime.logger,
      node,
      lane: this.#lane,
      remote: (addr, target) => this.#remote(addr, target, node.addr),
      forward: (addr, target) => this.#forward(addr, target, node.addr),
    });
    const publish = () => node.setLocalNames(entities.markers());
    entities.onMarkersChange(publish);
    const host: SimHost = { id: node.id, addr: node.addr, node, runtime, entities, state: "up", inflight: new Set() };
    this.hosts.set(node.addr, host);
    for (const { cls, options } of this.#hosting) entities.host(cls, options);
    publish();
    node.start();
    return host;
  }

  get up(): SimHost[] {
    return [...this.hosts.values()].filter((host) => host.state === "up");
  }

  /** A ref to (kind, key) made on `host`, as `system.entity(kind, key)` there. */
  ref<T>(host: SimHost, kind: string, key: string): ActorRef<T> {
    return host.entities.ref<T>(kind, key);
  }

  /** Like kill -9: the node stops taking part and answering; what was in flight to it fails with NODE_UNREACHABLE. */
  kill(host: SimHost): void {
    host.state = "dead";
    this.sim.kill(host.node);
    const unreachable = new ActorError("NODE_UNREACHABLE", `node ${host.addr} is dead`);
    for (const reject of host.inflight) reject(unreachable);
    host.inflight.clear();
    // Its actors are gone with it; stopping them frees their timers (nothing they answer reaches anyone).
    void host.entities.close().then(() => host.runtime.shutdown());
  }

  /**
   * Leaves as `ActorSystem.shutdown` does: tells the cluster, lets the goodbye
   * spread, passivates its entities, stops its actors, then stops answering.
   */
  async leave(host: SimHost): Promise<void> {
    host.state = "leaving";
    host.node.leave();
    await this.step(100);
    await host.entities.close();
    await host.runtime.shutdown();
    host.state = "left";
    const unreachable = new ActorError("NODE_UNREACHABLE", `node ${host.addr} left`);
    for (const reject of host.inflight) reject(unreachable);
    host.inflight.clear();
    this.sim.kill(host.node); // its clock stops with it
  }

  /** Runs virtual time forward by `ms` in steps, delivering calls between steps and letting actors run in real time. */
  async step(ms: number): Promise<void> {
    for (let done = 0; done < ms; done += this.#stepMs) {
      this.sim.run(this.#stepMs);
      this.#deliver();
      await Bun.sleep(1);
    }
  }

  /** Steps the simulator until `work` settles (calls between nodes need steps to arrive); fails past `maxMs` of virtual time. */
  async drive<T>(work: Promise<T>, what: string, maxMs = 30_000): Promise<T> {
    let done = false;
    const watched = work.finally(() => {
      done = true;
    });
    watched.catch(() => {});
    for (let waited = 0; !done; waited += this.#stepMs) {
      if (waited > maxMs) throw new Error(`seed ${this.sim.seed}: ${what} still pending after ${maxMs} ms of virtual time`);
      await this.step(this.#stepMs);
    }
    return watched;
  }

  /**
   * Whether membership has settled: every live node sees exactly the live
   * nodes as alive (none suspect: a suspect member keeps its keys), each of
   * them hosting every kind in `kinds`.
   */
  settled(kinds: readonly string[]): boolean {
    const up = this.up;
    const ids = new Set(up.map((host) => host.id));
    const same = (members: readonly { id: string; state: string }[]) => members.length === ids.size && members.every((member) => member.state === "alive" && ids.has(member.id));
    return up.every((host) => {
      const present = host.node.members().filter((member) => member.state === "alive" || member.state === "suspect");
      return same(present) && kinds.every((kind) => same(host.node.hostsOf(`system/entities/${kind}`, true)));
    });
  }

  #send(to: string, from: string, target: string, fail: (error: ActorError) => void, run: (host: SimHost) => void): void {
    this.#pending.push({ to, from, target, run, fail });
  }

  #deliver(): void {
    for (const delivery of this.#pending.splice(0)) {
      const host = this.hosts.get(delivery.to);
      if (host === undefined || host.state === "dead" || host.state === "left") {
        delivery.fail(new ActorError("NODE_UNREACHABLE", `node ${delivery.to} does not answer (a call from ${delivery.from} to ${delivery.target} at ${this.sim.now} ms)`));
        continue;
      }
      delivery.run(host);
    }
  }

  /** A call to `target` on the node at `addr`: there, the entity's network way in decides (its activation, or forward once). */
  #call(addr: string, target: string, type: string, payload: unknown, lane: Lane, askOnly: boolean, from: string): CallReturn {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: ActorError) => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      this.#send(addr, from, target, fail, (host) => {
        let actor: NetworkActor | ActorError | undefined;
        try {
          actor = host.entities.networkActor(target);
        } catch (error) {
          fail(error instanceof ActorError ? error : new ActorError("HANDLER_ERROR", `networkActor threw: ${String(error)}`));
          return;
        }
        if (actor === undefined) return fail(new ActorError("ACTOR_NOT_FOUND", `no actor ${target}`));
        if (actor instanceof ActorError) return fail(actor);
        host.inflight.add(fail);
        const answer = (actor as unknown as MessageTarget).call(type, payload, lane, askOnly) as Promise<unknown>;
        answer.then(
          (value) => {
            host.inflight.delete(fail);
            if (settled) return;
            settled = true;
            resolve(value);
          },
          (error: ActorError) => {
            host.inflight.delete(fail);
            fail(error);
          },
        );
      });
    });
  }

  #remote(addr: string, target: string, from: string): MessageTarget {
    return {
      name: undefined,
      id: `${target}@${addr}`,
      call: (type, payload, lane, askOnly) => this.#call(addr, target, type, payload, lane, askOnly, from),
      send: async () => {},
    };
  }

  /** What `Gateway.forward` gives: a way on to `addr`; here it is also a MessageTarget, which is how #call uses it. */
  #forward(addr: string, target: string, from: string): NetworkActor {
    const onward = this.#remote(addr, target, from);
    const forward: NetworkActor & MessageTarget = {
      ...onward,
      hasRoom: true,
      whenRoom: () => () => {},
      serve: () => {
        throw new ActorError("BAD_REQUEST", "the simulated network calls forwards through call()");
      },
      offer: () => new ActorError("BAD_REQUEST", "the simulated network sends no tells"),
    };
    return forward;
  }
}
