import { ActorError, FailureCounts, LatencyBuckets, type LatencySnapshot, type Logger, type NetworkActor } from "../actor/index.ts";
import { type Codec, PROTOCOL_VERSION } from "../wire/index.ts";
import { type ClusterAuth, signatureHeaders } from "./auth.ts";
import { diallerHandshake } from "./handshake.ts";
import { DEFAULT_TRANSPORT_LIMITS, type LimitTrips, newLimitTrips, type TransportLimits } from "./limits.ts";
import { Link, type LinkHost, type LinkTraffic, unreachable } from "./link.ts";
import { PeerBudget } from "./peer-budget.ts";
import type { Locate } from "./route-hints.ts";
import { clientTls, type TlsOptions } from "./tls.ts";

/** Headers of a link's WebSocket upgrade: who dials, and which protocol it speaks. */
export const NODE_HEADER = "x-pulsing-node";
export const ADDR_HEADER = "x-pulsing-addr";
export const PROTOCOL_HEADER = "x-pulsing-protocol";
/** With a secret: the address the dialler dialled, which the signature covers. */
export const TARGET_HEADER = "x-pulsing-target";
export const LINK_PATH = "/cluster/link";

export interface LinksOptions {
  nodeId: string;
  /** This node's own address, told to peers so they can reuse the link; undefined for a client-only node. */
  addr: string | undefined;
  codec: Codec;
  logger: Logger;
  limits?: Partial<TransportLimits>;
  /** Where tripped limits are counted; shared with the server's routes. */
  trips?: LimitTrips;
  /** Where errors made on the links, their timeouts and dead letters are counted (the node's runtime's). */
  failures?: FailureCounts;
  lookup(name: string): NetworkActor | ActorError | undefined;
  /** With a gateway, calls from clients outside the cluster reach actors on any node through this one. */
  gateway?: Locate;
  /** Backoff between failed dials to one peer, doubling from min to max. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  connectTimeoutMs?: number;
  /** The cluster secret: links are signed, and the acceptor must prove it knows it too. */
  auth?: ClusterAuth;
  /** Dial with TLS (`wss://`), presenting this certificate and trusting this CA. */
  tls?: TlsOptions;
}

interface Peer {
  /** The link new calls use. */
  link: Link | undefined;
  /** Every live link to this peer (two when both dialled at once). */
  links: Set<Link>;
  failures: number;
  retryAt: number;
  /** Round trips of this node's sampled calls to the peer, on whichever link carried them. */
  readonly rtt: LatencyBuckets;
}

/** One peer as metrics see it: calls in flight both ways, and the sampled round trips of this node's calls. */
export interface PeerLoad {
  /** The peer's address; `(client)` for every link from a client outside the cluster together. */
  readonly peer: string;
  readonly callsOut: number;
  readonly callsIn: number;
  /** Undefined when this node never called the peer (or forgot it: no link and no backoff left). */
  readonly rtt: LatencySnapshot | undefined;
}

/** The `peer` of the links from clients outside the cluster, which have no address: one label for all of them. */
export const CLIENT_PEER = "(client)";

/**
 * One link per peer, made on first use and reused for calls both ways. When two
 * nodes dial each other at once, both keep sending on the link dialled by the
 * node with the smaller id; the other one is closed by its dialler once idle.
 */
export class Links {
  readonly #options: LinksOptions;
  readonly #peers = new Map<string, Peer>();
  /** Every open link, dialled or accepted, trusted for our calls or not. */
  readonly #open = new Set<Link>();
  readonly #host: LinkHost;
  #closed = false;
  readonly #listeners = new Set<(link: Link) => void>();

  constructor(options: LinksOptions) {
    this.#options = options;
    const limits = { ...DEFAULT_TRANSPORT_LIMITS, ...options.limits };
    this.#host = {
      logger: options.logger,
      codec: options.codec,
      limits,
      trips: options.trips ?? newLimitTrips(),
      budget: new PeerBudget(limits.maxInFlightPerPeer),
      lookup: options.lookup,
      ...(options.gateway === undefined ? {} : { gateway: options.gateway }),
      traffic: { callsOut: 0, tellsOut: 0, callsIn: 0, tellsIn: 0 },
      failures: options.failures ?? new FailureCounts(),
      opened: (link) => this.#opened(link),
      closed: (link) => this.#forget(link),
    };
  }

  /** Limits that tripped on this node's links and routes, for metrics. */
  get trips(): LimitTrips {
    return this.#host.trips;
  }

  /** Calls `listener` whenever a link opens or closes (a client follows its gateway link so). */
  onChange(listener: (link: Link) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(link: Link): void {
    for (const listener of this.#listeners) listener(link);
  }

  #opened(link: Link): void {
    this.#open.add(link);
    this.#changed(link);
    if (link.dialled) this.#options.logger.info("link up", { peer: link.peerAddr, dialled: true });
    else this.#accepted(link);
  }

  get host(): LinkHost {
    return this.#host;
  }

  /** Open links, for health and metrics. */
  get size(): number {
    return this.#open.size;
  }

  #peer(addr: string): Peer {
    let peer = this.#peers.get(addr);
    if (peer === undefined) {
      peer = { link: undefined, links: new Set(), failures: 0, retryAt: 0, rtt: new LatencyBuckets() };
      this.#peers.set(addr, peer);
    }
    return peer;
  }

  /** The link to use for `addr`: open, connecting, or closed (during backoff, or when shut down). */
  to(addr: string): Link {
    const peer = this.#peer(addr);
    if (peer.link !== undefined && peer.link.usable) return peer.link;
    if (this.#closed || Date.now() < peer.retryAt) {
      const link = new Link(this.#host, { peerAddr: addr, peerKey: `addr:${addr}`, dialled: true, handshake: diallerHandshake(this.#options.nodeId, addr, undefined, "") });
      link.close(this.#closed ? new ActorError("SHUTTING_DOWN", "this node is shutting down") : unreachable(addr, "recent dial failed; retrying after backoff"));
      return link;
    }
    return this.#dial(addr, peer);
  }

  #dial(addr: string, peer: Peer): Link {
    const { nodeId, connectTimeoutMs = 5000, auth } = this.#options;
    const headers: Record<string, string> = { [NODE_HEADER]: nodeId, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) };
    if (this.#options.addr !== undefined) headers[ADDR_HEADER] = this.#options.addr;
    let nonce = "";
    if (auth !== undefined) {
      // The signature names the node dialled, and the HELLO proof names it back: a
      // node without the secret cannot relay our handshake to another node.
      headers[TARGET_HEADER] = addr;
      const signature = auth.sign("link", [nodeId, this.#options.addr ?? "", addr]);
      Object.assign(headers, signatureHeaders(signature));
      nonce = signature.nonce;
    }
    // We chose whom to dial: the peer's calls on this link count against that address.
    const link = new Link(this.#host, { peerAddr: addr, peerKey: `addr:${addr}`, dialled: true, handshake: diallerHandshake(nodeId, addr, auth, nonce) });
    link.rtt = peer.rtt;
    peer.link = link;
    peer.links.add(link);
    const tls = this.#options.tls;
    const socket = new WebSocket(`${tls === undefined ? "ws" : "wss"}://${addr}${LINK_PATH}`, { headers, ...(tls === undefined ? {} : { tls: clientTls(tls) }) } as unknown as string[]);
    socket.binaryType = "arraybuffer";
    // The connect timeout runs until the link is open: through the handshake and, with a secret, the HELLO proof.
    const timer = setTimeout(() => {
      if (link.isOpen) return;
      this.#failed(addr, peer);
      link.close(unreachable(addr, `no connection within ${connectTimeoutMs} ms`));
      socket.close();
    }, connectTimeoutMs);
    socket.onopen = () => {
      if (link.isClosed) {
        socket.close(); // too late: the link gave up already
        return;
      }
      peer.failures = 0;
      link.open({ send: (data) => socket.send(data), close: (code, reason) => socket.close(code, reason), buffered: () => socket.bufferedAmount });
      if (link.isOpen) clearTimeout(timer);
    };
    socket.onmessage = (event: MessageEvent) => {
      const data = event.data;
      if (data instanceof ArrayBuffer) {
        link.receive(new Uint8Array(data));
        if (link.isOpen) clearTimeout(timer);
      } else link.close(unreachable(addr, "peer sent a text frame"), 4400, "text frames are not part of the protocol");
    };
    socket.onclose = (event: CloseEvent) => {
      clearTimeout(timer);
      if (!link.isOpen && !link.isClosed) this.#failed(addr, peer);
      const why = event.reason ? `closed by peer: ${event.reason} (${event.code})` : `connection closed (${event.code})`;
      link.close(unreachable(addr, why));
    };
    socket.onerror = () => {
      // onclose follows and says why
    };
    return link;
  }

  #failed(addr: string, peer: Peer): void {
    const { minBackoffMs = 100, maxBackoffMs = 5000 } = this.#options;
    const delay = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(peer.failures, 30));
    peer.failures++;
    peer.retryAt = Date.now() + delay;
    this.#options.logger.info("link dial failed", { peer: addr, retryInMs: delay });
  }

  /** A peer dialled us and the link is open: it serves the peer's calls, and ours too when it is trusted and no better one exists. */
  #accepted(link: Link): void {
    this.#options.logger.info("link up", { peer: link.peerAddr, peerId: link.peerId });
    const addr = link.peerAddr;
    if (addr === undefined || !this.#trusted()) return; // we only answer it
    const peer = this.#peer(addr);
    peer.links.add(link);
    link.rtt = peer.rtt;
    peer.failures = 0;
    peer.retryAt = 0;
    const current = peer.link;
    if (current === undefined || current.isClosed || this.#prefer(link, current)) peer.link = link;
    this.#dropDuplicates(peer);
  }

  /**
   * Whether a link the peer dialled may carry this node's own calls to `addr`.
   * Only with the secret: then its address and id are signed and it answered our
   * challenge. Without one, anyone could claim a member's address and id (both
   * are public), so this node sends its calls on links it dialled itself.
   */
  #trusted(): boolean {
    return this.#options.auth !== undefined;
  }

  /** Of two links to one peer, keep the one dialled by the smaller node id: both ends agree. */
  #prefer(candidate: Link, current: Link): boolean {
    const dialler = (link: Link) => (link.dialled ? this.#options.nodeId : link.peerId ?? "");
    return dialler(candidate) < dialler(current);
  }

  /** A dialled link that lost the tie-break closes once nothing waits on it; its dialler closes it. */
  #dropDuplicates(peer: Peer): void {
    for (const link of peer.links) if (link !== peer.link && link.dialled) link.supersede();
  }

  #forget(link: Link): void {
    this.#open.delete(link);
    this.#changed(link);
    if (link.everOpen) this.#options.logger.info("link down", { peer: link.peerAddr, peerId: link.peerId });
    if (link.peerAddr === undefined) return;
    const peer = this.#peers.get(link.peerAddr);
    if (peer === undefined) return;
    peer.links.delete(link);
    if (peer.link === link) {
      peer.link = undefined;
      for (const other of peer.links) if (!other.isClosed) peer.link = other;
    }
    // Nothing left to remember of a peer with no links and no backoff running.
    if (peer.links.size === 0 && peer.retryAt <= Date.now()) this.#peers.delete(link.peerAddr);
  }

  /** Envelopes sent and received on every link of this node, for metrics. */
  get traffic(): Readonly<LinkTraffic> {
    return this.#host.traffic;
  }

  /**
   * Calls in flight per peer over the open links, with the sampled round trips
   * of the peers this node called: one row per peer address (bounded by the
   * links: maxLinks accepted, and the peers this node dials).
   */
  load(): PeerLoad[] {
    const rows = new Map<string, { callsOut: number; callsIn: number }>();
    for (const link of this.#open) {
      const peer = link.peerAddr ?? CLIENT_PEER;
      const row = rows.get(peer) ?? { callsOut: 0, callsIn: 0 };
      row.callsOut += link.callsOut;
      row.callsIn += link.callsIn;
      rows.set(peer, row);
    }
    for (const addr of this.#peers.keys()) if (!rows.has(addr)) rows.set(addr, { callsOut: 0, callsIn: 0 });
    return [...rows].map(([peer, row]) => {
      const rtt = this.#peers.get(peer)?.rtt;
      return { peer, ...row, rtt: rtt === undefined || rtt.count === 0 ? undefined : rtt.snapshot() };
    });
  }

  /** Calls in flight to `addr`, for load-aware routing. */
  inFlightTo(addr: string): number {
    return this.#peers.get(addr)?.link?.inFlight ?? 0;
  }

  /**
   * The node `nodeId` at `addr` is gone (the cluster says so): its calls in
   * flight fail now. Only links to that very node close: a new node restarted
   * at the same address keeps its own.
   */
  closeTo(addr: string, nodeId: string, why: string): void {
    const peer = this.#peers.get(addr);
    if (peer === undefined) return;
    for (const link of [...peer.links]) if (link.peerId === nodeId) link.close(unreachable(addr, why), 1000, why);
  }

  /** The node's actors stopped: what every link still serves says how it ended, before the links close. */
  settleStopped(): void {
    for (const link of this.#open) link.settleStopped();
  }

  /** Closes every link, dialled or accepted; calls in flight fail with NODE_UNREACHABLE. */
  close(): void {
    this.#closed = true;
    for (const peer of this.#peers.values()) for (const link of [...peer.links]) link.close(undefined, 1001, "node shutting down");
    for (const link of [...this.#open]) link.close(undefined, 1001, "node shutting down");
    this.#peers.clear();
  }
}
