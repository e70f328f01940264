import type { Cell } from "./cell.ts";
import { deadlines, type Lane } from "./deadlines.ts";
import type { DispatchTable, MethodEntry } from "./dispatch.ts";
import { ActorError } from "./errors.ts";
import { clip } from "./log.ts";
import { ASK } from "./message.ts";
import { LANE, RefBase, TARGET, WITH_LANE } from "./ref-base.ts";
import type { MessageTarget } from "./target.ts";
import type { ActorRef, ActorStream } from "./types.ts";

const CELL = Symbol("pulsing.cell");
const TELLS = Symbol("pulsing.tells");

const RESOLVED: Promise<void> = Promise.resolve();

function unknownMessage(cell: Cell, type: string): ActorError {
  return new ActorError("UNKNOWN_MESSAGE", `actor ${clip(cell.name ?? cell.id)} has no handler for "${clip(type)}"`);
}

/** A local actor's ref: the `$` members of every ref, over its cell; per-class prototypes add one method per actor method. */
export class LocalRef extends RefBase {
  declare [CELL]: Cell;
  declare [TELLS]: object | undefined;

  get [TARGET](): MessageTarget {
    return this[CELL].port;
  }

  [WITH_LANE](lane: Lane): RefBase {
    return refOnLane(this[CELL], lane);
  }

  get $tell(): object {
    return (this[TELLS] ??= makeTells(this[CELL]));
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
  return refOnLane(cell, deadlines.lane(timeoutMs)) as unknown as ActorRef<T>;
}

function refOnLane(cell: Cell, lane: Lane): LocalRef {
  const ref = Object.create(prototypesOf(cell.table).ref) as LocalRef;
  ref[CELL] = cell;
  ref[LANE] = lane;
  return ref;
}

/** The timeout lane of a cell's own ref: the node's ask timeout, for calls that bring none. */
export function defaultLaneOf(cell: Cell): Lane {
  return (cell.ref as LocalRef)[LANE];
}

/** The cell behind a ref made by this runtime, or undefined for anything else. */
export function cellOf(value: unknown): Cell | undefined {
  return value instanceof LocalRef ? value[CELL] : undefined;
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

/** A message by type and payload, resolved against `cell`; throws an ActorError when nothing can handle it. */
export function addressedAt(cell: Cell, type: unknown, payload: unknown): Addressed {
  const entry = route(cell, type, payload);
  return { cell, entry, args: entry === undefined ? payload : (payload ?? []) };
}

/** What a message by type and payload turned into: a reply to wait for, or a stream to read. */
export type Delivery = { readonly stream: false; readonly result: Promise<unknown> } | { readonly stream: true; readonly items: ActorStream<unknown> };

/**
 * Delivers a message by type and payload to `cell`, as `$ask` and routed refs
 * do: a method gets the payload as its argument array, anything else goes to
 * `receive`. Throws an ActorError when nothing can handle it.
 */
export function deliver(cell: Cell, type: unknown, payload: unknown, lane: Lane): Delivery {
  const { entry, args } = addressedAt(cell, type, payload);
  if (entry?.kind === "stream") return { stream: true, items: cell.openStream(entry, args as unknown[], lane) as ActorStream<unknown> };
  return { stream: false, result: cell.ask(ASK, type as string, entry, args, lane) };
}

/** `deliver` for an ask that must not be a stream (`$ask`): a stream method is refused, its generator never started. */
export function deliverAsk(cell: Cell, type: unknown, payload: unknown, lane: Lane): Promise<unknown> {
  try {
    const delivery = deliver(cell, type, payload, lane);
    if (!delivery.stream) return delivery.result;
    void delivery.items.return();
    throw new ActorError("BAD_REQUEST", `"${clip(String(type))}" is a stream: call it as a method and iterate it`);
  } catch (error) {
    cell.refused(error);
    return Promise.reject(error);
  }
}

/** Where `deliverInto` sends a reply: shared functions told which message by `tag`. */
export interface ReplySink {
  resolve(value: unknown, tag: number): void;
  reject(error: unknown, tag: number): void;
}

/** The tell form of `deliver`; what cannot be delivered is logged as a dead letter. */
export function deliverTell(cell: Cell, type: unknown, payload: unknown): Promise<void> {
  let message: Addressed;
  try {
    message = addressedAt(cell, type, payload);
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
