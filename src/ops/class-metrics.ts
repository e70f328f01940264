import type { ClassSnapshot, MailboxDepth } from "../system/index.ts";
import { type Family, histogramSamples } from "./metrics.ts";

/** How many actors the deepest-mailbox gauge lists: a bounded view, whatever the number of actors. */
export const DEEPEST_MAILBOXES = 10;

type Read = (stats: ClassSnapshot) => number;

const COUNTERS: readonly [name: string, help: string, read: Read][] = [
  ["pulsing_messages_handled_total", "Messages handled (turns run: asks, tells, stream steps) by the actors of each class.", (s) => s.handled],
  ["pulsing_handler_errors_total", "Handlers that threw or rejected (asks and tells alike), by actor class.", (s) => s.errors],
  ["pulsing_actor_restarts_total", "Actors restarted by their supervision, by class.", (s) => s.restarts],
  ["pulsing_actor_start_failures_total", "Starts whose constructor or onStart (an entity's onActivate) threw, first starts and restarts alike, by class.", (s) => s.failedStarts],
];

/**
 * Per actor class, never per actor: the `class` label is bounded by the
 * runtime (MAX_CLASSES names, the rest under `(other)`). Handler time is a
 * histogram of sampled turns (about one in `turnsSampled` of each class).
 */
export function classFamilies(classes: ClassSnapshot[], turnsSampled: number): Family[] {
  return [
    ...COUNTERS.map(([name, help, read]): Family => ({ name, help, type: "counter", samples: classes.map((stats) => ({ labels: { class: stats.name }, value: read(stats) })) })),
    {
      name: "pulsing_handler_seconds",
      help: `Time handlers took (from the turn's start until its result, or its promise, settled), by actor class; about one turn in ${turnsSampled} of each class is timed.`,
      type: "histogram",
      samples: classes.flatMap((stats) => histogramSamples(stats.latency, { class: stats.name })),
    },
  ];
}

/** The actors with the most messages queued: at most DEEPEST_MAILBOXES samples, labelled by actor and class. */
export function deepestFamily(deepest: MailboxDepth[]): Family {
  return {
    name: "pulsing_actor_mailbox_depth",
    help: `Messages queued at the ${DEEPEST_MAILBOXES} actors with the most (none listed with an empty mailbox), by actor (its name, else its id) and class.`,
    type: "gauge",
    samples: deepest.map((d) => ({ labels: { actor: d.actor, class: d.class }, value: d.depth })),
  };
}
