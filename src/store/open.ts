import { join } from "node:path";
import { PostgresStore } from "./postgres-store.ts";
import { SqliteStore } from "./sqlite-store.ts";
import type { EntityStore } from "./store.ts";
import { StoreError } from "./values.ts";

export const DEFAULT_DATA_DIR = "./pulsing-data";

/** The store a node uses, with what it is for logs and errors (never a password). */
export interface OpenedStore {
  readonly store: EntityStore;
  /** "sqlite <path>" or "postgres <host:port/database>". */
  readonly description: string;
}

/**
 * The store for `--store` / PULSING_STORE and `--data-dir`: a postgres:// or
 * postgresql:// URL opens a PostgresStore (connecting on first use); none (or
 * "sqlite") opens the embedded SqliteStore at `<dataDir>/pulsing.db`, creating
 * the directory. Anything else is an INVALID StoreError.
 */
export function openStore(spec: string | undefined, dataDir: string = DEFAULT_DATA_DIR): EntityStore {
  return openStoreDescribed(spec, dataDir).store;
}

/** openStore, with a description of what was opened. */
export function openStoreDescribed(spec: string | undefined, dataDir: string = DEFAULT_DATA_DIR): OpenedStore {
  const text = spec?.trim() ?? "";
  if (/^postgres(ql)?:\/\//i.test(text)) {
    return { store: new PostgresStore({ url: text }), description: `postgres ${redact(text)}` };
  }
  if (text === "" || text.toLowerCase() === "sqlite") {
    if (typeof dataDir !== "string" || dataDir === "") throw new StoreError("INVALID", "the data directory must be a path");
    const path = join(dataDir, "pulsing.db");
    return { store: new SqliteStore({ path }), description: `sqlite ${path}` };
  }
  throw new StoreError("INVALID", `unknown store ${JSON.stringify(redact(text))}: give a postgres:// or postgresql:// URL, or nothing for SQLite in the data directory`);
}

/** host:port/database of a URL, without its user and password. */
function redact(spec: string): string {
  try {
    const url = new URL(spec);
    return `${url.host}${url.pathname}`;
  } catch {
    return spec.replace(/\/\/[^@/]*@/, "//");
  }
}
