import type { NodeView } from "../system/index.ts";
import type { Histogram } from "./metrics.ts";

/** A latency histogram as the dashboard reads it: bucket bounds (seconds) and cumulative counts, the last one of everything (+Inf). */
export interface LatencyBuckets {
  /** What was timed. */
  of: string;
  bounds: number[];
  buckets: number[];
}

/** The buckets of a histogram, read from its Prometheus samples. */
export function latencyBuckets(of: string, histogram: Histogram): LatencyBuckets {
  const bounds: number[] = [];
  const buckets: number[] = [];
  for (const sample of histogram.samples()) {
    if (sample.suffix !== "_bucket") continue;
    const le = sample.labels?.le;
    if (le !== "+Inf") bounds.push(Number(le));
    buckets.push(sample.value);
  }
  return { of, bounds, buckets };
}

/** The node's state in one JSON document: what the dashboard polls and `inspect` reads. */
export function snapshot(view: NodeView, latency?: LatencyBuckets): Record<string, unknown> {
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
    ...(latency === undefined ? {} : { latency }),
    at: Date.now(),
  };
}

/** `GET /entities`: the entity kinds this node hosts and their counts, small enough to ask every node for (`pulsing inspect entities`). */
export function entitiesSnapshot(view: NodeView): Record<string, unknown> {
  return { node: view.nodeId, addr: view.addr, kinds: view.entities() };
}
