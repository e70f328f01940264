/**
 * Tracing figures (issue 15): what OpenTelemetry tracing costs, off and on,
 * against the code before tracing was added, all in the same run.
 *   bun scripts/bench/tracing.ts [--quick] [--markdown] [--rounds N] [--seconds S] [--only remote64|localseq]
 *                                [--before <commit>] [--after <commit> | --working-tree]
 *
 * "Before" is a git worktree of `--before` (default e7fc5a5, the last commit
 * without tracing) and "after" one of `--after` (default HEAD), both made in a
 * temporary directory for the run and removed at the end, so edits in this
 * checkout during the run change nothing; `--working-tree` measures this
 * checkout as it is instead. "Tracing off" and "tracing on" are the after tree,
 * without and with an SDK registered. Each round of each variant is a fresh
 * child process (`--round`), and the variants take turns, round by round, in a
 * rotating order, so drift on a shared machine hits all alike. Each figure is
 * the median of its rounds; each ratio the median of the ratios within a round.
 * `--only` runs one of the two workloads.
 *
 * - remote ask, 64 callers: a client node in the round's process calls a
 *   Counter on a server node in a second process (`--serve`), through a ref
 *   from `system.remote(addr, "counter")`, as remote.ts does.
 * - local sequential ask: one caller awaiting each reply, in one process.
 *
 * "Tracing off" registers no SDK. "Tracing on" registers one in every process
 * of the round (caller and callee): TracerProvider with AlwaysOnSampler and a
 * BatchSpanProcessor whose exporter drops what it gets (the SDK's span cost,
 * not an exporter's network), and AsyncLocalStorageContextManager, as the
 * executable does. The exported span count is reported per ask to show the
 * spans were made. It prints figures and ratios; it asserts nothing.
 */
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type * as Pulsing from "pulsing";
import { startProcess, stopPeers } from "./peers/spawn.ts";

const SELF = new URL(import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at < 0 ? undefined : argv[at + 1];
};

// ---- in a round's processes ---------------------------------------------------

interface Sdk {
  /** Spans the exporter got so far, after flushing what is batched. */
  exported(): Promise<number>;
}

/** Registers the OpenTelemetry SDK globally: 100% sampling, batched, an exporter that drops the spans. */
async function registerSdk(): Promise<Sdk> {
  const { context, propagation, trace } = await import("@opentelemetry/api");
  const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
  const { W3CTraceContextPropagator } = await import("@opentelemetry/core");
  const { AlwaysOnSampler, BatchSpanProcessor, TracerProvider } = await import("@opentelemetry/sdk-trace");
  type SpanExporter = import("@opentelemetry/sdk-trace").SpanExporter;
  let exported = 0;
  const exporter: SpanExporter = {
    export(spans, resultCallback) {
      exported += spans.length;
      resultCallback({ code: 0 });
    },
    shutdown: async () => {},
  };
  const provider = new TracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [new BatchSpanProcessor({ exporter })] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    exported: async () => {
      await provider.forceFlush();
      return exported;
    },
  };
}

/** The runtime of the tree under test: `tree`'s own src, not this tree's. */
async function runtime(tree: string): Promise<typeof Pulsing> {
  return (await import(`${tree}/src/index.ts`)) as typeof Pulsing;
}

function counterClass(pulsing: typeof Pulsing, sdk: Sdk | undefined) {
  return class Counter extends pulsing.Actor {
    n = 0;
    inc(by: number): number {
      return (this.n += by);
    }
    /** The spans this process exported so far (0 without an SDK). */
    spans(): Promise<number> {
      return sdk === undefined ? Promise.resolve(0) : sdk.exported();
    }
  };
}

/** `--serve`: the callee's node, one Counter named "counter". Prints {"addr"}; exits when stdin closes. */
async function serve(tree: string, on: boolean): Promise<void> {
  const sdk = on ? await registerSdk() : undefined;
  const pulsing = await runtime(tree);
  const system = await pulsing.ActorSystem.start({ addr: "127.0.0.1:0" });
  await system.spawn(counterClass(pulsing, sdk), { name: "counter", mailboxCapacity: 100_000 });
  console.log(JSON.stringify({ addr: system.addr }));
  for await (const _ of Bun.stdin.stream());
  await system.shutdown();
  process.exit(0);
}

interface RoundResult {
  rate: number;
  /** Spans exported per ask, caller and callee. */
  spansPerAsk?: { caller: number; callee: number };
}

/**
 * `callers` loops for `seconds` after a warm-up of `warm` seconds, each reading
 * the clock every `batch` asks (a read costs a good part of a local ask).
 * Asks per second, and how many asks there were in all, warm-up included.
 */
async function measure(callers: number, seconds: number, warm: number, batch: number, ask: () => Promise<unknown>): Promise<{ rate: number; total: number }> {
  const loop = async (until: number) => {
    let n = 0;
    while (performance.now() < until) {
      for (let i = 0; i < batch; i++) await ask();
      n += batch;
    }
    return n;
  };
  const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  const warmUntil = performance.now() + warm * 1000;
  const warmed = sum(await Promise.all(Array.from({ length: callers }, () => loop(warmUntil))));
  const start = performance.now();
  const count = sum(await Promise.all(Array.from({ length: callers }, () => loop(start + seconds * 1000))));
  return { rate: (count * 1000) / (performance.now() - start), total: warmed + count };
}

/** `--round`: one figure of one variant, printed as one JSON line. */
async function round(tree: string, on: boolean, workload: string, seconds: number): Promise<void> {
  const sdk = on ? await registerSdk() : undefined;
  const pulsing = await runtime(tree);
  let result: RoundResult;
  try {
    if (workload === "remote64") {
      const server = await startProcess(SELF, ["--serve", "--tree", tree, "--sdk", on ? "on" : "off"]);
      const system = await pulsing.ActorSystem.start({ addr: "127.0.0.1:0" });
      type Counter = InstanceType<ReturnType<typeof counterClass>>;
      const counter = system.remote<Counter>(server.first.addr as string, "counter");
      const before = { caller: (await sdk?.exported()) ?? 0, callee: await counter.spans() };
      const { rate, total } = await measure(64, seconds, 0.5, 1, () => counter.inc(1));
      result = { rate };
      if (sdk !== undefined) {
        result.spansPerAsk = { caller: ((await sdk.exported()) - before.caller) / total, callee: ((await counter.spans()) - before.callee) / total };
      }
      await system.shutdown();
      // Closing its stdin lets the server end on its own (so `BUN_OPTIONS=--cpu-prof` profiles both processes).
      server.proc.stdin.end();
      await Promise.race([server.proc.exited, Bun.sleep(5_000)]);
    } else {
      const system = await pulsing.ActorSystem.start();
      const counter = await system.spawn(counterClass(pulsing, sdk), { mailboxCapacity: 100_000 });
      result = { rate: (await measure(1, seconds, 1, 64, () => counter.inc(1))).rate };
      await system.shutdown();
    }
  } finally {
    await stopPeers();
  }
  console.log(JSON.stringify(result));
  process.exit(0);
}

// ---- the run --------------------------------------------------------------------

interface Variant {
  name: "before" | "off" | "on";
  tree: string;
  on: boolean;
}

async function git(...args: string[]): Promise<string> {
  const proc = Bun.spawn(["git", "-C", ROOT, ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`git ${args.join(" ")}: ${err.trim()}`);
  return out.trim();
}

/** The round running now: ended with the run if it is interrupted. */
let current: Subprocess | undefined;

async function runRound(variant: Variant, workload: string, seconds: number): Promise<RoundResult> {
  const proc = (current = Bun.spawn(["bun", SELF, "--round", "--tree", variant.tree, "--sdk", variant.on ? "on" : "off", "--workload", workload, "--seconds", String(seconds)], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  }));
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  current = undefined;
  const line = out
    .split("\n")
    .reverse()
    .find((l) => l.startsWith('{"rate"'));
  if (code !== 0 || line === undefined) throw new Error(`round ${variant.name} ${workload} failed (exit ${code}): ${out}`);
  return JSON.parse(line) as RoundResult;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const fmt = (value: number): string => (value >= 1e6 ? `${(value / 1e6).toFixed(2)} M` : `${(value / 1e3).toFixed(1)} k`);
const pct = (a: number, b: number): string => `${((a / b) * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  const quick = argv.includes("--quick");
  const rounds = Number(flag("--rounds") ?? (quick ? 3 : 5));
  const seconds = Number(flag("--seconds") ?? (quick ? 1 : 2));
  const beforeRef = flag("--before") ?? "e7fc5a5";
  const beforeCommit = await git("rev-parse", "--short", `${beforeRef}^{commit}`);
  const here = argv.includes("--working-tree");
  const afterCommit = await git("rev-parse", "--short", `${flag("--after") ?? "HEAD"}^{commit}`);
  const dirty = here && (await git("status", "--porcelain", "--", "src")) !== "";

  const dir = mkdtempSync(join(tmpdir(), "pulsing-trees-"));
  const added: string[] = [];
  /** A worktree of `commit` in the run's directory, with this checkout's dependencies (the trees' are subsets of them, at the same versions). */
  const worktree = async (name: string, commit: string): Promise<string> => {
    const path = join(dir, name);
    await git("worktree", "add", "--detach", path, commit);
    added.push(path);
    symlinkSync(join(ROOT, "node_modules"), join(path, "node_modules"), "dir");
    return path;
  };
  // Once, whoever asks first (the run's end, or a signal while a round fails under it): both wait for the same removal.
  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      for (const path of added.splice(0)) {
        await git("worktree", "remove", "--force", path).catch((error) => console.error(`could not remove the worktree ${path}: ${(error as Error).message}`));
      }
      rmSync(dir, { recursive: true, force: true });
    })());
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      current?.kill();
      void Promise.resolve(current?.exited)
        .then(stopPeers)
        .then(cleanUp)
        .finally(() => process.exit(130));
    });
  }

  try {
    const beforeTree = await worktree("before", beforeCommit);
    const afterTree = here ? ROOT : await worktree("after", afterCommit);

    const variants: Variant[] = [
      { name: "before", tree: beforeTree, on: false },
      { name: "off", tree: afterTree, on: false },
      { name: "on", tree: afterTree, on: true },
    ];
    console.log(`Bun ${Bun.version}; before = ${beforeCommit}, after = ${here ? `this checkout (HEAD ${afterCommit}${dirty ? ", with uncommitted changes in src/" : ""})` : afterCommit}`);
    console.log(`${rounds} rounds of ${seconds} s per variant and workload, each a fresh process; load average ${loadavg().map((x) => x.toFixed(2)).join(", ")}`);

    const only = flag("--only");
    const workloads = [
      { key: "remote64", what: "remote ask, 64 callers" },
      { key: "localseq", what: "local sequential ask" },
    ].filter((w) => only === undefined || w.key === only);
    const results: Record<string, Record<string, RoundResult[]>> = {};
    for (const { key, what } of workloads) {
      const byVariant: Record<string, RoundResult[]> = { before: [], off: [], on: [] };
      results[key] = byVariant;
      for (let r = 0; r < rounds; r++) {
        const line: string[] = [];
        for (let i = 0; i < variants.length; i++) {
          const variant = variants[(r + i) % variants.length] as Variant;
          const result = await runRound(variant, key, seconds);
          byVariant[variant.name]?.push(result);
          line.push(`${variant.name} ${fmt(result.rate)}/s`);
        }
        const of = (name: string) => (byVariant[name] as RoundResult[])[r]?.rate as number;
        console.log(`${what}, round ${r + 1}: ${line.join(", ")}; off/before ${pct(of("off"), of("before"))}, on/off ${pct(of("on"), of("off"))}`);
      }
    }

    const rows: string[][] = [];
    for (const { key, what } of workloads) {
      const byVariant = results[key] as Record<string, RoundResult[]>;
      const rates = (name: string) => (byVariant[name] as RoundResult[]).map((x) => x.rate);
      const cell = (name: string) => {
        const values = rates(name);
        return `${fmt(median(values))}/s (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
      };
      // Ratios within each round (the variants ran back to back), then their median: drift between rounds cancels.
      const ratio = (a: string, b: string) => {
        const values = rates(a).map((x, r) => x / (rates(b)[r] as number));
        return `${pct(median(values), 1)} (${pct(Math.min(...values), 1)}–${pct(Math.max(...values), 1)})`;
      };
      const spans = (byVariant.on as RoundResult[]).map((x) => x.spansPerAsk).filter((x) => x !== undefined);
      const spanNote = spans.length === 0 ? "" : `; spans per ask: caller ${median(spans.map((s) => s.caller)).toFixed(2)}, callee ${median(spans.map((s) => s.callee)).toFixed(2)}`;
      const goal = key === "remote64" ? "off ≥ 97% of before; on ≥ 50% of off" : "off unchanged vs before";
      rows.push([what, cell("before"), cell("off"), cell("on"), ratio("off", "before"), ratio("on", "off") + spanNote, goal]);
    }
    console.log(`\nload average at the end: ${loadavg().map((x) => x.toFixed(2)).join(", ")}`);
    console.log("medians of the rounds (range); ratios: median of each round's ratio (range)");
    for (const row of rows) console.log(row.join("  |  "));
    if (argv.includes("--markdown")) {
      console.log(`\n| what | before (${beforeCommit}) | tracing off | tracing on (100%) | off / before | on / off | goal |\n| --- | --- | --- | --- | --- | --- | --- |`);
      for (const row of rows) console.log(`| ${row.join(" | ")} |`);
    }
  } finally {
    await stopPeers();
    await cleanUp();
  }
}

if (argv.includes("--serve")) await serve(flag("--tree") as string, flag("--sdk") === "on");
else if (argv.includes("--round")) await round(flag("--tree") as string, flag("--sdk") === "on", flag("--workload") as string, Number(flag("--seconds")));
else {
  await main();
  process.exit(0);
}
