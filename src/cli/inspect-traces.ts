/**
 * `pulsing inspect traces`: the latest traces a node recorded (its dashboard's
 * trace view, from `/dashboard.json`), one block per trace, newest first, each
 * span under its parent.
 */
import type { TlsOptions } from "../index.ts";
import type { SpanRecord as Span } from "../trace/index.ts";
import { fetchJson } from "./fetch-json.ts";
import { nodeUrl } from "./usage.ts";

export interface Traces {
  on: boolean;
  spans: Span[];
}

/** How many traces the text shows: the latest ones. */
const SHOWN = 10;

export async function nodeTraces(addr: string, tls: TlsOptions | undefined): Promise<Traces> {
  const { base, init } = nodeUrl(addr, tls);
  const state = (await fetchJson(`${base}/dashboard.json`, init)) as { traces?: Traces };
  if (state.traces === undefined) throw new Error("/dashboard.json has no traces: is it a pulsing node of this version?");
  return state.traces;
}

export function renderTraces(traces: Traces, addr: string, json: boolean, indent: number): string {
  if (json) return JSON.stringify(traces, null, indent);
  if (!traces.on) return `tracing is off on ${addr}: start the node with --trace (spans for the dashboard and this command) or --otlp-endpoint URL`;
  const byTrace = new Map<string, Span[]>();
  for (const span of traces.spans) {
    const spans = byTrace.get(span.traceId);
    if (spans === undefined) byTrace.set(span.traceId, [span]);
    else spans.push(span);
  }
  // Newest first: by when their last span ended.
  const ended = (spans: Span[]) => Math.max(...spans.map((s) => s.startMs + s.durationMs));
  const latest = [...byTrace.values()].sort((a, b) => ended(b) - ended(a)).slice(0, SHOWN);
  if (latest.length === 0) return `no spans recorded on ${addr} yet`;
  const blocks = latest.map((spans) => traceBlock(spans));
  return `the latest ${latest.length} of ${byTrace.size} traces on ${addr}, newest first:\n\n${blocks.join("\n\n")}`;
}

/** A trace's id, then its spans as a tree: parents before children, starts in order. */
function traceBlock(spans: Span[]): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, Span[]>();
  for (const span of spans) {
    // A parent this node did not record (another node's, or the caller's) makes a root here.
    const parent = ids.has(span.parentSpanId) ? span.parentSpanId : "";
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const lines = [`trace ${spans[0]?.traceId}`];
  const walk = (parent: string, depth: number) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => a.startMs - b.startMs)) {
      const ms = span.durationMs < 1 ? `${Math.round(span.durationMs * 1000)} µs` : `${span.durationMs.toFixed(1)} ms`;
      lines.push(`${"  ".repeat(depth + 1)}${span.name}  ${span.kind}  ${ms}${span.code === undefined ? "" : `  ${span.code}`}`);
      walk(span.spanId, depth + 1);
    }
  };
  walk("", 0);
  return lines.join("\n");
}
