import type { Clock } from "../cluster/index.ts";

/** The cluster's clock in a real process: wall time, and timers that do not keep the process alive. */
export const realClock: Clock = {
  now: () => Date.now(),
  after(ms, run) {
    const timer = setTimeout(run, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
