import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as pulsing from "../index.ts";
import type { Actor, ActorClass, ActorSystem, HostOptions, SpawnOptions } from "../index.ts";

/**
 * What an `--actors` module exports, as its default export or as named ones:
 *
 *   export default {
 *     entities: [Cart, { cls: Room, passivateAfterMs: 60_000 }], // entity kinds hosted here (system.host)
 *     spawnable: [Counter],                                 // others may spawn these here (allowSpawn)
 *     spawn: [{ actor: Counter, name: "counter" }],       // spawned at start, in order
 *     async setup(system) { ... },                          // then called, for anything else
 *   };
 */
export interface ActorsModule {
  entities?: HostedEntity[];
  spawnable?: ActorClass[];
  spawn?: (SpawnOptions & { actor: ActorClass })[];
  setup?(system: ActorSystem): void | Promise<void>;
}

/** An entity kind an actors module hosts: its class (kind: its `static kind`, else its name), or the class with `system.host`'s options. */
export type HostedEntity = ActorClass<Actor, []> | (HostOptions & { cls: ActorClass<Actor, []> });

let installed = false;

/**
 * Lets a module loaded from disk `import { Actor } from "pulsing"` and get this
 * very copy of the library, the one embedded in the executable: one `Actor`
 * class (so `instanceof` holds), one scheduler, no node_modules needed.
 *
 * Every other import of the module resolves as under `bun`: from node_modules in
 * the module's directory or above. In the compiled executable that needs the
 * build flag `--compile-autoload-package-json` (package.json's "build" script):
 * without it the executable's resolver reads no package.json at run time, so a
 * package is found only if its entry point is `index.js` (no "main", no "exports").
 */
export function providePulsing(): void {
  if (installed) return;
  installed = true;
  Bun.plugin({
    name: "pulsing-embedded",
    setup(build) {
      build.module("pulsing", () => ({ exports: pulsing as unknown as Record<string, unknown>, loader: "object" }));
    },
  });
}

export class ActorsModuleError extends Error {
  override readonly name = "ActorsModuleError";
}

/** Imports the module at `path` and checks that it says what to spawn. */
export async function loadActorsModule(path: string): Promise<ActorsModule> {
  providePulsing();
  let exported: Record<string, unknown>;
  try {
    exported = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ActorsModuleError(`cannot load --actors ${path}: ${(error as Error).message}${missingPackageHint(path, error)}`);
  }
  const spec = (typeof exported.default === "object" && exported.default !== null ? exported.default : exported) as Record<string, unknown>;
  const entities = spec.entities ?? [];
  const spawnable = spec.spawnable ?? [];
  const spawn = spec.spawn ?? [];
  const setup = spec.setup;
  checkEntities(path, entities);
  if (!Array.isArray(spawnable)) throw new ActorsModuleError(`${path}: "spawnable" must be an array of classes that extend Actor`);
  spawnable.forEach((actor: unknown, index) => {
    if (typeof actor !== "function" || !(actor.prototype instanceof pulsing.Actor)) {
      throw new ActorsModuleError(`${path}: spawnable[${index}] must be a class that extends Actor (imported from "pulsing")`);
    }
  });
  if (!Array.isArray(spawn)) throw new ActorsModuleError(`${path}: "spawn" must be an array of { actor, name?, args? }`);
  spawn.forEach((entry: unknown, index) => {
    const actor = (entry as { actor?: unknown } | null)?.actor;
    if (typeof actor !== "function" || !(actor.prototype instanceof pulsing.Actor)) {
      throw new ActorsModuleError(`${path}: spawn[${index}].actor must be a class that extends Actor (imported from "pulsing")`);
    }
  });
  if (setup !== undefined && typeof setup !== "function") throw new ActorsModuleError(`${path}: "setup" must be a function`);
  if ((entities as unknown[]).length === 0 && spawnable.length === 0 && spawn.length === 0 && setup === undefined) {
    throw new ActorsModuleError(`${path} exports none of "entities", "spawnable", "spawn" and "setup": nothing to run`);
  }
  return { entities: entities as ActorsModule["entities"], spawnable: spawnable as ActorsModule["spawnable"], spawn: spawn as ActorsModule["spawn"], setup: setup as ActorsModule["setup"] };
}

const isActorClass = (value: unknown): boolean => typeof value === "function" && value.prototype instanceof pulsing.Actor;

/** `entities`: an array of classes, or of `{ cls, ...hostOptions }`; the options themselves are checked by `host`, when the node runs the module. */
function checkEntities(path: string, entities: unknown): asserts entities is HostedEntity[] {
  if (!Array.isArray(entities)) throw new ActorsModuleError(`${path}: "entities" must be an array of entity classes or { cls, kind?, passivateAfterMs?, maxActive?, mailboxCapacity?, placement? }`);
  entities.forEach((entry: unknown, index) => {
    const cls = typeof entry === "function" ? entry : (entry as { cls?: unknown } | null)?.cls;
    if (!isActorClass(cls)) throw new ActorsModuleError(`${path}: entities[${index}] must be a class that extends Entity (imported from "pulsing"), or { cls: that class, ...options }`);
  });
}

/** For a package the module (or one of its files) imports but that is not installed: where it is looked for, and the other way. */
function missingPackageHint(path: string, error: unknown): string {
  const missing = /Cannot find package '([^']+)' imported from (.+)$/m.exec((error as Error | undefined)?.message ?? "");
  if (missing === null) return "";
  const name = missing[1] as string;
  const importer = missing[2] as string;
  return (
    `\n  a package is looked for in node_modules next to the file that imports it, or above: install ${name} there` +
    ` (cd ${dirname(importer)} && bun add ${name}),` +
    `\n  or bundle the module and its packages into one file (everything but "pulsing", which the node provides)` +
    ` and pass that: bun build ${path} --target bun --external pulsing --outfile actors.js`
  );
}

export async function runActorsModule(system: ActorSystem, module: ActorsModule): Promise<void> {
  // Hosted first: the spawned actors and setup can call entities at once.
  for (const entry of module.entities ?? []) {
    if (typeof entry === "function") system.host(entry);
    else {
      const { cls, ...options } = entry;
      system.host(cls, options);
    }
  }
  // Allowed before spawning: a class the module also spawns, or a setup that spawns on other nodes, finds it so.
  system.allowSpawn(...(module.spawnable ?? []));
  for (const { actor, ...options } of module.spawn ?? []) await system.spawn(actor as ActorClass<Actor, unknown[]>, options);
  await module.setup?.(system);
}
