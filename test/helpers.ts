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

/** A system that is shut down after the test, logging into `log`. */
export async function startSystem(options: ActorSystemOptions = {}): Promise<{ system: ActorSystem; log: ReturnType<typeof memoryLogger> }> {
  const log = memoryLogger();
  // Tests leave handlers hanging on purpose; teardown need not wait long for them.
  const system = await ActorSystem.start({ logger: log, stopTimeoutMs: 200, ...options });
  started.push(system);
  return { system, log };
}

/** A promise with its resolver outside, for handlers that wait on the test. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Waits until `check` holds, polling; fails after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(2);
  }
}

const nodes: ActorSystem[] = [];

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((system) => system.shutdown()));
});

/** A cluster node on a free loopback port, shut down after the test; `log` gets its lines. */
export async function startNode(options: ActorSystemOptions = {}, log = memoryLogger()): Promise<ActorSystem> {
  const system = await ActorSystem.start({ addr: "127.0.0.1:0", logger: log, stopTimeoutMs: 200, ...options });
  nodes.push(system);
  return system;
}

/** Waits until `check` holds, polling; fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}
