/**
 * How long a suspicion lasts before the member is declared dead (Lifeguard):
 * long at first, shorter with each independent member that suspects it too.
 * With n members the floor is suspicionMult * max(1, log10(n)) probe intervals.
 */
export function suspicionBounds(members: number, probeIntervalMs: number, mult: number, maxMult: number): { min: number; max: number } {
  const min = mult * Math.max(1, Math.log10(Math.max(1, members))) * probeIntervalMs;
  return { min, max: maxMult * min };
}

/** The timeout after `confirmations` independent confirmations, of `expected` ones. */
export function suspicionTimeout(min: number, max: number, confirmations: number, expected: number): number {
  if (expected < 1) return min;
  const fraction = Math.log(confirmations + 1) / Math.log(expected + 1);
  return Math.max(min, max - (max - min) * Math.min(1, fraction));
}
