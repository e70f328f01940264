import type { Io } from "./io.ts";
import { type CommandSpec, helpText, type Options, parseCommand, UsageError } from "./usage.ts";

/** What a command's `run` gets from its command line. */
export interface Parsed {
  /** Each flag's value, from the command line or else from its environment variable. */
  values: Record<string, string | boolean | undefined>;
  /** The arguments that are not flags, in order. */
  positionals: string[];
  /** The flags whose value came from a variable rather than the command line. */
  fromEnv: Set<string>;
}

/** A command as `main` runs it: the arguments after its name; resolves with the exit code. */
export type Command = (argv: string[], io: Io) => Promise<number>;

/**
 * A command from its spec and what it does: parses `argv` by the spec (a
 * mistake is a UsageError), prints the help and exits 0 on `--help`, refuses
 * arguments a spec without `takesArguments` has no use for, then hands `run`
 * the parsed values and positionals.
 */
export function defineCommand<O extends Options>(spec: CommandSpec<O>, run: (parsed: Parsed, io: Io) => Promise<number>): Command {
  return async (argv, io) => {
    const { values, positionals, help, fromEnv } = parseCommand(spec, argv);
    if (help) {
      io.out(`${helpText(spec)}\n`);
      return 0;
    }
    if (spec.takesArguments !== true && positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    return run({ values, positionals, fromEnv }, io);
  };
}
