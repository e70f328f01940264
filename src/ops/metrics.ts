/**
 * The Prometheus text exposition format, for the handful of series a node has.
 * A small module instead of prom-client: no global registry to share between
 * systems in one process, nothing to install, and the format is a few lines.
 */
import type { LatencySnapshot } from "../system/index.ts";

export type Labels = Record<string, string>;

export interface Sample {
  /** Appended to the family name: `_bucket`, `_sum`, `_count` for histograms. */
  suffix?: string;
  labels?: Labels;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  samples: Sample[];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Labels | undefined): string {
  if (labels === undefined) return "";
  const parts = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function valueText(value: number): string {
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
}

export function exposition(families: Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(`${family.name}${sample.suffix ?? ""}${labelText(sample.labels)} ${valueText(sample.value)}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * A histogram the actor or transport layer kept (counts per bucket, not
 * cumulative) as Prometheus samples: cumulative `_bucket`s up to `+Inf`,
 * `_sum` and `_count`.
 */
export function histogramSamples(snapshot: LatencySnapshot, labels: Labels = {}): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  snapshot.bounds.forEach((bound, i) => {
    cumulative += snapshot.counts[i] ?? 0;
    out.push({ suffix: "_bucket", labels: { ...labels, le: String(bound) }, value: cumulative });
  });
  out.push({ suffix: "_bucket", labels: { ...labels, le: "+Inf" }, value: snapshot.count });
  out.push({ suffix: "_sum", labels, value: snapshot.sum });
  out.push({ suffix: "_count", labels, value: snapshot.count });
  return out;
}

const LATENCY_BOUNDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Latencies in seconds, in cumulative buckets, as Prometheus histograms are. */
export class Histogram {
  readonly #bounds: readonly number[];
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[] = LATENCY_BOUNDS) {
    this.#bounds = bounds;
    this.#counts = new Float64Array(bounds.length);
  }

  observe(seconds: number): void {
    this.#sum += seconds;
    this.#count++;
    for (let i = 0; i < this.#bounds.length; i++) if (seconds <= (this.#bounds[i] as number)) this.#counts[i] = (this.#counts[i] as number) + 1;
  }

  samples(labels: Labels = {}): Sample[] {
    const out: Sample[] = this.#bounds.map((bound, i) => ({ suffix: "_bucket", labels: { ...labels, le: String(bound) }, value: this.#counts[i] as number }));
    out.push({ suffix: "_bucket", labels: { ...labels, le: "+Inf" }, value: this.#count });
    out.push({ suffix: "_sum", labels, value: this.#sum });
    out.push({ suffix: "_count", labels, value: this.#count });
    return out;
  }
}
