import { ActorError, clip, type NetworkActor } from "../actor/index.ts";

/**
 * How a caller outside the cluster wants its call routed when the node it
 * reached does not decide alone: the same choices `resolve` offers in process.
 * Unchecked text: the node that locates the actor validates it.
 */
export interface RouteHints {
  /** A load-balancing policy by name (round-robin, random, power-of-two, consistent-hash). */
  readonly policy?: string;
  /** The key for consistent hashing. */
  readonly key?: string;
  /** A node to call, by node id or `host:port`. */
  readonly node?: string;
  /** How long to wait for the name to appear in the cluster, in ms. */
  readonly waitMs?: number;
}

/**
 * Where a call from outside the cluster goes: an actor here, one forwarded to
 * its node, or the coded reason there is none.
 */
export type Locate = (name: string, hints: RouteHints) => NetworkActor | ActorError;

export const NO_HINTS: RouteHints = Object.freeze({});

/** How an entity's address starts on a link (the entity layer's `ENTITY_PREFIX`; actor names cannot hold `#`). */
const ENTITY_TARGET = "#";

/** The longest hint value taken: keys and node ids are short; anything longer is a mistake or an attack. */
const MAX_HINT_LENGTH = 256;

/** The name of each hint as a query parameter, and as an HTTP header. */
export const HINT_PARAMS = { policy: "policy", key: "key", node: "node", waitMs: "wait_ms" } as const;
export const HINT_HEADERS = { policy: "x-policy", key: "x-policy-key", node: "x-node", waitMs: "x-wait-ms" } as const;

function checkedText(value: string, label: string): string {
  if (value.length === 0 || value.length > MAX_HINT_LENGTH) throw new ActorError("INVALID_OPTION", `${label} must be 1 to ${MAX_HINT_LENGTH} characters`);
  return value;
}

/** A wait in ms from text: a non-negative number, or INVALID_OPTION. */
function waitOf(value: string, label: string): number {
  const ms = Number(value);
  if (value.trim() === "" || !Number.isFinite(ms) || ms < 0) throw new ActorError("INVALID_OPTION", `${label} must be a non-negative number of milliseconds, got ${clip(value, 32)}`);
  return ms;
}

/**
 * Hints from whatever carries them (`read` gives a hint's text by its header
 * and query names, header first); the shared object when there are none, so
 * the common call allocates nothing.
 */
export function readHints(read: (header: string, param: string) => string | undefined): RouteHints {
  const policy = read(HINT_HEADERS.policy, HINT_PARAMS.policy);
  const key = read(HINT_HEADERS.key, HINT_PARAMS.key);
  const node = read(HINT_HEADERS.node, HINT_PARAMS.node);
  const wait = read(HINT_HEADERS.waitMs, HINT_PARAMS.waitMs);
  if (policy === undefined && key === undefined && node === undefined && wait === undefined) return NO_HINTS;
  return {
    ...(policy === undefined ? {} : { policy: checkedText(policy, "policy") }),
    ...(key === undefined ? {} : { key: checkedText(key, "key") }),
    ...(node === undefined ? {} : { node: checkedText(node, "node") }),
    ...(wait === undefined ? {} : { waitMs: waitOf(wait, "wait_ms") }),
  };
}

/**
 * A link call's target as an out-of-cluster client writes it: the actor's
 * name, then its hints as a query (`svc/counter?policy=consistent-hash&key=7`).
 * Names cannot hold `?`, so a plain name has no hints. An entity's address
 * (`#kind/key`) takes none either: its key decides the node, and may hold `?`.
 */
export function splitTarget(target: string): { name: string; hints: RouteHints } {
  const query = target.startsWith(ENTITY_TARGET) ? -1 : target.indexOf("?");
  if (query < 0) return { name: target, hints: NO_HINTS };
  const params = new URLSearchParams(target.slice(query + 1));
  return { name: target.slice(0, query), hints: readHints((_header, param) => params.get(param) ?? undefined) };
}

/**
 * The link target for a name and its hints (the client's side of
 * `splitTarget`); the hints are checked as the gateway will check them, so a
 * bad one fails here, at once.
 */
export function joinTarget(name: string, hints: RouteHints): string {
  for (const [label, value] of [["policy", hints.policy], ["key", hints.key], ["node", hints.node]] as const) if (value !== undefined) checkedText(value, label);
  if (hints.waitMs !== undefined && !(hints.waitMs >= 0)) throw new ActorError("INVALID_OPTION", `the wait must be a non-negative number of milliseconds, got ${hints.waitMs}`);
  const params = new URLSearchParams();
  if (hints.policy !== undefined) params.set(HINT_PARAMS.policy, hints.policy);
  if (hints.key !== undefined) params.set(HINT_PARAMS.key, hints.key);
  if (hints.node !== undefined) params.set(HINT_PARAMS.node, hints.node);
  if (hints.waitMs !== undefined) params.set(HINT_PARAMS.waitMs, String(hints.waitMs));
  const query = params.toString();
  return query === "" ? name : `${name}?${query}`;
}
