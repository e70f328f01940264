import type { NodeView } from "../system/index.ts";

/** The node's state in one JSON document: what the dashboard polls and `inspect` reads. */
export function snapshot(view: NodeView): Record<string, unknown> {
  return {
    node: view.nodeId,
    addr: view.addr,
    uptimeSeconds: (Date.now() - view.startedAt) / 1000,
    members: view.members(),
    registry: view.registry(),
    actors: view.actors(),
    entities: view.entities(),
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

/** `GET /entities`: the entity kinds this node hosts and their counts, small enough to ask every node for (`pulsing inspect entities`). */
export function entitiesSnapshot(view: NodeView): Record<string, unknown> {
  return { node: view.nodeId, addr: view.addr, kinds: view.entities() };
}
