/** A FAIL may carry why a schema refused the call: a short list of plain issues, checked like every other field. */
import { expect, test } from "bun:test";
import { envelopeProblem, MAX_ISSUE_PATH, MAX_ISSUE_TEXT, MAX_ISSUES } from "../../src/wire/envelope.ts";

const fail = (...issues: unknown[]) => [3, 7, "BAD_REQUEST", "inc: [0]: expected number", null, ...issues];

test("a FAIL with no issues, or with issues that have a message and maybe a path, is well formed", () => {
  expect(envelopeProblem(fail())).toBeUndefined();
  expect(envelopeProblem(fail([]))).toBeUndefined();
  expect(envelopeProblem(fail([{ message: "expected number", path: [0] }, { message: "too short", path: [0, "name"] }, { message: "no path" }]))).toBeUndefined();
  expect(envelopeProblem(fail(Array.from({ length: MAX_ISSUES }, () => ({ message: "m", path: Array(MAX_ISSUE_PATH).fill(1) }))))).toBeUndefined();
});

test("issues that are not a short list of plain { message, path } are a malformed FAIL", () => {
  for (const bad of [
    "expected number",
    { message: "not in a list" },
    [null],
    [["expected number", [0]]],
    [{ message: 42 }],
    [{ message: "m", path: "0" }],
    [{ message: "m", path: [{ key: "a" }] }],
    [{ message: "m", path: [1.5] }],
    [{ message: "m", extra: true }],
    [{ message: "x".repeat(MAX_ISSUE_TEXT + 1) }],
    [{ message: "m", path: Array(MAX_ISSUE_PATH + 1).fill(0) }],
    Array.from({ length: MAX_ISSUES + 1 }, () => ({ message: "m" })),
  ]) {
    expect(envelopeProblem(fail(bad))).toContain("issues?");
  }
  expect(envelopeProblem(fail([], "more"))).toBeDefined();
});
