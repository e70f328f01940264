/**
 * Rendezvous (highest-random-weight) hashing: the owner of a key is the
 * candidate whose hash with the key scores highest. Every node that knows the
 * same candidates picks the same owner, with no coordinator; when a candidate
 * joins it takes about 1/n of the keys, and when one leaves only its own keys
 * move.
 */
export interface Candidate {
  readonly id: string;
}

/** FNV-1a over a string's UTF-16 code units, then murmur3's finalizer: small, stable, well spread. Exported for the tests that build ties. */
export function score(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The candidate that owns (kind, key), or undefined when there is none. Ties go to the smaller id, so the order of candidates does not matter. */
export function rendezvousOwner<C extends Candidate>(kind: string, key: string, candidates: readonly C[]): C | undefined {
  let best: C | undefined;
  let bestScore = -1;
  const prefix = `${kind}\u0000${key}\u0000`;
  for (const candidate of candidates) {
    const value = score(prefix + candidate.id);
    if (value > bestScore || (value === bestScore && best !== undefined && candidate.id < best.id)) {
      best = candidate;
      bestScore = value;
    }
  }
  return best;
}
