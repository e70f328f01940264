#!/usr/bin/env bun
/**
 * The `pulsing` executable: `bun run build` compiles it into dist/pulsing.
 * Exit codes: 0 done, 1 failed, 2 a mistake on the command line.
 */
import { runAsk } from "./ask-command.ts";
import { runBench } from "./bench-command.ts";
import type { Command } from "./command.ts";
import { runInspect } from "./inspect-command.ts";
import { type Io, stdio } from "./io.ts";
import { runNode } from "./node-command.ts";
import { DEFAULT_ADDR, UsageError, versionText } from "./usage.ts";

const COMMANDS: Record<string, Command> = {
  node: runNode,
  ask: runAsk,
  inspect: runInspect,
  bench: runBench,
};

const HELP = `pulsing: a distributed actor runtime for Bun

usage: pulsing [COMMAND] [OPTIONS]

commands:
  node      run a node (the default: \`pulsing\` alone serves the embedded demo on ${DEFAULT_ADDR})
  ask       call a named actor: pulsing ask --endpoint HOST:PORT ACTOR METHOD [JSON-ARG ...]
  inspect   show members, actors, entities or metrics: pulsing inspect members --endpoint HOST:PORT
  bench     load an actor and print throughput and latency
  version   print the version of pulsing and of Bun (also: pulsing --version)

\`pulsing COMMAND --help\` tells more. Docs: docs/deploy.md.
`;

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    io.out(HELP);
    return 0;
  }
  if (first === "--version" || first === "version") {
    io.out(versionText());
    return 0;
  }
  const command = first === undefined || first.startsWith("-") ? "node" : first;
  const run = COMMANDS[command];
  if (run === undefined) {
    io.err(`pulsing: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
    return 2;
  }
  try {
    return await run(command === first ? rest : argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`pulsing ${command}: ${error.message}\n(see pulsing ${command} --help)\n`);
      return 2;
    }
    io.err(`pulsing ${command}: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

// Exit once stdout has been written out: a slow pipe must get all of it.
if (import.meta.main) void main(process.argv.slice(2)).then((code) => process.stdout.write("", () => process.exit(code)));
