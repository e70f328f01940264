export { ActorSystem, type ActorSystemOptions, type ResolveOptions } from "./actor-system.ts";
export { ClusterView } from "./cluster-view.ts";
