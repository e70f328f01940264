/**
 * What one node lets the network make it hold: the bounds on links, calls and
 * requests that no peer or client can push it past. docs/security.md lists
 * each with its default; `/metrics` counts every time one trips.
 */
export interface TransportLimits {
  /** Asks and streams one peer node may have this node working on at once; more get TOO_MANY_CALLS. */
  maxInFlightPerPeer: number;
  /** The longest timeout a caller over the network may ask for (a link's CALL, `x-timeout-ms`); longer ones are cut to it. */
  maxCallTimeoutMs: number;
  /** Bytes a link may hold for a peer that does not read them; past that the link closes and its calls fail with NODE_UNREACHABLE. */
  maxOutboxBytes: number;
  /** Envelopes a link may queue while it connects; past that new calls fail at once. */
  maxQueuedBeforeOpen: number;
  /** Links this node accepts at once, in all. */
  maxLinks: number;
  /** Links this node accepts at once from one remote IP address. */
  maxLinksPerAddress: number;
  /** A link must prove itself (its handshake, its proof with a secret) within this long, or it closes. */
  handshakeTimeoutMs: number;
  /** The largest gossip message; the cluster protocol's messages are small. */
  maxGossipBytes: number;
  /** An HTTP connection with no request in flight closes after this many seconds. */
  idleTimeoutSeconds: number;
  /** Calls from outside the cluster waiting at once for a name to appear (`x-wait-ms`); more get TOO_MANY_CALLS. */
  maxNameWaits: number;
  /** Actors alive on this node that remote spawns made (`system/spawner`, spawnOn); more get TOO_MANY_CALLS. */
  maxRemoteSpawns: number;
  /**
   * Asks and streams this node forwards for callers outside the cluster to one
   * member at once; more get TOO_MANY_CALLS. Below `maxInFlightPerPeer`, so that
   * forwarded calls cannot use up the member's budget for this node's own.
   */
  maxForwardedPerMember: number;
}

export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = {
  maxInFlightPerPeer: 16_384,
  maxCallTimeoutMs: 300_000,
  maxOutboxBytes: 32 * 1024 * 1024,
  maxQueuedBeforeOpen: 1_000_000,
  maxLinks: 1_024,
  maxLinksPerAddress: 64,
  handshakeTimeoutMs: 5_000,
  maxGossipBytes: 1024 * 1024,
  idleTimeoutSeconds: 10,
  maxNameWaits: 4_096,
  maxRemoteSpawns: 10_000,
  maxForwardedPerMember: 8_192,
};

/** The limits that tripped, by name, since the node started: what `/metrics` shows. */
export type LimitName =
  | "body_too_large"
  | "gossip_too_large"
  | "in_flight_per_peer"
  | "timeout_capped"
  | "outbox_full"
  | "inbox_full"
  | "queued_before_open"
  | "links_total"
  | "links_per_address"
  | "handshake_timeout"
  | "mailbox_full"
  | "name_waits"
  | "remote_spawns"
  | "forwarded_per_member";

export type LimitTrips = Record<LimitName, number>;

export function newLimitTrips(): LimitTrips {
  return {
    body_too_large: 0,
    gossip_too_large: 0,
    in_flight_per_peer: 0,
    timeout_capped: 0,
    outbox_full: 0,
    inbox_full: 0,
    queued_before_open: 0,
    links_total: 0,
    links_per_address: 0,
    handshake_timeout: 0,
    mailbox_full: 0,
    name_waits: 0,
    remote_spawns: 0,
    forwarded_per_member: 0,
  };
}
