import { deadlines, type Lane } from "./deadlines.ts";
import { ActorError } from "./errors.ts";

export const MAX_TIMEOUT_MS = 2_147_483_647; // what setTimeout can wait

export function checkTimeout(timeoutMs: unknown, what = "timeout"): number {
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new ActorError("INVALID_OPTION", `${what} must be a number of milliseconds in 1..${MAX_TIMEOUT_MS}, got ${String(timeoutMs)}`);
  }
  return timeoutMs;
}

/**
 * The lane of a timeout that came from outside (a link, a header). Rounded up
 * to two significant digits: a peer sending ever-different timeouts cannot make
 * the runtime keep a lane for each (a few hundred at most).
 */
export function laneOf(timeoutMs: number): Lane {
  const exact = checkTimeout(timeoutMs);
  const step = 10 ** Math.max(0, Math.floor(Math.log10(exact)) - 1);
  return deadlines.lane(Math.min(MAX_TIMEOUT_MS, Math.ceil(exact / step) * step));
}

