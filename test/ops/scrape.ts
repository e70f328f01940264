import type { ActorSystem } from "pulsing";

/** A node's `/metrics`, as text. */
export async function metricsText(system: ActorSystem): Promise<string> {
  return await (await fetch(`http://${system.addr}/metrics`)).text();
}

/** Every sample of a scrape, by its series (name and labels as written): `pulsing_errors_total{code="TIMEOUT"}` → 1. */
export async function scrape(system: ActorSystem): Promise<Map<string, number>> {
  const samples = new Map<string, number>();
  for (const line of (await metricsText(system)).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** How much each of `series` went up between two scrapes (a series absent from one counts as 0 there). */
export function deltas(before: Map<string, number>, after: Map<string, number>, series: readonly string[]): Record<string, number> {
  return Object.fromEntries(series.map((s) => [s, (after.get(s) ?? 0) - (before.get(s) ?? 0)]));
}
