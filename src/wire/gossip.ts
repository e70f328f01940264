/**
 * The cluster protocol on `POST /cluster/gossip`: one msgpack-encoded message
 * per request. Its message kinds, tuple layouts and bounds are defined here and
 * nowhere else; the cluster imports them, and the validator below is built from
 * the same types, so what nodes send and what they accept cannot drift apart.
 * docs/cluster.md describes the messages.
 */
export const GOSSIP_PATH = "/cluster/gossip";
export const GOSSIP_VERSION_HEADER = "x-pulsing-gossip";
export const GOSSIP_VERSION = 1;

/**
 * The highest incarnation (and names version) a message may carry, and so the
 * highest a node sends. Not 2^53 - 1: a member accused at that one refuted with
 * 2^53, not a safe integer, which every node refused.
 */
export const MAX_INCARNATION = 2 ** 52;

// ---- updates: what gossip spreads, piggybacked on every message ---------------

export const ALIVE = 0;
export const SUSPECT = 1;
export const DEAD = 2;
export const LEFT = 3;
export const NAMES = 4;

export type AliveUpdate = [kind: typeof ALIVE, id: string, addr: string, incarnation: number];
export type SuspectUpdate = [kind: typeof SUSPECT, id: string, incarnation: number, from: string];
export type DeadUpdate = [kind: typeof DEAD, id: string, incarnation: number, from: string];
export type LeftUpdate = [kind: typeof LEFT, id: string, incarnation: number];
/** A node's named actors, whole; a newer version replaces an older one. */
export type NamesUpdate = [kind: typeof NAMES, id: string, version: number, names: string[]];

/** What SWIM membership itself spreads. */
export type MemberUpdate = AliveUpdate | SuspectUpdate | DeadUpdate | LeftUpdate;
/** What membership carries for the layer above it (its delegate): the registry's names. */
export type DelegateUpdate = NamesUpdate;
export type Update = MemberUpdate | DelegateUpdate;
export type UpdateKind = Update[0];

export function isMemberUpdate(update: Update): update is MemberUpdate {
  return update[0] !== NAMES;
}

// ---- messages ---------------------------------------------------------------

export const PING = 0;
export const ACK = 1;
export const PING_REQ = 2;
export const GOSSIP = 3;
export const SYNC = 4;
export const SYNC_REPLY = 5;

/** A direct probe. `target` is the id probed: a new node at an old address does not answer for the old one. */
export type PingMessage = [kind: typeof PING, seq: number, from: string, fromAddr: string, target: string, updates: Update[]];
export type AckMessage = [kind: typeof ACK, seq: number, from: string, updates: Update[]];
/** Asks `from`'s helper to probe `target` at `targetAddr` and pass the ack back. */
export type PingReqMessage = [kind: typeof PING_REQ, seq: number, from: string, fromAddr: string, target: string, targetAddr: string, updates: Update[]];
export type GossipOnlyMessage = [kind: typeof GOSSIP, from: string, updates: Update[]];
/** Push-pull anti-entropy and joining: the sender's whole state, members and its delegate's. */
export type SyncMessage = [kind: typeof SYNC, from: string, fromAddr: string, members: MemberUpdate[], names: NamesUpdate[]];
export type SyncReplyMessage = [kind: typeof SYNC_REPLY, from: string, members: MemberUpdate[], names: NamesUpdate[]];

export type GossipMessage = PingMessage | AckMessage | PingReqMessage | GossipOnlyMessage | SyncMessage | SyncReplyMessage;
export type GossipKind = GossipMessage[0];

// ---- the validator: a guard per element of each tuple type ---------------------

type Guard<T> = (value: unknown) => value is T;
/** One guard per element of a tuple type: change a type above and this file stops compiling until its check follows. */
type Shape<T extends readonly unknown[]> = { readonly [K in keyof T]: Guard<T[K]> };
/** A guard per kind, for a union of tuples whose first element is their kind. */
type Guards<U extends readonly [number, ...unknown[]]> = { readonly [K in U[0]]: Guard<Extract<U, readonly [K, ...unknown[]]>> };

const text = (v: unknown): v is string => typeof v === "string" && v.length > 0 && v.length <= 512;
const count = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const incarnation = (v: unknown): v is number => count(v) && v <= MAX_INCARNATION;
const kind =
  <K extends number>(k: K): Guard<K> =>
  (v): v is K =>
    v === k;

function tuple<T extends readonly unknown[]>(shape: Shape<T>): Guard<T> {
  const checks = shape as unknown as readonly Guard<unknown>[];
  return (v): v is T => {
    if (!Array.isArray(v) || v.length !== checks.length) return false;
    for (let i = 0; i < checks.length; i++) if (!(checks[i] as Guard<unknown>)(v[i])) return false;
    return true;
  };
}

function arrayOf<T>(item: Guard<T>): Guard<T[]> {
  return (v): v is T[] => {
    if (!Array.isArray(v)) return false;
    for (const element of v) if (!item(element)) return false;
    return true;
  };
}

/** The guard for the tuple whose first element names it, or undefined for an unknown kind. */
function byKind<U extends readonly [number, ...unknown[]]>(guards: Guards<U>, value: unknown[]): Guard<U> | undefined {
  const k = value[0];
  return typeof k === "number" && Object.hasOwn(guards, k) ? (guards as unknown as Record<number, Guard<U>>)[k] : undefined;
}

const UPDATE_GUARDS: Guards<Update> = {
  [ALIVE]: tuple<AliveUpdate>([kind(ALIVE), text, text, incarnation]),
  [SUSPECT]: tuple<SuspectUpdate>([kind(SUSPECT), text, incarnation, text]),
  [DEAD]: tuple<DeadUpdate>([kind(DEAD), text, incarnation, text]),
  [LEFT]: tuple<LeftUpdate>([kind(LEFT), text, incarnation]),
  [NAMES]: tuple<NamesUpdate>([kind(NAMES), text, incarnation, arrayOf(text)]),
};

export function isUpdate(value: unknown): value is Update {
  return Array.isArray(value) && byKind(UPDATE_GUARDS, value)?.(value) === true;
}

const isMemberUpdateValue = (value: unknown): value is MemberUpdate => isUpdate(value) && isMemberUpdate(value);
const updates = arrayOf(isUpdate);
const memberUpdates = arrayOf(isMemberUpdateValue);
const namesUpdates = arrayOf(UPDATE_GUARDS[NAMES]);

const MESSAGE_GUARDS: Guards<GossipMessage> = {
  [PING]: tuple<PingMessage>([kind(PING), count, text, text, text, updates]),
  [ACK]: tuple<AckMessage>([kind(ACK), count, text, updates]),
  [PING_REQ]: tuple<PingReqMessage>([kind(PING_REQ), count, text, text, text, text, updates]),
  [GOSSIP]: tuple<GossipOnlyMessage>([kind(GOSSIP), text, updates]),
  [SYNC]: tuple<SyncMessage>([kind(SYNC), text, text, memberUpdates, namesUpdates]),
  [SYNC_REPLY]: tuple<SyncReplyMessage>([kind(SYNC_REPLY), text, memberUpdates, namesUpdates]),
};

/** Says what is wrong with a decoded gossip message, or undefined when it is a `GossipMessage`. */
export function gossipProblem(m: unknown): string | undefined {
  if (!Array.isArray(m)) return "a gossip message is an array";
  const guard = byKind(MESSAGE_GUARDS, m);
  if (guard === undefined) return `unknown gossip message kind ${typeof m[0] === "number" ? m[0] : `of type ${typeof m[0]}`}`;
  return guard(m) ? undefined : `malformed gossip message of kind ${m[0]}`;
}

/** Whether a decoded value is a well-formed gossip message (`gossipProblem` says why not). */
export function isGossipMessage(m: unknown): m is GossipMessage {
  return gossipProblem(m) === undefined;
}
