export { Codec, DEFAULT_LIMITS, badRequest, clip, type Frame, type WireLimits } from "./codec.ts";
export * from "./envelope.ts";
export * from "./http.ts";
export { hasProtoKey, jsonDepthProblem } from "./json-scan.ts";
export { msgpackProblem } from "./msgpack-scan.ts";
export { GOSSIP_PATH, GOSSIP_VERSION, GOSSIP_VERSION_HEADER, gossipProblem } from "./gossip.ts";
