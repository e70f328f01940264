/**
 * The fuzzer's end of a link: a WebSocket to `/cluster/link` that dials like a
 * node (protocol headers; with a secret, a signed upgrade and the PROVE that
 * answers the node's HELLO challenge), or like an attacker (wrong headers, no
 * proof, a wrong or replayed one). Every frame the node sends back is decoded
 * and handed to `onEnvelope`.
 */
import { decode, encode } from "@msgpack/msgpack";
import { prove, sign } from "./signing.ts";

export const PROTOCOL_VERSION = 3;
export const NODE_HEADER = "x-pulsing-node";
export const ADDR_HEADER = "x-pulsing-addr";
export const PROTOCOL_HEADER = "x-pulsing-protocol";
export const TARGET_HEADER = "x-pulsing-target";
const HELLO = 8;
const PROVE = 9;

export interface LinkTarget {
  addr: string;
  /** The cluster secret the node was started with, if any. */
  secret?: string;
}

/** The upgrade headers a node would send: protocol, node id and, with a secret, a signature for this very target. */
export function linkHeaders(target: LinkTarget, nodeId: string): Record<string, string> {
  const headers: Record<string, string> = { [NODE_HEADER]: nodeId, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) };
  if (target.secret !== undefined) {
    headers[TARGET_HEADER] = target.addr;
    Object.assign(headers, sign(target.secret, "link", [nodeId, "", target.addr]));
  }
  return headers;
}

export interface OpenOptions {
  nodeId: string;
  headers: Record<string, string>;
  /** With a secret: answer the HELLO with the right PROVE ("right"), a wrong one, a given one, or none. */
  proof?: "right" | "none" | { proof: string };
  onEnvelope(envelope: unknown[], link: FuzzLink): void;
  /** A frame that does not decode as a msgpack array. */
  onGarbage(why: string): void;
  timeoutMs?: number;
}

export class FuzzLink {
  readonly ws: WebSocket;
  readonly nodeId: string;
  readonly headers: Record<string, string>;
  /** The challenge of the node's HELLO, once it came. */
  challenge: string | null | undefined;
  /** The PROVE this end sent, if any (to replay on another link). */
  proof: string | undefined;
  closed: { code: number; reason: string } | undefined;
  readonly #closedWaiters = new Set<() => void>();
  readonly #helloWaiters: (() => void)[] = [];

  private constructor(ws: WebSocket, options: OpenOptions) {
    this.ws = ws;
    this.nodeId = options.nodeId;
    this.headers = options.headers;
    ws.binaryType = "arraybuffer";
    ws.onmessage = (event) => {
      if (typeof event.data === "string") return options.onGarbage("the node sent a text frame");
      let frame: unknown;
      try {
        frame = decode(new Uint8Array(event.data as ArrayBuffer));
      } catch (error) {
        return options.onGarbage(`a frame that does not decode: ${(error as Error).message}`);
      }
      if (!Array.isArray(frame)) return options.onGarbage("a frame that is not an array");
      for (const envelope of frame) {
        if (!Array.isArray(envelope)) {
          options.onGarbage("an envelope that is not an array");
          continue;
        }
        if (envelope[0] === HELLO && this.challenge === undefined) {
          this.challenge = typeof envelope[4] === "string" ? envelope[4] : null;
          for (const wake of this.#helloWaiters.splice(0)) wake();
        }
        options.onEnvelope(envelope, this);
      }
    };
    ws.onclose = (event) => {
      this.closed = { code: event.code, reason: event.reason };
      for (const wake of [...this.#closedWaiters]) wake();
      this.#closedWaiters.clear();
      for (const wake of this.#helloWaiters.splice(0)) wake();
    };
  }

  /** Opens a link; a refusal says why (the upgrade refused, or no HELLO in time with a secret). */
  static async open(target: LinkTarget, options: OpenOptions): Promise<FuzzLink | { refused: string }> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const ws = new WebSocket(`ws://${target.addr}/cluster/link`, { headers: options.headers } as unknown as string[]);
    const link = new FuzzLink(ws, options);
    const opened = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve("no upgrade in time"), timeoutMs);
      ws.addEventListener("open", () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      ws.addEventListener("error", () => {
        clearTimeout(timer);
        resolve("the upgrade was refused");
      });
    });
    if (opened !== undefined) {
      link.terminate();
      return { refused: opened };
    }
    const proof = options.proof ?? "right";
    if (target.secret !== undefined && proof !== "none") {
      if (!(await link.#hello(timeoutMs))) {
        link.terminate();
        return { refused: link.closed === undefined ? "no HELLO in time" : `closed before its HELLO (${link.closed.code})` };
      }
      link.proof = proof === "right" ? (link.challenge ? prove(target.secret, link.challenge, options.nodeId, target.addr) : "no-challenge") : proof.proof;
      link.send(encode([[PROVE, link.proof]]));
    }
    return link;
  }

  #hello(timeoutMs: number): Promise<boolean> {
    if (this.challenge !== undefined) return Promise.resolve(true);
    if (this.closed !== undefined) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#helloWaiters.push(() => {
        clearTimeout(timer);
        resolve(this.challenge !== undefined);
      });
    });
  }

  get isOpen(): boolean {
    return this.closed === undefined && this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: Uint8Array | string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  /** Stops reading: the node sees TCP backpressure, as from a peer that never reads. */
  pause(): void {
    (this.ws as unknown as { pause(): boolean }).pause();
  }

  /** Waits until the node closes the link; false when it did not within `ms`. */
  waitClosed(ms: number): Promise<boolean> {
    if (this.closed !== undefined) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#closedWaiters.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#closedWaiters.delete(wake);
        resolve(false);
      }, ms);
      this.#closedWaiters.add(wake);
    });
  }

  /**
   * A ping, and its pong: the node has read every frame sent before it. False
   * when the link closed first (a frame before it was refused) or no pong came
   * within `ms`. Keeps the next frame off a link the node already closed.
   */
  sync(ms: number): Promise<boolean> {
    if (!this.isOpen) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.ws.removeEventListener("pong", onPong);
        this.#closedWaiters.delete(onClose);
        resolve(value);
      };
      const onPong = () => done(true);
      const onClose = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      this.ws.addEventListener("pong", onPong);
      this.#closedWaiters.add(onClose);
      try {
        (this.ws as unknown as { ping(): void }).ping();
      } catch {
        done(false);
      }
    });
  }

  close(): void {
    try {
      this.ws.close();
    } catch {
      // already closed
    }
  }

  terminate(): void {
    try {
      (this.ws as unknown as { terminate(): void }).terminate();
    } catch {
      this.close();
    }
  }
}
