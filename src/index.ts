// The library's public API: `import { ActorSystem, Actor, ActorError } from "pulsing"`.
export {
  Actor,
  ActorError,
  Entity,
  ERROR_CODES,
  isErrorCode,
  jsonLogger,
  type ActorClass,
  type ActorRef,
  type ActorSchemas,
  type ActorStream,
  type ActorSystemApi,
  type ActorTarget,
  type ErrorCode,
  type Logger,
  type LogLevel,
  type RestartPolicy,
  type SpawnArgs,
  type SpawnOptions,
  type StandardSchemaV1,
  type StopEvent,
  type StopReason,
  type SupervisionOptions,
  type ReminderTiming,
  type TellRef,
  type ValidationIssue,
} from "./actor/index.ts";
import { openApiRoute, opsRoutes } from "./ops/index.ts";
import { ActorSystem } from "./system/index.ts";

// The composer of every node started through the library: each serves the operator's
// routes (/metrics, /dashboard.json, the dashboard) and the OpenAPI document of them all besides its own.
ActorSystem.extend(opsRoutes);
ActorSystem.extend(openApiRoute);

export {
  ActorSystem,
  type ActorSystemOptions,
  ClusterView,
  type Placement,
  type RemoteSpawnOptions,
  type ResolveOptions,
  type SpawnedAt,
  type Spawner,
  SPAWNER_NAME,
} from "./system/index.ts";
export type { TlsOptions } from "./transport/index.ts";
export type { EntityPlacement, HostOptions, KindCounts } from "./entity/index.ts";
export { openStore, PostgresStore, type PostgresStoreOptions, SqliteStore, type SqliteStoreOptions, type EntityStore, type Reminder } from "./store/index.ts";
export type { ClusterConfig, Member, MemberChange, MemberState, Policy, PolicyContext, PolicyName } from "./cluster/index.ts";
