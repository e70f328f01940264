import type { Logger } from "../actor/index.ts";
import { type ClusterAuth, signatureHeaders } from "./auth.ts";
import { clientTls, type TlsOptions } from "./tls.ts";
import { type Codec, GOSSIP_PATH, GOSSIP_VERSION, GOSSIP_VERSION_HEADER, MSGPACK_TYPE } from "../wire/index.ts";

/** How long one gossip request may take: a paused peer must not pile up requests. */
const GOSSIP_TIMEOUT_MS = 2_000;
/** How long a seed's advertised address is trusted before it is asked again. */
const SEED_ADDR_TTL_MS = 10_000;
/** A health answer is a few hundred bytes; a seed may not make this node read more. */
const MAX_HEALTH_BYTES = 4096;

/** A response's text, refused past `max` bytes (read no further). */
async function boundedText(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      void reader.cancel();
      throw new Error(`answer over ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export interface GossipSenderOptions {
  auth?: ClusterAuth | undefined;
  tls?: TlsOptions | undefined;
  /** Addresses given as seeds, which may be aliases (a DNS name) of the address the seed advertises. */
  seeds?: readonly string[];
}

/**
 * Sends cluster messages as `POST /cluster/gossip`, fire-and-forget: the
 * protocol expects loss, so a failed request is simply a lost message. With a
 * secret, each message is signed for the address its receiver advertises, so it
 * cannot be replayed to any other node; a seed given by an alias is asked for
 * that address first (`GET /health`).
 */
export class GossipSender {
  readonly #codec: Codec;
  readonly #logger: Logger;
  /** Message bytes (bodies, without HTTP headers) and messages sent so far, for metrics and the cluster benchmark. */
  bytesSent = 0;
  messagesSent = 0;

  readonly #auth: ClusterAuth | undefined;
  readonly #tls: TlsOptions | undefined;
  #seeds: ReadonlySet<string>;
  readonly #seedAddrs = new Map<string, { addr: string; until: number }>();
  /** Requests not yet answered. */
  readonly #inFlight = new Set<Promise<void>>();
  /** A seed being asked for its address: messages meanwhile wait for the same answer. */
  readonly #asking = new Map<string, Promise<string>>();

  constructor(codec: Codec, logger: Logger, options: GossipSenderOptions = {}) {
    this.#codec = codec;
    this.#logger = logger;
    this.#auth = options.auth;
    this.#tls = options.tls;
    this.#seeds = new Set(options.seeds ?? []);
  }

  /** The seeds' addresses changed (a name resolved again). */
  setSeeds(seeds: readonly string[]): void {
    this.#seeds = new Set(seeds);
  }

  get #scheme(): string {
    return this.#tls === undefined ? "http" : "https";
  }

  get #tlsOption(): { tls?: ReturnType<typeof clientTls> } {
    return this.#tls === undefined ? {} : { tls: clientTls(this.#tls) };
  }

  send(to: string, message: unknown): void {
    let body: Uint8Array;
    try {
      body = this.#codec.encode(message);
    } catch (error) {
      this.#logger.error("gossip message cannot be encoded", { error });
      return;
    }
    this.bytesSent += body.byteLength;
    this.messagesSent++;
    if (this.#auth === undefined) return this.#post(to, body, {});
    const auth = this.#auth;
    const known = this.#seedAddrs.get(to);
    if (!this.#seeds.has(to) || (known !== undefined && known.until > Date.now())) {
      return this.#post(to, body, signatureHeaders(auth.sign("gossip", [known?.addr ?? to, body])));
    }
    let asking = this.#asking.get(to);
    if (asking === undefined) {
      asking = this.#advertisedAddr(to).finally(() => this.#asking.delete(to));
      this.#asking.set(to, asking);
    }
    asking.then(
      (addr) => this.#post(to, body, signatureHeaders(auth.sign("gossip", [addr, body]))),
      (error: unknown) => this.#logger.warn("seed not joined", { seed: to, why: (error as Error).message }), // a lost message; tried again next round
    );
  }

  /**
   * The address a seed advertises, which its signatures must name. The seed
   * proves it with the secret (an HMAC over a fresh challenge and that address),
   * so a stranger answering at a seed's address cannot have this node sign for
   * another node.
   */
  async #advertisedAddr(seed: string): Promise<string> {
    const auth = this.#auth as ClusterAuth;
    const challenge = crypto.randomUUID();
    const response = await fetch(`${this.#scheme}://${seed}/health?challenge=${challenge}`, { ...this.#tlsOption, signal: AbortSignal.timeout(GOSSIP_TIMEOUT_MS) });
    const health = JSON.parse(await boundedText(response, MAX_HEALTH_BYTES)) as { addr?: unknown; proof?: unknown };
    if (typeof health.addr !== "string" || health.addr.length === 0 || health.addr.length > 300 || !auth.checkProof("health", [challenge, health.addr], health.proof)) {
      throw new Error(`seed ${seed} did not prove its address`);
    }
    this.#seedAddrs.set(seed, { addr: health.addr, until: Date.now() + SEED_ADDR_TTL_MS });
    return health.addr;
  }

  #post(to: string, body: Uint8Array, signature: Record<string, string>): void {
    const sent: Promise<void> = fetch(`${this.#scheme}://${to}${GOSSIP_PATH}`, {
      method: "POST",
      headers: { "content-type": MSGPACK_TYPE, [GOSSIP_VERSION_HEADER]: String(GOSSIP_VERSION), ...signature },
      ...this.#tlsOption,
      body,
      signal: AbortSignal.timeout(GOSSIP_TIMEOUT_MS),
    })
      .then(
        (response) => response.body?.cancel(),
        () => {},
      )
      .finally(() => this.#inFlight.delete(sent));
    this.#inFlight.add(sent);
  }

  /**
   * Waits until the messages sent so far have been delivered (or given up on),
   * for at most `maxMs`: a node that leaves must not exit before its goodbye
   * has gone out, or the others find out only by failure detection.
   */
  async delivered(maxMs: number): Promise<void> {
    if (this.#inFlight.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.allSettled([...this.#inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, maxMs)))]);
    clearTimeout(timer);
  }
}
