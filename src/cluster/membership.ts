import {
  ACK,
  ALIVE,
  DEAD,
  type DelegateUpdate,
  GOSSIP,
  type GossipMessage,
  isMemberUpdate,
  LEFT,
  MAX_INCARNATION,
  type MemberUpdate,
  PING,
  PING_REQ,
  SUSPECT,
  SYNC,
  SYNC_REPLY,
  type Update,
} from "../wire/index.ts";
import { Broadcasts } from "./broadcasts.ts";
import { type MembershipDelegate, NO_DELEGATE } from "./delegate.ts";
import { Suspicion, suspicionBounds, suspicionTimeout } from "./suspicion.ts";
import { type ClusterConfig, type Clock, DEFAULT_CLUSTER_CONFIG, type Member, type MemberState, type Network } from "./types.ts";

interface MemberRecord {
  id: string;
  addr: string;
  state: MemberState;
  incarnation: number;
  /** When it last changed state (for forgetting dead members). */
  since: number;
}

export interface MembershipOptions {
  id: string;
  addr: string;
  /** Addresses to join through; unreachable ones and this node's own are fine. */
  seeds?: readonly string[];
  clock: Clock;
  network: Network;
  /** Seeded in the simulator, Math.random otherwise. */
  random?: () => number;
  config?: Partial<ClusterConfig>;
  /** The layer that rides on membership's gossip (the registry); none by default. */
  delegate?: MembershipDelegate;
}

export interface MemberChange {
  readonly member: Member;
  readonly previous: MemberState | undefined;
}

type Listener<T> = (event: T) => void;

/**
 * One node's view of the cluster's members, and its part in keeping everyone's
 * view right: SWIM probing (direct, then through others), suspicion with
 * Lifeguard's confirmations, refutation, gossip piggybacked on every message,
 * periodic full-state sync (push-pull), graceful leave. It knows nothing of
 * actors: a delegate (the registry) rides on its gossip. It touches the world
 * only through `clock` and `network`.
 */
export class Membership {
  readonly id: string;
  readonly addr: string;
  readonly config: ClusterConfig;
  readonly #clock: Clock;
  readonly #network: Network;
  readonly #random: () => number;
  #seeds: readonly string[];
  readonly #delegate: MembershipDelegate;
  readonly #members = new Map<string, MemberRecord>();
  /** Membership's updates and its delegate's, in one queue: least-sent first, whoever's they are. */
  readonly #broadcasts = new Broadcasts<Update>();
  readonly #suspicions = new Map<string, Suspicion>();
  readonly #suspicionTimer = { now: () => this.#clock.now(), later: (ms: number, run: () => void) => this.#later(ms, run) };
  readonly #acks = new Map<number, () => void>();
  readonly #timers = new Set<() => void>();
  readonly #memberListeners = new Set<Listener<MemberChange>>();
  #incarnation = 0;
  #seq = 0;
  #version = 0;
  #probeOrder: string[] = [];
  #probeAt = 0;
  #running = false;

  constructor(options: MembershipOptions) {
    this.id = options.id;
    this.addr = options.addr;
    this.config = { ...DEFAULT_CLUSTER_CONFIG, ...options.config };
    this.#clock = options.clock;
    this.#network = options.network;
    this.#random = options.random ?? Math.random;
    this.#delegate = options.delegate ?? NO_DELEGATE;
    this.#seeds = (options.seeds ?? []).filter((seed) => seed !== options.addr);
    this.#members.set(this.id, { id: this.id, addr: this.addr, state: "alive", incarnation: 0, since: this.#clock.now() });
  }

  /**
   * The addresses to join through, again: a seed given by a name that resolves
   * to several addresses, or to new ones as pods come and go. This node's own
   * address is left out.
   */
  setSeeds(seeds: readonly string[]): void {
    const known = new Set(this.#seeds);
    this.#seeds = seeds.filter((seed) => seed !== this.addr);
    // New seeds are asked at once, as at start: being joined by someone else must not keep this node from them.
    if (this.#running) for (const seed of this.#seeds) if (!known.has(seed)) this.#syncTo(seed);
  }

  /** Whether another member is alive: the node has joined a cluster (or been joined). */
  get hasPeers(): boolean {
    for (const record of this.#members.values()) if (record.id !== this.id && record.state === "alive") return true;
    return false;
  }

  // ---- public view ---------------------------------------------------------

  /** Counts every change of a member's state: a cache of lookups is good while it stays the same. */
  get version(): number {
    return this.#version;
  }

  members(): Member[] {
    return [...this.#members.values()].map(({ id, addr, state, incarnation }) => ({ id, addr, state, incarnation }));
  }

  member(id: string): Member | undefined {
    const record = this.#members.get(id);
    return record === undefined ? undefined : { id: record.id, addr: record.addr, state: record.state, incarnation: record.incarnation };
  }

  onMemberChange(listener: Listener<MemberChange>): () => void {
    this.#memberListeners.add(listener);
    return () => this.#memberListeners.delete(listener);
  }

  /**
   * Queues one of the delegate's updates to piggyback on membership's messages,
   * with membership's own (least-sent first), replacing one queued under the
   * same key.
   */
  broadcast(key: string, update: DelegateUpdate): void {
    this.#broadcasts.enqueue(`d:${key}`, update);
  }

  // ---- lifecycle -----------------------------------------------------------

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#every(this.config.probeIntervalMs, () => this.#probe());
    this.#every(this.config.gossipIntervalMs, () => this.#gossip());
    this.#every(this.config.syncIntervalMs, () => {
      this.#syncWith((r) => r.state === "alive");
      this.#syncWithAbsentSeed();
    });
    // A dead member may only have been cut off: if it answers, both sides refute and merge.
    this.#every(this.config.reconnectIntervalMs, () => this.#syncWith((r) => r.state === "dead"));
    this.#every(this.config.joinRetryMs, () => {
      if (this.#others() === 0) this.#join();
    });
    this.#every(Math.max(1000, this.config.forgetAfterMs / 4), () => this.#forgetOld());
    // Say who we are on every message too, not only through the seed's gossip: joining is faster.
    this.#broadcasts.enqueue(`m:${this.id}`, [ALIVE, this.id, this.addr, this.#incarnation]);
    this.#join();
  }

  /** Stops taking part, without telling anyone (what a crash looks like to the others). */
  stop(): void {
    this.#running = false;
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    for (const suspicion of this.#suspicions.values()) suspicion.cancel();
    this.#suspicions.clear();
    this.#acks.clear();
  }

  /** Graceful leave: every member hears it now and forgets this node at once. */
  leave(): void {
    if (!this.#running) return;
    const self = this.#members.get(this.id) as MemberRecord;
    self.state = "left";
    const update: MemberUpdate = [LEFT, this.id, this.#incarnation];
    for (const record of this.#members.values()) {
      if (record.id !== this.id && (record.state === "alive" || record.state === "suspect")) {
        this.#network.send(record.addr, [GOSSIP, this.id, [update]]);
      }
    }
    this.stop();
  }

  #every(ms: number, run: () => void): void {
    const tick = () => {
      if (!this.#running) return;
      run();
      this.#later(ms, tick);
    };
    // A random first delay keeps nodes that start together from probing in lockstep.
    this.#later(ms * this.#random(), tick);
  }

  #later(ms: number, run: () => void): () => void {
    const cancel = this.#clock.after(ms, () => {
      this.#timers.delete(cancel);
      run();
    });
    this.#timers.add(cancel);
    return () => {
      this.#timers.delete(cancel);
      cancel();
    };
  }

  #others(): number {
    let count = 0;
    for (const record of this.#members.values()) if (record.id !== this.id && (record.state === "alive" || record.state === "suspect")) count++;
    return count;
  }

  // ---- probing (SWIM) --------------------------------------------------------

  #probe(): void {
    const target = this.#nextTarget();
    if (target === undefined) return;
    // Suspect the incarnation that was probed: a newer one that arrived meanwhile is news of life.
    const incarnation = target.incarnation;
    this.#probeOnce(target, (acked) => {
      if (!acked) this.#suspect(target.id, incarnation, this.id);
    });
  }

  /**
   * One SWIM probe: a direct ping, then, if no ack came within the probe
   * timeout, pings through `indirectChecks` others; `done` hears by the end of
   * the probe interval whether any ack came back.
   */
  #probeOnce(target: MemberRecord, done: (acked: boolean) => void): void {
    const seq = ++this.#seq;
    let acked = false;
    this.#acks.set(seq, () => {
      acked = true;
    });
    let updates = this.#piggyback();
    if (target.state === "suspect") {
      // A suspect being probed hears of its suspicion first thing, so it can refute (once, if it was waiting too).
      const suspicion: MemberUpdate = [SUSPECT, target.id, target.incarnation, this.id];
      updates = [suspicion, ...updates.filter((u) => !(u[0] === SUSPECT && u[1] === target.id && u[2] === target.incarnation && u[3] === this.id))];
    }
    this.#network.send(target.addr, [PING, seq, this.id, this.addr, target.id, updates]);
    this.#later(this.config.probeTimeoutMs, () => {
      if (acked || !this.#running) return;
      // No ack in time: ask others to try, in case the trouble is between us two.
      for (const helper of this.#pick(this.config.indirectChecks, (r) => r.id !== target.id && r.state === "alive")) {
        this.#network.send(helper.addr, [PING_REQ, seq, this.id, this.addr, target.id, target.addr, this.#piggyback()]);
      }
    });
    const due = this.#clock.now() + this.config.probeIntervalMs;
    this.#later(this.config.probeIntervalMs, () => {
      this.#acks.delete(seq);
      if (!this.#running) return;
      // If this node itself ran late (overloaded, or paused), an ack may be sitting
      // unread: the probe proves nothing about the target (Lifeguard's self-awareness).
      const late = this.#clock.now() - due > this.config.probeTimeoutMs;
      done(acked || late);
    });
  }

  /** Round-robin over a shuffled list of the members worth probing. */
  #nextTarget(): MemberRecord | undefined {
    for (let tries = 0; tries < 2; tries++) {
      while (this.#probeAt < this.#probeOrder.length) {
        const record = this.#members.get(this.#probeOrder[this.#probeAt++] as string);
        if (record !== undefined && record.id !== this.id && (record.state === "alive" || record.state === "suspect")) return record;
      }
      this.#probeOrder = this.#shuffle([...this.#members.keys()]);
      this.#probeAt = 0;
    }
    return undefined;
  }

  #shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.#random() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }

  /** Up to `count` random members that pass `keep`. */
  #pick(count: number, keep: (record: MemberRecord) => boolean): MemberRecord[] {
    const candidates: MemberRecord[] = [];
    for (const record of this.#members.values()) if (record.id !== this.id && keep(record)) candidates.push(record);
    if (candidates.length <= count) return candidates;
    return this.#shuffle(candidates).slice(0, count);
  }

  #retransmitLimit(): number {
    return this.config.retransmitMult * Math.ceil(Math.log10(this.#members.size + 1));
  }

  #piggyback(): Update[] {
    return this.#broadcasts.size === 0 ? [] : this.#broadcasts.take(this.config.maxPiggyback, this.#retransmitLimit());
  }

  #gossip(): void {
    if (this.#broadcasts.size === 0) return;
    const targets = this.#pick(this.config.gossipFanout, (r) => r.state === "alive" || r.state === "suspect");
    for (const target of targets) {
      const updates = this.#piggyback();
      if (updates.length === 0) return;
      this.#network.send(target.addr, [GOSSIP, this.id, updates]);
    }
  }

  // ---- joining and anti-entropy ---------------------------------------------

  #join(): void {
    for (const seed of this.#seeds) this.#syncTo(seed);
  }

  #syncTo(addr: string): void {
    this.#network.send(addr, [SYNC, this.id, this.addr, this.#stateUpdates(), this.#delegate.localState()]);
  }

  /**
   * A seed that is not an alive member may be on the far side of a partition
   * longer than `forgetAfterMs` (its dead record forgotten): syncing with it
   * lets the sides find each other again.
   */
  #syncWithAbsentSeed(): void {
    const alive = new Set<string>();
    for (const record of this.#members.values()) if (record.state === "alive") alive.add(record.addr);
    const absent = this.#seeds.filter((seed) => !alive.has(seed));
    if (absent.length > 0) this.#syncTo(absent[Math.floor(this.#random() * absent.length)] as string);
  }

  #syncWith(keep: (record: MemberRecord) => boolean): void {
    const [peer] = this.#pick(1, keep);
    if (peer !== undefined) this.#syncTo(peer.addr);
  }

  #stateUpdates(): MemberUpdate[] {
    const out: MemberUpdate[] = [];
    for (const r of this.#members.values()) {
      switch (r.state) {
        case "alive":
          out.push([ALIVE, r.id, r.addr, r.incarnation]);
          break;
        case "suspect":
          out.push([ALIVE, r.id, r.addr, r.incarnation], [SUSPECT, r.id, r.incarnation, this.id]);
          break;
        case "dead":
          out.push([DEAD, r.id, r.incarnation, this.id]);
          break;
        case "left":
          out.push([LEFT, r.id, r.incarnation]);
      }
    }
    return out;
  }

  #forgetOld(): void {
    const horizon = this.#clock.now() - this.config.forgetAfterMs;
    for (const [id, record] of this.#members) {
      if ((record.state === "dead" || record.state === "left") && record.since < horizon) {
        this.#members.delete(id);
        this.#delegate.memberForgotten(id);
      }
    }
  }

  // ---- receiving ---------------------------------------------------------------

  receive(message: GossipMessage): void {
    if (!this.#running) return;
    switch (message[0]) {
      case PING: {
        const [, seq, , fromAddr, target, updates] = message;
        this.#apply(updates);
        // A probe for a previous node at this address is not ours to answer.
        if (target === this.id) this.#network.send(fromAddr, [ACK, seq, this.id, this.#piggyback()]);
        return;
      }
      case ACK: {
        const [, seq, , updates] = message;
        this.#apply(updates);
        const onAck = this.#acks.get(seq);
        this.#acks.delete(seq);
        onAck?.();
        return;
      }
      case PING_REQ: {
        const [, seq, , fromAddr, target, targetAddr, updates] = message;
        this.#apply(updates);
        const mine = ++this.#seq;
        this.#acks.set(mine, () => this.#network.send(fromAddr, [ACK, seq, this.id, this.#piggyback()]));
        this.#network.send(targetAddr, [PING, mine, this.id, this.addr, target, this.#piggyback()]);
        this.#later(this.config.probeIntervalMs, () => this.#acks.delete(mine));
        return;
      }
      case GOSSIP:
        this.#apply(message[2]);
        return;
      case SYNC: {
        const [, , fromAddr, members, state] = message;
        this.#merge(members, state);
        this.#network.send(fromAddr, [SYNC_REPLY, this.id, this.#stateUpdates(), this.#delegate.localState()]);
        return;
      }
      case SYNC_REPLY:
        this.#merge(message[2], message[3]);
        return;
    }
  }

  /** Full state from a peer: remote deaths only make us suspect, so the member may still refute. */
  #merge(members: MemberUpdate[], state: DelegateUpdate[]): void {
    for (const update of members) {
      if (update[0] === DEAD) this.#suspect(update[1], update[2], update[3]);
      else this.#applyOne(update);
    }
    this.#delegate.mergeRemoteState(state);
  }

  /** Membership's updates, then the delegate's: one of them may be about a member whose ALIVE rides in the same message. */
  #apply(updates: Update[]): void {
    let theirs: DelegateUpdate[] | undefined;
    for (const update of updates) {
      if (isMemberUpdate(update)) this.#applyOne(update);
      else (theirs ??= []).push(update);
    }
    if (theirs !== undefined) this.#delegate.notify(theirs);
  }

  #applyOne(update: MemberUpdate): void {
    switch (update[0]) {
      case ALIVE:
        return this.#alive(update[1], update[2], update[3]);
      case SUSPECT:
        return this.#suspect(update[1], update[2], update[3]);
      case DEAD:
        return this.#dead(update[1], update[2], update[3]);
      case LEFT:
        return this.#left(update[1], update[2]);
    }
  }

  // ---- state changes -------------------------------------------------------

  #alive(id: string, addr: string, incarnation: number): void {
    if (id === this.id) return this.#aliveAboutSelf(addr, incarnation);
    const record = this.#members.get(id);
    if (record === undefined) {
      this.#members.set(id, { id, addr, state: "alive", incarnation, since: this.#clock.now() });
      // A new member goes somewhere random in the probe order, not all at its end.
      this.#probeOrder.splice(this.#probeAt + Math.floor(this.#random() * (this.#probeOrder.length - this.#probeAt + 1)), 0, id);
      this.#changed(id, undefined);
      this.#broadcasts.enqueue(`m:${id}`, [ALIVE, id, addr, incarnation]);
      return;
    }
    // Ids are new at every boot, so a member's address never changes: another one is
    // a stranger's forgery (without it, one alive at a higher incarnation re-routes B for good).
    if (addr !== record.addr) return;
    // A left member comes back only on a higher incarnation, which only its own
    // refutation of a forged left produces: a graceful leave is its last word.
    if (incarnation <= record.incarnation) return;
    const previous = record.state;
    record.incarnation = incarnation;
    this.#endSuspicion(id);
    this.#broadcasts.enqueue(`m:${id}`, [ALIVE, id, addr, incarnation]);
    if (previous !== "alive") {
      record.state = "alive";
      record.since = this.#clock.now();
      this.#changed(id, previous);
    }
  }

  #suspect(id: string, heard: number, from: string): void {
    if (id === this.id) return this.#refute(heard);
    const record = this.#members.get(id);
    // Nobody can rightly suspect a member we never heard of (memberlist ignores these too).
    if (record === undefined || record.state === "dead" || record.state === "left") return;
    const incarnation = this.#believed(record, heard);
    if (incarnation < record.incarnation) return;
    if (record.state === "suspect" && incarnation === record.incarnation) {
      // Another member suspects it too (Lifeguard): the timeout shrinks, and the news spreads.
      const suspicion = this.#suspicions.get(id);
      if (suspicion !== undefined && from !== this.id && suspicion.confirm(from)) this.#broadcasts.enqueue(`m:${id}`, [SUSPECT, id, incarnation, from]);
      return;
    }
    // A new suspicion, or one of a later incarnation: its clock starts now.
    const previous = record.state;
    record.state = "suspect";
    record.incarnation = incarnation;
    record.since = this.#clock.now();
    this.#endSuspicion(id);
    this.#suspicions.set(id, new Suspicion(from, this.#suspicionTimer, (confirmations) => this.#suspicionTimeout(confirmations), () => this.#lastChance(id)));
    const update: MemberUpdate = [SUSPECT, id, incarnation, from];
    this.#broadcasts.enqueue(`m:${id}`, update);
    // Tell the suspect itself at once: if it is alive it refutes before anyone's timer runs out.
    if (from === this.id) this.#network.send(record.addr, [GOSSIP, this.id, [update]]);
    if (previous !== "suspect") this.#changed(id, previous);
  }

  /** Lifeguard's timeout for a suspicion with that many confirmations, as the cluster is now. */
  #suspicionTimeout(confirmations: number): number {
    const { min, max } = suspicionBounds(this.#members.size, this.config.probeIntervalMs, this.config.suspicionMult, this.config.suspicionMaxMult);
    const expected = Math.min(this.config.indirectChecks, Math.max(0, this.#others() - 1));
    return suspicionTimeout(min, max, confirmations, expected);
  }

  /**
   * The suspicion timed out here. Two more probes before declaring death: a
   * live member that missed every gossip of its suspicion hears of it in this
   * ping and answers with its refutation, which a lossy network makes the
   * difference between a slow member and a false death.
   */
  #lastChance(id: string, tries = 2): void {
    const record = this.#members.get(id);
    if (record === undefined || record.state !== "suspect") return;
    const incarnation = record.incarnation;
    this.#probeOnce(record, (acked) => {
      const current = this.#members.get(id);
      if (current === undefined || current.state !== "suspect" || current.incarnation !== incarnation) return;
      if (!acked) return tries > 1 ? this.#lastChance(id, tries - 1) : this.#dead(id, incarnation, this.id);
      this.#suspicions.get(id)?.arm(); // it answered: its refutation is on its way
    });
  }

  #endSuspicion(id: string): void {
    const suspicion = this.#suspicions.get(id);
    if (suspicion === undefined) return;
    suspicion.cancel();
    this.#suspicions.delete(id);
  }

  #dead(id: string, heard: number, from: string): void {
    if (id === this.id) return this.#refute(heard);
    const record = this.#members.get(id);
    if (record === undefined || record.state === "dead" || record.state === "left") return;
    const incarnation = this.#believed(record, heard);
    if (incarnation < record.incarnation) return;
    this.#down(record, "dead", incarnation);
    this.#broadcasts.enqueue(`m:${id}`, [DEAD, id, incarnation, from]);
  }

  #left(id: string, heard: number): void {
    // A running node never left: a left about it is forged, and would cut it off.
    if (id === this.id) return this.#refute(heard);
    const record = this.#members.get(id);
    if (record === undefined || record.state === "left") return;
    const incarnation = this.#believed(record, heard);
    if (incarnation < record.incarnation) return;
    this.#down(record, "left", incarnation);
    this.#broadcasts.enqueue(`m:${id}`, [LEFT, id, incarnation]);
  }

  /** A member is gone: its suspicion ends, and the delegate hears it before the change listeners. */
  #down(record: MemberRecord, state: "dead" | "left", incarnation: number): void {
    const previous = record.state;
    record.state = state;
    record.incarnation = incarnation;
    record.since = this.#clock.now();
    this.#endSuspicion(record.id);
    this.#delegate.memberDown(record.id, state);
    this.#changed(record.id, previous);
  }

  /**
   * A suspect, dead or left update counts at most at the incarnation this node
   * knows for the member: a rightful accuser can only know incarnations the
   * member itself announced, and those reached us as alives. Believing more
   * would let one forged update outbid every refutation the member can make.
   */
  #believed(record: MemberRecord, heard: number): number {
    return Math.min(heard, record.incarnation);
  }

  /**
   * An alive about this node. Another address is a stranger's forgery (ids are
   * new at every boot): refute it whatever its incarnation, so the real address
   * spreads again. A higher incarnation with our address is also not ours, but
   * the others now believe it (alives are the member's own word): take it, or
   * our next refutation would not beat what they know.
   */
  #aliveAboutSelf(addr: string, incarnation: number): void {
    if (addr !== this.addr) return this.#refute(this.#incarnation);
    if (incarnation <= this.#incarnation) return;
    this.#incarnation = incarnation;
    (this.#members.get(this.id) as MemberRecord).incarnation = incarnation;
  }

  /**
   * Someone thinks this node is suspect, dead, left or elsewhere: it is not, and
   * says so louder, one incarnation above its own. Not above the one heard: others
   * believe accusations only up to what we announced (#believed), and an
   * attacker's 2^52 would otherwise use up every incarnation there is. About an
   * incarnation already refuted, the refutation is only said again: whoever
   * suspects missed it.
   */
  #refute(heard: number): void {
    if (heard >= this.#incarnation) this.#incarnation = Math.min(this.#incarnation + 1, MAX_INCARNATION);
    const self = this.#members.get(this.id) as MemberRecord;
    self.incarnation = this.#incarnation;
    this.#broadcasts.enqueue(`m:${this.id}`, [ALIVE, this.id, this.addr, this.#incarnation]);
    this.#delegate.refuted();
  }

  #changed(id: string, previous: MemberState | undefined): void {
    this.#version++;
    const member = this.member(id) as Member;
    for (const listener of this.#memberListeners) listener({ member, previous });
  }
}
