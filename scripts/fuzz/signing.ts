/**
 * The cluster signature as an attacker who holds (or replays) it makes it: the
 * fuzzer signs its gossip and links itself, so it can also make the shapes a
 * real node never sends: stale or future timestamps, a signature for another
 * node, nonces and MACs of the wrong length, headers copied from an earlier
 * request. Same construction as src/transport/auth.ts (an HMAC-SHA256 over
 * `pulsing/<purpose>`, the timestamp, the nonce and each part); a fresh
 * signature made here being accepted is what shows the two agree.
 */
export const TS_HEADER = "x-pulsing-ts";
export const NONCE_HEADER = "x-pulsing-nonce";
export const AUTH_HEADER = "x-pulsing-auth";

export type SignatureHeaders = Record<typeof TS_HEADER | typeof NONCE_HEADER | typeof AUTH_HEADER, string>;

export function mac(secret: string, purpose: string, ts: string, nonce: string, parts: readonly (string | Uint8Array)[]): string {
  const hmac = new Bun.CryptoHasher("sha256", secret);
  hmac.update(`pulsing/${purpose}\n${ts}\n${nonce}\n`);
  for (const part of parts) {
    hmac.update(part);
    hmac.update("\n");
  }
  return hmac.digest("hex");
}

/** Headers signing `parts` for `purpose`, now (or at `ts`), with a fresh nonce (or `nonce`). */
export function sign(secret: string, purpose: string, parts: readonly (string | Uint8Array)[], at: { ts?: string; nonce?: string } = {}): SignatureHeaders {
  const ts = at.ts ?? String(Date.now());
  const nonce = at.nonce ?? crypto.randomUUID();
  return { [TS_HEADER]: ts, [NONCE_HEADER]: nonce, [AUTH_HEADER]: mac(secret, purpose, ts, nonce, parts) };
}

/** A link's HELLO challenge answered (src/transport/handshake.ts: a proof has no clock and no nonce). */
export function prove(secret: string, challenge: string, nodeId: string, addr: string): string {
  return mac(secret, "prove", "", "", [challenge, nodeId, addr]);
}
