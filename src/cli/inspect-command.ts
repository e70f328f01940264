import type { Member, TlsOptions } from "../index.ts";
import type { Io } from "./io.ts";
import { DEFAULT_ADDR } from "./node-command.ts";
import { type CommandSpec, endpointFlag, helpText, intFlag, nodeUrl, parseCommand, TLS_ENV, TLS_HELP, TLS_OPTIONS, tlsFlags, UsageError } from "./usage.ts";

export const inspectSpec = {
  name: "inspect",
  summary: "Shows a node's view: the cluster's members, the actors, or the metrics.",
  usage: "pulsing inspect members|actors|metrics [--endpoint HOST:PORT] [--json] [--watch] [--interval-ms N]",
  options: { endpoint: { type: "string" }, json: { type: "boolean" }, watch: { type: "boolean" }, "interval-ms": { type: "string" }, ...TLS_OPTIONS },
  env: { endpoint: "PULSING_ENDPOINT", ...TLS_ENV },
  help: {
    endpoint: `the node to ask (default ${DEFAULT_ADDR})`,
    json: "print JSON for scripts",
    watch: "refresh until interrupted",
    "interval-ms": "refresh interval with --watch (default 1000)",
    ...TLS_HELP,
  },
} satisfies CommandSpec<Record<string, { type: "string" | "boolean" }>>;

type Topic = "members" | "actors" | "metrics";
const TOPICS: Topic[] = ["members", "actors", "metrics"];

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd()).join("\n");
}

async function fetchJson(url: string, init: RequestInit): Promise<unknown> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  if (!response.ok || !(response.headers.get("content-type") ?? "").startsWith("application/json")) throw new Error(`${url} answered ${response.status}: is it a pulsing node?`);
  return response.json();
}

async function render(topic: Topic, addr: string, json: boolean, tls: TlsOptions | undefined): Promise<string> {
  const { base, init } = nodeUrl(addr, tls);
  if (topic === "metrics") {
    const response = await fetch(`${base}/metrics`, { ...init, signal: AbortSignal.timeout(5_000) });
    if (!response.ok || !(response.headers.get("content-type") ?? "").startsWith("text/plain")) throw new Error(`/metrics answered ${response.status}: is it a pulsing node?`);
    const text = await response.text();
    if (!json) return text.trimEnd();
    const samples = text
      .split("\n")
      .filter((line) => line.length > 0 && !line.startsWith("#"))
      .map((line) => {
        const at = line.lastIndexOf(" ");
        return { series: line.slice(0, at), value: Number(line.slice(at + 1)) };
      });
    return JSON.stringify(samples, null, 2);
  }
  if (topic === "members") {
    const members = (await fetchJson(`${base}/cluster/members`, init)) as Member[];
    if (json) return JSON.stringify(members, null, 2);
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
  if (json) return JSON.stringify(body, null, 2);
  const local = [["ID", "NAME", "QUEUED"], ...body.local.map((a) => [a.id, a.name ?? "(anonymous)", String(a.mailbox)])];
  const named = [["NAME", "ADDRESS", "NODE"], ...body.registry.flatMap((r) => r.names.map((name) => [name, r.addr, r.node]))];
  return `actors on ${addr} (${body.local.length}):\n${table(local)}\n\nnamed actors in the cluster (${named.length - 1}):\n${table(named)}`;
}

export async function runInspect(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseCommand(inspectSpec, argv);
  if (help) {
    io.out(`${helpText(inspectSpec)}\n`);
    return 0;
  }
  const topic = positionals[0] as Topic | undefined;
  if (topic === undefined || !TOPICS.includes(topic) || positionals.length > 1) throw new UsageError(`inspect needs one of ${TOPICS.join(", ")}`);
  const addr = endpointFlag(values.endpoint ?? DEFAULT_ADDR, "endpoint");
  const intervalMs = intFlag(values["interval-ms"], "interval-ms", 100, 3_600_000, 1_000);
  const json = values.json === true;
  const tls = tlsFlags(values);
  const once = async (): Promise<boolean> => {
    try {
      const text = await render(topic, addr, json, tls);
      io.out(`${values.watch === true && !json ? "\x1b[2J\x1b[H" : ""}${text}\n`);
      return true;
    } catch (error) {
      io.err(`NODE_UNREACHABLE: ${addr}: ${(error as Error).message}\n`);
      return false;
    }
  };
  if (values.watch !== true) return (await once()) ? 0 : 1;
  for (;;) {
    await once();
    await Bun.sleep(intervalMs);
  }
}
