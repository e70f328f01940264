/**
 * Drives a live node with random and mutated input on every way in: actor
 * bodies (JSON and msgpack), gossip messages, link frames, headers and paths.
 * Every HTTP answer must be well formed (a status, and a coded error body for
 * errors); a bad link frame may close the link and nothing more.
 */
import { encode } from "@msgpack/msgpack";
import { Actor } from "../../src/index.ts";
import { Mutator } from "./mutator.ts";

/** The actor a fuzzed node serves: methods of every kind, a stream, and `receive`. */
export class FuzzTarget extends Actor {
  n = 0;
  inc(by = 1): number {
    return (this.n += typeof by === "number" ? by : 1);
  }
  echo(value: unknown): unknown {
    return value;
  }
  async *countTo(k: number): AsyncGenerator<number> {
    for (let i = 0; i < Math.min(Number(k) || 0, 1000); i++) yield i;
  }
  receive(msgType: string, payload: unknown): unknown {
    if (msgType === "Ping") return { type: "Pong", payload };
    throw new Error(`no ${msgType}`);
  }
}

export interface FuzzReport {
  requests: number;
  frames: number;
  statuses: Record<number, number>;
  linkCloses: number;
  /** Answers that were not well formed: must stay empty. */
  malformed: string[];
}

export interface FuzzedNode {
  /** `host:port` of the node. */
  addr: string;
  /** A named actor it serves (a counter with `inc`). */
  actor: string;
  /** Its node id, to aim pings at it. */
  nodeId: string;
}

function newReport(): FuzzReport {
  return { requests: 0, frames: 0, statuses: {}, linkCloses: 0, malformed: [] };
}

async function check(report: FuzzReport, response: Response, what: string): Promise<void> {
  report.requests++;
  report.statuses[response.status] = (report.statuses[response.status] ?? 0) + 1;
  const text = await response.text(); // a streamed answer is read to its end
  if (response.status < 200 || response.status > 599) report.malformed.push(`${what}: status ${response.status}`);
  if (response.status >= 400 && response.headers.get("content-type")?.startsWith("application/json")) {
    try {
      const body = JSON.parse(text) as { error?: { code?: unknown } };
      if (typeof body.error?.code !== "string") report.malformed.push(`${what}: error without a code: ${text.slice(0, 200)}`);
    } catch {
      report.malformed.push(`${what}: a JSON error that does not parse: ${text.slice(0, 200)}`);
    }
  }
}

/** Actor bodies, paths, methods and headers. */
export async function fuzzHttp(target: FuzzedNode, seed: number, count: number, report = newReport()): Promise<FuzzReport> {
  const fuzz = new Mutator(seed);
  const valid = [
    encode({ msg_type: "inc", payload: [1] }),
    encode({ msg_type: "echo", payload: [{ a: [1, 2, { b: "c" }] }] }),
    new TextEncoder().encode(JSON.stringify({ msg_type: "countTo", payload: [3] })),
    new TextEncoder().encode(JSON.stringify({ msg_type: "Ping", payload: { x: 1 } })),
  ];
  const paths = [`/actor/${target.actor}`, "/actor/nobody", "/actor/", "/actor/a/../b", "/actor/a%2Fb", "/health", "/cluster/link", "/cluster/members", "/metrics", "/nowhere", "/%00"];
  const types = ["application/json", "application/msgpack", "text/plain", "", "application/x-msgpack", "image/png", "application/json; charset=latin1"];
  for (let round = 0; round < count; round++) {
    const kind = fuzz.int(3);
    const body = kind === 0 ? fuzz.bytes(200) : kind === 1 ? fuzz.mutate(fuzz.pick(valid)) : new TextEncoder().encode(JSON.stringify(fuzz.value()));
    const path = round % 4 === 0 ? fuzz.pick(paths) : `/actor/${target.actor}`;
    const headers: Record<string, string> = {};
    const contentType = fuzz.pick(types);
    if (contentType !== "") headers["content-type"] = contentType;
    if (round % 7 === 0) headers["x-message-mode"] = fuzz.pick(["tell", "ask", "", "TELL"]);
    if (round % 11 === 0) headers["x-timeout-ms"] = fuzz.pick(["0", "-1", "1e9", "abc", "50"]);
    if (round % 13 === 0) headers.authorization = fuzz.pick(["Bearer x", "Basic y", ""]);
    const method = round % 10 === 0 ? fuzz.pick(["PUT", "GET", "DELETE", "PATCH"]) : "POST";
    const response = await fetch(`http://${target.addr}${path}`, { method, headers, ...(method === "GET" ? {} : { body }) });
    await check(report, response, `${method} ${path}`);
  }
  return report;
}

/** Gossip messages, signed or not, of every shape. */
export async function fuzzGossip(target: FuzzedNode, seed: number, count: number, report = newReport()): Promise<FuzzReport> {
  const fuzz = new Mutator(seed);
  const valid = [
    encode([0, 1, "fuzz", "127.0.0.1:1", target.nodeId, [[0, "x", "127.0.0.1:1", 0]]]),
    encode([3, "fuzz", [[1, target.nodeId, 0, "fuzz"], [4, "y", 1, ["a/b"]]]]),
    encode([4, "fuzz", "127.0.0.1:1", [[3, "z", 0]], []]),
    encode([2, 7, "fuzz", "127.0.0.1:1", "t", "127.0.0.1:2", []]),
  ];
  for (let round = 0; round < count; round++) {
    const kind = fuzz.int(3);
    const body = kind === 0 ? fuzz.bytes(120) : kind === 1 ? fuzz.mutate(fuzz.pick(valid)) : encode(fuzz.value());
    const response = await fetch(`http://${target.addr}/cluster/gossip`, {
      method: "POST",
      headers: { "content-type": "application/msgpack", "x-pulsing-gossip": round % 25 === 0 ? "9" : "1", ...(round % 17 === 0 ? { "x-pulsing-ts": "1", "x-pulsing-nonce": "n", "x-pulsing-auth": "00" } : {}) },
      body,
    });
    await check(report, response, "POST /cluster/gossip");
  }
  return report;
}

/** Link frames: random bytes, mutated envelopes, random msgpack values, text frames. */
export async function fuzzLink(target: FuzzedNode, seed: number, count: number, report = newReport()): Promise<FuzzReport> {
  const fuzz = new Mutator(seed);
  const valid = [
    encode([[0, 1, target.actor, "inc", [1], 64, 1000]]),
    encode([[1, target.actor, "inc", [1]], [0, 2, target.actor, "countTo", [5], 2, 1000], [6, 2, 10]]),
    encode([[7, 99], [5, 3], [2, 4, "x"], [3, 5, "TIMEOUT", "m", null]]),
    encode([[0, 1, target.actor, "__proto__", [], 1, 1000], [0, 2, "nobody", "inc", [], 1, 1000]]),
  ];
  const open = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://${target.addr}/cluster/link`, { headers: { "x-pulsing-node": "fuzzer", "x-pulsing-protocol": "1" } } as unknown as string[]);
      ws.binaryType = "arraybuffer";
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error("could not open a link"));
    });
  let socket: WebSocket | undefined;
  for (let round = 0; round < count; round++) {
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) {
      socket = await open();
      socket.onclose = () => report.linkCloses++;
    }
    const kind = fuzz.int(4);
    const frame = kind === 0 ? fuzz.bytes(100) : kind === 3 ? encode(fuzz.value()) : fuzz.mutate(fuzz.pick(valid));
    if (round % 50 === 0) socket.send("a text frame");
    else socket.send(frame);
    report.frames++;
    if (round % 20 === 0) await Bun.sleep(1);
  }
  socket?.close();
  return report;
}

/** Whether the node still does its job: an ask over HTTP gets the right answer. */
export async function stillServes(target: FuzzedNode): Promise<boolean> {
  const response = await fetch(`http://${target.addr}/actor/${target.actor}`, { method: "POST", body: JSON.stringify({ msg_type: "echo", payload: ["alive"] }) });
  return response.status === 200 && ((await response.json()) as { result?: unknown }).result === "alive";
}
