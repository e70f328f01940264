import type { Hono } from "hono";
import type { Member } from "../cluster/index.ts";
import type { RecentFailuresSnapshot } from "../actor/index.ts";
import type { KindCounts } from "../entity/index.ts";
import type { SpanRecord } from "../trace/index.ts";
import type { NodeMeasures } from "./node-measures.ts";

/** What the operator's routes (ops) read of a node: the system hands one to every extension. */
export interface NodeView {
  readonly nodeId: string;
  readonly addr: string | undefined;
  readonly startedAt: number;
  members(): Member[];
  registry(): { node: string; addr: string; version: number; names: string[] }[];
  actors(): { id: string; name: string | undefined; mailbox: number }[];
  /** Messages sent to local actors, by kind, since start. */
  counts(): { asks: number; tells: number; streams: number; spawned: number; stopped: number; refused: number };
  mailboxDepth(): number;
  linksUp(): number;
  /** Calls and tells on the links, by direction. */
  linkTraffic(): { callsOut: number; tellsOut: number; callsIn: number; tellsIn: number };
  gossipSent(): { messages: number; bytes: number };
  /** How often each limit on what the network can make the node hold has tripped. */
  limitTrips(): Record<string, number>;
  /** The entity kinds hosted here, each with its active count and what its activations did since start (`system.entities()`). */
  entities(): Record<string, KindCounts>;
  /** What the actor and transport layers counted and timed (failures, actor classes, mailboxes, peers), for metrics. */
  readonly measures: NodeMeasures;
  /** The links open now, one per peer (two while both dialled at once): its address and node id when known, who dialled, calls in flight. */
  openLinks(): { addr: string | undefined; node: string | undefined; dialled: boolean; inFlight: number }[];
  /** The latest handler errors and dead letters here (bounded, clipped), newest first, with their totals since start. */
  recentFailures(): RecentFailuresSnapshot;
  /** What makes this node unsafe (no secret on a reachable address), said on the dashboard and in /health. */
  warnings(): string[];
  /**
   * Whether an OpenTelemetry SDK is registered in this process (so the runtime
   * makes spans), and the spans it ended last, oldest first (at most
   * RECENT_SPANS; one ring per process, shared by the nodes in it).
   */
  traces(): { on: boolean; spans: SpanRecord[] };
  /** Tells `listener` how long each ask answered over HTTP took, in seconds. */
  onAskServed(listener: (seconds: number) => void): void;
}

/** More routes on every node's port, given the node's view: how ops (metrics, dashboard) is mounted. */
export type NodeExtension = (app: Hono, view: NodeView) => void;
