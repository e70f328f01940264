/** What a caller sent never comes back whole: a handler's error that quotes it is cut where it leaves the node. */
import { expect, test } from "bun:test";
import { Actor, type ActorError } from "pulsing";
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
