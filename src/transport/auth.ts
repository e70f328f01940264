import { ActorError } from "../actor/index.ts";
import { timingSafeEqual } from "node:crypto";

/** Headers that carry a cluster signature. */
export const TS_HEADER = "x-pulsing-ts";
export const NONCE_HEADER = "x-pulsing-nonce";
export const AUTH_HEADER = "x-pulsing-auth";

/** A signature is good for this long either side of the receiver's clock, and its nonce is remembered as long. */
export const AUTH_WINDOW_MS = 30_000;
const MAX_REMEMBERED_NONCES = 100_000;

export interface Signature {
  ts: string;
  nonce: string;
  mac: string;
}

/**
 * Proves knowledge of the cluster's shared secret: an HMAC-SHA256 over what a
 * message says, a timestamp and a nonce. The receiver checks the time window,
 * refuses a nonce it has seen (a replay), and compares in constant time. The
 * secret itself never leaves this object.
 */
export class ClusterAuth {
  readonly #secret: string;
  /** nonce -> when it may be forgotten. */
  readonly #seen = new Map<string, number>();

  constructor(secret: string) {
    if (typeof secret !== "string" || secret.length < 16) throw new ActorError("INVALID_OPTION", "the cluster secret must be at least 16 characters");
    this.#secret = secret;
  }

  #mac(purpose: string, ts: string, nonce: string, parts: readonly (string | Uint8Array)[]): string {
    const hmac = new Bun.CryptoHasher("sha256", this.#secret);
    hmac.update(`pulsing/${purpose}\n${ts}\n${nonce}\n`);
    for (const part of parts) {
      hmac.update(part);
      hmac.update("\n");
    }
    return hmac.digest("hex");
  }

  sign(purpose: string, parts: readonly (string | Uint8Array)[]): Signature {
    const ts = String(Date.now());
    const nonce = crypto.randomUUID();
    return { ts, nonce, mac: this.#mac(purpose, ts, nonce, parts) };
  }

  /** Signs without a clock or a nonce: an answer bound to the asker's nonce (a link's HELLO). */
  proof(purpose: string, parts: readonly string[]): string {
    return this.#mac(purpose, "", "", parts);
  }

  checkProof(purpose: string, parts: readonly string[], proof: unknown): boolean {
    return typeof proof === "string" && equal(proof, this.#mac(purpose, "", "", parts));
  }

  /** What can be said of a signature before the message it covers is read: is there one, in its window, of the right shape. */
  precheck(signature: Partial<Signature>): string | undefined {
    const { ts, nonce, mac } = signature;
    if (ts === undefined || nonce === undefined || mac === undefined) return "not signed: this cluster needs its shared secret";
    const time = Number(ts);
    if (!Number.isFinite(time) || Math.abs(Date.now() - time) > AUTH_WINDOW_MS) return "signature out of its time window";
    if (nonce.length === 0 || nonce.length > 64 || mac.length !== 64) return "bad nonce or signature";
    if (this.#seen.has(nonce)) return "replayed message";
    return undefined;
  }

  /** Why a signature is not good, or undefined when it is. */
  check(purpose: string, signature: Partial<Signature>, parts: readonly (string | Uint8Array)[]): string | undefined {
    const early = this.precheck(signature);
    if (early !== undefined) return early;
    const { ts, nonce, mac } = signature as Signature;
    if (!equal(mac, this.#mac(purpose, ts, nonce, parts))) return "bad signature: the secret differs";
    if (!this.#remember(nonce)) return "too many signed messages in the replay window";
    return undefined;
  }

  /** Remembers a nonce; false when too many live ones are remembered already (refuse, rather than forget one). */
  #remember(nonce: string): boolean {
    const now = Date.now();
    // Entries expire in the order they were added: drop from the oldest until one is live.
    for (const [old, until] of this.#seen) {
      if (until >= now) break;
      this.#seen.delete(old);
    }
    if (this.#seen.size >= MAX_REMEMBERED_NONCES) return false;
    this.#seen.set(nonce, now + 2 * AUTH_WINDOW_MS);
    return true;
  }
}

/** A signature as request headers (what a dialler or a gossip sender adds). */
export function signatureHeaders({ ts, nonce, mac }: Signature): Record<string, string> {
  return { [TS_HEADER]: ts, [NONCE_HEADER]: nonce, [AUTH_HEADER]: mac };
}

/** The signature a request carries, as far as it carries one. */
export function signatureOf(headers: Headers): Partial<Signature> {
  return { ts: headers.get(TS_HEADER) ?? undefined, nonce: headers.get(NONCE_HEADER) ?? undefined, mac: headers.get(AUTH_HEADER) ?? undefined };
}

/** Constant-time comparison of two hex strings. */
function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
