export { type HostedKind, type KindCounts, type PassivationReason } from "./activations.ts";
export { checkKey, checkKind, ENTITY_PREFIX, entityTarget, keyProblem, kindProblem, parseEntityTarget } from "./address.ts";
export { Entities, type EntitiesOptions, type EntityPlacement, type HostOptions } from "./entities.ts";
export { rendezvousOwner } from "./rendezvous.ts";
