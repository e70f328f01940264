#!/usr/bin/env bun
/**
 * The import check (docs: ../shared/docs/design.md, "Layout"): every folder of
 * src/ is a layer whose index.ts is its public surface.
 *
 * - A file imports another folder only through that folder's index.ts.
 * - A folder imports only the folders its arrow allows (ARROWS below).
 * - No index.ts uses `export *`: a public surface names what it exports.
 *
 * Every static `import … from "…"` and `export … from "…"` counts, type-only
 * ones too (a type is a dependency as much as a value). `import()` at run time
 * does not. Imports of packages, and of files outside src/, are not checked.
 *
 * `bun scripts/check-imports.ts` prints the violations and exits 1 if there are
 * any; test/architecture.test.ts runs the same check against its list of known ones.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** src/index.ts: the library's public API, the facade. It may re-export any folder's index. */
export const FACADE = "index";

/**
 * The allowed imports, folder → the folders it may import (docs/architecture.md,
 * "Folders and arrows"; the second wave's from ../shared/docs/design.md). A layer
 * never imports one above it. Written for the target shape: the edges the code
 * still has against it are the known violations of test/architecture.test.ts.
 */
export const ARROWS: Readonly<Record<string, readonly string[]>> = {
  // OpenTelemetry spans and W3C trace context: cross-cutting, so below everything that makes or carries spans.
  trace: [],
  actor: ["trace"],
  wire: [],
  cluster: ["wire"],
  transport: ["actor", "wire", "trace"],
  system: ["actor", "cluster", "transport", "wire", "entity", "store", "trace"],
  // A node extension the composer adds; reads the system through its view. The system never imports ops.
  ops: ["system", "cluster"],
  // The second wave.
  entity: ["actor", "cluster", "store", "wire", "trace"],
  store: ["wire"],
  client: ["transport", "actor", "wire"],
  // The executable: the library as its users see it.
  cli: [FACADE, "system", "actor", "client", "trace"],
  // The facade: any layer's index.
  [FACADE]: ["actor", "wire", "cluster", "transport", "system", "ops", "entity", "store", "client", "trace"],
};

/** The arrows, one line per folder, for messages. */
export function formatArrows(): string {
  const width = Math.max(...Object.keys(ARROWS).map((folder) => label(folder).length));
  return Object.entries(ARROWS)
    .map(([folder, allowed]) => `  ${label(folder).padEnd(width)} → ${allowed.length === 0 ? "(nothing)" : allowed.map(label).join(", ")}`)
    .join("\n");
}

const label = (folder: string) => (folder === FACADE ? "src/index.ts" : folder);

export interface Import {
  /** The importing file, relative to the repository root, with forward slashes. */
  from: string;
  line: number;
  /** The specifier as written. */
  specifier: string;
  /** The imported file relative to the root, for a relative specifier. */
  to?: string;
  /** `export * from`. */
  star: boolean;
}

export interface Violation {
  /** Stable across edits elsewhere in a file: what a list of known violations holds. */
  key: string;
  /** Where it happens. */
  where: string[];
}

// A statement starting a line: `import`/`export`, then anything up to `from "x"`
// (across lines; no string or `;` in between), or a bare `import "x"`.
const STATEMENT = /^[ \t]*(import|export)\b([^;'"`]*?)\bfrom\s*(["'])([^"'\n]+)\3|^[ \t]*import\s*(["'])([^"'\n]+)\5/gm;

/** The static imports and re-exports of one file's text. */
export function importsOf(text: string): { line: number; specifier: string; star: boolean }[] {
  const found: { line: number; specifier: string; star: boolean }[] = [];
  for (const match of text.matchAll(STATEMENT)) {
    const specifier = (match[4] ?? match[6]) as string;
    const line = text.slice(0, match.index).split("\n").length;
    found.push({ line, specifier, star: match[1] === "export" && /^\s*\*/.test(match[2] ?? "") });
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

const slash = (path: string) => path.split(sep).join("/");

/** Every import of every file under `root`/src. */
export function scan(root: string): Import[] {
  const src = join(root, "src");
  return sourceFiles(src).flatMap((file) =>
    importsOf(readFileSync(file, "utf8")).map(({ line, specifier, star }) => {
      const from = slash(relative(root, file));
      if (!specifier.startsWith(".")) return { from, line, specifier, star };
      return { from, line, specifier, star, to: slash(relative(root, resolve(dirname(file), specifier))) };
    }),
  );
}

/** The folder of src/ a path is in: "actor" for src/actor/x.ts, FACADE for src/index.ts, undefined outside src/. */
export function folderOf(path: string): string | undefined {
  const parts = path.split("/");
  if (parts[0] !== "src") return undefined;
  if (parts.length === 2) return parts[1] === "index.ts" ? FACADE : `src/${parts[1]}`;
  return parts[1];
}

/** What breaks the rules, one entry per deep import, per edge against the arrows, per `export *`. */
export function violations(root: string): Violation[] {
  const found = new Map<string, string[]>();
  const add = (key: string, where: string) => {
    const list = found.get(key) ?? [];
    list.push(where);
    found.set(key, list);
  };
  for (const { from, line, specifier, to, star } of scan(root)) {
    const at = `${from}:${line} ${specifier}`;
    const fromFolder = folderOf(from);
    if (star && from.endsWith("/index.ts")) add(`export * in ${from}`, at);
    if (to === undefined || fromFolder === undefined) continue;
    const toFolder = folderOf(to);
    if (toFolder === undefined || toFolder === fromFolder) continue;
    if (toFolder !== FACADE && to !== `src/${toFolder}/index.ts`) add(`past the index: ${from} → ${to}`, at);
    if (!(ARROWS[fromFolder] ?? []).includes(toFolder)) add(`against the arrows: ${label(fromFolder)} → ${label(toFolder)}`, at);
  }
  return [...found].map(([key, where]) => ({ key, where })).sort((a, b) => a.key.localeCompare(b.key));
}

if (import.meta.main) {
  const root = resolve(import.meta.dir, "..");
  const found = violations(root);
  if (found.length === 0) {
    console.log("imports: as the arrows allow");
    process.exit(0);
  }
  console.log(`${found.length} import violations:\n`);
  for (const { key, where } of found) console.log(`${key}\n${where.map((w) => `    ${w}`).join("\n")}`);
  console.log(`\nallowed arrows:\n${formatArrows()}`);
  process.exit(1);
}
