import { type ClassSnapshot, type FailureSnapshot, type LocalRuntime, TURN_SAMPLE_EVERY } from "../actor/index.ts";
import { type GossipCounts, type Links, type PeerLoad, RTT_SAMPLE_EVERY } from "../transport/index.ts";

/** One of the actors with the most messages queued. */
export interface MailboxDepth {
  /** Its name, or its id when it has none. */
  readonly actor: string;
  /** Its class's label (bounded: see `classes`). */
  readonly class: string;
  readonly depth: number;
}

/**
 * What the actor and transport layers counted and timed on a node, read-only:
 * what `/metrics` shows beyond the node's view. Each read copies, so a reader
 * never holds the counters themselves.
 */
export interface NodeMeasures {
  /** Errors answered by code, timeouts, dead letters. */
  failures(): FailureSnapshot;
  /** Per actor class: turns, handler errors, restarts, failed starts, sampled handler time. At most MAX_CLASSES names and `(other)`. */
  classes(): ClassSnapshot[];
  /** The `limit` actors with the most messages queued, deepest first (empty mailboxes left out). */
  deepest(limit: number): MailboxDepth[];
  /** Per peer address: calls in flight both ways, sampled round trips of this node's calls. */
  peers(): PeerLoad[];
  /** Cluster messages taken from `POST /cluster/gossip`, and their bytes. */
  gossipReceived(): { messages: number; bytes: number };
  /** One turn in `turns`, and one link call in `linkCalls`, is timed. */
  readonly sampling: { readonly turns: number; readonly linkCalls: number };
}

export function nodeMeasures(local: LocalRuntime, links: Links, gossip: GossipCounts): NodeMeasures {
  return {
    failures: () => local.failures.snapshot(),
    classes: () => local.classes.snapshot(),
    deepest: (limit) => local.deepest(limit),
    peers: () => links.load(),
    gossipReceived: () => ({ ...gossip }),
    sampling: { turns: TURN_SAMPLE_EVERY, linkCalls: RTT_SAMPLE_EVERY },
  };
}
