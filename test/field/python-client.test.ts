/**
 * examples/python/pulsing_client.py against three real node processes: the
 * actor lives on one, and the client talks to another, which forwards (the
 * gateway). Both encodings, the JSON fallback when msgpack cannot be
 * imported, and the command line. Runs Debian's /usr/bin/python3 when there
 * is one (CI installs python3-msgpack for it), else python3 from PATH; it
 * fails, never skips, when there is no Python or it lacks msgpack.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killAll, type NodeProcess, startNodeProcess } from "../fixtures/processes.ts";
import { until } from "../helpers.ts";

const NODE = `${import.meta.dir}/../fixtures/python-client-node.ts`;
const CHECK = `${import.meta.dir}/../fixtures/python_client_check.py`;
const CLIENT = `${import.meta.dir}/../../examples/python/pulsing_client.py`;

/** Debian's python3 first: the pyenv one first in PATH on dev machines has no msgpack. */
function python(): string {
  if (existsSync("/usr/bin/python3")) return "/usr/bin/python3";
  const found = Bun.which("python3");
  if (found === null) throw new Error("python3 is missing: install Debian's python3 and python3-msgpack (.ci/run does)");
  return found;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const proc = Bun.spawn([python(), ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/**
 * Runs the driver against `gateway`; its JSON results, each step's outcome
 * `{value, type}` (the Python type) or `{error: {code, status, message, errorName}}`.
 */
async function check(gateway: NodeProcess, host: NodeProcess, encoding: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const result = await run([CHECK, `http://${gateway.addr}`, encoding, host.addr], env);
  if (result.code !== 0) throw new Error(`the Python driver failed (exit ${result.code}):\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

const errorOf = (outcome: unknown) => (outcome as { error: { code: string; status: number | null } }).error;

describe("the Python client, through a node that does not host the actor", () => {
  let host: NodeProcess;
  let gateway: NodeProcess;

  beforeAll(async () => {
    const probe = await run(["-c", "import msgpack, sys; print(sys.version_info[0])"]);
    if (probe.code !== 0) throw new Error(`${python()} cannot import msgpack: install python3-msgpack (.ci/run does)\n${probe.stderr}`);
    host = await startNodeProcess(NODE, { HOST: "1" });
    const others = await Promise.all([0, 1].map(() => startNodeProcess(NODE, { PULSING_SEEDS: host.addr })));
    gateway = others[0] as NodeProcess;
    // Every node knows where py/target lives before the client calls.
    await until(async () => {
      for (const node of [host, ...others]) {
        const actors = (await (await fetch(`http://${node.addr}/actors`)).json()) as { registry: { names: string[] }[] };
        if (!actors.registry.some((entry) => entry.names.includes("py/target"))) return false;
      }
      return true;
    }, "every registry to know py/target", 20_000, 50);
  }, 30_000);
  afterAll(() => killAll());

  for (const encoding of ["json", "msgpack"]) {
    test(`${encoding}: asks, tells, streams, bytes and big integers, coded errors, routing options`, async () => {
      const r = await check(gateway, host, encoding);
      expect(r.encoding).toBe(encoding);
      expect(r.ask).toEqual({ value: 5, type: "int" });
      expect(r.tell).toEqual({ value: null, type: "NoneType" });
      expect(r.after_tell).toEqual({ value: 15, type: "int" });
      expect(r.nothing).toEqual({ value: null, type: "NoneType" });
      expect(r.message_style).toEqual({ value: { type: "Pong", payload: { seq: 1 } }, type: "dict" });
      expect(r.stream).toEqual({ value: [0, 1, 2], type: "list" });
      // 2^60 + i is past 2^53: a bigint in the actor, an int in Python, exact.
      expect(r.stream_chunks).toEqual({ value: [[{ $bigint: String(2n ** 60n) }, { $bytes: "AP8=" }], [{ $bigint: String(2n ** 60n + 1n) }, { $bytes: "Af8=" }]], type: "list" });
      expect(errorOf(r.stream_error)).toMatchObject({ code: "HANDLER_ERROR", status: 200, errorName: "RangeError" });
      expect(r.stream_error_items).toEqual([0, 1]);

      expect(r.echo_equal).toBe(true);
      const huge = -(2n ** 70n) + 3n;
      expect(r.echo).toEqual({ value: [{ $bytes: "AAH+/w==" }, { $bigint: String(huge) }, { $bigint: String(-(2n ** 63n)) }, 7, { nested: [{ $bytes: "eHk=" }] }, { $bytes: "" }], type: "list" });
      // What the actor got: bytes as a Uint8Array, 2^60 as a bigint, 2^40 as a number.
      expect(r.types).toEqual({ value: ["bytes:3", "bigint", "number", "string"], type: "list" });

      expect(errorOf(r.unknown_actor)).toMatchObject({ code: "ACTOR_NOT_FOUND", status: 404 });
      expect(errorOf(r.unknown_method)).toMatchObject({ code: "UNKNOWN_MESSAGE", status: 400 });
      expect(errorOf(r.handler_error)).toMatchObject({ code: "HANDLER_ERROR", status: 500, errorName: "TypeError" });
      expect(errorOf(r.timeout)).toMatchObject({ code: "TIMEOUT", status: 504 });
      expect(errorOf(r.ask_a_stream)).toMatchObject({ code: "BAD_RESPONSE", status: 200 });

      expect(r.consistent_hash).toEqual({ value: "hashed", type: "str" });
      expect(r.pinned).toEqual({ value: "pinned", type: "str" });
      expect(errorOf(r.pinned_elsewhere)).toMatchObject({ code: "NODE_UNREACHABLE", status: 502 });
      expect(errorOf(r.wait_for_nobody)).toMatchObject({ code: "ACTOR_NOT_FOUND", status: 404 });
      expect(errorOf(r.no_node)).toMatchObject({ code: "NODE_UNREACHABLE", status: null });
    }, 30_000);
  }

  test("auto picks msgpack when it can be imported, and JSON when it cannot", async () => {
    expect((await check(gateway, host, "auto")).encoding).toBe("msgpack");
    // A msgpack module that fails to import stands in for a Python without it.
    const dir = mkdtempSync(join(tmpdir(), "no-msgpack-"));
    try {
      writeFileSync(join(dir, "msgpack.py"), 'raise ImportError("hidden by the test")\n');
      const r = await check(gateway, host, "auto", { PYTHONPATH: dir });
      expect(r.msgpack_available).toBe(false);
      expect(r.encoding).toBe("json");
      expect(r.ask).toEqual({ value: 5, type: "int" });
      expect(errorOf(r.unknown_actor)).toMatchObject({ code: "ACTOR_NOT_FOUND", status: 404 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  test("the command line: ask, tell, stream, and an error on stderr with exit 1", async () => {
    const url = `http://${gateway.addr}`;
    const echoed = await run([CLIENT, url, "ask", "py/target", "echo", '{"$bytes":"AQI="}']);
    expect(echoed).toMatchObject({ code: 0, stdout: '{"$bytes": "AQI="}\n' });
    expect((await run([CLIENT, "--json", url, "tell", "py/target", "inc", "0"])).code).toBe(0);
    expect((await run([CLIENT, url, "stream", "py/target", "ticks", "2"])).stdout).toBe("0\n1\n");
    const failed = await run([CLIENT, url, "ask", "py/nobody", "get"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("ACTOR_NOT_FOUND (404)");
  }, 30_000);
});
