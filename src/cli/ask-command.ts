import { defineCommand } from "./command.ts";
import type { Io } from "./io.ts";
import { CLIENT_ENV, CLIENT_HELP, CLIENT_OPTIONS, type CommandSpec, intFlag, nodeTarget, nodeUrl, ROUTE_HELP, ROUTE_OPTIONS, routeFlags, UsageError } from "./usage.ts";

export const askSpec = {
  name: "ask",
  summary: "Calls a named actor through a node (any node of its cluster) and prints the result (one line per item for a stream).",
  usage:
    "pulsing ask [--endpoint HOST:PORT] ACTOR METHOD [--tell] [--timeout-ms N] [--policy P] [--key K] [--node N] [--] [JSON-ARG ...]   (put -- before a negative number)\n" +
    "       pulsing ask HOST:PORT ACTOR METHOD ...   (the same: a first argument with a colon is the node, since actor names have none)",
  options: { ...CLIENT_OPTIONS, ...ROUTE_OPTIONS, tell: { type: "boolean" }, "timeout-ms": { type: "string" }, "api-token": { type: "string" } },
  env: { ...CLIENT_ENV, "api-token": "PULSING_API_TOKEN" },
  help: {
    ...CLIENT_HELP,
    ...ROUTE_HELP,
    tell: "fire-and-forget: print nothing, exit 0 once the node took it",
    "timeout-ms": "how long to wait for the answer (default: the node's)",
    "api-token": "the node's API token, when it requires one",
  },
  takesArguments: true,
} satisfies CommandSpec<Record<string, { type: "string" | "boolean" }>>;

interface ErrorRecord {
  error: { code: string; message: string; errorName?: string };
}

function printError(io: Io, record: ErrorRecord): number {
  const { code, message, errorName } = record.error;
  io.err(`${code}: ${message}${errorName === undefined ? "" : ` (${errorName})`}\n`);
  return 1;
}

export const runAsk = defineCommand(askSpec, async ({ values, positionals, fromEnv }, io) => {
  // Actor names have no colon: a first argument with one is the node (the short form).
  const positionalNode = positionals[0]?.includes(":") === true ? positionals.shift() : undefined;
  if (positionalNode !== undefined && values.endpoint !== undefined && !fromEnv.has("endpoint")) {
    throw new UsageError(`the node is given twice (${positionalNode} and --endpoint ${values.endpoint}): give it once`);
  }
  const [actor, method, ...rawArgs] = positionals;
  if (actor === undefined || method === undefined) throw new UsageError("ask needs ACTOR METHOD (and the node: --endpoint HOST:PORT, or HOST:PORT first)");
  // The command line wins over PULSING_ENDPOINT, as a flag does over its variable.
  const { addr, tls } = nodeTarget(values, positionalNode);
  const args = rawArgs.map((raw, i) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      throw new UsageError(`argument ${i + 1} is not JSON: ${raw} (quote strings: '"text"')`);
    }
  });
  const timeoutMs = values["timeout-ms"] === undefined ? undefined : intFlag(values["timeout-ms"], "timeout-ms", 1, 2_147_483_647, 0);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (values.tell === true) headers["x-message-mode"] = "tell";
  if (timeoutMs !== undefined) headers["x-timeout-ms"] = String(timeoutMs);
  if (typeof values["api-token"] === "string") headers.authorization = `Bearer ${values["api-token"]}`;
  const route = routeFlags(values);
  if (route.policy !== undefined) headers["x-policy"] = route.policy;
  if (route.key !== undefined) headers["x-policy-key"] = route.key;
  if (route.node !== undefined) headers["x-node"] = route.node;

  let response: Response;
  try {
    const { base, init } = nodeUrl(addr, tls);
    // The client gives up a little after the node would: a paused node must not hang the command.
    const timeout = AbortSignal.timeout((timeoutMs ?? 30_000) + 5_000);
    const signal = io.outClosed === undefined ? timeout : AbortSignal.any([timeout, io.outClosed]);
    const path = actor.split("/").map(encodeURIComponent).join("/");
    response = await fetch(`${base}/actor/${path}`, { ...init, signal, method: "POST", headers, body: JSON.stringify({ msg_type: method, payload: args }) });
  } catch (error) {
    if (io.outClosed?.aborted === true) return 0; // nobody reads the answer any more
    io.err(`NODE_UNREACHABLE: cannot reach ${addr}: ${(error as Error).message}\n`);
    return 1;
  }
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("application/x-ndjson")) return printStream(response, io, addr);
  if (!type.startsWith("application/json")) {
    io.err(`BAD_REQUEST: ${addr} answered ${response.status} with ${type || "no content type"}: is it a pulsing node?\n`);
    return 1;
  }
  const body = (await response.json()) as { result?: unknown } & Partial<ErrorRecord>;
  if (body.error !== undefined) return printError(io, body as ErrorRecord);
  if (values.tell !== true) io.out(`${JSON.stringify(body.result ?? null)}\n`);
  return 0;
});

/**
 * Prints each item of a streamed answer as it arrives. When nobody reads them
 * any more (`| head -1`), it stops reading, which ends the stream on the node,
 * and exits 0.
 */
async function printStream(response: Response, io: Io, addr: string): Promise<number> {
  const decoder = new TextDecoder();
  let text = "";
  try {
    for await (const chunk of response.body as ReadableStream<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n")) {
        const record = JSON.parse(text.slice(0, at)) as { item?: unknown; end?: boolean } & Partial<ErrorRecord>;
        text = text.slice(at + 1);
        if (record.error !== undefined) return printError(io, record as ErrorRecord);
        if (record.end === true) return 0;
        io.out(`${JSON.stringify(record.item ?? null)}\n`);
        if (io.outClosed?.aborted === true) return 0;
      }
    }
  } catch (error) {
    if (io.outClosed?.aborted === true) return 0;
    io.err(`NODE_UNREACHABLE: the stream from ${addr} broke: ${(error as Error).message}\n`);
    return 1;
  }
  io.err("NODE_UNREACHABLE: the stream ended without an end record\n");
  return 1;
}
