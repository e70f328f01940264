export { Codec, DEFAULT_LIMITS, badRequest, tooDeep, type WireLimits } from "./codec.ts";
export * from "./envelope.ts";
export * from "./http.ts";
