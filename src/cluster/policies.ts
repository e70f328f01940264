import type { Member } from "./types.ts";

/** Picks the instance a call goes to, among the alive members hosting the name (never empty). */
export type Policy = (hosts: readonly Member[], context: PolicyContext) => Member;

export interface PolicyContext {
  /** For consistent hashing: calls with the same key go to the same instance while it lives. */
  readonly key: string | undefined;
  /** Calls in flight to a member, for load-aware policies. */
  load(member: Member): number;
}

export const POLICY_NAMES = ["round-robin", "random", "power-of-two", "consistent-hash"] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}

/** FNV-1a: a small, stable string hash. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A fresh policy of that name: round robin keeps a counter per ref. */
export function policyOf(name: PolicyName, random: () => number = Math.random): Policy {
  switch (name) {
    case "round-robin": {
      let next = 0;
      return (hosts) => hosts[next++ % hosts.length] as Member;
    }
    case "random":
      return (hosts) => hosts[Math.floor(random() * hosts.length)] as Member;
    case "power-of-two":
      return (hosts, { load }) => {
        const a = hosts[Math.floor(random() * hosts.length)] as Member;
        const b = hosts[Math.floor(random() * hosts.length)] as Member;
        return load(b) < load(a) ? b : a;
      };
    case "consistent-hash":
      // Rendezvous hashing: the member with the highest hash of (key, member) wins, so a
      // member's departure moves only its own keys.
      return (hosts, { key }) => {
        let best = hosts[0] as Member;
        let bestScore = -1;
        for (const host of hosts) {
          const score = hash(`${key ?? ""}\u0000${host.id}`);
          if (score > bestScore) {
            best = host;
            bestScore = score;
          }
        }
        return best;
      };
  }
}
