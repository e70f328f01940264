/**
 * The package as a user gets it: `bun pm pack`, then a fresh project outside the
 * repo installs the tarball and uses the library, its types and its `bin`.
 * Needs the npm registry (or Bun's install cache) for the package's dependencies
 * and for the new project's typescript and @types/bun.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { freePort, ok, outsideEnv, run } from "../fixtures/outside.ts";
import type { Subprocess } from "bun";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { until } from "../helpers.ts";

const ROOT = resolve(import.meta.dir, "../..");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  files: string[];
  dependencies: Record<string, string>;
  exports: Record<string, unknown>;
  bin: Record<string, string>;
  types: string;
  module: string;
};

let work = "";
const started: Subprocess[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "pulsing-package-"));
});

afterAll(async () => {
  for (const proc of started) {
    proc.kill(9);
    await proc.exited;
  }
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

/** The module specifiers a source file imports or re-exports, type-only ones included. */
function specifiers(source: string, loader: "ts" | "tsx"): Set<string> {
  const code = source.replace(/^#!.*/, ""); // the bin's shebang
  const found = new Set<string>(new Bun.Transpiler({ loader }).scanImports(code).map((i) => i.path));
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm, // import x from "…", import type …, export … from "…"
    /^\s*import\s*["']([^"']+)["']/gm, // import "…"
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, // import("…")
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g, // require("…")
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.add(match[1] as string);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => /\.(ts|tsx|js|mjs|cjs)$/.test(path) && statSync(path).isFile());
}

const builtin = (spec: string) => spec.startsWith("node:") || spec === "bun" || spec.startsWith("bun:") || builtinModules.includes(spec);
const packageName = (spec: string) => spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/");
/** In the tarball: what `files` lists, and package.json, which every package has (src/cli/usage.ts reads its version). */
const shipped = (path: string) =>
  path === join(ROOT, "package.json") || PKG.files.some((entry) => path === join(ROOT, entry) || path.startsWith(join(ROOT, entry) + sep));

test("every import in src/ stays inside the shipped files or names a dependency; the entry points are shipped", () => {
  const problems: string[] = [];
  for (const file of sourceFiles(join(ROOT, "src"))) {
    const where = relative(ROOT, file);
    for (const spec of specifiers(readFileSync(file, "utf8"), file.endsWith(".tsx") ? "tsx" : "ts")) {
      if (spec.startsWith(".") || spec.startsWith("/")) {
        const target = resolve(dirname(file), spec);
        if (!existsSync(target)) problems.push(`${where}: ${spec} does not exist`);
        else if (!shipped(target)) problems.push(`${where}: ${spec} is outside the package's files (${PKG.files.join(", ")})`);
      } else if (!builtin(spec) && packageName(spec) !== PKG.name && !(packageName(spec) in PKG.dependencies)) {
        problems.push(`${where}: ${spec} is neither a builtin nor one of the package's dependencies`);
      }
    }
  }
  expect(problems).toEqual([]);
  // What a consumer's Bun and tsc load, and the bin, all come from the shipped files.
  // The files the exports map points at (its values; its keys are subpaths such as "./client").
  const exported = Object.values(PKG.exports).flatMap((target) => (typeof target === "string" ? [target] : Object.values(target as Record<string, string>)));
  const entries = [PKG.module, ...Object.values(PKG.bin), ...exported];
  for (const entry of entries) expect(shipped(resolve(ROOT, entry))).toBe(true);
  expect(shipped(resolve(ROOT, PKG.types))).toBe(true);
});

test(
  "the packed tarball in a fresh project: the library runs and type-checks (bun init tsconfig, and none), and its bin serves the demo",
  async () => {
    // Pack (prepack writes the declarations) a copy of the tree, so that nothing is written into the
    // repository and two runs cannot race; its node_modules (typescript, @types/bun) is the repo's.
    const tree = join(work, "tree");
    cpSync(ROOT, tree, { recursive: true, filter: (path) => !["node_modules", "dist", ".git"].includes(relative(ROOT, path)) });
    symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"));
    const packDir = join(work, "pack");
    await ok(work, ["bun", "pm", "pack", "--destination", packDir, "--quiet"], tree, 30_000);
    const tarballs = readdirSync(packDir).filter((name) => name.endsWith(".tgz"));
    expect(tarballs.length).toBe(1);
    const tarball = join(packDir, tarballs[0] as string);

    const app = join(work, "app");
    mkdirSync(app);
    await ok(work, ["bun", "init", "-y"], app, 30_000);
    await ok(work, ["bun", "add", tarball], app, 30_000);
    // The installed copy is this tree's: the source, the generated declarations, no JSX file.
    const installed = join(app, "node_modules", PKG.name);
    expect(readFileSync(join(installed, "src/index.ts"), "utf8")).toBe(readFileSync(join(ROOT, "src/index.ts"), "utf8"));
    expect(existsSync(join(installed, PKG.types))).toBe(true);
    expect(sourceFiles(join(installed, "src")).filter((f) => f.endsWith(".tsx"))).toEqual([]);
    if (!existsSync(join(app, "node_modules/.bin/tsc"))) await ok(work, ["bun", "add", "-d", "typescript"], app, 30_000);

    writeFileSync(
      join(app, "main.ts"),
      `import { Actor, ActorSystem } from "pulsing";
import { connect } from "pulsing/client";

class Counter extends Actor {
  #n = 0;
  inc(by: number): number {
    return (this.#n += by);
  }
  async *countTo(k: number): AsyncGenerator<number> {
    for (let i = 1; i <= k; i++) yield i;
  }
}

const system = await ActorSystem.start({ addr: "127.0.0.1:0", logger: undefined });
const counter = await system.spawn(Counter, { name: "counter" });
const first: number = await counter.inc(2);
await counter.$tell.inc(3);
const items: number[] = [];
for await (const i of counter.countTo(3)) items.push(i);
const page = await (await fetch(\`http://\${system.addr}/\`)).text();
const http = await (await fetch(\`http://\${system.addr}/actor/counter\`, { method: "POST", body: JSON.stringify({ msg_type: "inc", payload: [10] }) })).json();
const client = await connect(system.addr as string);
const viaClient: number = await client.resolve<Counter>("counter").inc(1);
await client.close();
console.log(JSON.stringify({ first, items, http, viaClient, dashboard: page.includes("<h1>pulsing node ") }));
await system.shutdown();
`,
    );
    writeFileSync(
      join(app, "bad.ts"),
      `import { Actor, ActorSystem } from "pulsing";

class Counter extends Actor {
  inc(by: number): number {
    return by;
  }
}

const system = await ActorSystem.start();
const counter = await system.spawn(Counter);
await counter.inc("two");
await counter.dec(1);
`,
    );
    const expected = { first: 2, items: [1, 2, 3], http: { result: 15 }, viaClient: 16, dashboard: true };
    const tsc = join(app, "node_modules/.bin/tsc");
    const checkOnly = (file: string) => writeFileSync(join(app, `tsconfig.${file}.json`), JSON.stringify({ extends: "./tsconfig.json", files: [`${file}.ts`] }));
    checkOnly("main");
    checkOnly("bad");

    // With the tsconfig `bun init` writes.
    expect(JSON.parse((await ok(work, ["bun", "main.ts"], app)).trim())).toEqual(expected);
    expect((await run(work, [tsc, "--noEmit", "-p", "tsconfig.main.json"], app)).out).toBe("");
    const bad = await run(work, [tsc, "--noEmit", "-p", "tsconfig.bad.json"], app);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain("bad.ts(11,"); // the argument of the wrong type
    expect(bad.out).toContain("TS2345");
    expect(bad.out).toContain("bad.ts(12,"); // the method that does not exist
    expect(bad.out).toContain("TS2339");
    expect(bad.out).not.toContain("node_modules");

    // With no tsconfig at all.
    for (const name of readdirSync(app).filter((n) => n.startsWith("tsconfig"))) rmSync(join(app, name));
    expect(JSON.parse((await ok(work, ["bun", "main.ts"], app)).trim())).toEqual(expected);
    expect((await run(work, [tsc, "--noEmit", "main.ts"], app)).out).toBe("");
    const badBare = await run(work, [tsc, "--noEmit", "bad.ts"], app);
    expect(badBare.code).not.toBe(0);
    expect(badBare.out).toContain("TS2345");
    expect(badBare.out).toContain("TS2339");
    expect(badBare.out).not.toContain("node_modules");

    // The bin: help, then a node that serves the embedded demo actors.
    const help = await run(work, ["bunx", "pulsing", "--help"], app);
    expect(help).toMatchObject({ code: 0, err: "" });
    expect(help.out).toContain("usage: pulsing [COMMAND]");
    const port = freePort();
    const node = Bun.spawn([join(app, "node_modules/.bin/pulsing"), "node", "--addr", `127.0.0.1:${port}`, "--log-level", "warn"], {
      cwd: app,
      env: outsideEnv(work),
      stdout: "ignore",
      stderr: "pipe",
      stdin: "ignore",
    });
    started.push(node);
    const base = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${base}/health`).catch(() => undefined))?.status === 200, "GET /health of the bin's node", 10_000, 50);
    const asked = await fetch(`${base}/actor/demo/counter`, { method: "POST", body: JSON.stringify({ msg_type: "inc", payload: [2] }) });
    expect(asked.status).toBe(200);
    expect(await asked.json()).toEqual({ result: 2 });
    const echo = await fetch(`${base}/actor/demo/echo`, { method: "POST", body: JSON.stringify({ msg_type: "Ping", payload: { seq: 1 } }) });
    expect(await echo.json()).toEqual({ result: { type: "Pong", payload: { seq: 1 } } });
    node.kill("SIGTERM");
    const code = await Promise.race([node.exited, Bun.sleep(12_000).then(() => "still running")]);
    expect(code).toBe(0);

    // The application's own OpenTelemetry SDK (the versions the package depends on): the runtime's
    // spans, local and over a link, nest under the span the application has open.
    const otel = ["@opentelemetry/api", "@opentelemetry/sdk-trace", "@opentelemetry/context-async-hooks"].map((name) => `${name}@${PKG.dependencies[name]}`);
    await ok(work, ["bun", "add", ...otel], app, 30_000);
    writeFileSync(
      join(app, "traced.ts"),
      `import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { Actor, ActorSystem } from "pulsing";

const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));

class Counter extends Actor {
  #n = 0;
  inc(by: number): number {
    return (this.#n += by);
  }
}
const a = await ActorSystem.start({ addr: "127.0.0.1:0" });
const b = await ActorSystem.start({ addr: "127.0.0.1:0" });
const local = await a.spawn(Counter);
await b.spawn(Counter, { name: "counter" });
const remote = a.remote<Counter>(b.addr as string, "counter");
const app = trace.getTracer("app").startSpan("checkout");
await context.with(trace.setSpan(context.active(), app), async () => {
  await local.inc(1);
  await remote.inc(2);
});
app.end();
const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === app.spanContext().traceId);
const byId = new Map(spans.map((s) => [s.spanContext().spanId, s.name]));
console.log(JSON.stringify(spans.map((s) => [s.name, byId.get(s.parentSpanContext?.spanId ?? "") ?? null]).sort()));
await a.shutdown();
await b.shutdown();
`,
    );
    expect(JSON.parse((await ok(work, ["bun", "traced.ts"], app)).trim())).toEqual([
      ["Counter/inc", "checkout"], // the local call's handler
      ["Counter/inc", "counter/inc"], // the remote handler, under the caller's span
      ["checkout", null],
      ["counter/inc", "checkout"], // the remote call, from the application's span
    ]);
  },
  90_000,
);
