import type { Member } from "../cluster/index.ts";

/** What the ops routes read from a node; ActorSystem hands one over. */
export interface NodeView {
  readonly nodeId: string;
  readonly addr: string | undefined;
  members(): Member[];
  registry(): { node: string; addr: string; version: number; names: string[] }[];
  actors(): { id: string; name: string | undefined; mailbox: number }[];
  /** Messages sent to local actors, by kind, since start. */
  counts(): { asks: number; tells: number; streams: number; spawned: number; stopped: number };
  mailboxDepth(): number;
  linksUp(): number;
  /** Calls and tells on the links, by direction. */
  linkTraffic(): { callsOut: number; tellsOut: number; callsIn: number; tellsIn: number };
  gossipSent(): { messages: number; bytes: number };
  /** How often each limit on what the network can make the node hold has tripped. */
  limitTrips(): Record<string, number>;
  /** What makes this node unsafe (no secret on a reachable address), said on the dashboard and in /health. */
  warnings(): string[];
  startedAt: number;
}

/** The node's state in one JSON document: what the dashboard polls and `inspect` reads. */
export function snapshot(view: NodeView): Record<string, unknown> {
  return {
    node: view.nodeId,
    addr: view.addr,
    uptimeSeconds: (Date.now() - view.startedAt) / 1000,
    members: view.members(),
    registry: view.registry(),
    actors: view.actors(),
    counts: view.counts(),
    mailboxDepth: view.mailboxDepth(),
    linksUp: view.linksUp(),
    linkTraffic: view.linkTraffic(),
    gossip: view.gossipSent(),
    limitTrips: view.limitTrips(),
    warnings: view.warnings(),
    at: Date.now(),
  };
}
