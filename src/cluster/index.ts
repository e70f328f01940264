export { Broadcasts } from "./broadcasts.ts";
export { ClusterNode, type ClusterNodeOptions, type MemberChange } from "./node.ts";
export { seededRandom } from "./random.ts";
export { Simulation, type SimulationOptions } from "./sim.ts";
export { suspicionBounds, suspicionTimeout } from "./suspicion.ts";
export * from "./types.ts";
export { type Policy, type PolicyContext, type PolicyName, policyOf } from "./policies.ts";
