import type { FailureSnapshot } from "../system/index.ts";
import type { Family } from "./metrics.ts";

/**
 * What went wrong on the node: errors answered by code (one sample per code
 * of ERROR_CODES, zeros too, so the label is bounded and a rate never starts
 * from a missing series), timeouts by where they happened, dead letters.
 */
export function failureFamilies(failures: FailureSnapshot): Family[] {
  return [
    {
      name: "pulsing_errors_total",
      help: "Errors this node answered callers with, by code; each counted once, by the node that made it (a handler's throw, a timeout, a refusal), not where it was relayed.",
      type: "counter",
      samples: Object.entries(failures.errors).map(([code, value]) => ({ labels: { code }, value })),
    },
    {
      name: "pulsing_timeouts_total",
      help: "Calls with no answer in time: asks and stream steps to this node's actors (where=actor), calls this node sent over links (where=link).",
      type: "counter",
      samples: [
        { labels: { where: "actor" }, value: failures.actorTimeouts },
        { labels: { where: "link" }, value: failures.linkTimeouts },
      ],
    },
    {
      name: "pulsing_dead_letters_total",
      help: "Tells no handler will see: to a stopped actor, queued when it stopped, to an unknown message or a stream method, refused by a busy actor or a closed link.",
      type: "counter",
      samples: [{ value: failures.deadLetters }],
    },
  ];
}
