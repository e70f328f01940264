import { construct, Actor, type ActorContext } from "./actor.ts";
import { deadlines, type Lane } from "./deadlines.ts";
import type { DispatchTable, MethodEntry } from "./dispatch.ts";
import type { EntityBinding } from "./entity-binding.ts";
import { ActorError } from "./errors.ts";
import { type Clock, realClock } from "./clock.ts";
import { canMove, isEnding, type LifeState } from "./lifecycle.ts";
import { clip, type Logger } from "./log.ts";
import { Mailbox } from "./mailbox.ts";
import type { RecentFailures } from "./recent-failures.ts";
import { type ClassStats, TURN_SAMPLE_EVERY } from "./class-stats.ts";
import type { FailureCounts } from "./failure-counts.ts";
import { ASK, type Cancellable, CLOSE, Message, type MessageKind, type Reject, type Resolve, STEP, type StreamState, TELL } from "./message.ts";
import { CellPort } from "./network.ts";
import { makeRef } from "./ref.ts";
import { scheduler, type Runnable } from "./scheduler.ts";
import { DONE, StreamCursor, type StreamHost } from "./stream.ts";
import type { RestartTracker } from "./supervision.ts";
import type { ActorSystemApi, StopEvent, StopReason } from "./types.ts";
import { Watchers } from "./watchers.ts";
import { ROOT_CONTEXT, runIn, SpanKind, type TraceContext, tracing } from "../trace/index.ts";
import { type HandlerTrace, handlerTrace } from "./handler-trace.ts";

/** What a cell needs from the runtime that owns it. */
export interface CellHost {
  readonly system: ActorSystemApi;
  readonly logger: Logger;
  /** Messages by kind, counted for metrics. */
  readonly counts: { asks: number; tells: number; streams: number; refused: number };
  /** How long a stop waits for the running turn, and for each hook, before going on without it. */
  readonly stopTimeoutMs: number;
  /** The timeout of asks through an actor's own ref. */
  readonly askTimeoutMs: number;
  /** How much decoded memory messages from the network may hold, queued at one actor. */
  readonly maxQueuedBytesPerActor: number;
  /** Where the latest handler errors and dead letters are kept for the dashboard, if anywhere. */
  readonly recent?: RecentFailures;
  /** Where errors answered, timeouts and dead letters are counted, for metrics. */
  readonly failures: FailureCounts;
  /** Time for restart delays and backoff; the system's when absent. */
  readonly clock?: Clock;
  /** The cell stopped for good: drop its name and id. */
  forget(cell: Cell): void;
}

export interface CellConfig {
  readonly id: string;
  readonly name: string | undefined;
  readonly cls: new (...args: never[]) => Actor;
  readonly args: readonly unknown[];
  readonly table: DispatchTable;
  readonly capacity: number;
  /** Undefined when the actor never restarts. */
  readonly tracker: RestartTracker | undefined;
  /** What ties an entity's activation to its key and its state; undefined for other actors. */
  readonly entity?: EntityBinding;
  /** The counts of the actor's class (shared by its cells), for metrics. */
  readonly stats: ClassStats;
}

const RESOLVED: Promise<void> = Promise.resolve();
const DEFAULT_ON_START = Actor.prototype.onStart;
const DEFAULT_ON_STOP = Actor.prototype.onStop;

type Thenable = { then(onValue: (value: unknown) => void, onError: (error: unknown) => void): unknown };

/** Whether `promise` settled within `ms`; a stop must not hang on a turn that never ends. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

// A promise's executor runs synchronously, so one shared executor can hand its
// resolvers over: no closure per ask.
const captured: { resolve: (value: unknown) => void; reject: (error: unknown) => void } = { resolve: () => {}, reject: () => {} };
function capture(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

function isThenable(value: unknown): value is Thenable {
  return value !== null && typeof value === "object" && typeof (value as Thenable).then === "function";
}

/**
 * One actor at run time: its instance, its bounded mailbox and its turns. A cell
 * runs one turn at a time; an async handler's turn lasts until its promise
 * settles. Restarts build a new instance in the same cell, so refs stay valid.
 */
export class Cell implements Runnable, ActorContext, StreamHost {
  readonly id: string;
  readonly name: string | undefined;
  /** The actor's own ref (what `this.ref` gives it), with the node's ask timeout. */
  readonly ref: unknown;
  #port: CellPort | undefined;
  instance: Actor | undefined;
  #state: LifeState = "starting";
  readonly #host: CellHost;
  readonly #config: CellConfig;
  readonly #mailbox: Mailbox;
  /** The message whose turn is running. */
  #current: Message | undefined;
  /** An async turn or a lifecycle hook is running. */
  #busy = false;
  #scheduled = false;
  #stopAfterTurn = false;
  #failure: ActorError | undefined;
  /** A stop waits for the running turn to end. */
  #onIdle: (() => void) | undefined;
  #streams: Set<StreamState> | undefined;
  #watchers: Watchers | undefined;
  /** What stop() returns, once it was called. */
  #stopped: Promise<void> | undefined;
  /** Cancels the pending rebuild while restarting. */
  #cancelRestart: (() => void) | undefined;
  #onSettled: ((value: unknown) => void) | undefined;
  #onRejected: ((error: unknown) => void) | undefined;
  /** When the running turn started, if it is one of the sampled turns (else 0). */
  #timedFrom = 0;

  constructor(host: CellHost, config: CellConfig) {
    this.#host = host;
    this.#config = config;
    this.id = config.id;
    this.name = config.name;
    this.#mailbox = new Mailbox(config.capacity, host.maxQueuedBytesPerActor);
    this.ref = makeRef(this, host.askTimeoutMs);
  }

  /** The network's way in to this actor (made on first use: most actors are never called from outside). */
  get port(): CellPort {
    return (this.#port ??= new CellPort(this));
  }

  get system(): ActorSystemApi {
    return this.#host.system;
  }

  get entity(): EntityBinding | undefined {
    return this.#config.entity;
  }

  /** No turn running, nothing queued, no stream open: nothing would be cut if it stopped now. */
  get isIdle(): boolean {
    return !this.#busy && this.#current === undefined && this.#mailbox.size === 0 && (this.#streams?.size ?? 0) === 0;
  }

  get table(): DispatchTable {
    return this.#config.table;
  }

  get isStopped(): boolean {
    return isEnding(this.#state);
  }

  get mailboxSize(): number {
    return this.#mailbox.size;
  }

  /** The label of the actor's class in metrics (bounded: see ClassStatsTable). */
  get className(): string {
    return this.#config.stats.name;
  }

  /** A caller got `error` from this actor without a message (a stopped actor, no such handler): counted as answered here. */
  refused(error: unknown): void {
    this.#host.failures.error(error);
  }

  // ---- sending -------------------------------------------------------------

  /** Sends a message that expects a reply; `lane` (from `deadlines.lane`) carries its timeout. */
  ask(kind: MessageKind, type: string, entry: MethodEntry | undefined, args: unknown, lane: Lane, stream?: StreamCursor<unknown>, parent?: TraceContext): Promise<unknown> {
    if (isEnding(this.#state)) {
      const error = this.#stoppedError();
      this.refused(error);
      stream?.end(error); // a stream opened on a stopped actor: over before it started, span and all
      return Promise.reject(error);
    }
    if (kind === ASK) this.#host.counts.asks++;
    const promise = new Promise<unknown>(capture);
    const message = new Message(kind, type, entry, args, stream, captured.resolve, captured.reject, 0, 0, this.#host.failures);
    if (tracing.on) {
      if (stream !== undefined) message.trace = stream.trace;
      else this.#trace(message, parent, false);
    }
    deadlines.track(message, lane);
    this.#post(message);
    return promise;
  }

  /**
   * An ask whose reply goes to `resolve` / `reject` with `tag` instead of to a
   * promise: what a transport uses, so that a remote ask costs no promise and no
   * closure here. Both are called exactly once.
   */
  askInto(type: string, entry: MethodEntry | undefined, args: unknown, lane: Lane, resolve: Resolve, reject: Reject, tag: number, cost: number, parent: TraceContext | undefined): Cancellable | undefined {
    const refusal = this.#refusesNetwork();
    if (refusal !== undefined) {
      this.refused(refusal);
      reject(refusal, tag);
      return undefined;
    }
    this.#host.counts.asks++;
    this.#mailbox.charge(cost);
    const message = new Message(ASK, type, entry, args, undefined, resolve, reject, tag, cost, this.#host.failures);
    if (tracing.on) this.#trace(message, parent, true);
    deadlines.track(message, lane);
    this.#post(message);
    return message;
  }

  /** A tell from the network: queued, or refused with the reason (a full queue, a stopped actor). */
  tellFromNetwork(type: string, entry: MethodEntry | undefined, args: unknown, cost: number, parent: TraceContext | undefined): ActorError | undefined {
    const refusal = this.#refusesNetwork();
    if (refusal !== undefined) return refusal;
    this.#host.counts.tells++;
    this.#mailbox.charge(cost);
    const message = new Message(TELL, type, entry, args, undefined, undefined, undefined, 0, cost);
    if (tracing.on) this.#trace(message, parent, true);
    this.#post(message);
    return undefined;
  }

  /**
   * Past what the mailbox takes from the network (see Mailbox.hasRoomForNetwork)
   * its messages are refused (or held back by their link). An actor never holds
   * more than that for callers it cannot push back on.
   */
  #refusesNetwork(): ActorError | undefined {
    if (isEnding(this.#state)) return this.#stoppedError();
    if (!this.#mailbox.hasRoomForNetwork) {
      this.#host.counts.refused++;
      return new ActorError("MAILBOX_FULL", `actor ${clip(this.#label())} is busy: ${this.mailboxSize} messages queued`);
    }
    return undefined;
  }

  /** Resolves once the mailbox took the message: at once unless it is full. */
  tell(type: string, entry: MethodEntry | undefined, args: unknown): Promise<void> {
    if (isEnding(this.#state)) {
      this.deadLetter(type);
      return RESOLVED;
    }
    this.#host.counts.tells++;
    const message = new Message(TELL, type, entry, args, undefined, undefined, undefined);
    if (tracing.on) this.#trace(message, undefined, false);
    if (this.#post(message)) return RESOLVED;
    return new Promise<void>((resolve) => {
      message.resolve = resolve as (value: unknown) => void;
    });
  }

  /** A stream from the network gives its caller's `parent` context (undefined: none came), a local one none. */
  openStream(entry: MethodEntry, args: unknown[], lane: Lane, network?: { parent: TraceContext | undefined }): StreamCursor<unknown> {
    this.#host.counts.streams++;
    const cursor = new StreamCursor(this, entry, args, lane);
    if (tracing.on) {
      const handled = this.#handlerTrace(entry.name, network !== undefined, network?.parent, SpanKind.SERVER);
      if (handled.context !== ROOT_CONTEXT) cursor.trace = handled.context;
      cursor.span = handled.span;
    }
    return cursor;
  }

  /**
   * While an SDK is registered: the context a message's turn runs in, and its
   * handler's span when it came from the network or its caller's trace is
   * sampled (a local call outside any trace makes no span).
   */
  #trace(message: Message, parent: TraceContext | undefined, fromNetwork: boolean): void {
    const handled = this.#handlerTrace(message.type, fromNetwork, parent, message.kind === TELL ? SpanKind.CONSUMER : SpanKind.SERVER);
    // Outside any trace the turn needs no context: the scheduler runs every turn from none.
    if (handled.context !== ROOT_CONTEXT) message.trace = handled.context;
    if (handled.span !== undefined) message.span = handled.span;
  }

  #handlerTrace(method: string, fromNetwork: boolean, parent: TraceContext | undefined, remoteKind: SpanKind.SERVER | SpanKind.CONSUMER): HandlerTrace {
    const entity = this.#config.entity;
    const actor = entity === undefined ? this.#label() : `#${entity.kind}/${entity.key}`;
    return handlerTrace({ actor, method, service: this.className }, fromNetwork, parent, remoteKind);
  }

  step(stream: StreamCursor<unknown>): Promise<unknown> {
    return this.ask(STEP, stream.entry.name, stream.entry, undefined, stream.lane, stream);
  }

  close(stream: StreamCursor<unknown>): Promise<unknown> {
    return this.ask(CLOSE, stream.entry.name, stream.entry, undefined, stream.lane, stream);
  }

  abandon(stream: StreamCursor<unknown>): void {
    if (!isEnding(this.#state)) this.#post(new Message(CLOSE, stream.entry.name, stream.entry, undefined, stream, undefined, undefined));
  }

  /** Queues a message, and schedules the cell if it may run; false when the message waits for room. */
  #post(message: Message): boolean {
    if (!this.#mailbox.post(message)) return false;
    if (!this.#scheduled && !this.#busy && this.#state === "running") {
      this.#scheduled = true;
      scheduler.schedule(this);
    }
    return true;
  }

  /** Whether a message from the network would be taken now (see Mailbox.hasRoomForNetwork). */
  get hasRoomForNetwork(): boolean {
    return this.#mailbox.hasRoomForNetwork;
  }

  /**
   * Calls `callback` once, when a message from the network would be taken again
   * (or the actor stopped): how a link holds its peer's messages back instead of
   * dropping them.
   */
  onRoom(callback: () => void): () => void {
    return this.#mailbox.onRoom(callback, isEnding(this.#state));
  }

  // ---- turns ---------------------------------------------------------------

  runTurns(max: number): number {
    this.#scheduled = false;
    const mailbox = this.#mailbox;
    const stats = this.#config.stats;
    // When the class's next sample is due, this batch is one turn, and it is timed.
    if (stats.handled >= stats.nextTimed) max = this.#startTiming(stats, max);
    let count = 0;
    let skipped = 0;
    while (count < max && this.#state === "running" && !this.#busy) {
      const message = mailbox.take();
      if (message === undefined) break;
      count++;
      if (message.settled) skipped++;
      else if (message.trace === undefined) this.#turn(message);
      else this.#tracedTurn(message, message.trace);
    }
    // Counted once a batch, not in every turn: what a turn does stays as it was.
    stats.handled += count - skipped;
    // A timed turn that ended already (an async one ends in #asyncTurnEnded).
    if (this.#timedFrom !== 0 && this.#current === undefined) this.#timed(count > skipped);
    this.#reschedule();
    return count;
  }

  #reschedule(): void {
    if (this.#mailbox.length > 0 && this.#state === "running" && !this.#busy && !this.#scheduled) {
      this.#scheduled = true;
      scheduler.schedule(this);
    }
  }

  /** A traced message's turn: it, and what its handler calls and logs, run in its caller's trace. */
  #tracedTurn(message: Message, trace: TraceContext): void {
    runIn(trace, () => this.#turn(message));
  }

  #turn(message: Message): void {
    this.#current = message;
    let result: unknown;
    try {
      result = this.#invoke(message);
      // A handler's result is user code too: a hostile `then` getter throws here, not out of the turn.
      if (isThenable(result)) {
        this.#busy = true;
        result.then(
          (this.#onSettled ??= (value) => this.#asyncTurnEnded(value, undefined, false)),
          (this.#onRejected ??= (error) => this.#asyncTurnEnded(undefined, error, true)),
        );
        return;
      }
    } catch (error) {
      this.#current = undefined;
      this.#busy = false;
      this.#handlerFailed(message, error);
      this.#endTurn();
      return;
    }
    this.#current = undefined;
    this.#complete(message, result);
    if (this.#onIdle !== undefined || this.#stopAfterTurn || this.#failure !== undefined) this.#endTurn();
  }

  #invoke(message: Message): unknown {
    const instance = this.instance as Actor;
    switch (message.kind) {
      case STEP: {
        const stream = message.stream as StreamState;
        if (!stream.started && !stream.finished) (this.#streams ??= new Set()).add(stream);
        return stream.step(instance);
      }
      case CLOSE: {
        const stream = message.stream as StreamState;
        this.#streams?.delete(stream);
        return stream.close();
      }
      default: {
        const entity = this.#config.entity;
        if (entity?.afterTurn === undefined) return this.#handle(instance, message);
        let result: unknown;
        try {
          result = this.#handle(instance, message);
        } catch (error) {
          // What the handler changed before it threw is a change like any: the binding sees the turn as one that rejected.
          result = Promise.reject(error);
        }
        // An entity with state saves what the turn changed before the turn, and so its reply, ends.
        return entity.afterTurn(instance, result);
      }
    }
  }

  /** The message's handler, or `receive`. */
  #handle(instance: Actor, message: Message): unknown {
    return message.entry !== undefined ? message.entry.fn.apply(instance, message.args as unknown[]) : this.#config.table.receive?.call(instance, message.type, message.args);
  }

  #asyncTurnEnded(value: unknown, error: unknown, failed: boolean): void {
    if (this.#timedFrom !== 0) this.#timed(true);
    const message = this.#current;
    if (message === undefined) return; // killed while the turn ran
    this.#current = undefined;
    this.#busy = false;
    if (failed) this.#handlerFailed(message, error);
    else this.#complete(message, value);
    this.#endTurn();
    this.#reschedule();
  }

  /**
   * The class's next sample is due: the batch is cut to one turn, timed from
   * now (returns the batch's new size). Sampled, because reading the clock
   * twice a turn would cost a local ask several percent.
   */
  #startTiming(stats: ClassStats, max: number): number {
    if (this.#state !== "running" || this.#busy) return max;
    stats.nextTimed = stats.handled + TURN_SAMPLE_EVERY;
    this.#timedFrom = performance.now();
    return 1;
  }

  /** The timed turn ended (`ran`), or none ran after all: its handler time goes to the class's histogram. */
  #timed(ran: boolean): void {
    if (ran) this.#config.stats.latency.observe((performance.now() - this.#timedFrom) / 1000);
    this.#timedFrom = 0;
  }

  #complete(message: Message, value: unknown): void {
    switch (message.kind) {
      case TELL:
        message.told();
        return;
      case STEP:
        if ((value as IteratorResult<unknown>).done) this.#streamFinished(message.stream as StreamState);
        break;
      case CLOSE:
        value = DONE;
    }
    message.reply(value);
  }

  #handlerFailed(message: Message, error: unknown): void {
    const wrapped = ActorError.fromHandler(error);
    this.#config.stats.errors++;
    this.#host.recent?.handlerFailed(this.#label(), message.type, wrapped);
    if (message.kind === STEP) this.#streamFinished(message.stream as StreamState, wrapped);
    if (message.kind === TELL) {
      message.told(wrapped);
      this.#host.logger.warn("tell handler failed", { actor: this.#label(), message: message.type, error: wrapped });
    } else {
      message.fail(wrapped);
    }
    if (this.#isFatal(error)) this.#failure = wrapped;
  }

  #isFatal(error: unknown): boolean {
    try {
      return this.instance?.isFatal(error) === true;
    } catch {
      return true; // an isFatal that throws cannot vouch for the instance
    }
  }

  #streamFinished(stream: StreamState, error?: ActorError): void {
    stream.finish(error);
    this.#streams?.delete(stream);
  }

  /** After every turn that changed more than its reply: a waiting stop, a failure, a self-stop. */
  #endTurn(): void {
    const onIdle = this.#onIdle;
    if (onIdle !== undefined) {
      this.#onIdle = undefined;
      onIdle();
      return;
    }
    const failure = this.#failure;
    if (failure !== undefined) {
      this.#failure = undefined;
      this.#afterFailure("failure", failure);
      return;
    }
    if (this.#stopAfterTurn) {
      this.#stopAfterTurn = false;
      this.#afterFailure("self", undefined);
    }
  }

  // ---- lifecycle -----------------------------------------------------------

  /** Builds the instance and runs onStart as the first turn; throws START_FAILED. */
  async start(): Promise<void> {
    await this.#build();
    if (this.#state !== "starting") return; // stopped, or restarting, while starting
    this.#move("running");
    this.#reschedule();
  }

  async #build(): Promise<void> {
    this.#busy = true;
    let instance: Actor | undefined;
    try {
      instance = construct(this.#config.cls, this.#config.args, this);
      this.instance = instance;
      if (instance.onStart !== DEFAULT_ON_START) await instance.onStart();
    } catch (error) {
      this.instance = undefined;
      this.#busy = false;
      const failure = ActorError.fromHandler(error, "START_FAILED");
      this.#config.stats.failedStarts++;
      if (this.#onIdle === undefined && this.#state === "starting") {
        // A failed first start leaves nothing behind and fails the spawn.
        this.#move("stopping");
        this.#stopped = RESOLVED;
        // What was queued for it (an entity's activating calls) fails as the start did.
        this.#rejectQueued(failure);
        this.#move("stopped");
        this.#host.forget(this);
        throw failure;
      }
      this.#failure = failure;
    }
    this.#busy = false;
    this.#endTurn();
  }

  stopSelf(): void {
    if (isEnding(this.#state)) return;
    if (this.#current !== undefined || this.#busy) this.#stopAfterTurn = true;
    else this.#afterFailure("self", undefined);
  }

  #afterFailure(cause: "failure" | "self", error: ActorError | undefined): void {
    if (isEnding(this.#state)) return;
    const delay = this.#config.tracker?.next(cause, this.#clock.now());
    if (delay === undefined) void this.stop(cause === "self" ? "normal" : "failed", error);
    else void this.#restart(delay, error);
  }

  async #restart(delayMs: number, error: ActorError | undefined): Promise<void> {
    this.#move("restarting");
    this.#config.stats.restarts++;
    this.#host.logger.warn("actor restarting", { actor: this.#label(), delayMs, error });
    this.#busy = true;
    await this.#retire(new ActorError("ACTOR_STOPPED", `actor ${this.#label()} restarted; its stream ended`));
    this.#busy = false;
    if (this.#onIdle !== undefined) return this.#endTurn();
    this.#cancelRestart = this.#clock.after(delayMs, () => void this.#rebuild());
  }

  async #rebuild(): Promise<void> {
    this.#cancelRestart = undefined;
    if (this.#state !== "restarting") return;
    await this.#build();
    if (this.#state !== "restarting" || this.instance === undefined) return;
    this.#move("running");
    this.#host.logger.info("actor restarted", { actor: this.#label() });
    this.#reschedule();
  }

  /** Ends open streams and runs onStop on the current instance, which is then gone. */
  async #retire(streamError: ActorError, graceful = true): Promise<void> {
    const instance = this.instance;
    this.instance = undefined;
    const streams = this.#streams;
    this.#streams = undefined;
    if (streams !== undefined) {
      for (const stream of streams) {
        stream.end(streamError);
        // A kill does not wait for generators' finally blocks; a graceful stop does.
        const closing = this.#hook("stream close", () => stream.close());
        if (graceful) await closing;
      }
    }
    if (graceful && instance !== undefined && instance.onStop !== DEFAULT_ON_STOP) {
      await this.#hook("onStop", () => instance.onStop());
    }
  }

  async #hook(what: string, run: () => unknown): Promise<void> {
    try {
      const done = Promise.resolve(run());
      if (!(await settlesWithin(done, this.#host.stopTimeoutMs))) {
        this.#host.logger.warn(`${what} did not finish in time`, { actor: this.#label(), timeoutMs: this.#host.stopTimeoutMs });
      }
    } catch (error) {
      this.#host.logger.warn(`${what} failed`, { actor: this.#label(), error });
    }
  }

  /**
   * Stops the actor for good. Graceful unless `reason` is `killed`: the running
   * turn ends first and onStop runs. Either way every queued message is refused.
   */
  stop(reason: StopReason, error?: ActorError): Promise<void> {
    if (this.#stopped !== undefined) {
      if (reason === "killed") {
        // A kill during a graceful stop stops waiting for the running turn.
        const onIdle = this.#onIdle;
        this.#onIdle = undefined;
        onIdle?.();
      }
      return this.#stopped;
    }
    this.#stopped = this.#stop(reason, error);
    return this.#stopped;
  }

  async #stop(reason: StopReason, error: ActorError | undefined): Promise<void> {
    const kill = reason === "killed";
    this.#move("stopping");
    this.#cancelRestart?.();
    this.#cancelRestart = undefined;
    this.#rejectQueued();
    if (!kill && (this.#busy || this.#current !== undefined)) {
      const idle = new Promise<void>((resolve) => {
        this.#onIdle = resolve;
      });
      if (!(await settlesWithin(idle, this.#host.stopTimeoutMs))) {
        this.#onIdle = undefined;
        this.#host.logger.warn("turn did not end in time; stopping without it", { actor: this.#label(), message: this.#current?.type });
      }
    }
    // A killed actor, or one whose turn would not end: its caller is told now.
    this.#current?.fail(this.#stoppedError());
    this.#current = undefined;
    this.#busy = false;
    // Messages that arrived while the last turn ran are refused too.
    this.#rejectQueued();
    await this.#retire(this.#stoppedError(), !kill);
    this.#move("stopped");
    this.#host.forget(this);
    if (reason === "failed") this.#host.logger.warn("actor failed", { actor: this.#label(), error });
    const event: StopEvent = error === undefined ? { name: this.name, id: this.id, reason } : { name: this.name, id: this.id, reason, error };
    (this.#watchers ??= new Watchers(this.#host.logger, this.#label())).stopped(event);
  }

  watch(listener: (event: StopEvent) => void): () => void {
    return (this.#watchers ??= new Watchers(this.#host.logger, this.#label())).add(listener);
  }

  /** Fails what is queued: with `error` (a failed first start's), else as stopped. */
  #rejectQueued(error?: ActorError): void {
    this.#mailbox.tellRoom(); // held-back senders learn that the actor stopped
    const queued = this.#mailbox.drainAll();
    for (const message of queued) {
      if (message.kind === TELL) {
        this.deadLetter(message.type);
        // A traced tell's span ends here, as the dead letter it is: no turn will end it.
        if (message.trace !== undefined) message.told(error ?? this.#stoppedError());
        message.resolve?.(undefined, 0); // a sender waiting for room must not wait forever
      } else {
        message.fail(error ?? this.#stoppedError());
      }
    }
  }

  /** A tell that no handler will see. */
  deadLetter(type: string, why = "actor stopped"): void {
    this.#host.failures.deadLetters++;
    this.#host.recent?.deadLetter(this.#label(), type, why);
    this.#host.logger.warn("dead letter", { actor: clip(this.#label()), message: clip(type), why: clip(why) });
  }

  #stoppedError(): ActorError {
    return new ActorError("ACTOR_STOPPED", `actor ${this.#label()} has stopped`);
  }

  get #clock(): Clock {
    return this.#host.clock ?? realClock;
  }

  /** Every change of state goes through here: a move the diagram in lifecycle.ts lacks is a bug. */
  #move(to: LifeState): void {
    if (!canMove(this.#state, to)) throw new Error(`internal: actor ${this.#label()} cannot go from ${this.#state} to ${to}`);
    this.#state = to;
  }

  #label(): string {
    return this.name ?? this.id;
  }
}
