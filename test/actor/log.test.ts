import { expect, test } from "bun:test";
import { clip, rateLimited } from "../../src/actor/index.ts";
import { memoryLogger } from "../helpers.ts";

test("clip cuts text from outside and says how long it was", () => {
  expect(clip("short")).toBe("short");
  const long = clip("x".repeat(1_000_000));
  expect(long.length).toBeLessThan(200);
  expect(long).toEndWith("…(1000000 chars)");
});

test("a rate-limited logger writes a burst, then at most its rate, and reports what it suppressed", () => {
  const inner = memoryLogger();
  let now = 0;
  const logger = rateLimited(inner, 10, () => now);
  for (let i = 0; i < 100; i++) logger.warn("dead letter", { i });
  expect(inner.lines.length).toBe(20); // a burst of twice the rate
  now += 1_000; // a second later: ten more tokens
  for (let i = 0; i < 100; i++) logger.warn("dead letter", { i });
  expect(inner.lines.length).toBe(30);
  expect(inner.lines[20]?.fields?.suppressed).toBe(80);
  logger.warn("another event");
  expect(inner.lines.length).toBe(31); // each event has its own budget
});

test("every text field of a line is cut, errors included", () => {
  const inner = memoryLogger();
  const logger = rateLimited(inner);
  const huge = "y".repeat(1 << 20);
  logger.warn("tell handler failed", { message: huge, error: new Error(huge), count: 3 });
  const fields = inner.lines[0]?.fields as { message: string; error: { message: string }; count: number };
  expect(fields.message.length).toBeLessThan(600);
  expect(fields.error.message.length).toBeLessThan(600);
  expect(fields.count).toBe(3);
});
