import { describe, expect, test } from "bun:test";
import { encode } from "@msgpack/msgpack";
import { Actor, type ActorError, ActorSystem, type ActorSystemOptions } from "pulsing";
import { ClusterAuth } from "../../src/transport/index.ts";
import { memoryLogger, startNode, until } from "../helpers.ts";
import { rogueAcceptor } from "../fixtures/raw-link.ts";

const SECRET = "correct horse battery staple";
const OTHER = "a different secret entirely";
const logs: ReturnType<typeof memoryLogger>[] = [];

/** A node whose log lines are kept, to check that no secret ever reaches them. */
function node(options: ActorSystemOptions = {}): Promise<ActorSystem> {
  const log = memoryLogger();
  logs.push(log);
  return startNode(options, log);
}

class Echo extends Actor {
  echo(x: unknown): unknown {
    return x;
  }
}

describe("a cluster with a shared secret", () => {
  test("nodes with the secret join, resolve and call each other", async () => {
    const a = await node({ secret: SECRET });
    const b = await node({ secret: SECRET, seeds: [a.addr as string] });
    await a.spawn(Echo, { name: "echo" });
    await until(() => b.cluster.members().filter((m) => m.state === "alive").length === 2, "b joined");
    const ref = await b.resolve<Echo>("echo", { timeoutMs: 5_000 });
    expect(await ref.echo("signed")).toBe("signed");
  });

  test("a node without the right secret cannot join, gossip, or open a link, and leaves no trace", async () => {
    const a = await node({ secret: SECRET });
    await a.spawn(Echo, { name: "echo" });
    const wrong = await node({ secret: OTHER, seeds: [a.addr as string] });
    const none = await node({ seeds: [a.addr as string] });
    await Bun.sleep(1_500); // a few join attempts and probe rounds
    expect(a.cluster.members().map((m) => m.id)).toEqual([a.nodeId]);
    expect(wrong.cluster.members().filter((m) => m.state === "alive").map((m) => m.id)).toEqual([wrong.nodeId]);
    for (const outsider of [wrong, none]) {
      const error = (await outsider.remote<Echo>(a.addr as string, "echo").echo(1).catch((e: unknown) => e)) as ActorError;
      expect(error.code).toBe("NODE_UNREACHABLE");
    }
    // What an outsider sees over plain HTTP: a clear 401 with a code.
    const gossip = await fetch(`http://${a.addr}/cluster/gossip`, {
      method: "POST",
      headers: { "content-type": "application/msgpack", "x-pulsing-gossip": "1" },
      body: encode([3, "intruder", [[0, "intruder", "127.0.0.1:1", 0]]]),
    });
    expect(gossip.status).toBe(401);
    expect(((await gossip.json()) as { error: { code: string; message: string } }).error).toEqual({ code: "UNAUTHORIZED", message: "gossip refused: not signed: this cluster needs its shared secret" });
    const link = await fetch(`http://${a.addr}/cluster/link`, { headers: { "x-pulsing-node": "intruder", "x-pulsing-protocol": "1", upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" } });
    expect(link.status).toBe(401);
    expect(a.cluster.members().map((m) => m.id)).toEqual([a.nodeId]);
  });

  test("a signed gossip message cannot be replayed, nor sent late, nor altered", async () => {
    const a = await node({ secret: SECRET });
    const auth = new ClusterAuth(SECRET);
    const body = encode([3, "friend", []]);
    const send = (headers: Record<string, string>, payload: Uint8Array = body) =>
      fetch(`http://${a.addr}/cluster/gossip`, { method: "POST", headers: { "content-type": "application/msgpack", "x-pulsing-gossip": "1", ...headers }, body: payload });
    const { ts, nonce, mac } = auth.sign("gossip", [a.addr as string, body]);
    const signed = { "x-pulsing-ts": ts, "x-pulsing-nonce": nonce, "x-pulsing-auth": mac };
    expect((await send(signed)).status).toBe(204);
    const replay = await send(signed);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toContain("replayed");
    const altered = auth.sign("gossip", [a.addr as string, body]);
    const tampered = await send({ "x-pulsing-ts": altered.ts, "x-pulsing-nonce": altered.nonce, "x-pulsing-auth": altered.mac }, encode([3, "enemy", []]));
    expect(tampered.status).toBe(401);
    const late = new ClusterAuth(SECRET);
    const old = late.sign("gossip", [a.addr as string, body]);
    const stale = await send({ "x-pulsing-ts": String(Number(old.ts) - 120_000), "x-pulsing-nonce": old.nonce, "x-pulsing-auth": old.mac });
    expect(stale.status).toBe(401);
  });

  test("a node with the secret refuses a peer that cannot prove it knows it", async () => {
    const impostor = await node(); // answers links, knows no secret
    await impostor.spawn(Echo, { name: "echo" });
    const a = await node({ secret: SECRET });
    const error = (await a.remote<Echo>(impostor.addr as string, "echo").echo(1).catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("UNAUTHORIZED");
  });

  test("a peer that sends anything before proving it knows the secret is cut off, and nothing it sent runs", async () => {
    let ran = false;
    class Vault extends Actor {
      wipe(): string {
        ran = true;
        return "wiped";
      }
    }
    const victim = await node({ secret: SECRET });
    await victim.spawn(Vault, { name: "vault" });
    // A rogue acceptor: upgrades anything, then sends a call to the dialler and a forged HELLO.
    const rogue = rogueAcceptor({
      open(ws) {
        ws.send(encode([[0, 1, "vault", "wipe", [], 1, 1000]]));
        ws.send(encode([[8, "rogue", 1, null]]));
      },
    });
    try {
      const error = (await victim.remote<Vault>(`127.0.0.1:${rogue.port}`, "vault").wipe().catch((e: unknown) => e)) as ActorError;
      expect(error.code).toBe("UNAUTHORIZED");
      await Bun.sleep(20);
      expect(ran).toBe(false);
    } finally {
      rogue.stop(true);
    }
  });

  test("a link signed for another address is refused (a handshake cannot be relayed)", async () => {
    const a = await node({ secret: SECRET });
    const auth = new ClusterAuth(SECRET);
    const { ts, nonce, mac } = auth.sign("link", ["victim", "127.0.0.1:2", "127.0.0.1:1"]);
    const response = await fetch(`http://${a.addr}/cluster/link`, {
      headers: {
        "x-pulsing-node": "victim",
        "x-pulsing-protocol": "1",
        "x-pulsing-addr": "127.0.0.1:2",
        "x-pulsing-target": "127.0.0.1:1",
        "x-pulsing-ts": ts,
        "x-pulsing-nonce": nonce,
        "x-pulsing-auth": mac,
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("not for this node");
  });

  test("a short secret is refused at start", async () => {
    await expect(ActorSystem.start({ addr: "127.0.0.1:0", secret: "short", logger: memoryLogger() })).rejects.toThrow(/16 characters/);
  });

  test("secrets appear in no log line, metrics, members or dashboard data", async () => {
    const a = await node({ secret: SECRET, apiToken: "api-token-123456" });
    const b = await node({ secret: SECRET, seeds: [a.addr as string] });
    await until(() => a.cluster.members().length === 2, "joined");
    await b.shutdown();
    const pages = await Promise.all(["/metrics", "/dashboard.json", "/cluster/members", "/actors", "/"].map(async (path) => (await fetch(`http://${a.addr}${path}`)).text()));
    for (const text of [...pages, JSON.stringify(logs.flatMap((log) => log.lines))]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain("api-token-123456");
    }
  });
});

describe("the API token", () => {
  test("POST /actor/{name} needs the bearer token when one is set", async () => {
    const a = await node({ apiToken: "api-token-123456" });
    await a.spawn(Echo, { name: "echo" });
    const call = (authorization?: string) =>
      fetch(`http://${a.addr}/actor/echo`, { method: "POST", headers: authorization === undefined ? {} : { authorization }, body: JSON.stringify({ msg_type: "echo", payload: [1] }) });
    const missing = await call();
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    expect((await call("Bearer wrong-token-0000")).status).toBe(401);
    const ok = await call("Bearer api-token-123456");
    expect(await ok.json()).toEqual({ result: 1 });
    // The cluster's own links do not go through the public route: they still work.
    const b = await node();
    expect(await b.remote<Echo>(a.addr as string, "echo").echo(2)).toBe(2);
  });
});
