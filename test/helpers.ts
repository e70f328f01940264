import { afterEach } from "bun:test";
import { ActorSystem, type ActorSystemOptions, type Logger } from "pulsing";

export interface LogLine {
  level: string;
  event: string;
  fields: Record<string, unknown> | undefined;
}

/** A logger that keeps its lines for assertions instead of printing them. */
export function memoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (event: string, fields?: Record<string, unknown>) => {
    lines.push({ level, event, fields });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

const started: ActorSystem[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((system) => system.shutdown()));
});

/**
 * A system that is shut down after the test, logging into `log`: standalone
 * (in-process only) unless `options` give it an address.
 */
export async function startSystem(options: ActorSystemOptions = {}, log = memoryLogger()): Promise<{ system: ActorSystem; log: ReturnType<typeof memoryLogger> }> {
  // Tests leave handlers hanging on purpose; teardown need not wait long for them.
  const system = await ActorSystem.start({ logger: log, stopTimeoutMs: 200, ...options });
  started.push(system);
  return { system, log };
}

/** A cluster node on a free loopback port (unless `options` give an address), shut down after the test; `log` gets its lines. */
export async function startNode(options: ActorSystemOptions = {}, log = memoryLogger()): Promise<ActorSystem> {
  return (await startSystem({ addr: "127.0.0.1:0", ...options }, log)).system;
}

/** A promise with its resolver outside, for handlers that wait on the test. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Waits until `check` holds, polling every `pollMs`; fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000, pollMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(pollMs);
  }
}
