export { Codec, DEFAULT_LIMITS, badRequest, tooDeep, type WireLimits } from "./codec.ts";
export * from "./envelope.ts";
export * from "./http.ts";
export { GOSSIP_PATH, GOSSIP_VERSION, GOSSIP_VERSION_HEADER, gossipProblem } from "./gossip.ts";
