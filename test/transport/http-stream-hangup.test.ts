/**
 * A client that hangs up on a stream before its first item: the stream ends
 * (its generator's `finally` runs once it can), as it does for a client that
 * stops reading later.
 */
import { expect, test } from "bun:test";
import { Actor } from "pulsing";
import { gate, startNode, until } from "../helpers.ts";

const opened = gate();
const release = gate();
let finished = 0;

class Slow extends Actor {
  async *items(): AsyncGenerator<number> {
    try {
      opened.open();
      await release.promise;
      yield 1;
      yield 2;
    } finally {
      finished++;
    }
  }
}

test("a stream whose HTTP client hangs up before the first item ends", async () => {
  const node = await startNode();
  await node.spawn(Slow, { name: "slow" });
  const abort = new AbortController();
  const request = fetch(`http://${node.addr}/actor/slow`, { method: "POST", body: JSON.stringify({ msg_type: "items", payload: [] }), signal: abort.signal }).catch((error: Error) => error.name);
  await opened.promise;
  abort.abort();
  expect(await request).toBe("AbortError");
  release.open();
  await until(() => finished === 1, "the generator's finally to run");
  expect(finished).toBe(1);
});
