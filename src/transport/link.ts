import { ActorError, type ActorStream, deliverInto, deliverTell, isErrorCode, type Lane, laneOf, type Logger, type ReplySink } from "../actor/index.ts";
import {
  CALL,
  CANCEL,
  type Codec,
  CREDIT,
  END,
  type Envelope,
  FAIL,
  HELLO,
  ITEM,
  PROTOCOL_VERSION,
  REPLY,
  TELL,
} from "../wire/index.ts";
import { CallTable } from "./calls.ts";
import { RemoteCall, STREAM_WINDOW, type CallLink } from "./remote-call.ts";

/** The socket under a link: Bun's server-side or client-side WebSocket. */
export interface LinkSocket {
  send(data: Uint8Array): unknown;
  close(code?: number, reason?: string): void;
}

/** What a link needs from its node. */
export interface LinkHost {
  readonly logger: Logger;
  readonly codec: Codec;
  /** The local actor by that name, as a ref, if any. */
  lookup(name: string): unknown;
  /** Envelopes counted by direction and kind, for metrics; shared by every link of a node. */
  readonly traffic: LinkTraffic;
  /** The link is gone; it will never be used again. */
  closed(link: Link): void;
}

export interface LinkTraffic {
  callsOut: number;
  tellsOut: number;
  callsIn: number;
  tellsIn: number;
}

/** A stream this node serves to the peer: its cursor and how many items the peer can take. */
interface ServedStream {
  readonly items: ActorStream<unknown>;
  credit: number;
  pumping: boolean;
  done: boolean;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/**
 * One WebSocket to a peer node, whichever side dialled it. It batches every
 * envelope sent in one event-loop turn into one frame, matches replies to calls,
 * and runs streams both ways with credit-based flow control.
 */
export class Link implements CallLink {
  /** The peer's node id, once known (from its headers or its HELLO). */
  peerId: string | undefined;
  readonly peerAddr: string | undefined;
  readonly dialled: boolean;
  /** Another link to the same peer won the tie-break: close this one once nothing waits on it. */
  #superseded = false;
  /** Asks from the peer that this node is still answering. */
  #answering = 0;
  #helloSeen = false;
  #everOpen = false;
  #state = CONNECTING;
  #socket: LinkSocket | undefined;
  readonly #host: LinkHost;
  #outbox: Envelope[] = [];
  #flushSoon = false;
  #flushLater = false;
  #nextId = 1;
  readonly #calls = new CallTable<RemoteCall>();
  readonly #served = new Map<number, ServedStream>();
  #closeError: ActorError | undefined;

  /** With a cluster secret, a dialled link waits for the acceptor's HELLO to prove it knows it. */
  readonly #checkHello: ((peerId: string, proof: string | null) => boolean) | undefined;

  constructor(host: LinkHost, options: { peerAddr: string | undefined; peerId?: string; dialled: boolean; checkHello?: (peerId: string, proof: string | null) => boolean }) {
    this.#host = host;
    this.peerAddr = options.peerAddr;
    this.peerId = options.peerId;
    this.dialled = options.dialled;
    this.#checkHello = options.checkHello;
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

  /** Calls waiting for an answer on this link, either way. */
  get inFlight(): number {
    return this.#calls.size + this.#answering + this.#served.size;
  }

  /** Stops taking new calls from this side and closes once idle (a duplicate link). */
  supersede(): void {
    this.#superseded = true;
    this.#closeIfIdle();
  }

  #closeIfIdle(): void {
    if (this.#superseded && this.#state === OPEN && this.inFlight === 0) this.close(undefined, 1000, "duplicate link");
  }

  /** The socket is up: send what waited for it (once the peer proved itself, when it must). */
  open(socket: LinkSocket): void {
    if (this.#state !== CONNECTING) return;
    this.#socket = socket;
    if (this.#checkHello === undefined) this.#opened();
  }

  #opened(): void {
    this.#state = OPEN;
    this.#everOpen = true;
    if (this.#outbox.length > 0) queueMicrotask(this.#flushNow);
  }

  /** An accepting node says who it is, first thing on a new link. */
  hello(nodeId: string, proof: string | null): void {
    const envelope: Envelope = [HELLO, nodeId, PROTOCOL_VERSION, proof];
    // The HELLO goes first, alone, even before anything queued.
    const frames = this.#host.codec.encodeFrames([envelope], () => undefined);
    for (const frame of frames) this.#socket?.send(frame);
  }

  // ---- sending -------------------------------------------------------------

  call(target: string, type: string, payload: unknown, timeout: Lane, askOnly = false): RemoteCall {
    const id = this.#nextId++;
    const call = new RemoteCall(id, this, timeout, askOnly);
    if (this.#state === CLOSED) {
      call.fail(this.#closeError ?? unreachable(this.peerAddr, "link closed"));
      return call;
    }
    this.#calls.set(call);
    this.#host.traffic.callsOut++;
    this.#send([CALL, id, target, type, payload, STREAM_WINDOW, timeout.timeoutMs]);
    return call;
  }

  tell(target: string, type: string, payload: unknown): void {
    if (this.#state === CLOSED) {
      this.#host.logger.warn("dead letter", { actor: target, message: type, why: "link closed", peer: this.peerAddr });
      return;
    }
    this.#host.traffic.tellsOut++;
    this.#send([TELL, target, type, payload]);
  }

  grant(id: number, count: number): void {
    if (this.#calls.get(id) !== undefined) this.#send([CREDIT, id, count]);
  }

  cancel(id: number): void {
    if (this.#calls.take(id) !== undefined && this.#state !== CLOSED) this.#send([CANCEL, id]);
    this.#closeIfIdle();
  }

  /**
   * Queues an envelope for the next frame. Calls and replies leave in a
   * microtask: the callers resumed by one frame all run before it, so their calls
   * share a frame, with no added latency. Stream items leave in an immediate:
   * each takes a few microtasks to produce, and waiting for the event-loop turn
   * to finish puts many in one frame.
   */
  #send(envelope: Envelope, soon = true): void {
    this.#outbox.push(envelope);
    if (this.#state !== OPEN) return;
    if (soon) {
      if (this.#flushSoon) return;
      this.#flushSoon = true;
      queueMicrotask(this.#flushNow);
    } else {
      if (this.#flushLater) return;
      this.#flushLater = true;
      setImmediate(this.#flushAtTurnEnd);
    }
  }

  readonly #flushNow = (): void => {
    this.#flushSoon = false;
    this.#flush();
  };

  readonly #flushAtTurnEnd = (): void => {
    this.#flushLater = false;
    this.#flush();
  };

  #flush(): void {
    if (this.#state !== OPEN || this.#outbox.length === 0) return;
    const batch = this.#outbox;
    this.#outbox = [];
    const frames = this.#host.codec.encodeFrames(batch, (envelope, error) => this.#unencodable(envelope, error));
    try {
      for (const frame of frames) {
        // 0: the socket dropped the frame (its buffer is full or it is closing). Losing
        // frames silently is worse than losing the link: its calls fail now.
        if ((this.#socket as LinkSocket).send(frame) === 0) {
          this.close(unreachable(this.peerAddr, "the peer does not read fast enough (send buffer full)"));
          return;
        }
      }
    } catch (error) {
      this.close(unreachable(this.peerAddr, `send failed: ${(error as Error).message}`));
    }
  }

  /** A value that msgpack cannot carry fails its own call, not the batch. */
  #unencodable(envelope: Envelope, error: unknown): Envelope | undefined {
    const why = `cannot encode for the wire: ${error instanceof Error ? error.message : String(error)}`;
    switch (envelope[0]) {
      case ITEM: {
        // The stream cannot go on: its generator stops here too.
        const stream = this.#served.get(envelope[1]);
        if (stream !== undefined) {
          this.#served.delete(envelope[1]);
          stream.done = true;
          void stream.items.return();
        }
        return [FAIL, envelope[1], "HANDLER_ERROR", why, "EncodeError"];
      }
      case REPLY:
        return [FAIL, envelope[1], "HANDLER_ERROR", why, "EncodeError"];
      case CALL: {
        const call = this.#calls.take(envelope[1]);
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
    let frame: Envelope[];
    try {
      frame = this.#host.codec.decodeFrame(data);
    } catch (error) {
      this.#host.logger.warn("bad frame; closing link", { peer: this.peerAddr, error });
      this.close(new ActorError("NODE_UNREACHABLE", `link closed: the peer sent a bad frame (${(error as Error).message})`), 4400, "bad frame");
      return;
    }
    for (const envelope of frame) {
      if (this.#state === CLOSED) return;
      // Before the acceptor has proved itself, nothing but its HELLO is acted on.
      if (this.#state !== OPEN && envelope[0] !== HELLO) {
        this.close(new ActorError("UNAUTHORIZED", `node ${this.peerAddr ?? "(unknown)"} sent ${envelope[0]} before proving it knows the cluster secret`), 4401, "unauthorized");
        return;
      }
      this.#dispatch(envelope);
    }
  }

  #dispatch(envelope: Envelope): void {
    switch (envelope[0]) {
      case CALL:
        this.#host.traffic.callsIn++;
        return this.#serveCall(envelope[1], envelope[2], envelope[3], envelope[4], envelope[5], envelope[6]);
      case TELL: {
        this.#host.traffic.tellsIn++;
        const ref = this.#host.lookup(envelope[1]);
        if (ref === undefined) this.#host.logger.warn("dead letter", { actor: envelope[1], message: envelope[2], why: "no such actor" });
        else void deliverTell(ref, envelope[2], envelope[3]);
        return;
      }
      case REPLY:
        this.#calls.take(envelope[1])?.reply(envelope[2]);
        this.#closeIfIdle();
        return;
      case FAIL: {
        const [, id, code, message, errorName] = envelope;
        const error = new ActorError(isErrorCode(code) ? code : "HANDLER_ERROR", message, errorName === null ? {} : { errorName });
        this.#calls.take(id)?.fail(error);
        this.#closeIfIdle();
        return;
      }
      case ITEM:
        this.#calls.get(envelope[1])?.item(envelope[2]);
        return;
      case END:
        this.#calls.take(envelope[1])?.end();
        this.#closeIfIdle();
        return;
      case CREDIT: {
        const stream = this.#served.get(envelope[1]);
        if (stream !== undefined) {
          stream.credit += envelope[2];
          this.#pump(envelope[1], stream);
        }
        return;
      }
      case CANCEL: {
        const stream = this.#served.get(envelope[1]);
        if (stream !== undefined) {
          this.#served.delete(envelope[1]);
          stream.done = true;
          void stream.items.return();
        }
        this.#closeIfIdle();
        return;
      }
      case HELLO:
        if (this.#helloSeen) return; // once per link: the tie-break relies on peerId
        this.#helloSeen = true;
        if (envelope[2] !== PROTOCOL_VERSION) {
          this.close(unreachable(this.peerAddr, `peer speaks protocol ${envelope[2]}, this node ${PROTOCOL_VERSION}`), 4400, "incompatible protocol version");
          return;
        }
        this.peerId = envelope[1];
        if (this.#checkHello !== undefined && this.#state === CONNECTING) {
          if (!this.#checkHello(envelope[1], envelope[3])) {
            this.close(new ActorError("UNAUTHORIZED", `node ${this.peerAddr ?? "(unknown)"} could not prove it knows the cluster secret`), 4401, "unauthorized");
            return;
          }
          this.#opened();
        }
        return;
    }
  }

  /** Serves a peer's call under the peer's timeout: the caller decides how long it waits. */
  #serveCall(id: number, target: string, type: string, payload: unknown, credit: number, timeoutMs: number): void {
    const ref = this.#host.lookup(target);
    if (ref === undefined) {
      this.#send([FAIL, id, "ACTOR_NOT_FOUND", `no actor named "${target}" on this node`, null]);
      return;
    }
    if (this.#answering + this.#served.size >= this.#host.codec.limits.maxInFlightPerLink) {
      this.#send([FAIL, id, "MAILBOX_FULL", `node busy: ${this.#answering} calls from this peer in flight already`, null]);
      return;
    }
    try {
      this.#answering++;
      const items = deliverInto(ref, type, payload, this.#replies, id, laneOf(timeoutMs));
      if (items === undefined) return; // the reply comes through this.#replies
      this.#answering--;
      const stream: ServedStream = { items, credit, pumping: false, done: false };
      this.#served.set(id, stream);
      this.#pump(id, stream);
    } catch (error) {
      this.#answering--;
      this.#send(failEnvelope(id, error));
    }
  }

  /** Where the local actors' replies to the peer's calls go, by call id. */
  readonly #replies: ReplySink = {
    resolve: (value, id) => this.#answer([REPLY, id, value]),
    reject: (error, id) => this.#answer(failEnvelope(id, error)),
  };

  #answer(envelope: Envelope): void {
    this.#answering--;
    if (this.#state !== CLOSED) this.#send(envelope);
    this.#closeIfIdle();
  }

  /** Sends items while the peer has credit; pauses when it has none. */
  #pump(id: number, stream: ServedStream): void {
    if (stream.pumping || stream.done || stream.credit <= 0) return;
    stream.pumping = true;
    stream.items.next().then(
      (result) => {
        stream.pumping = false;
        if (stream.done || this.#state === CLOSED) return;
        if (result.done) {
          stream.done = true;
          this.#served.delete(id);
          this.#send([END, id], false);
          this.#closeIfIdle();
          return;
        }
        stream.credit--;
        this.#send([ITEM, id, result.value], false);
        this.#pump(id, stream);
      },
      (error: unknown) => {
        stream.pumping = false;
        stream.done = true;
        this.#served.delete(id);
        if (this.#state !== CLOSED) this.#send(failEnvelope(id, error), false);
        this.#closeIfIdle();
      },
    );
  }

  // ---- closing -------------------------------------------------------------

  /** Ends the link: calls in flight fail at once, streams served to the peer are cancelled. */
  close(error: ActorError = unreachable(this.peerAddr, "link closed"), code = 1000, reason = "closing"): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#closeError = error;
    // Calls still queued fail below with the rest; tells have no caller, so they are logged.
    const tells = this.#outbox.filter((envelope) => envelope[0] === TELL).length;
    if (tells > 0) this.#host.logger.warn("dead letters", { peer: this.peerAddr, tells, why: error.message });
    this.#outbox = [];
    const calls = this.#calls.values();
    this.#calls.clear();
    for (const call of calls) call.fail(error);
    for (const stream of this.#served.values()) {
      stream.done = true;
      void stream.items.return();
    }
    this.#served.clear();
    try {
      this.#socket?.close(code, reason);
    } catch {
      // already closed
    }
    this.#host.closed(this);
  }
}

export function unreachable(peer: string | undefined, why: string): ActorError {
  return new ActorError("NODE_UNREACHABLE", `node ${peer ?? "(unknown)"} unreachable: ${why}`);
}

function failEnvelope(id: number, error: unknown): Envelope {
  const wrapped = ActorError.fromHandler(error);
  return [FAIL, id, wrapped.code, wrapped.message, wrapped.errorName ?? null];
}
