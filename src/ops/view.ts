import type { NodeView } from "../system/index.ts";

/** A latency histogram as the dashboard reads it: bucket bounds (seconds) and cumulative counts, the last one of everything (+Inf). */
export interface LatencyBuckets {
  /** What was timed. */
  of: string;
  bounds: number[];
  buckets: number[];
}

type ClassSnapshot = ReturnType<NodeView["measures"]["classes"]>[number];
type Counts = { readonly bounds: readonly number[]; readonly counts: readonly number[] };

/** Per-bucket counts (the last one past every bound) as cumulative buckets. */
function cumulative(of: string, { bounds, counts }: Counts): LatencyBuckets {
  let total = 0;
  return { of, bounds: [...bounds], buckets: counts.map((count) => (total += count)) };
}

/** The sampled handler time of every actor class together: the node's handler latency. */
function handlerLatency(classes: readonly ClassSnapshot[], sampling: number): LatencyBuckets {
  const first = classes[0]?.latency;
  const counts = new Array<number>((first?.bounds.length ?? 0) + 1).fill(0);
  for (const stats of classes) stats.latency.counts.forEach((count, i) => (counts[i] = (counts[i] as number) + count));
  return cumulative(`handler time (1 turn in ${sampling})`, { bounds: first?.bounds ?? [], counts });
}

/** Per actor class (bounded, see ClassStatsTable): turns, errors, restarts, failed starts since start, and its sampled handler time. */
function perClass(classes: readonly ClassSnapshot[]): { name: string; handled: number; errors: number; restarts: number; failedStarts: number; latency: LatencyBuckets }[] {
  return classes.map((stats) => ({
    name: stats.name,
    handled: stats.handled,
    errors: stats.errors,
    restarts: stats.restarts,
    failedStarts: stats.failedStarts,
    latency: cumulative("handler time", stats.latency),
  }));
}

type Traces = ReturnType<NodeView["traces"]>;

/**
 * Whether tracing is on and the spans recorded last (the ring, oldest first),
 * their durations to the microsecond; none while tracing is off (what an SDK
 * gone since left is stale), nor when `spans` is false (a member's page
 * polling this node wants its rates, not its spans).
 */
function traces(view: NodeView, spans: boolean): Traces {
  const { on, spans: recorded } = view.traces();
  return { on, spans: on && spans ? recorded.map((span) => ({ ...span, durationMs: Math.round(span.durationMs * 1000) / 1000 })) : [] };
}

/** The node's state in one JSON document: what the dashboard polls and `inspect` reads; `spans: false` leaves the recent spans out. */
export function snapshot(view: NodeView, { spans = true }: { spans?: boolean } = {}): Record<string, unknown> {
  const classes = view.measures.classes();
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
    links: view.openLinks(),
    linkTraffic: view.linkTraffic(),
    gossip: view.gossipSent(),
    limitTrips: view.limitTrips(),
    warnings: view.warnings(),
    failures: view.recentFailures(),
    latency: handlerLatency(classes, view.measures.sampling.turns),
    classes: perClass(classes),
    traces: traces(view, spans),
    at: Date.now(),
  };
}

/** `GET /entities`: the entity kinds this node hosts and their counts, small enough to ask every node for (`pulsing inspect entities`). */
export function entitiesSnapshot(view: NodeView): Record<string, unknown> {
  return { node: view.nodeId, addr: view.addr, kinds: view.entities() };
}
