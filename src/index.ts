// The library's public API: `import { ActorSystem, Actor, ActorError } from "pulsing"`.
export {
  Actor,
  ActorError,
  ERROR_CODES,
  isErrorCode,
  jsonLogger,
  type ActorClass,
  type ActorRef,
  type ActorStream,
  type ActorSystemApi,
  type ActorTarget,
  type ErrorCode,
  type Logger,
  type LogLevel,
  type RestartPolicy,
  type SpawnArgs,
  type SpawnOptions,
  type StopEvent,
  type StopReason,
  type SupervisionOptions,
  type TellRef,
} from "./actor/index.ts";
export { ActorSystem, type ActorSystemOptions, ClusterView, type ResolveOptions } from "./system/index.ts";
export type { TlsOptions } from "./transport/index.ts";
export type { ClusterConfig, Member, MemberChange, MemberState, Policy, PolicyContext, PolicyName } from "./cluster/index.ts";
