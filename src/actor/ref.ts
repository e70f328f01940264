import type { Cell } from "./cell.ts";
import { deadlines, type Lane } from "./deadlines.ts";
import type { DispatchTable, MethodEntry } from "./dispatch.ts";
import { ActorError } from "./errors.ts";
import { ASK } from "./message.ts";
import type { ActorRef } from "./types.ts";

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
  return new ActorError("UNKNOWN_MESSAGE", `actor ${cell.name ?? cell.id} has no handler for "${type}"`);
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
    const cell = this[CELL];
    if (typeof msgType !== "string") return Promise.reject(new ActorError("BAD_REQUEST", "a message type must be a string"));
    const entry = cell.table.methods.get(msgType);
    if (entry !== undefined) {
      if (payload !== undefined && !Array.isArray(payload)) {
        return Promise.reject(new ActorError("BAD_REQUEST", `the payload of method "${msgType}" must be its argument array`));
      }
      if (entry.kind === "stream") {
        return Promise.reject(new ActorError("BAD_REQUEST", `"${msgType}" is a stream: call it as a method and iterate it`));
      }
      return cell.ask(ASK, msgType, entry, payload ?? [], this[LANE]);
    }
    if (cell.table.receive === undefined) return Promise.reject(unknownMessage(cell, msgType));
    return cell.ask(ASK, msgType, undefined, payload, this[LANE]);
  }

  $send(msgType: string, payload?: unknown): Promise<void> {
    const cell = this[CELL];
    const entry = typeof msgType === "string" ? cell.table.methods.get(msgType) : undefined;
    // A fire-and-forget send has no caller to reject: what cannot be delivered is logged, never dropped silently.
    let problem: string | undefined;
    if (typeof msgType !== "string") problem = "message type is not a string";
    else if (entry === undefined) problem = cell.table.receive === undefined ? "no handler" : undefined;
    else if (entry.kind === "stream") problem = "a stream method cannot be told; iterate it";
    else if (payload !== undefined && !Array.isArray(payload)) problem = "the payload of a method must be its argument array";
    if (problem !== undefined) {
      cell.deadLetter(String(msgType), problem);
      return RESOLVED;
    }
    return cell.tell(msgType, entry, entry === undefined ? payload : (payload ?? []));
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

/** The cell behind a ref made by this runtime, or undefined for anything else. */
export function cellOf(value: unknown): Cell | undefined {
  return value instanceof LocalRef ? value[CELL] : undefined;
}
