import type { Member, Policy, PolicyContext } from "../cluster/index.ts";

/**
 * Which instance of a name a call goes to: this node's own when it has one,
 * else the policy's pick among the other members that host it (undefined when
 * none does). Keyed (consistent) hashing is the exception: every instance,
 * this node's included, is a candidate, so that one key lands on one instance
 * whichever node the call enters through.
 */
export function chooseHost(
  here: Member | undefined,
  others: readonly Member[],
  policy: Policy,
  context: PolicyContext,
  keyed: boolean,
): Member | "here" | undefined {
  if (here !== undefined && (!keyed || others.length === 0)) return "here";
  if (here === undefined) return others.length === 0 ? undefined : policy(others, context);
  const chosen = policy([here, ...others], context);
  return chosen.id === here.id ? "here" : chosen;
}
