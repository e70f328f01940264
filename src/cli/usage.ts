import { parseArgs, type ParseArgsConfig } from "node:util";
import { readFileSync } from "node:fs";
// Imported as JSON so that `bun build --compile` embeds it: the executable has no package.json beside it.
import packageJson from "../../package.json" with { type: "json" };
import { clientTls, formatAddr, parseAddr, type TlsOptions } from "../system/index.ts";

/** A mistake on the command line: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CommandSpec<O extends Options> {
  name: string;
  summary: string;
  usage: string;
  options: O;
  /** Flag -> environment variable it may also come from. */
  env?: Partial<Record<keyof O & string, string>>;
  /** One line per option, for --help. */
  help: Partial<Record<keyof O & string, string>>;
  /** Whether the command takes arguments besides its flags (its run checks them); without, one is a UsageError. */
  takesArguments?: boolean;
}

export function helpText<O extends Options>(spec: CommandSpec<O>): string {
  const lines = [`${spec.summary}`, "", `usage: ${spec.usage}`, "", "options:"];
  for (const [flag, option] of Object.entries(spec.options)) {
    const env = spec.env?.[flag as keyof O & string];
    const value = option.type === "string" ? " VALUE" : "";
    const text = spec.help[flag as keyof O & string] ?? "";
    lines.push(`  --${flag}${value}`.padEnd(28) + text + (env === undefined ? "" : ` [env ${env}]`));
  }
  lines.push(`  --help`.padEnd(28) + "this help");
  return lines.join("\n");
}

/**
 * Parses flags strictly (an unknown flag is a UsageError), then fills what is
 * missing from the environment; a variable set to "" counts as unset.
 * `fromEnv` names the flags that came from a variable rather than the command line.
 */
export function parseCommand<O extends Options>(spec: CommandSpec<O>, argv: string[], env: Record<string, string | undefined> = process.env) {
  let parsed: ReturnType<typeof parseArgs<{ options: O & { help: { type: "boolean" } }; args: string[]; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: { ...spec.options, help: { type: "boolean" } }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const fromEnv = new Set<string>();
  for (const [flag, variable] of Object.entries(spec.env ?? {})) {
    const raw = variable === undefined ? undefined : env[variable as string];
    if (values[flag] === undefined && raw !== undefined && raw !== "") {
      values[flag] = spec.options[flag]?.type === "boolean" ? raw === "1" || raw === "true" : raw;
      fromEnv.add(flag);
    }
  }
  return { values, positionals: parsed.positionals, help: values.help === true, fromEnv };
}

/** A whole number in a range, or a UsageError naming the flag. */
export function intFlag(value: unknown, flag: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new UsageError(`--${flag} must be a whole number in ${min}..${max}, got ${JSON.stringify(value)}`);
  return number;
}

export function numberFlag(value: unknown, flag: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number < min || number > max) throw new UsageError(`--${flag} must be a number in ${min}..${max}, got ${JSON.stringify(value)}`);
  return number;
}

/** `HOST:PORT`, or a UsageError naming the flag. */
export function endpointFlag(value: unknown, flag: string): string {
  try {
    return formatAddr(parseAddr(value));
  } catch (error) {
    throw new UsageError(`--${flag}: ${(error as Error).message}`);
  }
}

/** An http(s) URL, or a UsageError naming the flag. */
export function urlFlag(value: unknown, flag: string): string {
  const text = String(value);
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) throw new UsageError(`--${flag} must be an http:// or https:// URL, got ${JSON.stringify(text.slice(0, 128))}`);
  return text;
}

/** What `pulsing --version` prints: this package's version and the Bun it runs on (embedded in the executable). */
export function versionText(): string {
  return `pulsing ${packageJson.version} (bun ${Bun.version})\n`;
}

/** The flags every command takes to talk TLS to nodes. */
export const TLS_OPTIONS = { "tls-cert": { type: "string" }, "tls-key": { type: "string" }, "tls-ca": { type: "string" } } as const;
export const TLS_ENV = { "tls-cert": "PULSING_TLS_CERT", "tls-key": "PULSING_TLS_KEY", "tls-ca": "PULSING_TLS_CA" } as const;
export const TLS_HELP = {
  "tls-cert": "this side's certificate (PEM file), for TLS",
  "tls-key": "its private key (PEM file)",
  "tls-ca": "the cluster's CA (PEM file): with it, TLS is mutual",
} as const;

/** Where `pulsing node` serves, and where the other commands look for a node, by default. */
export const DEFAULT_ADDR = "127.0.0.1:9000";

/** The flags of the commands that talk to a node (ask, inspect, bench): which node, and TLS to it. */
export const CLIENT_OPTIONS = { endpoint: { type: "string" }, ...TLS_OPTIONS } as const;
export const CLIENT_ENV = { endpoint: "PULSING_ENDPOINT", ...TLS_ENV } as const;
export const CLIENT_HELP = { endpoint: `the node to talk to, HOST:PORT (default ${DEFAULT_ADDR})`, ...TLS_HELP } as const;

/** How a call through a node picks the instance it reaches: the gateway's options. */
export const ROUTE_OPTIONS = { policy: { type: "string" }, key: { type: "string" }, node: { type: "string" } } as const;
export const ROUTE_HELP = {
  policy: "which instance, when the name has several: round-robin (default), random, power-of-two, consistent-hash",
  key: "the key for consistent-hash: one key, one instance",
  node: "call the instance on this node (its id or HOST:PORT)",
} as const;

/** The route options given, by their gateway names. */
export function routeFlags(values: Record<string, string | boolean | undefined>): { policy?: string; key?: string; node?: string } {
  const pick = (flag: string) => (typeof values[flag] === "string" ? { [flag]: values[flag] as string } : {});
  return { ...pick("policy"), ...pick("key"), ...pick("node") };
}

/** The node a command talks to, and the TLS it dials with. */
export function nodeTarget(values: Record<string, string | boolean | undefined>, given?: string): { addr: string; tls: TlsOptions | undefined } {
  const endpoint = given ?? (typeof values.endpoint === "string" ? values.endpoint : DEFAULT_ADDR);
  return { addr: endpointFlag(endpoint, "endpoint"), tls: tlsFlags(values) };
}

/** Reads the TLS files the flags name; none given means plain HTTP. */
export function tlsFlags(values: Record<string, unknown>): TlsOptions | undefined {
  const [cert, key, ca] = [values["tls-cert"], values["tls-key"], values["tls-ca"]] as (string | undefined)[];
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new UsageError("--tls-cert and --tls-key go together");
  const read = (path: string, flag: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      throw new UsageError(`--${flag}: cannot read ${path}: ${(error as Error).message}`);
    }
  };

  return { cert: read(cert, "tls-cert"), key: read(key, "tls-key"), ...(ca === undefined ? {} : { ca: read(ca, "tls-ca") }) };
}

/** The base URL of a node, and what fetch needs to reach it. */
export function nodeUrl(addr: string, tls: TlsOptions | undefined): { base: string; init: RequestInit } {
  return tls === undefined ? { base: `http://${addr}`, init: {} } : { base: `https://${addr}`, init: { tls: clientTls(tls) } as RequestInit };
}
