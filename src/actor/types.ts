import type { Actor } from "./actor.ts";
import type { ActorError } from "./errors.ts";
import type { StandardSchemaV1 } from "./standard-schema.ts";
import type { SupervisionOptions } from "./supervision.ts";

// biome-ignore lint: `any` is needed to match every function signature in conditional types.
type AnyFunction = (...args: any[]) => unknown;

/** Names a message can never reach (see dispatch.ts); the ref types hide them too. */
type ReservedName = keyof Actor | "constructor" | "receive" | "then" | "catch" | "finally" | "toJSON";

/**
 * The keys of T a message may name. Filtering by key alone (not by the member's
 * type) keeps the mapped types below homomorphic, which is what lets
 * `this.ref.method()` type-check inside the actor's own class.
 */
type MessageKey<K> = K extends string ? (K extends ReservedName | `_${string}` | `$${string}` ? never : K) : never;

/** The public methods of an actor class: what its ref exposes. */
export type MethodName<T> = {
  [K in keyof T]-?: MessageKey<K> extends never ? never : T[K] extends AnyFunction ? K : never;
}[keyof T];

/** An async-generator method becomes a stream; any other method an ask. */
export type RefMethod<F> = F extends (...args: infer A) => infer R
  ? [R] extends [never]
    ? (...args: A) => Promise<never> // a method that only throws is still an ask
    : R extends AsyncGenerator<infer Y, unknown, unknown>
      ? (...args: A) => ActorStream<Y>
      : (...args: A) => Promise<Awaited<R>>
  : never;

/** A stream method has no tell form: its items need a reader. */
export type TellMethod<F> = F extends (...args: infer A) => infer R
  ? [R] extends [never]
    ? (...args: A) => Promise<void>
    : R extends AsyncGenerator<unknown, unknown, unknown>
      ? never
      : (...args: A) => Promise<void>
  : never;

/**
 * The items of a streaming method. Leaving a `for await` early (break, return,
 * throw) ends the producer: its generator's `finally` runs in the actor.
 */
export interface ActorStream<T> extends AsyncIterableIterator<T> {
  return(): Promise<IteratorResult<T>>;
}

/** Fire-and-forget views of T's methods. Data members map to `never`: not callable. */
export type TellRef<T> = { readonly [K in keyof T as MessageKey<K>]: TellMethod<T[K]> };

export interface RefBase<T> {
  /** The actor's name, or undefined for an anonymous actor. */
  readonly $name: string | undefined;
  /** The actor's id, unique in its system. */
  readonly $id: string;
  /** Fire-and-forget: `ref.$tell.inc(1)`. Resolves once the mailbox took the message. */
  readonly $tell: TellRef<T>;
  /** The same ref with another timeout for its asks and stream steps. */
  $withTimeout(timeoutMs: number): ActorRef<T>;
  /** A message-style ask: a method by that name, or else the actor's `receive(msgType, payload)`. */
  $ask<R = unknown>(msgType: string, payload?: unknown): Promise<R>;
  /** A message-style tell. */
  $send(msgType: string, payload?: unknown): Promise<void>;
}

/** A typed, location-transparent handle on an actor: every public method is an ask. */
export type ActorRef<T> = RefBase<T> & { readonly [K in keyof T as MessageKey<K>]: RefMethod<T[K]> };

/** Why an actor stopped, as watchers are told. */
export type StopReason = "normal" | "failed" | "killed" | "shutdown";

export interface StopEvent {
  readonly name: string | undefined;
  readonly id: string;
  readonly reason: StopReason;
  /** For `failed`: what made it fail. */
  readonly error?: ActorError;
}

/** A method's argument array. */
type ArgumentsOf<F> = F extends (...args: infer A) => unknown ? A : never;

/** An actor with `receive` takes any message type: each may have a schema, and `receive` one for all the rest. */
type ReceiveSchemas<T> = T extends { receive: AnyFunction } ? { readonly [msgType: string]: StandardSchemaV1 } : unknown;

/**
 * What an actor class may declare as `static schemas`: per message method, a
 * Standard Schema of its argument array whose output is that array (so the
 * handler's parameter types hold); for a class with `receive`, per message type
 * it handles, a schema of the payload. Checked on messages from the network
 * only (see docs/actors.md, Validated arguments).
 */
export type ActorSchemas<T> = {
  readonly [K in keyof T as MessageKey<K>]?: T[K] extends AnyFunction ? StandardSchemaV1<unknown, ArgumentsOf<T[K]>> : never;
} & ReceiveSchemas<T>;

/** An actor class: its constructor, and the schemas it may declare for messages from the network. */
export type ActorClass<T extends Actor = Actor, A extends unknown[] = never[]> = (new (...args: A) => T) & { readonly schemas?: ActorSchemas<T> };

export interface SpawnOptions<A extends unknown[] = unknown[]> {
  /** Makes the actor resolvable by name; see names.ts for what a name may be. */
  name?: string;
  /** Constructor arguments: required when the class's constructor requires any (see SpawnArgs). */
  args?: A;
  /** How many messages may wait in the mailbox before senders wait for room. */
  mailboxCapacity?: number;
  supervision?: SupervisionOptions;
}

/**
 * What `spawn` takes after the class, from the constructor's parameters `A`: a
 * class whose constructor can be called with no arguments takes optional
 * options (`spawn(Cls)`, `spawn(Cls, { name })`); one whose constructor requires
 * arguments takes options with `args` of the constructor's types, so
 * `spawn(Cls)` or a missing or mistyped `args` is a type error.
 */
export type SpawnArgs<A extends unknown[]> = [] extends A ? [options?: SpawnOptions<A>] : [options: SpawnOptions<A> & { args: A }];

/** Either a ref or an actor's name. */
export type ActorTarget = RefBase<unknown> | string;

/** What an actor sees of its system (`this.system`). ActorSystem implements it. */
export interface ActorSystemApi {
  spawn<T extends Actor, A extends unknown[]>(cls: ActorClass<T, A>, ...options: SpawnArgs<A>): Promise<ActorRef<T>>;
  /** A ref to the actor named `name`; `timeoutMs` waits for it to appear (ActorSystem takes more options). */
  resolve<T = unknown>(name: string, options?: { timeoutMs?: number }): Promise<ActorRef<T>>;
  /** Graceful: the current turn ends, queued messages get ACTOR_STOPPED, onStop runs. */
  stop(target: ActorTarget): Promise<void>;
  /** At once: the current turn's caller gets ACTOR_STOPPED too, and onStop does not run. */
  kill(target: ActorTarget): Promise<void>;
  /** Calls `listener` once when the actor stops for good; returns a function that unwatches. */
  watch(target: ActorTarget, listener: (event: StopEvent) => void): () => void;
  /** A ref to the entity (kind, key) wherever it lives in the cluster (docs/entities.md): by its class for a typed ref, or by kind. */
  entity<T extends Actor>(cls: ActorClass<T, []>, key: string): ActorRef<T>;
  entity<T = unknown>(kind: string, key: string): ActorRef<T>;
}
