import type { PeerLoad } from "../system/index.ts";
import { type Family, histogramSamples } from "./metrics.ts";

/**
 * Per peer node, by its address (`(client)` for every out-of-cluster client
 * together): bounded by the links a node may have (maxLinks accepted, and the
 * members it calls). Round trips are sampled (one call in `callsSampled`).
 */
export function peerFamilies(peers: PeerLoad[], callsSampled: number): Family[] {
  return [
    {
      name: "pulsing_link_calls_in_flight",
      help: "Calls on the links to each peer still waiting for their answer: this node's calls to it (direction=out), its calls this node is answering (direction=in).",
      type: "gauge",
      samples: peers.flatMap((p) => [
        { labels: { peer: p.peer, direction: "out" }, value: p.callsOut },
        { labels: { peer: p.peer, direction: "in" }, value: p.callsIn },
      ]),
    },
    {
      name: "pulsing_link_rtt_seconds",
      help: `Round trip of this node's calls to each peer, from the call until its first answer (the peer's handler time included); one call in ${callsSampled} is timed.`,
      type: "histogram",
      samples: peers.flatMap((p) => (p.rtt === undefined ? [] : histogramSamples(p.rtt, { peer: p.peer }))),
    },
  ];
}
