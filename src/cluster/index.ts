export { type MembershipDelegate } from "./delegate.ts";
export { type MemberChange, Membership } from "./membership.ts";
export { ClusterNode } from "./node.ts";
export { Registry, type RegistryEntry } from "./registry.ts";
export { seededRandom } from "./random.ts";
export { Simulation } from "./sim.ts";
export { suspicionBounds, suspicionTimeout } from "./suspicion.ts";
export { type Clock, type ClusterConfig, type Member, type MemberState, type Network } from "./types.ts";
export { isPolicyName, type Policy, type PolicyContext, type PolicyName, POLICY_NAMES, policyOf } from "./policies.ts";
