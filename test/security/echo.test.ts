/** What a caller sent never comes back whole: a handler's error that quotes it is cut where it leaves the node. */
import { expect, test } from "bun:test";
import { Actor, ActorError } from "pulsing";
import { errorBody } from "../../src/transport/problem.ts";
import { failEnvelope } from "../../src/transport/served-calls.ts";
import { MAX_ISSUE_PATH, MAX_ISSUE_TEXT, MAX_ISSUES } from "../../src/wire/envelope.ts";
import { startNode } from "../helpers.ts";

class Quoting extends Actor {
  check(input: string): never {
    throw new TypeError(`bad input: ${input}`);
  }
}

const HUGE = "q".repeat(200_000);

test("over HTTP, a handler's error that quotes a 200 KB input answers in under 2 KB", async () => {
  const node = await startNode();
  await node.spawn(Quoting, { name: "quoting" });
  const response = await fetch(`http://${node.addr}/actor/quoting`, { method: "POST", body: JSON.stringify({ msg_type: "check", payload: [HUGE] }) });
  expect(response.status).toBe(500);
  const text = await response.text();
  expect(text.length).toBeLessThan(2048);
  expect((JSON.parse(text) as { error: { code: string; errorName: string } }).error).toMatchObject({ code: "HANDLER_ERROR", errorName: "TypeError" });
});

test("over a link, the same error reaches the caller cut, with its code and name", async () => {
  const server = await startNode();
  const client = await startNode();
  await server.spawn(Quoting, { name: "quoting" });
  const error = (await client.remote<Quoting>(server.addr as string, "quoting").check(HUGE).catch((e: unknown) => e)) as ActorError;
  expect([error.code, error.errorName]).toEqual(["HANDLER_ERROR", "TypeError"]);
  expect(error.message.length).toBeLessThan(2048);
  expect(error.message.startsWith("bad input: qqq")).toBe(true);
});

class Refusing extends Actor {
  /** Its own check, refusing with issues that quote the input (as a schema library's messages do). */
  check(input: string): never {
    throw new ActorError("BAD_REQUEST", "refused", {
      issues: Array.from({ length: 50 }, (_, i) => ({ message: `bad input: ${input}`, path: Array.from({ length: 40 }, () => `${i}${input}`) })),
    });
  }
  ok(): string {
    return "ok";
  }
}

/** The bounds docs/openapi.json states for an error body's issues. */
function expectBoundedIssues(issues: readonly { message: string; path?: readonly (string | number)[] }[] | undefined): void {
  expect(issues?.length).toBe(10);
  for (const issue of issues ?? []) {
    expect(issue.message.length).toBeLessThanOrEqual(129);
    expect(issue.path?.length).toBe(16);
    for (const key of issue.path ?? []) expect(String(key).length).toBeLessThanOrEqual(65);
  }
}

test("issues a handler's error carries are cut where they leave the node, as a schema's are: over HTTP, and over a link whose other calls go on", async () => {
  const server = await startNode();
  const client = await startNode();
  await server.spawn(Refusing, { name: "refusing" });
  const response = await fetch(`http://${server.addr}/actor/refusing`, { method: "POST", body: JSON.stringify({ msg_type: "check", payload: [HUGE] }) });
  expect(response.status).toBe(400);
  const text = await response.text();
  expect(text.length).toBeLessThan(16_384);
  expectBoundedIssues((JSON.parse(text) as { error: { issues?: { message: string; path?: (string | number)[] }[] } }).error.issues);

  const remote = client.remote<Refusing>(server.addr as string, "refusing");
  const [error, ok] = await Promise.all([remote.check(HUGE).catch((e: unknown) => e as ActorError), remote.ok()]);
  expect((error as ActorError).code).toBe("BAD_REQUEST");
  expectBoundedIssues((error as ActorError).issues);
  expect(ok).toBe("ok");
});

test("issues a peer's FAIL brought, as long as the wire takes them, leave this node cut (the gateway's HTTP answer, a FAIL to its client)", () => {
  const long = "i".repeat(MAX_ISSUE_TEXT);
  const fromPeer = new ActorError("BAD_REQUEST", "refused", { issues: Array.from({ length: MAX_ISSUES }, () => ({ message: long, path: Array(MAX_ISSUE_PATH).fill(long) })) });
  expectBoundedIssues(errorBody(fromPeer).error.issues);
  expectBoundedIssues(failEnvelope(1, fromPeer)[5] as { message: string; path?: string[] }[]);
});
