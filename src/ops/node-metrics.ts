import type { MemberState } from "../cluster/index.ts";
import { classFamilies, DEEPEST_MAILBOXES, deepestFamily } from "./class-metrics.ts";
import { entityFamilies } from "./entity-metrics.ts";
import { failureFamilies } from "./failure-metrics.ts";
import { peerFamilies } from "./peer-metrics.ts";
import { exposition, type Family, Histogram } from "./metrics.ts";
import type { NodeView } from "../system/index.ts";

const STATES: MemberState[] = ["alive", "suspect", "dead", "left"];

/** A node's metrics, in Prometheus text. */
export class NodeMetrics {
  /** Latency of asks served through `POST /actor/{name}`. */
  readonly httpAskLatency = new Histogram();
  readonly #view: NodeView;

  constructor(view: NodeView) {
    this.#view = view;
  }

  text(): string {
    const view = this.#view;
    // The node id is new at every start: it goes in one info series, not on every series
    // (the scrape's own `instance` label tells nodes apart and survives restarts).
    const node = {};
    const counts = view.counts();
    const members = view.members();
    const memory = process.memoryUsage();
    const gossip = view.gossipSent();
    const traffic = view.linkTraffic();
    const measures = view.measures;
    const gossipIn = measures.gossipReceived();
    const families: Family[] = [
      { name: "pulsing_node_info", help: "This node's id and address.", type: "gauge", samples: [{ labels: { node: view.nodeId, addr: view.addr ?? "" }, value: 1 }] },
      { name: "pulsing_actors", help: "Actors running on this node.", type: "gauge", samples: [{ labels: node, value: view.actors().length }] },
      {
        name: "pulsing_messages_total",
        help: "Messages sent to this node's actors, by kind.",
        type: "counter",
        samples: [
          { labels: { ...node, kind: "ask" }, value: counts.asks },
          { labels: { ...node, kind: "tell" }, value: counts.tells },
          { labels: { ...node, kind: "stream" }, value: counts.streams },
        ],
      },
      { name: "pulsing_actors_spawned_total", help: "Actors spawned on this node.", type: "counter", samples: [{ labels: node, value: counts.spawned }] },
      { name: "pulsing_actors_stopped_total", help: "Actors stopped on this node.", type: "counter", samples: [{ labels: node, value: counts.stopped }] },
      { name: "pulsing_http_ask_seconds", help: "Latency of asks served through POST /actor/{name}.", type: "histogram", samples: this.httpAskLatency.samples(node) },
      { name: "pulsing_mailbox_depth", help: "Messages queued in this node's mailboxes.", type: "gauge", samples: [{ labels: node, value: view.mailboxDepth() }] },
      deepestFamily(measures.deepest(DEEPEST_MAILBOXES)),
      ...failureFamilies(measures.failures()),
      ...classFamilies(measures.classes(), measures.sampling.turns),
      { name: "pulsing_links_up", help: "Open links to other nodes.", type: "gauge", samples: [{ labels: node, value: view.linksUp() }] },
      {
        name: "pulsing_link_messages_total",
        help: "Calls and tells on links to other nodes, by direction.",
        type: "counter",
        samples: [
          { labels: { ...node, direction: "out", kind: "call" }, value: traffic.callsOut },
          { labels: { ...node, direction: "out", kind: "tell" }, value: traffic.tellsOut },
          { labels: { ...node, direction: "in", kind: "call" }, value: traffic.callsIn },
          { labels: { ...node, direction: "in", kind: "tell" }, value: traffic.tellsIn },
        ],
      },
      {
        name: "pulsing_members",
        help: "Cluster members this node knows, by state.",
        type: "gauge",
        samples: STATES.map((state) => ({ labels: { ...node, state }, value: members.filter((m) => m.state === state).length })),
      },
      {
        name: "pulsing_limit_trips_total",
        help: "Times a limit on what the network can make this node hold refused something, by limit (docs/security.md).",
        type: "counter",
        samples: Object.entries(view.limitTrips()).map(([limit, value]) => ({ labels: { ...node, limit }, value })),
      },
      { name: "pulsing_gossip_messages_sent_total", help: "Cluster protocol messages sent.", type: "counter", samples: [{ labels: node, value: gossip.messages }] },
      { name: "pulsing_gossip_bytes_sent_total", help: "Cluster protocol message bytes sent (bodies).", type: "counter", samples: [{ labels: node, value: gossip.bytes }] },
      { name: "pulsing_gossip_messages_received_total", help: "Cluster protocol messages received and taken (checked, signed when there is a secret).", type: "counter", samples: [{ value: gossipIn.messages }] },
      { name: "pulsing_gossip_bytes_received_total", help: "Cluster protocol message bytes received and taken (bodies).", type: "counter", samples: [{ value: gossipIn.bytes }] },
      ...peerFamilies(measures.peers(), measures.sampling.linkCalls),
      ...entityFamilies(view.entities()),
      { name: "process_resident_memory_bytes", help: "Resident memory of the process.", type: "gauge", samples: [{ value: memory.rss }] },
      { name: "process_heap_bytes", help: "JavaScript heap in use.", type: "gauge", samples: [{ value: memory.heapUsed }] },
      { name: "process_uptime_seconds", help: "Seconds since the node started.", type: "gauge", samples: [{ value: (Date.now() - view.startedAt) / 1000 }] },
    ];
    return exposition(families);
  }
}
