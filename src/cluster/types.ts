import type { GossipMessage } from "../wire/index.ts";

/** A member's state, as SWIM sees it. */
export type MemberState = "alive" | "suspect" | "dead" | "left";

export interface Member {
  /** The node id: new at every start, so a restarted node is a new member. */
  readonly id: string;
  /** Where it serves (`host:port`). */
  readonly addr: string;
  readonly state: MemberState;
  /** Raised only by the member itself, to refute a suspicion. */
  readonly incarnation: number;
}

/** What the cluster logic needs of time; real timers or the simulator's virtual ones. */
export interface Clock {
  now(): number;
  /** Runs `run` after `ms`; returns a function that cancels it. */
  after(ms: number, run: () => void): () => void;
}

/** What the cluster logic needs of the network: unreliable, unordered datagrams to an address. */
export interface Network {
  send(to: string, message: GossipMessage): void;
}

/** The knobs of the protocol; docs/cluster.md explains each. */
export interface ClusterConfig {
  /** One probe per member per period, round-robin. */
  probeIntervalMs: number;
  /** How long a direct probe waits for its ack before asking others. */
  probeTimeoutMs: number;
  /** How many members probe indirectly for us when a direct probe fails. */
  indirectChecks: number;
  /** Gossip rounds: every interval, pending updates go to this many random members. */
  gossipIntervalMs: number;
  gossipFanout: number;
  /** An update is sent retransmitMult * ceil(log10(n + 1)) times. */
  retransmitMult: number;
  /** Suspicion lasts suspicionMult * max(1, log10(n)) * probeIntervalMs at least... */
  suspicionMult: number;
  /** ...and at most this many times that, shrinking as independent suspicions confirm it (Lifeguard). */
  suspicionMaxMult: number;
  /** Full-state exchange with one random member, to repair what gossip missed. */
  syncIntervalMs: number;
  /** While alone, how often to try the seeds again. */
  joinRetryMs: number;
  /** How often to sync with one random dead member: after a partition heals, the halves find each other. */
  reconnectIntervalMs: number;
  /** How long dead and left members are remembered (so stale gossip cannot revive them). */
  forgetAfterMs: number;
  /** At most this many updates ride on one message. */
  maxPiggyback: number;
}

export const DEFAULT_CLUSTER_CONFIG: ClusterConfig = {
  probeIntervalMs: 200,
  probeTimeoutMs: 100,
  indirectChecks: 3,
  gossipIntervalMs: 100,
  gossipFanout: 3,
  retransmitMult: 4,
  suspicionMult: 4,
  suspicionMaxMult: 3,
  syncIntervalMs: 10_000,
  joinRetryMs: 500,
  reconnectIntervalMs: 1_000,
  forgetAfterMs: 60_000,
  maxPiggyback: 24,
};
