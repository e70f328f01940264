import type { Cell } from "./cell.ts";
import { deadlines, type Lane } from "./deadlines.ts";
import type { DispatchTable, MethodEntry } from "./dispatch.ts";
import { ActorError } from "./errors.ts";
import { clip } from "./log.ts";
import { ASK } from "./message.ts";
import type { ActorRef, ActorStream } from "./types.ts";

// Symbol keys keep a ref's internals from ever shadowing an actor's method names.
const CELL = Symbol("pulsing.cell");
const LANE = Symbol("pulsing.lane"); // the timeout of this ref's asks
const TELLS = Symbol("pulsing.tells");

const RESOLVED: Promise<void> = Promise.resolve();

export const MAX_TIMEOUT_MS = 2_147_483_647; // what setTimeout can wait

export function checkTimeout(timeoutMs: unknown, what = "timeout"): number {
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new ActorError("INVALID_OPTION", `${what} must be a number of milliseconds in 1..${MAX_TIMEOUT_MS}, got ${String(timeoutMs)}`);
  }
  return timeoutMs;
}

function unknownMessage(cell: Cell, type: string): ActorError {
  return new ActorError("UNKNOWN_MESSAGE", `actor ${clip(cell.name ?? cell.id)} has no handler for "${clip(type)}"`);
}

/** The members every local ref has; per-class prototypes add one method per actor method. */
export class LocalRef {
  declare [CELL]: Cell;
  declare [LANE]: Lane;
  declare [TELLS]: object | undefined;

  get $name(): string | undefined {
    return this[CELL].name;
  }

  get $id(): string {
    return this[CELL].id;
  }

  get $tell(): object {
    return (this[TELLS] ??= makeTells(this[CELL]));
  }

  $withTimeout(timeoutMs: number): LocalRef {
    return makeRef(this[CELL], checkTimeout(timeoutMs)) as unknown as LocalRef;
  }

  $ask(msgType: string, payload?: unknown): Promise<unknown> {
    return deliverAsk(this, msgType, payload);
  }

  $send(msgType: string, payload?: unknown): Promise<void> {
    return deliverTell(this, msgType, payload);
  }

  toString(): string {
    return `ActorRef(${this[CELL].name ?? this[CELL].id})`;
  }
}

interface Prototypes {
  ref: object;
  tell: object;
}

const prototypes = new WeakMap<DispatchTable, Prototypes>();

function prototypesOf(table: DispatchTable): Prototypes {
  let protos = prototypes.get(table);
  if (protos !== undefined) return protos;
  const ref = Object.create(LocalRef.prototype) as object;
  const tell = Object.create(null) as object;
  for (const entry of table.methods.values()) {
    Object.defineProperty(ref, entry.name, { value: askMethod(entry), writable: false, enumerable: false });
    Object.defineProperty(tell, entry.name, { value: tellMethod(entry), writable: false, enumerable: false });
  }
  protos = { ref, tell };
  prototypes.set(table, protos);
  return protos;
}

function askMethod(entry: MethodEntry): (this: LocalRef, ...args: unknown[]) => unknown {
  if (entry.kind === "stream") {
    return function (this: LocalRef, ...args: unknown[]) {
      return this[CELL].openStream(entry, args, this[LANE]);
    };
  }
  const name = entry.name;
  return function (this: LocalRef, ...args: unknown[]) {
    return this[CELL].ask(ASK, name, entry, args, this[LANE]);
  };
}

function tellMethod(entry: MethodEntry): (this: { [CELL]: Cell }, ...args: unknown[]) => Promise<void> {
  const name = entry.name;
  if (entry.kind === "stream") {
    return function (this: { [CELL]: Cell }) {
      this[CELL].deadLetter(name, "a stream method cannot be told; iterate it");
      return RESOLVED;
    };
  }
  return function (this: { [CELL]: Cell }, ...args: unknown[]) {
    return this[CELL].tell(name, entry, args);
  };
}

function makeTells(cell: Cell): object {
  const tells = Object.create(prototypesOf(cell.table).tell) as { [CELL]: Cell };
  tells[CELL] = cell;
  return tells;
}

export function makeRef<T>(cell: Cell, timeoutMs: number): ActorRef<T> {
  const ref = Object.create(prototypesOf(cell.table).ref) as LocalRef;
  ref[CELL] = cell;
  ref[LANE] = deadlines.lane(timeoutMs);
  return ref as unknown as ActorRef<T>;
}

/** The timeout lane of a cell's own ref: the node's ask timeout, for calls that bring none. */
export function defaultLaneOf(cell: Cell): Lane {
  return (cell.ref as LocalRef)[LANE];
}

/** The cell behind a ref made by this runtime, or undefined for anything else. */
export function cellOf(value: unknown): Cell | undefined {
  return value instanceof LocalRef ? value[CELL] : undefined;
}

/**
 * The lane of a timeout that came from outside (a link, a header). Rounded up
 * to two significant digits: a peer sending ever-different timeouts cannot make
 * the runtime keep a lane for each (a few hundred at most).
 */
export function laneOf(timeoutMs: number): Lane {
  const exact = checkTimeout(timeoutMs);
  const step = 10 ** Math.max(0, Math.floor(Math.log10(exact)) - 1);
  return deadlines.lane(Math.min(MAX_TIMEOUT_MS, Math.ceil(exact / step) * step));
}

/** How a message arrives by type and payload (`$ask`, the wire): what handles it, or why nothing can. */
function route(cell: Cell, type: unknown, payload: unknown): MethodEntry | undefined {
  if (typeof type !== "string") throw new ActorError("BAD_REQUEST", "a message type must be a string");
  const entry = cell.table.methods.get(type);
  if (entry !== undefined) {
    // No payload means no arguments; msgpack carries a missing payload as nil.
    if (payload !== undefined && payload !== null && !Array.isArray(payload)) {
      throw new ActorError("BAD_REQUEST", `the payload of method "${type}" must be its argument array`);
    }
    return entry;
  }
  if (cell.table.receive === undefined) throw unknownMessage(cell, type);
  return undefined; // receive handles it
}

/** A message by type and payload, resolved against a local actor: its cell, its handler, its arguments. */
export interface Addressed {
  readonly cell: Cell;
  /** Undefined when `receive` handles it. */
  readonly entry: MethodEntry | undefined;
  /** The method's argument array, or `receive`'s payload. */
  readonly args: unknown;
}

function addressed(ref: unknown, type: unknown, payload: unknown): Addressed {
  const cell = cellOf(ref);
  if (cell === undefined) throw new ActorError("ACTOR_NOT_FOUND", "not a ref of this runtime");
  return addressedAt(cell, type, payload);
}

/** A message by type and payload, resolved against `cell`; throws an ActorError when nothing can handle it. */
export function addressedAt(cell: Cell, type: unknown, payload: unknown): Addressed {
  const entry = route(cell, type, payload);
  return { cell, entry, args: entry === undefined ? payload : (payload ?? []) };
}

/** What a message by type and payload turned into: a reply to wait for, or a stream to read. */
export type Delivery = { readonly stream: false; readonly result: Promise<unknown> } | { readonly stream: true; readonly items: ActorStream<unknown> };

/**
 * Delivers a message by type and payload, as `$ask` and every transport do
 * (`timeout`: a lane from `laneOf` for a timeout that came from outside): a
 * method gets the payload as its argument array, anything else goes to
 * `receive`. Throws an ActorError when nothing can handle it.
 */
export function deliver(ref: unknown, type: unknown, payload: unknown, timeout?: Lane): Delivery {
  const { cell, entry, args } = addressed(ref, type, payload);
  const lane = timeout ?? (ref as LocalRef)[LANE];
  if (entry?.kind === "stream") return { stream: true, items: cell.openStream(entry, args as unknown[], lane) as ActorStream<unknown> };
  return { stream: false, result: cell.ask(ASK, type as string, entry, args, lane) };
}

/** `deliver` for an ask that must not be a stream (`$ask`): a stream method is refused, its generator never started. */
export function deliverAsk(ref: unknown, type: unknown, payload: unknown, timeout?: Lane): Promise<unknown> {
  try {
    const delivery = deliver(ref, type, payload, timeout);
    if (!delivery.stream) return delivery.result;
    void delivery.items.return();
    throw new ActorError("BAD_REQUEST", `"${String(type)}" is a stream: call it as a method and iterate it`);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Where `deliverInto` sends a reply: shared functions told which message by `tag`. */
export interface ReplySink {
  resolve(value: unknown, tag: number): void;
  reject(error: unknown, tag: number): void;
}

/** The tell form of `deliver`; what cannot be delivered is logged as a dead letter. */
export function deliverTell(ref: unknown, type: unknown, payload: unknown): Promise<void> {
  const cell = cellOf(ref);
  if (cell === undefined) return RESOLVED;
  let message: Addressed;
  try {
    message = addressed(ref, type, payload);
  } catch (error) {
    cell.deadLetter(clip(type), (error as ActorError).code === "UNKNOWN_MESSAGE" ? "no handler" : (error as Error).message);
    return RESOLVED;
  }
  if (message.entry?.kind === "stream") {
    cell.deadLetter(message.entry.name, "a stream method cannot be told; iterate it");
    return RESOLVED;
  }
  return cell.tell(type as string, message.entry, message.args);
}
