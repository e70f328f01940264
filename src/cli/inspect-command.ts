import type { Member, TlsOptions } from "../index.ts";
import { defineCommand } from "./command.ts";
import { fetchJson } from "./fetch-json.ts";
import { clusterEntities, clusterKeys, type KeysQuery, renderEntities, renderKeys } from "./inspect-entities.ts";
import { nodeTraces, renderTraces } from "./inspect-traces.ts";
import { table } from "./text-table.ts";
import { pause } from "./io.ts";
import { CLIENT_ENV, CLIENT_HELP, CLIENT_OPTIONS, type CommandSpec, intFlag, nodeTarget, nodeUrl, UsageError } from "./usage.ts";

export const inspectSpec = {
  name: "inspect",
  summary: "Shows a node's view: the cluster's members, the actors, the entities on every member, the metrics, or the latest traces.",
  usage: "pulsing inspect members|actors|entities|metrics|traces [--endpoint HOST:PORT] [--json] [--watch] [--interval-ms N]\n       pulsing inspect entities --kind KIND [--after KEY] [--limit N]   (the keys of a kind with a saved state)",
  options: { ...CLIENT_OPTIONS, json: { type: "boolean" }, watch: { type: "boolean" }, "interval-ms": { type: "string" }, kind: { type: "string" }, after: { type: "string" }, limit: { type: "string" } },
  env: { ...CLIENT_ENV },
  help: {
    ...CLIENT_HELP,
    json: "print JSON for scripts (with --watch: one line per refresh)",
    watch: "refresh until interrupted: redrawn on a terminal, printed one after another into a pipe",
    "interval-ms": "refresh interval with --watch (default 1000)",
    kind: "with entities: list the keys of this kind that have a saved state, from every member's store",
    after: "with --kind: start after this key (the last one of the previous page)",
    limit: "with --kind: keys per member's store at most (default 100, at most 1000)",
  },
  takesArguments: true,
} satisfies CommandSpec<Record<string, { type: "string" | "boolean" }>>;

type Topic = "members" | "actors" | "entities" | "metrics" | "traces";
const TOPICS: Topic[] = ["members", "actors", "entities", "metrics", "traces"];

/** One sample of /metrics: the metric's name, its labels, its value (a string only for NaN and ±Inf, which JSON lacks). */
export interface MetricSample {
  series: string;
  labels: Record<string, string>;
  value: number | "NaN" | "+Inf" | "-Inf";
  /** From the family's `# TYPE` line, when there is one. */
  type?: string;
}

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+\S+)?$/;
const LABEL = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;

/** Parses the Prometheus text format into samples; lines it cannot read are skipped. */
export function parseMetrics(text: string): MetricSample[] {
  const types = new Map<string, string>();
  const samples: MetricSample[] = [];
  for (const line of text.split("\n")) {
    const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
    if (type !== null) types.set(type[1] as string, type[2] as string);
    const match = line.startsWith("#") ? null : SAMPLE.exec(line.trim());
    if (match === null) continue;
    const [, series, labelText, valueText] = match as unknown as [string, string, string | undefined, string];
    const labels = parseLabels(labelText === undefined ? "" : labelText.slice(1, -1));
    if (labels === undefined) continue;
    const number = Number(valueText);
    const value = Number.isFinite(number) ? number : valueText === "+Inf" || valueText === "Inf" ? "+Inf" : valueText === "-Inf" ? "-Inf" : "NaN";
    const family = types.has(series) ? series : series.replace(/_(bucket|sum|count)$/, "");
    const familyType = types.get(family);
    samples.push({ series, labels, value, ...(familyType === undefined ? {} : { type: familyType }) });
  }
  return samples;
}

/** `a="x",b="y \"quoted\""` -> { a: "x", b: 'y "quoted"' }; undefined if malformed. */
function parseLabels(text: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (match === null) return text.slice(LABEL.lastIndex).trim() === "" ? labels : undefined;
    labels[match[1] as string] = (match[2] as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    if (match[3] === "") break;
  }
  return labels;
}

async function render(topic: Topic, addr: string, json: boolean, tls: TlsOptions | undefined, indent: number, keys?: KeysQuery): Promise<string> {
  const { base, init } = nodeUrl(addr, tls);
  if (topic === "metrics") {
    const response = await fetch(`${base}/metrics`, { ...init, signal: AbortSignal.timeout(5_000) });
    if (!response.ok || !(response.headers.get("content-type") ?? "").startsWith("text/plain")) throw new Error(`/metrics answered ${response.status}: is it a pulsing node?`);
    const text = await response.text();
    return json ? JSON.stringify(parseMetrics(text), null, indent) : text.trimEnd();
  }
  if (topic === "entities" && keys !== undefined) return renderKeys(await clusterKeys(addr, tls, keys), keys.kind, addr, json, indent);
  if (topic === "entities") return renderEntities(await clusterEntities(addr, tls), addr, json, indent);
  if (topic === "traces") return renderTraces(await nodeTraces(addr, tls), addr, json, indent);
  if (topic === "members") {
    const members = (await fetchJson(`${base}/cluster/members`, init)) as Member[];
    if (json) return JSON.stringify(members, null, indent);
    const count = (state: string) => members.filter((m) => m.state === state).length;
    const summary = `cluster: ${members.length} members (${count("alive")} alive, ${count("suspect")} suspect, ${count("dead")} dead, ${count("left")} left), as seen from ${addr}`;
    const rows = [["NODE", "ADDRESS", "STATE", "INCARNATION"], ...members.map((m) => [m.id, m.addr, m.state, String(m.incarnation)])];
    return `${summary}\n${table(rows)}`;
  }
  const body = (await fetchJson(`${base}/actors`, init)) as {
    node: string;
    local: { id: string; name?: string; mailbox: number }[];
    registry: { node: string; addr: string; names: string[] }[];
  };
  if (json) return JSON.stringify(body, null, indent);
  const local = [["ID", "NAME", "QUEUED"], ...body.local.map((a) => [a.id, a.name ?? "(anonymous)", String(a.mailbox)])];
  const named = [["NAME", "ADDRESS", "NODE"], ...body.registry.flatMap((r) => r.names.map((name) => [name, r.addr, r.node]))];
  return `actors on ${addr} (${body.local.length}):\n${table(local)}\n\nnamed actors in the cluster (${named.length - 1}):\n${table(named)}`;
}

/** `--kind` (with `--after`, `--limit`): list a kind's keys; only with `entities`. */
function keysQuery(topic: Topic, values: Record<string, string | boolean | undefined>): KeysQuery | undefined {
  if (typeof values.kind !== "string") {
    if (values.after !== undefined || values.limit !== undefined) throw new UsageError("--after and --limit go with --kind");
    return undefined;
  }
  if (topic !== "entities") throw new UsageError("--kind goes with inspect entities");
  return {
    kind: values.kind,
    limit: intFlag(values.limit, "limit", 1, 1_000, 100),
    ...(typeof values.after === "string" ? { after: values.after } : {}),
  };
}

export const runInspect = defineCommand(inspectSpec, async ({ values, positionals }, io) => {
  const topic = positionals[0] as Topic | undefined;
  if (topic === undefined || !TOPICS.includes(topic) || positionals.length > 1) throw new UsageError(`inspect needs one of ${TOPICS.join(", ")}`);
  const { addr, tls } = nodeTarget(values);
  const intervalMs = intFlag(values["interval-ms"], "interval-ms", 100, 3_600_000, 1_000);
  const json = values.json === true;
  const watch = values.watch === true;
  // --watch: on a terminal, each refresh clears the screen and redraws. Into a
  // pipe or a file, refreshes follow one another: text ones separated by a blank
  // line, JSON ones one document per line (JSON Lines), so `| head -1` or a line
  // reader gets whole refreshes. Screen codes never go where no terminal reads them.
  const redraw = watch && !json && io.outIsTerminal === true;
  const keys = keysQuery(topic, values);
  let printed = false;
  const once = async (): Promise<boolean> => {
    try {
      const text = await render(topic, addr, json, tls, watch && json ? 0 : 2, keys);
      io.out(`${redraw ? "\x1b[2J\x1b[H" : watch && !json && printed ? "\n" : ""}${text}\n`);
      printed = true;
      return true;
    } catch (error) {
      io.err(`NODE_UNREACHABLE: ${addr}: ${(error as Error).message}\n`);
      return false;
    }
  };
  if (!watch) return (await once()) ? 0 : 1;
  // Until interrupted, or until nobody reads any more (`| head -1`): then exit 0.
  while (io.outClosed?.aborted !== true) {
    await once();
    await pause(intervalMs, io.outClosed);
  }
  return 0;
});
