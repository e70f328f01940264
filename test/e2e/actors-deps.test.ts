/**
 * An `--actors` module that uses npm packages, run by the compiled executable
 * outside the repo: the module's imports resolve from the node_modules of its
 * own directory, while "pulsing" is the copy the executable embeds. Needs the
 * npm registry for the two small packages it installs (picocolors, debug).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { freePort, ok, outsideEnv, run } from "../fixtures/outside.ts";
import type { Subprocess } from "bun";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
let work = "";
let binary = "";
const started: Subprocess[] = [];

/** Starts `pulsing node --actors …` in `cwd`, waits until /health answers, and calls `method` on `actor` over HTTP. */
async function serveAndAsk(cwd: string, actors: string, actor: string, method: string, args: unknown[]): Promise<unknown> {
  const port = freePort();
  const node = Bun.spawn([binary, "node", "--addr", `127.0.0.1:${port}`, "--actors", actors, "--log-level", "warn"], {
    cwd,
    env: outsideEnv(work),
    stdout: "ignore",
    stderr: "pipe",
    stdin: "ignore",
  });
  started.push(node);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while ((await fetch(`${base}/health`).then((r) => r.status, () => 0)) !== 200) {
    if (node.exitCode !== null || Date.now() > deadline) {
      node.kill(9);
      throw new Error(`the node did not serve (exit ${await node.exited}): ${await new Response(node.stderr).text()}`);
    }
    await Bun.sleep(50);
  }
  const response = await fetch(`${base}/actor/${actor}`, { method: "POST", body: JSON.stringify({ msg_type: method, payload: args }) });
  const body = (await response.json()) as unknown;
  node.kill("SIGTERM");
  expect(await Promise.race([node.exited, Bun.sleep(12_000).then(() => "still running")])).toBe(0);
  return body;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "pulsing-actors-deps-"));
  // The executable, built exactly as `bun run build` builds it, into this run's own directory.
  const build = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { build: string } }).scripts.build;
  expect(build).toContain("--outfile dist/pulsing");
  binary = join(work, "pulsing");
  await ok(work, build.replace("--outfile dist/pulsing", `--outfile ${binary}`).split(/\s+/), ROOT, 60_000);
}, 60_000);

afterAll(async () => {
  for (const proc of started) {
    proc.kill(9);
    await proc.exited;
  }
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

const MODULE = `import { Actor, ActorSystem } from "pulsing";
import pc from "picocolors";   // "main": "./picocolors.js"
import debug from "debug";     // "main": "./src/index.js", and it requires ms, a dependency of its own

let sameLibrary = false;

export class Format extends Actor {
  show(label: string, ms: number) {
    return { label: pc.createColors(true).green(label), took: debug.humanize(ms), sameLibrary };
  }
}

export default {
  spawn: [{ actor: Format, name: "deps/format" }],
  setup(system: unknown) {
    sameLibrary = system instanceof ActorSystem; // "pulsing" is the library that runs the node
  },
};
`;
const ANSWER = { result: { label: "\u001b[32mok\u001b[39m", took: "2m", sameLibrary: true } };

test(
  "the executable runs an --actors module whose imports come from its own node_modules; \"pulsing\" stays the embedded copy",
  async () => {
    // A project of its own, in a directory that is not the node's working directory.
    const project = join(work, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "my-actors", private: true, type: "module" }));
    await ok(work, ["bun", "add", "picocolors@1", "debug@4"], project, 30_000);
    // A node_modules/pulsing next to the module (for an editor's types, say) must not become a second copy.
    mkdirSync(join(project, "node_modules/pulsing"), { recursive: true });
    writeFileSync(join(project, "node_modules/pulsing/package.json"), JSON.stringify({ name: "pulsing", version: "0.0.0-decoy", main: "./decoy.js" }));
    writeFileSync(join(project, "node_modules/pulsing/decoy.js"), "export class Actor {}\nexport class ActorSystem {}\n");
    writeFileSync(join(project, "my-actors.ts"), MODULE);

    expect(await serveAndAsk(work, "./project/my-actors.ts", "deps/format", "show", ["ok", 90_000])).toEqual(ANSWER);

    // The other way: one bundled file, everything but "pulsing" inside, and no node_modules where it runs.
    const elsewhere = join(work, "elsewhere");
    mkdirSync(elsewhere);
    await ok(work, ["bun", "build", join(project, "my-actors.ts"), "--target", "bun", "--external", "pulsing", "--outfile", join(elsewhere, "actors.js")], project);
    expect(await serveAndAsk(elsewhere, "actors.js", "deps/format", "show", ["ok", 90_000])).toEqual(ANSWER);

    // A package that is not installed: the node says where it looked, and how to bundle instead.
    writeFileSync(join(project, "missing.ts"), `import { Actor } from "pulsing";\nimport left from "left-pad-not-installed";\nexport class A extends Actor { go() { return left; } }\nexport default { spawn: [{ actor: A }] };\n`);
    const failed = await run(work, [binary, "node", "--addr", `127.0.0.1:${freePort()}`, "--actors", join(project, "missing.ts")], work, 15_000);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain("Cannot find package 'left-pad-not-installed'");
    expect(failed.err).toContain(`cd ${project} && bun add left-pad-not-installed`);
    expect(failed.err).toContain("--external pulsing");
  },
  60_000,
);
