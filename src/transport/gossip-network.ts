import type { Logger } from "../actor/index.ts";
import { type ClusterAuth, signatureHeaders } from "./auth.ts";
import { clientTls, type TlsOptions } from "./tls.ts";
import { type Codec, GOSSIP_PATH, GOSSIP_VERSION, GOSSIP_VERSION_HEADER, MSGPACK_TYPE } from "../wire/index.ts";

/** How long one gossip request may take: a paused peer must not pile up requests. */
const GOSSIP_TIMEOUT_MS = 2_000;

/**
 * Sends cluster messages as `POST /cluster/gossip`, fire-and-forget: the
 * protocol expects loss, so a failed request is simply a lost message.
 */
export class GossipSender {
  readonly #codec: Codec;
  readonly #logger: Logger;
  /** Message bytes (bodies, without HTTP headers) and messages sent so far, for metrics and the cluster benchmark. */
  bytesSent = 0;
  messagesSent = 0;

  readonly #auth: ClusterAuth | undefined;
  readonly #tls: TlsOptions | undefined;

  constructor(codec: Codec, logger: Logger, auth?: ClusterAuth, tls?: TlsOptions) {
    this.#codec = codec;
    this.#logger = logger;
    this.#auth = auth;
    this.#tls = tls;
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
    const headers: Record<string, string> = {
      "content-type": MSGPACK_TYPE,
      [GOSSIP_VERSION_HEADER]: String(GOSSIP_VERSION),
      ...(this.#auth === undefined ? {} : signatureHeaders(this.#auth.sign("gossip", [body]))),
    };
    fetch(`${this.#tls === undefined ? "http" : "https"}://${to}${GOSSIP_PATH}`, {
      method: "POST",
      headers,
      ...(this.#tls === undefined ? {} : { tls: clientTls(this.#tls) }),
      body,
      signal: AbortSignal.timeout(GOSSIP_TIMEOUT_MS),
    }).then(
      (response) => response.body?.cancel(),
      () => {},
    );
  }
}
