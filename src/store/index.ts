export type { Activated, EntityStore, Reminder, StateWrite } from "./store.ts";
