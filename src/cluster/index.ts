export { Broadcasts } from "./broadcasts.ts";
export { type MembershipDelegate, type MembershipPort, NO_DELEGATE } from "./delegate.ts";
export { type MemberChange, Membership, type MembershipOptions } from "./membership.ts";
export { ClusterNode, type ClusterNodeOptions } from "./node.ts";
export { Registry, type RegistryEntry } from "./registry.ts";
export { seededRandom } from "./random.ts";
export { Simulation, type SimulationOptions } from "./sim.ts";
export { Suspicion, suspicionBounds, suspicionTimeout, type SuspicionTimer } from "./suspicion.ts";
export {
  ACK,
  type AckMessage,
  ALIVE,
  type AliveUpdate,
  type Clock,
  type ClusterConfig,
  DEAD,
  type DeadUpdate,
  DEFAULT_CLUSTER_CONFIG,
  type DelegateUpdate,
  GOSSIP,
  type GossipMessage,
  type GossipOnlyMessage,
  LEFT,
  type LeftUpdate,
  MAX_INCARNATION,
  type Member,
  type MemberState,
  type MemberUpdate,
  NAMES,
  type NamesUpdate,
  type Network,
  PING,
  PING_REQ,
  type PingMessage,
  type PingReqMessage,
  SUSPECT,
  type SuspectUpdate,
  SYNC,
  SYNC_REPLY,
  type SyncMessage,
  type SyncReplyMessage,
  type Update,
} from "./types.ts";
export { type Policy, type PolicyContext, type PolicyName, policyOf } from "./policies.ts";
