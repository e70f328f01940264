import { parseArgs, type ParseArgsConfig } from "node:util";
import { formatAddr, parseAddr } from "../transport/index.ts";

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
 * missing from the environment.
 */
export function parseCommand<O extends Options>(spec: CommandSpec<O>, argv: string[], env: Record<string, string | undefined> = process.env) {
  let parsed: ReturnType<typeof parseArgs<{ options: O & { help: { type: "boolean" } }; args: string[]; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: { ...spec.options, help: { type: "boolean" } }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  for (const [flag, variable] of Object.entries(spec.env ?? {})) {
    if (values[flag] === undefined && variable !== undefined && env[variable as string] !== undefined) {
      const raw = env[variable as string] as string;
      values[flag] = spec.options[flag]?.type === "boolean" ? raw === "1" || raw === "true" : raw;
    }
  }
  return { values, positionals: parsed.positionals, help: values.help === true };
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
