export type { Activated, EntityStore, Reminder, StateWrite } from "./store.ts";
export { DEFAULT_DATA_DIR, openStore, openStoreDescribed, type OpenedStore } from "./open.ts";
export { PostgresStore, type PostgresStoreOptions } from "./postgres-store.ts";
export { SqliteStore, type SqliteStoreOptions } from "./sqlite-store.ts";
export { StoreError, type StoreErrorCode } from "./values.ts";
