export { ActorSystem, type ActorSystemOptions, type NodeLimits, type ResolveOptions } from "./actor-system.ts";
export { ClusterView } from "./cluster-view.ts";
export type { RemoteSpawnOptions } from "./remote-spawn.ts";
export type { Placement } from "./spawn-placement.ts";
export type { SpawnedAt } from "./spawnables.ts";
export { SPAWNER_NAME, type Spawner } from "./spawner.ts";
export type { NodeExtension, NodeView } from "./node-view.ts";
export type { MailboxDepth, NodeMeasures } from "./node-measures.ts";
// What ops reads of the measures: their shapes, and the bounds and sampling it documents.
export { type ClassSnapshot, type FailureSnapshot, type LatencySnapshot, MAX_CLASSES, OTHER_CLASSES } from "../actor/index.ts";
export { CLIENT_PEER, type PeerLoad } from "../transport/index.ts";
// What a tool that talks to nodes (the CLI) needs of addresses and TLS, through the layer that composes nodes.
export { clientTls, formatAddr, parseAddr, type TlsOptions } from "../transport/index.ts";
// What the HTTP contract (ops' OpenAPI document) says of errors: every code, and the status each answers with.
export { ERROR_CODES } from "../actor/index.ts";
export { statusOf } from "../transport/index.ts";
