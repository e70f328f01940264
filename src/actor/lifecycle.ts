/**
 * The states of an actor's cell, and the moves between them:
 *
 *   starting ──► running ◄──► restarting
 *       │           │             │
 *       └───────────┴─────────────┴──► stopping ──► stopped
 *
 * starting → restarting too: an actor that stops itself, or fails, in onStart
 * while it may restart. restarting → restarting: a new instance failed in its
 * onStart and waits for another go.
 */
export type LifeState = "starting" | "running" | "restarting" | "stopping" | "stopped";

const MOVES: { readonly [from in LifeState]: readonly LifeState[] } = {
  starting: ["running", "restarting", "stopping"],
  running: ["restarting", "stopping"],
  restarting: ["running", "restarting", "stopping"],
  stopping: ["stopped"],
  stopped: [],
};

/** Whether the cell may go from `from` to `to`. */
export function canMove(from: LifeState, to: LifeState): boolean {
  return MOVES[from].includes(to);
}

/** Stopping or stopped: no message is taken any more. */
export function isEnding(state: LifeState): boolean {
  return state === "stopping" || state === "stopped";
}
