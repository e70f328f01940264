import { describe, expect, test } from "bun:test";
import { Actor, Entity } from "pulsing";
import { plainLinkHeaders, rawLink } from "../fixtures/raw-link.ts";
import { startNode, startSystem, until } from "../helpers.ts";

/**
 * Entity calls that reach a node while it shuts down. Its actors stop first
 * (for as long as the slowest onStop takes, up to stopTimeoutMs) and its links
 * close last, so calls still arrive meanwhile: each must be answered with a
 * coded error, as calls to named actors are, never thrown out of the way in.
 */

class Tally extends Entity {
  static kind = "tally";
  hit(): string {
    return this.key;
  }
}

/** An actor whose onStop takes a while: the node stays in its shutdown, links open, for that long. */
class SlowToStop extends Actor {
  override async onStop(): Promise<void> {
    await Bun.sleep(600);
  }
  ping(): string {
    return "pong";
  }
}

describe("entity calls during a node's shutdown", () => {
  test("a call through an entity ref after shutdown rejects with SHUTTING_DOWN; it does not throw at the call", async () => {
    const { system } = await startSystem();
    system.host(Tally, { kind: "tally" });
    const ref = system.entity(Tally, "k");
    expect(await ref.hit()).toBe("k");
    await system.shutdown();
    let call: Promise<string> | undefined;
    let thrown: unknown;
    try {
      call = ref.hit();
    } catch (error) {
      thrown = error;
    }
    expect(thrown === undefined ? "returned a promise" : `threw at the call: ${String(thrown)}`).toBe("returned a promise");
    await expect(call as Promise<string>).rejects.toMatchObject({ code: "SHUTTING_DOWN" });
    // Same for a key never called before.
    expect(() => system.entity(Tally, "new").hit().catch(() => {})).not.toThrow();
  });

  test("a link call to an entity while the node stops its actors is answered with a code, and the frame's other calls too", async () => {
    const node = await startNode({ stopTimeoutMs: 2_000 });
    node.host(Tally, { kind: "tally" });
    await node.spawn(SlowToStop, { name: "slow-to-stop" });
    const link = await rawLink(node.addr as string, plainLinkHeaders("client-1"));
    await until(() => link.received.length > 0, "the node's HELLO");
    link.send([0, 1, "#tally/a", "hit", [], 256, 10_000]);
    expect(await link.answer(1)).toEqual([2, 1, "a"]);
    const stopping = node.shutdown();
    await Bun.sleep(200); // its actors are stopping now: SlowToStop's onStop holds the shutdown for 600 ms
    link.send([0, 2, "#tally/b", "hit", [], 256, 10_000], [0, 3, "slow-to-stop", "ping", [], 256, 10_000]);
    const [two, three] = [await link.answer(2), await link.answer(3)];
    expect(two?.[0] === 3 ? { failed: two[1], code: two[2] } : two).toEqual({ failed: 2, code: "SHUTTING_DOWN" });
    expect(three?.[1]).toBe(3);
    await stopping;
    link.ws.close();
  });
});

