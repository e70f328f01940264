export { Actor } from "./actor.ts";
export { ActorError, ERROR_CODES, isErrorCode, type ErrorCode } from "./errors.ts";
export { clip, jsonLogger, LOG_LEVELS, type Logger, type LogFields, type LogLevel, MAX_QUOTED, rateLimited } from "./log.ts";
export { MAX_NAME_LENGTH, MAX_SEGMENT_LENGTH, checkUserName, isReservedName, nameProblem } from "./names.ts";
export { type ReplySink } from "./ref.ts";
export { checkTimeout, laneOf } from "./timeouts.ts";
export { type CallReturn, failedCall, type MessageTarget } from "./target.ts";
export { routedRef } from "./routed-ref.ts";
export { isStream, type NetworkActor, type Served } from "./network.ts";
export type { Cancellable } from "./message.ts";
export { deadlines, untrack, type Expirable, type Lane } from "./deadlines.ts";
export {
  DEFAULT_ASK_TIMEOUT_MS,
  DEFAULT_MAILBOX_CAPACITY,
  DEFAULT_MAX_QUEUED_BYTES_PER_ACTOR,
  DEFAULT_STOP_TIMEOUT_MS,
  MAX_MAILBOX_CAPACITY,
  LocalRuntime,
  type RuntimeOptions,
} from "./runtime.ts";
export { DEFAULT_SUPERVISION, type RestartPolicy, type SupervisionOptions } from "./supervision.ts";
export type {
  ActorClass,
  ActorRef,
  ActorStream,
  ActorSystemApi,
  ActorTarget,
  MethodName,
  RefBase,
  SpawnArgs,
  SpawnOptions,
  StopEvent,
  StopReason,
  TellRef,
} from "./types.ts";
