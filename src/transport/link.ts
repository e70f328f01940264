import { ActorError, clip, type FailureCounts, isErrorCode, isStream, type Lane, LatencyBuckets, laneOf, type Logger, type NetworkActor, type NetworkSink } from "../actor/index.ts";
import { CALL, type CallEnvelope, CANCEL, type Codec, CREDIT, END, type Envelope, FAIL, type Frame, HELLO, ITEM, PROVE, REPLY, TELL, type TellEnvelope } from "../wire/index.ts";
import { HeldCalls, targetOf } from "./held-calls.ts";
import { CallTable } from "./calls.ts";
import type { Handshake } from "./handshake.ts";
import type { LimitTrips, TransportLimits } from "./limits.ts";
import type { PeerAccount, PeerBudget } from "./peer-budget.ts";
import { type CallLink, RemoteCall, STREAM_WINDOW } from "./remote-call.ts";
import { failEnvelope, ServedCalls } from "./served-calls.ts";
import { Outbox } from "./outbox.ts";
import { type Locate, splitTarget } from "./route-hints.ts";
import { activeContext, CallSpan, contextFromWire, contextToWire, SpanKind, type TraceContext, tracing } from "../trace/index.ts";

/** The socket under a link: Bun's server-side or client-side WebSocket. */
export interface LinkSocket {
  send(data: Uint8Array): unknown;
  close(code?: number, reason?: string): void;
  /** Bytes sent but not yet taken by the network. */
  buffered(): number;
}

/** What a link needs from its node. */
export interface LinkHost {
  readonly logger: Logger;
  readonly codec: Codec;
  readonly limits: TransportLimits;
  /** Limits that tripped, counted for metrics; shared by every link of a node. */
  readonly trips: LimitTrips;
  /** What each peer node may have in flight here, shared by all its links. */
  readonly budget: PeerBudget;
  /** The local actor by that name (or an entity's activation by its address), if any; or why a call to it is refused. */
  lookup(name: string): NetworkActor | ActorError | undefined;
  /** With a gateway, calls from a peer outside the cluster reach actors on any node through this one. */
  readonly gateway?: Locate;
  /** Envelopes counted by direction and kind, for metrics; shared by every link of a node. */
  readonly traffic: LinkTraffic;
  /** Where errors made here, timeouts and dead letters are counted; the node's runtime's. */
  readonly failures: FailureCounts;
  /** The link proved itself and carries calls now. */
  opened(link: Link): void;
  /** The link is gone; it will never be used again. */
  closed(link: Link): void;
}

export interface LinkTraffic {
  callsOut: number;
  tellsOut: number;
  callsIn: number;
  tellsIn: number;
}

export interface LinkOptions {
  peerAddr: string | undefined;
  peerId?: string;
  /** Whom the peer's calls are counted against: its node id, or its IP for a peer that proved nothing. */
  peerKey: string;
  dialled: boolean;
  handshake: Handshake;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/** One call in this many (a power of two, by call id) has its round trip timed: reading the clock on every call would show. */
export const RTT_SAMPLE_EVERY = 16;
const RTT_SAMPLE_MASK = RTT_SAMPLE_EVERY - 1;

/**
 * One WebSocket to a peer node, whichever side dialled it. It batches every
 * envelope sent in one event-loop turn into one frame (outbox.ts), matches
 * replies to the calls it made (remote-call.ts), and answers the peer's calls
 * (served-calls.ts), within the node's limits.
 */
export class Link implements CallLink {
  /** The peer's node id, once known (from its headers or its HELLO). */
  peerId: string | undefined;
  readonly peerAddr: string | undefined;
  readonly dialled: boolean;
  /** Where the peer's calls are counted, shared with its other links. */
  readonly #account: PeerAccount;
  /** Another link to the same peer won the tie-break: close this one once nothing waits on it. */
  #superseded = false;
  #helloSeen = false;
  #everOpen = false;
  #state = CONNECTING;
  #socket: LinkSocket | undefined;
  readonly #host: LinkHost;
  readonly #handshake: Handshake;
  readonly #outbox: Outbox;
  readonly #served: ServedCalls;
  #nextId = 1;
  readonly #calls = new CallTable<RemoteCall>((call) => call.id);
  #closeError: ActorError | undefined;
  /** The peer's calls and tells held back for actors that have no room. */
  readonly #held: HeldCalls;
  /** The decoded memory of the envelope being read (the scan's estimate). */
  #cost = 0;
  /** The highest call id the peer has used. */
  #highestCallId = -1;
  /** What forwarded messages queued while the link connects hold, decoded. */
  #queuedCost = 0;
  /** Whether the peer's calls go through the gateway (to any node) rather than to local actors only. */
  readonly #forwards: boolean;
  /**
   * Where the round trips of this node's sampled calls go: its peer's (Links
   * sets it on the links its calls use); none, no sampling.
   */
  rtt: LatencyBuckets | undefined;

  constructor(host: LinkHost, options: LinkOptions) {
    this.#host = host;
    this.peerAddr = options.peerAddr;
    this.peerId = options.peerId;
    this.#account = host.budget.open(options.peerKey);
    this.dialled = options.dialled;
    // A peer that dialled in and serves nothing is a client, not a member: it cannot be forwarded to,
    // so forwarding its calls never loops.
    this.#forwards = host.gateway !== undefined && !options.dialled && options.peerAddr === undefined;
    this.#held = new HeldCalls(this.#account, (target) => this.#found(target), (envelope, cost) => this.#release(envelope, cost));
    this.#handshake = options.handshake;
    this.#outbox = new Outbox(host.codec, (frame) => this.#write(frame), (envelope, error) => this.#unencodable(envelope, error));
    this.#served = new ServedCalls({
      send: (envelope, soon) => this.#outbox.push(envelope, soon),
      carrying: () => this.#state !== CLOSED,
      released: () => this.#released(),
    });
  }

  get isOpen(): boolean {
    return this.#state === OPEN;
  }

  get isClosed(): boolean {
    return this.#state === CLOSED;
  }

  /** Whether it was ever open: a link that never got up was never "up" to go "down". */
  get everOpen(): boolean {
    return this.#everOpen;
  }

  /** Whether new calls may go on this link: not closed, and not a duplicate on its way out. */
  get usable(): boolean {
    return this.#state !== CLOSED && !this.#superseded;
  }

  /** Why it closed, once closed. */
  get closeReason(): string | undefined {
    return this.#closeError?.message;
  }

  /** Calls waiting for an answer on this link, either way. */
  get inFlight(): number {
    return this.#calls.size + this.#served.size;
  }

  /** This node's calls on this link still waiting for their answer. */
  get callsOut(): number {
    return this.#calls.size;
  }

  /** The peer's calls this node is answering on this link. */
  get callsIn(): number {
    return this.#served.size;
  }

  /** Stops taking new calls from this side and closes once idle (a duplicate link). */
  supersede(): void {
    this.#superseded = true;
    this.#closeIfIdle();
  }

  #closeIfIdle(): void {
    if (this.#superseded && this.#state === OPEN && this.inFlight === 0) this.close(undefined, 1000, "duplicate link");
  }

  /** The socket is up: the handshake starts, and the link opens once it is done. */
  open(socket: LinkSocket): void {
    if (this.#state !== CONNECTING) return;
    this.#socket = socket;
    const first = this.#handshake.first();
    // The handshake goes first, alone, before anything queued.
    if (first !== undefined) for (const frame of this.#host.codec.encodeFrames([first], () => undefined)) socket.send(frame);
    if (!this.#handshake.waits) this.#opened();
  }

  #opened(): void {
    this.#state = OPEN;
    this.#queuedCost = 0;
    this.#everOpen = true;
    this.#outbox.open();
    this.#host.opened(this);
  }

  // ---- sending -------------------------------------------------------------

  /**
   * A call to `target` on the peer, sent in a microtask with the calls made in
   * the same turn. A call the node forwards for a caller outside the cluster
   * gives its decoded `forwardedCost`: such calls arrive one per I/O callback,
   * so they leave together at the end of the event-loop turn; and while the
   * link connects, what they hold is bounded in bytes, not only in number.
   */
  call(target: string, type: string, payload: unknown, timeout: Lane, askOnly = false, forwardedCost?: number, parent?: TraceContext): RemoteCall {
    const id = this.#nextId++;
    const call = new RemoteCall(id, this, timeout, askOnly);
    const envelope: CallEnvelope = [CALL, id, target, type, payload, STREAM_WINDOW, timeout.timeoutMs];
    if (tracing.on) call.span = this.#traced(envelope, 7, target, type, SpanKind.CLIENT, parent);
    const refusal = this.#refusal(forwardedCost);
    if (refusal !== undefined) {
      this.#host.failures.error(refusal);
      call.fail(refusal);
      return call;
    }
    if ((id & RTT_SAMPLE_MASK) === 0 && this.rtt !== undefined) call.sentAt = performance.now();
    this.#calls.set(call);
    this.#host.traffic.callsOut++;
    this.#outbox.push(envelope, forwardedCost === undefined);
    return call;
  }

  /** A tell; `forwardedCost` and `parent` as for `call`. */
  tell(target: string, type: string, payload: unknown, forwardedCost?: number, parent?: TraceContext): void {
    const envelope: TellEnvelope = [TELL, target, type, payload];
    // A tell's span is the send: it ends once the message is on its way (or refused).
    const span = tracing.on ? this.#traced(envelope, 4, target, type, SpanKind.PRODUCER, parent) : undefined;
    const refusal = this.#refusal(forwardedCost);
    if (refusal !== undefined) {
      span?.end("NODE_UNREACHABLE", refusal.message);
      this.#host.failures.deadLetters++;
      this.#host.logger.warn("dead letter", { actor: clip(target), message: clip(type), why: refusal.message, peer: this.peerAddr });
      return;
    }
    span?.end();
    this.#host.traffic.tellsOut++;
    this.#outbox.push(envelope, forwardedCost === undefined);
  }

  /**
   * The caller's span of a call or tell, child of `parent` (else of the context
   * the caller runs in), and its trace context appended to the envelope from
   * `at` on: W3C `traceparent`, then `tracestate` when there is one.
   */
  #traced(envelope: CallEnvelope | TellEnvelope, at: number, target: string, type: string, kind: SpanKind, parent: TraceContext | undefined): CallSpan {
    const span = new CallSpan(parent ?? activeContext(), kind, { actor: target, method: type });
    const wire = contextToWire(span.context);
    if (wire !== undefined) {
      (envelope as unknown[])[at] = wire.traceparent;
      if (wire.tracestate !== undefined) (envelope as unknown[])[at + 1] = wire.tracestate;
    }
    return span;
  }

  /**
   * Why nothing more can be sent now: the link closed, or it is still
   * connecting with too much queued (in number; in bytes for forwarded messages,
   * which the network chose). Counts what a forwarded message will hold.
   */
  #refusal(forwardedCost: number | undefined): ActorError | undefined {
    if (this.#state === CLOSED) return this.#closeError ?? unreachable(this.peerAddr, "link closed");
    if (this.#state !== CONNECTING) return undefined;
    const { limits, trips } = this.#host;
    if (this.#outbox.length >= limits.maxQueuedBeforeOpen) {
      trips.queued_before_open++;
      return unreachable(this.peerAddr, `not connected yet, and ${this.#outbox.length} messages already wait for it`);
    }
    if (forwardedCost === undefined) return undefined;
    if (this.#queuedCost + forwardedCost > limits.maxOutboxBytes) {
      trips.queued_before_open++;
      return unreachable(this.peerAddr, `not connected yet, and ${this.#queuedCost} bytes of forwarded messages already wait for it`);
    }
    this.#queuedCost += forwardedCost;
    return undefined;
  }

  grant(id: number, count: number): void {
    if (this.#calls.get(id) !== undefined) this.#outbox.push([CREDIT, id, count]);
  }

  cancel(id: number): void {
    if (this.#calls.take(id) !== undefined && this.#state !== CLOSED) this.#outbox.push([CANCEL, id]);
    this.#closeIfIdle();
  }

  timedOut(id: number): void {
    const failures = this.#host.failures;
    failures.linkTimeouts++;
    failures.coded("TIMEOUT");
    this.cancel(id);
  }

  /** The first answer to a call: a sampled call's round trip is recorded. */
  #answered(call: RemoteCall): RemoteCall {
    if (call.sentAt !== 0) {
      this.rtt?.observe((performance.now() - call.sentAt) / 1000);
      call.sentAt = 0;
    }
    return call;
  }

  /** One frame to the socket; false when the link had to close instead. */
  #write(frame: Uint8Array): boolean {
    const socket = this.#socket as LinkSocket;
    try {
      // 0: the socket dropped the frame (it is closing, or over its buffer limit). Losing
      // frames silently is worse than losing the link: its calls fail now.
      if (socket.send(frame) === 0) {
        this.close(unreachable(this.peerAddr, "the peer does not read fast enough (send buffer full)"));
        return false;
      }
    } catch (error) {
      this.close(unreachable(this.peerAddr, `send failed: ${(error as Error).message}`));
      return false;
    }
    if (socket.buffered() > this.#host.limits.maxOutboxBytes) {
      this.#host.trips.outbox_full++;
      this.close(unreachable(this.peerAddr, `the peer does not read: over ${this.#host.limits.maxOutboxBytes} bytes wait for it`), 1008, "peer does not read");
      return false;
    }
    return true;
  }

  /** A value that msgpack cannot carry fails its own call, not the batch. */
  #unencodable(envelope: Envelope, error: unknown): Envelope | undefined {
    const why = `cannot encode for the wire: ${error instanceof Error ? error.message : String(error)}`;
    switch (envelope[0]) {
      case ITEM:
        // The stream cannot go on: its generator stops here too.
        this.#served.failed(envelope[1]);
        this.#host.failures.coded("HANDLER_ERROR");
        return [FAIL, envelope[1], "HANDLER_ERROR", why, "EncodeError"];
      case REPLY:
        this.#host.failures.coded("HANDLER_ERROR");
        return [FAIL, envelope[1], "HANDLER_ERROR", why, "EncodeError"];
      case CALL: {
        const call = this.#calls.take(envelope[1]);
        this.#host.failures.coded("BAD_REQUEST");
        queueMicrotask(() => call?.fail(new ActorError("BAD_REQUEST", why)));
        return undefined;
      }
      default:
        this.#host.logger.warn("envelope dropped", { why, kind: envelope[0] });
        return undefined;
    }
  }

  // ---- receiving -----------------------------------------------------------

  receive(data: Uint8Array): void {
    if (this.#state === CLOSED) return;
    tracing.refresh();
    let frame: Frame;
    try {
      frame = this.#host.codec.decodeFrame(data);
    } catch (error) {
      this.#host.logger.warn("bad frame; closing link", { peer: this.peerAddr, error: clip((error as Error).message) });
      this.close(new ActorError("NODE_UNREACHABLE", `link closed: the peer sent a bad frame (${(error as Error).message})`), 4400, "bad frame");
      return;
    }
    const { envelopes, costs } = frame;
    for (let i = 0; i < envelopes.length; i++) {
      if (this.#state === CLOSED) return;
      const envelope = envelopes[i] as Envelope;
      // What this envelope holds decoded: charged while it is queued or held.
      this.#cost = costs[i] as number;
      if (this.#state !== OPEN) this.#handshaking(envelope);
      else this.#dispatch(envelope);
    }
  }

  /**
   * A call or tell from the peer: served now, or held while the actor it goes to
   * has no room for the network (and behind what is held for it already).
   */
  #takeIn(envelope: CallEnvelope | TellEnvelope): void {
    const cost = this.#cost;
    if (envelope[0] === CALL && this.#inProgress(envelope[1])) {
      // An id still in use would let one call hide another from CANCEL and from the budget.
      this.close(unreachable(this.peerAddr, `it reused call id ${envelope[1]} while that call was in progress`), 4400, "call id reused");
      return;
    }
    const target = targetOf(envelope);
    if (this.#held.holds(target)) return this.#hold(target, envelope, cost);
    const ref = this.#find(target);
    if (!(ref instanceof ActorError) && !ref.hasRoom) return this.#hold(target, envelope, cost);
    this.#serve(envelope, ref, cost);
  }

  /** The actor a peer's call or tell goes to: a local one, or through the gateway for a client. */
  #find(target: string): NetworkActor | ActorError {
    if (this.#forwards) {
      let split: ReturnType<typeof splitTarget>;
      try {
        split = splitTarget(target);
      } catch (error) {
        return error as ActorError; // a bad option: this call fails, the frame's others go on
      }
      return (this.#host.gateway as Locate)(split.name, split.hints);
    }
    return this.#host.lookup(target) ?? new ActorError("ACTOR_NOT_FOUND", `no actor named "${clip(target)}" on this node`);
  }

  #found(target: string): NetworkActor | undefined {
    const ref = this.#find(target);
    return ref instanceof ActorError ? undefined : ref;
  }

  /**
   * Whether call `id` is still being answered or held. A peer hands out ids in
   * order, so a new id above every one seen needs no lookup.
   */
  #inProgress(id: number): boolean {
    if (id > this.#highestCallId) {
      this.#highestCallId = id;
      return false;
    }
    return this.#served.has(id) || this.#held.hasCall(id);
  }

  /**
   * Holds a message for a busy actor, within the peer's bound: past it, the
   * message is refused as HTTP callers' are (a call gets MAILBOX_FULL, a tell is
   * a counted dead letter) and the link, with its other calls, goes on.
   */
  #hold(target: string, envelope: CallEnvelope | TellEnvelope, cost: number): void {
    const limit = this.#host.limits.maxOutboxBytes;
    if (this.#account.held + cost <= limit) {
      this.#held.hold(target, this.#found(target), envelope, cost);
      return;
    }
    this.#host.trips.inbox_full++;
    const why = `actor ${clip(target)} is busy, and over ${limit} bytes of this node's messages wait for busy actors already`;
    if (envelope[0] === CALL) this.#refuseCall(envelope[1], new ActorError("MAILBOX_FULL", why));
    else this.#deadLetter(target, envelope[2], why);
  }

  /** Delivers a held message when its actor has room again; false when it has none after all. */
  #release(envelope: CallEnvelope | TellEnvelope, cost: number): boolean {
    if (this.#state === CLOSED) return true;
    const ref = this.#find(targetOf(envelope));
    if (!(ref instanceof ActorError) && !ref.hasRoom) return false;
    this.#serve(envelope, ref, cost);
    return true;
  }

  #serve(envelope: CallEnvelope | TellEnvelope, ref: NetworkActor | ActorError, cost: number): void {
    if (envelope[0] === CALL) this.#serveCall(envelope, ref, cost);
    else this.#serveTell(envelope, ref, cost);
  }

  /** Before the link is open, nothing but the handshake is acted on. */
  #handshaking(envelope: Envelope): void {
    if (envelope[0] === HELLO && !this.#helloSeen && this.dialled) {
      this.#helloSeen = true;
      const answer = this.#handshake.hello(envelope);
      if ("refused" in answer) {
        this.close(new ActorError(this.#handshake.waits ? "UNAUTHORIZED" : "NODE_UNREACHABLE", answer.refused), 4401, "handshake refused");
        return;
      }
      this.peerId = envelope[1];
      if (answer.reply !== undefined) for (const frame of this.#host.codec.encodeFrames([answer.reply], () => undefined)) this.#socket?.send(frame);
      if (this.#handshake.waits) this.#opened();
      return;
    }
    if (envelope[0] === PROVE && !this.dialled && this.#handshake.prove(envelope[1])) {
      this.#opened();
      return;
    }
    this.close(new ActorError("UNAUTHORIZED", `node ${this.peerAddr ?? "(unknown)"} sent ${envelope[0]} before proving it knows the cluster secret`), 4401, "unauthorized");
  }

  #dispatch(envelope: Envelope): void {
    switch (envelope[0]) {
      case CALL:
        this.#host.traffic.callsIn++;
        return this.#takeIn(envelope);
      case TELL:
        this.#host.traffic.tellsIn++;
        return this.#takeIn(envelope);
      case REPLY: {
        const call = this.#calls.take(envelope[1]);
        if (call !== undefined) this.#answered(call).reply(envelope[2]);
        this.#closeIfIdle();
        return;
      }
      case FAIL: {
        const [, id, code, message, errorName, issues] = envelope;
        const error = new ActorError(isErrorCode(code) ? code : "HANDLER_ERROR", message, { ...(errorName === null ? {} : { errorName }), ...(issues === undefined ? {} : { issues }) });
        const call = this.#calls.take(id);
        if (call !== undefined) this.#answered(call).fail(error);
        this.#closeIfIdle();
        return;
      }
      case ITEM: {
        const call = this.#calls.get(envelope[1]);
        if (call !== undefined && this.#answered(call).item(envelope[2]) === false) {
          // Items past the window this node granted: the peer ignores flow control.
          this.close(unreachable(this.peerAddr, "it sent stream items past the credit it was given"), 4400, "credit exceeded");
        }
        return;
      }
      case END: {
        const call = this.#calls.take(envelope[1]);
        if (call !== undefined) this.#answered(call).end();
        this.#closeIfIdle();
        return;
      }
      case CREDIT:
        return this.#served.credit(envelope[1], envelope[2]);
      case CANCEL:
        if (!this.#held.cancel(envelope[1])) this.#served.cancel(envelope[1]);
        this.#closeIfIdle();
        return;
      case HELLO:
        // A dialled link answered its HELLO already; a second one changes nothing (the tie-break relies on peerId).
        if (this.dialled && !this.#helloSeen) this.#handshaking(envelope);
        return;
      case PROVE:
        return; // once, during the handshake
    }
  }

  #serveTell(envelope: TellEnvelope, ref: NetworkActor | ActorError, cost: number): void {
    const [, target, type, payload] = envelope;
    const refusal = ref instanceof ActorError ? ref : ref.offer(type, payload, cost, tracing.on ? contextFromWire(envelope[4], envelope[5]) : undefined);
    if (refusal === undefined) return;
    if (refusal.code === "MAILBOX_FULL") this.#host.trips.mailbox_full++;
    this.#deadLetter(target, type, refusal.message);
  }

  /** A peer's tell that no handler will see: counted and logged. */
  #deadLetter(target: string, type: string, why: string): void {
    this.#host.failures.deadLetters++;
    this.#host.logger.warn("dead letter", { actor: clip(target), message: clip(type), why: clip(why), peer: this.peerAddr });
  }

  /** Answers a peer's call with an error made here (not by an actor: those are counted where made). */
  #refuseCall(id: number, error: unknown): void {
    this.#host.failures.error(error);
    this.#outbox.push(failEnvelope(id, error));
  }

  /** Serves a peer's call under the peer's timeout, cut to the node's limit, and within the peer's budget. */
  #serveCall(envelope: CallEnvelope, ref: NetworkActor | ActorError, cost: number): void {
    const [, id, , type, payload, credit] = envelope;
    let timeoutMs = envelope[6];
    if (ref instanceof ActorError) {
      this.#refuseCall(id, ref);
      return;
    }
    const { budget, limits, trips } = this.#host;
    if (!budget.take(this.#account)) {
      trips.in_flight_per_peer++;
      this.#refuseCall(id, new ActorError("TOO_MANY_CALLS", `node busy: ${limits.maxInFlightPerPeer} calls from this peer in flight already`));
      return;
    }
    if (timeoutMs > limits.maxCallTimeoutMs) {
      trips.timeout_capped++;
      timeoutMs = limits.maxCallTimeoutMs;
    }
    try {
      const parent = tracing.on ? contextFromWire(envelope[7], envelope[8]) : undefined;
      const served = ref.serve(type, payload, this.#replies, id, laneOf(timeoutMs), cost, parent);
      if (isStream(served)) this.#served.stream(id, served, credit);
      else if (served !== undefined) this.#served.asked(served);
    } catch (error) {
      this.#released();
      this.#refuseCall(id, error);
    }
  }

  /** Where the local actors' replies to the peer's calls go, by call id. */
  readonly #replies: NetworkSink = {
    resolve: (value, id) => this.#answer(id, [REPLY, id, value]),
    reject: (error, id) => {
      if ((error as ActorError).code === "MAILBOX_FULL") this.#host.trips.mailbox_full++;
      this.#answer(id, failEnvelope(id, error));
    },
    // A forwarded call answered with a stream: it is served from here on like a local one.
    stream: (items, id) => {
      this.#served.answered(id);
      if (this.#state === CLOSED) void items.return();
      // Its caller is a client of ours, which grants the full window; one that granted less only floods itself.
      else this.#served.stream(id, items, STREAM_WINDOW);
    },
  };

  /** A reply for the peer (an ask withdrawn by a CANCEL or a close never gets here: its message is settled). */
  #answer(id: number, envelope: Envelope): void {
    this.#served.answered(id);
    if (this.#state !== CLOSED) this.#outbox.push(envelope);
    this.#released();
  }

  /** A served call ended: its slot in the peer's budget is free again. */
  #released(): void {
    this.#host.budget.give(this.#account);
    this.#closeIfIdle();
  }

  /** The node's actors stopped: served streams waiting for credit tell the peer how they ended. */
  settleStopped(): void {
    if (this.#state === OPEN) this.#served.settleStopped();
  }

  // ---- closing -------------------------------------------------------------

  /** Ends the link: calls in flight fail at once, calls served to the peer are withdrawn. */
  close(error: ActorError = unreachable(this.peerAddr, "link closed"), code = 1000, reason = "closing"): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#closeError = error;
    // Calls still queued fail below with the rest; tells have no caller, so they are logged.
    const tells = this.#outbox.close().filter((envelope) => envelope[0] === TELL).length;
    const failures = this.#host.failures;
    if (tells > 0) {
      failures.deadLetters += tells;
      this.#host.logger.warn("dead letters", { peer: this.peerAddr, tells, why: error.message });
    }
    const calls = this.#calls.values();
    this.#calls.clear();
    if (calls.length > 0) failures.error(error, calls.length);
    for (const call of calls) call.fail(error);
    this.#host.budget.give(this.#account, this.#served.size);
    this.#served.cancelAll();
    this.#held.clear();
    this.#host.budget.release(this.#account);
    try {
      this.#socket?.close(code, reason);
    } catch {
      // already closed
    }
    this.#host.closed(this);
  }
}

export function unreachable(peer: string | undefined, why: string): ActorError {
  return new ActorError("NODE_UNREACHABLE", `node ${clip(peer ?? "(unknown)")} unreachable: ${why}`);
}
