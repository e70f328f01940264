export { Actor } from "./actor.ts";
export { ActorError, ERROR_CODES, isErrorCode, type ErrorCode, type ValidationIssue } from "./errors.ts";
export { clip, jsonLogger, LOG_LEVELS, type Logger, type LogFields, type LogLevel, rateLimited } from "./log.ts";
export { checkUserName, isReservedName, nameProblem } from "./names.ts";
export { boundedIssues, checkArgs, isStandardSchema } from "./schemas.ts";
export { type ReplySink } from "./ref.ts";
export { checkTimeout, laneOf } from "./timeouts.ts";
export { type CallReturn, failedCall, type MessageTarget } from "./target.ts";
export { routedRef } from "./routed-ref.ts";
export { type CellPort, isStream, type NetworkActor, type NetworkSink, type Served } from "./network.ts";
export type { Cancellable } from "./message.ts";
export { deadlines, untrack, type Expirable, type Lane } from "./deadlines.ts";
export { handlesMessage, LocalRuntime } from "./runtime.ts";
export { type ClassSnapshot, MAX_CLASSES, OTHER_CLASSES, TURN_SAMPLE_EVERY } from "./class-stats.ts";
export { FailureCounts, type FailureSnapshot } from "./failure-counts.ts";
export { LatencyBuckets, LATENCY_BOUNDS, type LatencySnapshot } from "./latency.ts";
export type { RecentFailure, RecentFailuresSnapshot } from "./recent-failures.ts";
export { type RestartPolicy, type SupervisionOptions } from "./supervision.ts";
export type { StandardSchemaV1 } from "./standard-schema.ts";
export type {
  ActorClass,
  ActorRef,
  ActorSchemas,
  ActorStream,
  ActorSystemApi,
  ActorTarget,
  SpawnArgs,
  SpawnOptions,
  StopEvent,
  StopReason,
  TellRef,
} from "./types.ts";
export { Entity } from "./entity.ts";
export type { EntityBinding, ReminderTiming } from "./entity-binding.ts";
