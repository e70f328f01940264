import type { Actor } from "./actor.ts";

/** When a reminder is due: once at a time, or every period from now. */
export type ReminderTiming = { readonly at: Date | number } | { readonly everyMs: number };

/**
 * What ties an entity's activation to its key, its durable state and its
 * reminders: made by the entity layer for each activation, read by the
 * `Entity` base class and by the cell that runs it. Every member but `kind` and `key` is
 * absent for an entity without a store.
 */
export interface EntityBinding {
  readonly kind: string;
  readonly key: string;
  /** Loads the saved state (or the initial one) into the instance, before `onActivate`. */
  load?(instance: Actor): Promise<void>;
  /** After each turn: what the turn changed is saved before its reply goes (`result` is what the handler returned). */
  afterTurn?(instance: Actor, result: unknown): unknown;
  /** When the activation ends: the last changes are saved, timers stop. */
  unload?(instance: Actor): Promise<void>;
  /** Clears the saved state; the instance's state goes back to its initial value. */
  clear?(instance: Actor): Promise<void>;
  remind?(name: string, timing: ReminderTiming): Promise<void>;
  forget?(name: string): Promise<void>;
  /** Runs `fn` as a turn of this activation every `everyMs` while it is active; returns a function that stops it. */
  every?(everyMs: number, fn: () => unknown): () => void;
}
