import { expect } from "bun:test";
import { type ClusterConfig, ClusterNode, type Clock, type Member, type MemberState, Membership, type MembershipDelegate, type Network } from "../../src/cluster/index.ts";
import { ACK, ALIVE, DEAD, GOSSIP, type GossipMessage, gossipProblem, LEFT, NAMES, type NamesUpdate, PING, PING_REQ, SUSPECT, type Update } from "../../src/wire/index.ts";

/**
 * A rig for rule tests in the style of memberlist's state_test.go: one node
 * (`me`), a manual clock, a network that records what the node sends (and, for
 * the members told to, answers its probes), and a delegate that records what
 * membership tells it.
 */

export const ME = "me";
export const addr = (id: string): string => `${id}:1`;
export const gossip = (...updates: Update[]): GossipMessage => [GOSSIP, "x", updates];

/** Every timer off but probing and suspicion, and each update sent once: what a row sends is all its own. */
export const RULE_CONFIG: Partial<ClusterConfig> = {
  probeIntervalMs: 200,
  probeTimeoutMs: 100,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxMult: 3,
  retransmitMult: 1,
  maxPiggyback: 24,
  gossipIntervalMs: 1e9,
  syncIntervalMs: 1e9,
  reconnectIntervalMs: 1e9,
  joinRetryMs: 1e9,
  forgetAfterMs: 1e9,
};

interface Timer {
  at: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/** Time moves only when told; timers run in order of time, then of scheduling. */
export class ManualClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #timers: Timer[] = [];

  now(): number {
    return this.#now;
  }

  after(ms: number, run: () => void): () => void {
    const timer: Timer = { at: this.#now + ms, seq: this.#seq++, run, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Runs every timer due up to `now + ms`, each at its time. */
  advanceTo(time: number): void {
    for (;;) {
      let next: Timer | undefined;
      for (const timer of this.#timers) if (!timer.cancelled && timer.at <= time && (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))) next = timer;
      if (next === undefined) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = Math.max(this.#now, next.at);
      next.run();
    }
    this.#now = Math.max(this.#now, time);
  }

  /** Time passes and nothing runs (the process was stopped): timers due meanwhile run late. */
  freeze(ms: number): void {
    this.#now += ms;
  }
}

export type Sent = readonly [to: string, message: GossipMessage];

/**
 * Records every message the node sends (each must be one the wire accepts). The
 * members in `answering` ack its pings one millisecond later; as helpers they
 * pass on the ack of a ping-req whose target answers them (is in `answering`
 * or `answersOthers`).
 */
export class RecordingNetwork implements Network {
  readonly sent: Sent[] = [];
  readonly answering = new Set<string>();
  readonly answersOthers = new Set<string>();
  receiver: ((message: GossipMessage) => void) | undefined;
  readonly #clock: ManualClock;

  constructor(clock: ManualClock) {
    this.#clock = clock;
  }

  send(to: string, message: GossipMessage): void {
    expect(gossipProblem(message), JSON.stringify(message)).toBeUndefined();
    this.sent.push([to, message]);
    const id = to.slice(0, to.lastIndexOf(":"));
    if (!this.answering.has(id)) return;
    if (message[0] === PING && message[4] === id) this.#answer([ACK, message[1], id, []]);
    if (message[0] === PING_REQ && (this.answering.has(message[4]) || this.answersOthers.has(message[4]))) this.#answer([ACK, message[1], id, []]);
  }

  #answer(message: GossipMessage): void {
    this.#clock.after(1, () => this.receiver?.(message));
  }
}

/** Records what membership tells its delegate; its own state is one fixed names update. */
export class RecordingDelegate implements MembershipDelegate {
  readonly calls: string[] = [];
  /** Set once the membership exists: lets `notify` say whether the members it is about were known by then. */
  known: (id: string) => boolean = () => false;
  static readonly STATE: NamesUpdate[] = [[NAMES, ME, 1, ["svc/me"]]];

  notify(updates: readonly NamesUpdate[]): void {
    for (const [, id] of updates) this.calls.push(`notify ${id} (${this.known(id) ? "known" : "unknown"})`);
  }
  localState(): NamesUpdate[] {
    return RecordingDelegate.STATE;
  }
  mergeRemoteState(state: readonly NamesUpdate[]): void {
    for (const [, id] of state) this.calls.push(`merge ${id}`);
  }
  memberDown(id: string, state: "dead" | "left"): void {
    this.calls.push(`down ${id} ${state}`);
  }
  memberForgotten(id: string): void {
    this.calls.push(`forgotten ${id}`);
  }
  refuted(): void {
    this.calls.push("refuted");
  }
}

/** A member's state and incarnation, as a rule's row gives or expects it. */
export type State = readonly [MemberState, number];

export interface Given {
  /** Other members and what this node believes of them; `a`, `b`, `c` alive at 1 when not given. */
  members?: Record<string, State>;
  /** This node's own incarnation (0 when not given). */
  self?: number;
  /** Members that answer this node's probes; none when not given. */
  answering?: readonly string[];
  /** Members that answer the other members' probes only (cut off from this node alone). */
  answersOthers?: readonly string[];
  config?: Partial<ClusterConfig>;
}

/** How `given` is reached: through `receive`, as any other state would be. */
function setup(given: Given): GossipMessage[] {
  const members = given.members ?? { a: ["alive", 1], b: ["alive", 1], c: ["alive", 1] };
  const updates: Update[] = [];
  if (given.self !== undefined) updates.push([ALIVE, ME, addr(ME), given.self]);
  for (const [id, [state, incarnation]] of Object.entries(members)) {
    updates.push([ALIVE, id, addr(id), incarnation]);
    if (state === "suspect") updates.push([SUSPECT, id, incarnation, "x"]);
    if (state === "dead") updates.push([DEAD, id, incarnation, "x"]);
    if (state === "left") updates.push([LEFT, id, incarnation]);
  }
  return [gossip(...updates)];
}

export interface Rig<N> {
  node: N;
  clock: ManualClock;
  network: RecordingNetwork;
  delegate: RecordingDelegate;
  /** What the node would piggyback on its next message: every update waiting (each is sent once). */
  waiting(): Update[];
}

interface Node {
  start(): void;
  receive(message: GossipMessage): void;
  member(id: string): Member | undefined;
}

function rig<N extends Node>(given: Given, make: (clock: ManualClock, network: RecordingNetwork, delegate: RecordingDelegate) => N, more?: (node: N) => void): Rig<N> {
  const clock = new ManualClock();
  const network = new RecordingNetwork(clock);
  const delegate = new RecordingDelegate();
  const node = make(clock, network, delegate);
  delegate.known = (id) => node.member(id) !== undefined;
  network.receiver = (message) => node.receive(message);
  node.start();
  for (const message of setup(given)) node.receive(message);
  more?.(node);
  const waiting = (): Update[] => {
    const before = network.sent.length;
    node.receive([PING, 0, "drain", addr("drain"), ME, []]);
    const sent = network.sent.splice(before);
    expect(sent.length).toBe(1);
    return (sent[0] as Sent)[1][3] as Update[];
  };
  waiting();
  for (const id of given.answering ?? []) network.answering.add(id);
  for (const id of given.answersOthers ?? []) network.answersOthers.add(id);
  network.sent.length = 0;
  delegate.calls.length = 0;
  return { node, clock, network, delegate, waiting };
}

const options = (given: Given, clock: Clock, network: Network) => ({ id: ME, addr: addr(ME), clock, network, random: () => 0.5, config: { ...RULE_CONFIG, ...given.config } });

/** Membership alone, with the recording delegate. */
export function membershipRig(given: Given = {}): Rig<Membership> {
  return rig(given, (clock, network, delegate) => new Membership({ ...options(given, clock, network), delegate }));
}

/** A whole cluster node: membership with the registry as its delegate; `more` sets up names. */
export function nodeRig(given: Given = {}, more?: (node: ClusterNode) => void): Rig<ClusterNode> {
  return rig(given, (clock, network) => new ClusterNode(options(given, clock, network)), more);
}

/** Updates in a stable order, for comparing what waits regardless of queue order. */
export const sorted = (updates: readonly Update[]): string[] => updates.map((u) => JSON.stringify(u)).sort();

/** Checks each listed member's state and incarnation (null: unknown), and that no known member moved address. */
export function expectMembers(node: Node, members: Record<string, State | null>, context: string): void {
  for (const [id, want] of Object.entries(members)) {
    const got = node.member(id);
    if (want === null) expect(got, `${context}: ${id}`).toBeUndefined();
    else expect(got, `${context}: ${id}`).toEqual({ id, addr: addr(id), state: want[0], incarnation: want[1] });
  }
}
