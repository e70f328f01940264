export { clip, Codec, DEFAULT_LIMITS, type Frame, type WireLimits } from "./codec.ts";
export {
  CALL,
  type CallEnvelope,
  CANCEL,
  CREDIT,
  END,
  type Envelope,
  FAIL,
  HELLO,
  type HelloEnvelope,
  ITEM,
  PROTOCOL_VERSION,
  PROVE,
  REPLY,
  TELL,
  type TellEnvelope,
  type WireIssue,
} from "./envelope.ts";
export { WireError } from "./errors.ts";
export {
  type ActorRequest,
  type BodyEncoding,
  encodeBody,
  encodeStreamRecord,
  encodingOf,
  JSON_TYPE,
  MSGPACK_STREAM_TYPE,
  MSGPACK_TYPE,
  NDJSON_TYPE,
  parseActorRequest,
} from "./http.ts";
export { hasProtoKey, jsonDepthProblem } from "./json-scan.ts";
export { msgpackProblem } from "./msgpack-scan.ts";
export { GOSSIP_PATH, GOSSIP_VERSION, GOSSIP_VERSION_HEADER, gossipProblem } from "./gossip.ts";
export {
  ACK,
  ALIVE,
  DEAD,
  type DelegateUpdate,
  GOSSIP,
  type GossipMessage,
  isGossipMessage,
  isMemberUpdate,
  LEFT,
  MAX_INCARNATION,
  type MemberUpdate,
  NAMES,
  type NamesUpdate,
  PING,
  PING_REQ,
  SUSPECT,
  SYNC,
  SYNC_REPLY,
  type Update,
} from "./gossip.ts";
