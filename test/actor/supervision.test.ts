import { describe, expect, test } from "bun:test";
import { ActorError } from "pulsing";
import { RestartTracker, resolveSupervision } from "../../src/actor/supervision.ts";

const noJitter = () => 0.5;

describe("restart decisions", () => {
  test("never restarts under the never policy", () => {
    const tracker = new RestartTracker(resolveSupervision({ restart: "never" }), noJitter);
    expect(tracker.next("failure", 0)).toBeUndefined();
  });

  test("on-failure restarts failures but not self-stops; always restarts both", () => {
    const onFailure = new RestartTracker(resolveSupervision({ restart: "on-failure" }), noJitter);
    expect(onFailure.next("self", 0)).toBeUndefined();
    expect(onFailure.next("failure", 0)).toBe(100);
    const always = new RestartTracker(resolveSupervision({ restart: "always" }), noJitter);
    expect(always.next("self", 0)).toBe(100);
  });

  test("backoff doubles up to the maximum", () => {
    const tracker = new RestartTracker(resolveSupervision({ restart: "always", maxRestarts: 10, minBackoffMs: 100, maxBackoffMs: 1000 }), noJitter);
    const delays = Array.from({ length: 6 }, () => tracker.next("failure", 0));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  test("the backoff stays a finite number in [min, max] ± jitter after thousands of restarts, even from a minimum of 0", () => {
    // 2^1024 is Infinity, and 0 * Infinity is NaN: restart 1,025 used to get a NaN delay.
    for (const [minBackoffMs, maxBackoffMs] of [[0, 1000], [0, 0], [1, 1000]] as const) {
      const tracker = new RestartTracker(resolveSupervision({ restart: "always", maxRestarts: 5_000, withinMs: 1e12, minBackoffMs, maxBackoffMs }), () => 0.999999);
      for (let n = 0; n < 3_000; n++) {
        const delay = tracker.next("failure", n) as number;
        expect(Number.isFinite(delay), `restart ${n} from ${minBackoffMs}`).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(minBackoffMs * 0.8);
        expect(delay).toBeLessThanOrEqual(maxBackoffMs * 1.2);
      }
    }
  });

  test("jitter stays within 20%", () => {
    const low = new RestartTracker(resolveSupervision({ restart: "always" }), () => 0);
    const high = new RestartTracker(resolveSupervision({ restart: "always" }), () => 0.999999);
    expect(low.next("failure", 0)).toBe(80);
    expect(high.next("failure", 0)).toBe(120);
  });

  test("limits restarts within the window, and forgets old ones", () => {
    const tracker = new RestartTracker(resolveSupervision({ restart: "on-failure", maxRestarts: 2, withinMs: 1000 }), noJitter);
    expect(tracker.next("failure", 0)).toBeDefined();
    expect(tracker.next("failure", 10)).toBeDefined();
    expect(tracker.next("failure", 20)).toBeUndefined();
    // The first two fall out of the window; the backoff starts again from the minimum.
    expect(tracker.next("failure", 1011)).toBe(100);
  });

  test.each([
    [{ restart: "sometimes" }],
    [{ maxRestarts: -1 }],
    [{ withinMs: 0 }],
    [{ minBackoffMs: -5 }],
    [{ minBackoffMs: 100, maxBackoffMs: 50 }],
  ])("rejects invalid options %j", (options) => {
    expect(() => resolveSupervision(options as never)).toThrow(ActorError);
  });
});
