import type { NodeView } from "../system/index.ts";
import type { Family } from "./metrics.ts";

type KindCounts = ReturnType<NodeView["entities"]>[string];

/** Each series: its name, help, type, and the count it reads of one kind. */
const SERIES: readonly [name: string, help: string, type: Family["type"], read: (counts: KindCounts) => number][] = [
  ["pulsing_entities_active", "Entity activations running on this node, by kind.", "gauge", (counts) => counts.active],
  ["pulsing_entity_activations_total", "Entity activations made on this node (a first call to a key not active here), by kind.", "counter", (counts) => counts.activations],
  ["pulsing_entity_passivations_total", "Entity activations stopped on this node (idle, over maxActive, moved, shutdown), by kind.", "counter", (counts) => counts.passivations],
  ["pulsing_entity_moves_total", "Entity passivations because another member owns the key now, by kind.", "counter", (counts) => counts.moves],
  ["pulsing_entity_activation_failures_total", "Entity activations whose onActivate threw (their calls failed START_FAILED), by kind.", "counter", (counts) => counts.failedActivations],
];

/**
 * The entity series, one sample per kind hosted on this node. The `kind`
 * label is bounded: a node counts only the kinds it hosts, never the keys or
 * the kinds callers name.
 */
export function entityFamilies(entities: Record<string, KindCounts>): Family[] {
  const kinds = Object.entries(entities);
  return SERIES.map(([name, help, type, read]) => ({ name, help, type, samples: kinds.map(([kind, counts]) => ({ labels: { kind }, value: read(counts) })) }));
}
