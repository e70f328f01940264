/**
 * Strangers posing as someone else: a link that claims a member's address and
 * id, and a server at a seed's address that names another node as itself.
 */
import { expect, test } from "bun:test";
import { encode } from "@msgpack/msgpack";
import { Actor } from "pulsing";
import { Codec } from "../../src/wire/index.ts";
import { ClusterAuth, GossipSender } from "../../src/transport/index.ts";
import { plainLinkHeaders, rawLink } from "../fixtures/raw-link.ts";
import { memoryLogger, startNode, until } from "../helpers.ts";

class Bank extends Actor {
  balance(): number {
    return 100;
  }
}

test("without a secret, a link that claims a member's address and id does not get this node's calls to it", async () => {
  const b = await startNode();
  await b.spawn(Bank, { name: "bank" });
  const a = await startNode({ seeds: [b.addr as string] });
  await until(() => a.cluster.members().filter((m) => m.state === "alive").length === 2, "a and b joined");
  // The stranger dials A first, saying it is B (B's id and address are public: GET /cluster/members).
  const stranger = await rawLink(a.addr as string, { ...plainLinkHeaders(b.nodeId), "x-pulsing-addr": b.addr as string });
  const bank = await a.resolve<Bank>("bank", { timeoutMs: 5_000 });
  expect(await Promise.all([bank.balance(), bank.balance(), bank.balance()])).toEqual([100, 100, 100]);
  expect(stranger.of(0)).toEqual([]); // no CALL ever reached it
  stranger.ws.close();
});

test("with a secret, a server at a seed's address that names another node gets nothing signed for that node", async () => {
  const secret = "impersonation tests secret";
  const victim = await startNode({ secret });
  const posts: string[] = [];
  // A stranger at the seed's address: it claims to be the victim, without proof.
  const fake = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/health") return Response.json({ status: "ok", node: "fake", addr: victim.addr, proof: "0".repeat(64) });
      posts.push(url.pathname);
      return new Response(null, { status: 204 });
    },
  });
  try {
    const seed = `127.0.0.1:${fake.port}`;
    const sender = new GossipSender(new Codec(), memoryLogger(), { auth: new ClusterAuth(secret), seeds: [seed] });
    for (let i = 0; i < 3; i++) sender.send(seed, [3, "someone", []]);
    await Bun.sleep(200);
    expect(posts).toEqual([]); // no signed message was handed to the stranger to relay
    // A real seed proves its address, and gets the message signed for it.
    const real = new GossipSender(new Codec(), memoryLogger(), { auth: new ClusterAuth(secret), seeds: [victim.addr as string] });
    const before = victim.cluster.members().length;
    real.send(victim.addr as string, [3, "friend", [[0, "friend-id", "127.0.0.1:1", 0]]]);
    await until(() => victim.cluster.members().length > before, "the seed took the signed message");
  } finally {
    fake.stop(true);
  }
});

test("a health answer that is too long is not read past its limit", async () => {
  const secret = "impersonation tests secret";
  let served = 0;
  const huge = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      if (new URL(request.url).pathname !== "/health") return new Response(null, { status: 204 });
      served++;
      const chunk = encode("x".repeat(64 * 1024));
      let sent = 0;
      return new Response(
        new ReadableStream({
          pull(controller) {
            if (sent++ > 1_000) controller.close(); // 64 MiB, if it were read
            else controller.enqueue(chunk);
          },
        }),
        { headers: { "content-type": "application/json" } },
      );
    },
  });
  try {
    const seed = `127.0.0.1:${huge.port}`;
    const sender = new GossipSender(new Codec(), memoryLogger(), { auth: new ClusterAuth(secret), seeds: [seed] });
    const before = process.memoryUsage().rss;
    sender.send(seed, [3, "someone", []]);
    await until(() => served > 0, "the health request");
    await Bun.sleep(200);
    expect(process.memoryUsage().rss - before).toBeLessThan(32 * 1024 * 1024);
  } finally {
    huge.stop(true);
  }
});
