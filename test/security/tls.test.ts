import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Actor, type ActorError, type ActorSystem, type TlsOptions } from "pulsing";
import { connect } from "pulsing/client";
import { memoryLogger, startNode, until } from "../helpers.ts";

// Certificates made here with openssl (Debian's; .ci/run installs it when missing).
const dir = mkdtempSync(join(tmpdir(), "pulsing-tls-"));
let cluster: TlsOptions;
let rogue: TlsOptions;

function openssl(...args: string[]): void {
  const result = Bun.spawnSync(["openssl", ...args], { cwd: dir, stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`openssl ${args.join(" ")}: ${result.stderr.toString()}`);
}

function certificate(name: string, ca: string): void {
  writeFileSync(join(dir, `${name}.ext`), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
  openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
  openssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-out", `${name}.pem`, "-days", "2", "-extfile", `${name}.ext`);
}

const read = (file: string) => readFileSync(join(dir, file), "utf8");

beforeAll(() => {
  for (const ca of ["ca", "rogue-ca"]) {
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${ca}.key`, "-out", `${ca}.pem`, "-days", "2", "-subj", `/CN=${ca}`);
  }
  certificate("node", "ca");
  certificate("rogue", "rogue-ca");
  cluster = { cert: read("node.pem"), key: read("node.key"), ca: read("ca.pem") };
  rogue = { cert: read("rogue.pem"), key: read("rogue.key"), ca: read("rogue-ca.pem") };
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

class Echo extends Actor {
  echo(x: unknown): unknown {
    return x;
  }
}

function node(tls: TlsOptions, seeds: string[] = [], log = memoryLogger()): Promise<ActorSystem> {
  return startNode({ tls, seeds }, log);
}

describe("mutual TLS", () => {
  test("nodes with certificates from the cluster's CA gossip, link and call over TLS; a rogue certificate is refused everywhere", async () => {
    const a = await node(cluster);
    const b = await node(cluster, [a.addr as string]);
    await a.spawn(Echo, { name: "echo" });
    await until(() => b.cluster.members().filter((m) => m.state === "alive").length === 2, "b to see both members alive");
    expect(await (await b.resolve<Echo>("echo", { timeoutMs: 5_000 })).echo("over tls")).toBe("over tls");

    // The actor route: a client certificate from the cluster's CA is served...
    const body = JSON.stringify({ msg_type: "echo", payload: [1] });
    const ok = await fetch(`https://${a.addr}/actor/echo`, { method: "POST", body, tls: { cert: cluster.cert, key: cluster.key, ca: cluster.ca } } as RequestInit);
    expect(await ok.json()).toEqual({ result: 1 });
    // ...a rogue one, or none, is not.
    for (const client of [{ cert: rogue.cert, key: rogue.key, ca: cluster.ca }, { ca: cluster.ca }]) {
      const refused = await fetch(`https://${a.addr}/actor/echo`, { method: "POST", body, tls: client } as RequestInit).then(
        (response) => response.status,
        () => "refused",
      );
      expect(refused).toBe("refused");
    }

    // A rogue node: cannot join (gossip refused), cannot open a link.
    const intruderLog = memoryLogger();
    const intruder = await node(rogue, [a.addr as string], intruderLog);
    // It keeps trying; it says so once it has heard from no seed for a while (5 s).
    await until(() => intruderLog.lines.some((line) => line.event === "no seed answers"), "the intruder to find that no seed answers");
    expect(a.cluster.members().some((m) => m.id === intruder.nodeId)).toBe(false);
    expect(b.cluster.members().some((m) => m.id === intruder.nodeId)).toBe(false);
    const error = (await intruder.remote<Echo>(a.addr as string, "echo").echo(1).catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("NODE_UNREACHABLE");
    // A rogue gossip request never reaches the route.
    const gossip = await fetch(`https://${a.addr}/cluster/gossip`, { method: "POST", body: "x", tls: { cert: rogue.cert, key: rogue.key, ca: cluster.ca } } as RequestInit).then(
      (response) => response.status,
      () => "refused",
    );
    expect(gossip).toBe("refused");
  }, 30_000);

  test("the out-of-cluster client dials its gateway over mutual TLS with a certificate from the cluster's CA; a rogue one cannot connect", async () => {
    const a = await node(cluster);
    await a.spawn(Echo, { name: "echo" });
    const client = await connect(a.addr as string, { tls: cluster, logger: memoryLogger(), connectTimeoutMs: 2_000 });
    try {
      expect(await client.resolve<Echo>("echo").echo("client over tls")).toBe("client over tls");
    } finally {
      await client.close();
    }
    await expect(connect(a.addr as string, { tls: rogue, logger: memoryLogger(), connectTimeoutMs: 1_000 })).rejects.toMatchObject({ code: "NODE_UNREACHABLE" });
    await expect(connect(a.addr as string, { logger: memoryLogger(), connectTimeoutMs: 1_000 })).rejects.toMatchObject({ code: "NODE_UNREACHABLE" });
  }, 30_000);
});
