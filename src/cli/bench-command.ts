import { type ActorError, connect } from "../client/index.ts";
import { defineCommand } from "./command.ts";
import { CLIENT_ENV, CLIENT_HELP, CLIENT_OPTIONS, type CommandSpec, intFlag, nodeTarget, numberFlag, ROUTE_HELP, ROUTE_OPTIONS, routeFlags, UsageError } from "./usage.ts";

export const benchSpec = {
  name: "bench",
  summary: "Loads a named actor with asks over a link to a node (any node of its cluster), then prints throughput and latency percentiles.",
  usage: "pulsing bench [--endpoint HOST:PORT] [--actor NAME] [--method M] [--args JSON] [--concurrency N] [--duration S] [--policy P] [--key K] [--node N]",
  options: {
    ...CLIENT_OPTIONS,
    ...ROUTE_OPTIONS,
    actor: { type: "string" },
    method: { type: "string" },
    args: { type: "string" },
    concurrency: { type: "string" },
    duration: { type: "string" },
    secret: { type: "string" },
  },
  env: { ...CLIENT_ENV, secret: "PULSING_SECRET" },
  help: {
    ...CLIENT_HELP,
    ...ROUTE_HELP,
    actor: "the actor's name (default demo/counter)",
    method: "the method to call (default inc)",
    args: "its arguments, a JSON array (default [1])",
    concurrency: "callers, each waiting for its own answers (default 64)",
    duration: "seconds (default 10)",
    secret: "the cluster secret, when the node requires one (prefer the variable)",
  },
} satisfies CommandSpec<Record<string, { type: "string" | "boolean" }>>;

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number);
}

export const runBench = defineCommand(benchSpec, async ({ values }, io) => {
  const { addr, tls } = nodeTarget(values);
  const concurrency = intFlag(values.concurrency, "concurrency", 1, 100_000, 64);
  const seconds = numberFlag(values.duration, "duration", 0.1, 86_400, 10);
  const actor = typeof values.actor === "string" ? values.actor : "demo/counter";
  const method = typeof values.method === "string" ? values.method : "inc";
  let args: unknown;
  try {
    args = JSON.parse(typeof values.args === "string" ? values.args : "[1]");
  } catch {
    throw new UsageError(`--args must be a JSON array, got ${JSON.stringify(values.args)}`);
  }
  if (!Array.isArray(args)) throw new UsageError("--args must be a JSON array");

  const secret = typeof values.secret === "string" ? values.secret : undefined;
  let client;
  try {
    client = await connect(addr, {
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      ...(tls === undefined ? {} : { tls }),
      ...(secret === undefined ? {} : { secret }),
    });
  } catch (error) {
    io.err(`${(error as ActorError).code ?? "ERROR"}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const ref = client.resolve(actor, routeFlags(values) as Parameters<typeof client.resolve>[1]);
    try {
      await ref.$ask(method, args);
    } catch (error) {
      io.err(`${(error as ActorError).code ?? "ERROR"}: ${(error as Error).message}\n`);
      return 1;
    }
    let latencies = new Float64Array(1 << 20);
    let count = 0;
    const errors = new Map<string, number>();
    const started = performance.now();
    const deadline = started + seconds * 1000;
    // A progress line redrawn with \r, on a terminal only: in a log file it would be one long line of them.
    const progress =
      io.errIsTerminal === true
        ? setInterval(() => {
            const elapsed = (performance.now() - started) / 1000;
            io.err(`\r${(count / elapsed / 1000).toFixed(1)} k asks/s, ${count} done, ${[...errors.values()].reduce((a, b) => a + b, 0)} errors   `);
          }, 500)
        : undefined;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const t = performance.now();
          try {
            await ref.$ask(method, args);
          } catch (error) {
            const code = (error as ActorError).code ?? "ERROR";
            errors.set(code, (errors.get(code) ?? 0) + 1);
            await Bun.sleep(10); // a failing node answers at once: do not spin on it
            continue;
          }
          if (count === latencies.length) {
            const bigger = new Float64Array(latencies.length * 2);
            bigger.set(latencies);
            latencies = bigger;
          }
          latencies[count++] = performance.now() - t;
        }
      }),
    );
    clearInterval(progress);
    const elapsed = (performance.now() - started) / 1000;
    const sorted = latencies.slice(0, count).sort();
    const ms = (value: number) => `${value.toFixed(3)} ms`;
    if (io.errIsTerminal === true) io.err("\n");
    io.out(
      [
        `${actor}.${method} on ${addr}: ${concurrency} callers for ${elapsed.toFixed(1)} s`,
        `throughput  ${(count / elapsed).toFixed(0)} asks/s (${count} answered)`,
        `latency     p50 ${ms(percentile(sorted, 0.5))}  p90 ${ms(percentile(sorted, 0.9))}  p99 ${ms(percentile(sorted, 0.99))}  max ${ms(sorted[sorted.length - 1] ?? Number.NaN)}`,
        `errors      ${errors.size === 0 ? "none" : [...errors].map(([code, n]) => `${code} ${n}`).join(", ")}`,
        "",
      ].join("\n"),
    );
    return errors.size === 0 ? 0 : 1;
  } finally {
    await client.close();
  }
});
