export { ActorSystem, type ActorSystemOptions, type NodeLimits, type ResolveOptions } from "./actor-system.ts";
export { ClusterView } from "./cluster-view.ts";
export type { NodeExtension, NodeView } from "./node-view.ts";
