import type { Io } from "./io.ts";
import { type CommandSpec, endpointFlag, helpText, intFlag, nodeUrl, parseCommand, TLS_ENV, TLS_HELP, TLS_OPTIONS, tlsFlags, UsageError } from "./usage.ts";

export const askSpec = {
  name: "ask",
  summary: "Calls a named actor on a node and prints the result (one line per item for a stream).",
  usage: "pulsing ask HOST:PORT ACTOR METHOD [--tell] [--timeout-ms N] [--] [JSON-ARG ...]   (put -- before a negative number)",
  options: { tell: { type: "boolean" }, "timeout-ms": { type: "string" }, "api-token": { type: "string" }, ...TLS_OPTIONS },
  env: { "api-token": "PULSING_API_TOKEN", ...TLS_ENV },
  help: {
    tell: "fire-and-forget: print nothing, exit 0 once the node took it",
    "timeout-ms": "how long to wait for the answer (default: the node's)",
    "api-token": "the node's API token, when it requires one",
    ...TLS_HELP,
  },
} satisfies CommandSpec<Record<string, { type: "string" | "boolean" }>>;

interface ErrorRecord {
  error: { code: string; message: string; errorName?: string };
}

function printError(io: Io, record: ErrorRecord): number {
  const { code, message, errorName } = record.error;
  io.err(`${code}: ${message}${errorName === undefined ? "" : ` (${errorName})`}\n`);
  return 1;
}

export async function runAsk(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseCommand(askSpec, argv);
  if (help) {
    io.out(`${helpText(askSpec)}\n`);
    return 0;
  }
  const [endpoint, actor, method, ...rawArgs] = positionals;
  if (endpoint === undefined || actor === undefined || method === undefined) throw new UsageError("ask needs HOST:PORT ACTOR METHOD");
  const addr = endpointFlag(endpoint, "endpoint");
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

  let response: Response;
  try {
    const { base, init } = nodeUrl(addr, tlsFlags(values));
    // The client gives up a little after the node would: a paused node must not hang the command.
    const signal = AbortSignal.timeout((timeoutMs ?? 30_000) + 5_000);
    const path = actor.split("/").map(encodeURIComponent).join("/");
    response = await fetch(`${base}/actor/${path}`, { ...init, signal, method: "POST", headers, body: JSON.stringify({ msg_type: method, payload: args }) });
  } catch (error) {
    io.err(`NODE_UNREACHABLE: cannot reach ${addr}: ${(error as Error).message}\n`);
    return 1;
  }
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("application/x-ndjson")) return printStream(response, io);
  if (!type.startsWith("application/json")) {
    io.err(`BAD_REQUEST: ${addr} answered ${response.status} with ${type || "no content type"}: is it a pulsing node?\n`);
    return 1;
  }
  const body = (await response.json()) as { result?: unknown } & Partial<ErrorRecord>;
  if (body.error !== undefined) return printError(io, body as ErrorRecord);
  if (values.tell !== true) io.out(`${JSON.stringify(body.result ?? null)}\n`);
  return 0;
}

/** Prints each item of a streamed answer as it arrives. */
async function printStream(response: Response, io: Io): Promise<number> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of response.body as ReadableStream<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n")) {
      const record = JSON.parse(text.slice(0, at)) as { item?: unknown; end?: boolean } & Partial<ErrorRecord>;
      text = text.slice(at + 1);
      if (record.error !== undefined) return printError(io, record as ErrorRecord);
      if (record.end === true) return 0;
      io.out(`${JSON.stringify(record.item ?? null)}\n`);
    }
  }
  io.err("NODE_UNREACHABLE: the stream ended without an end record\n");
  return 1;
}
