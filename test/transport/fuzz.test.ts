import { afterAll, beforeAll, expect, test } from "bun:test";
import { encode } from "@msgpack/msgpack";
import { ActorSystem } from "pulsing";
import { Counter } from "../fixtures/actors.ts";
import { Mutator, seededRandom } from "../fixtures/random.ts";
import { memoryLogger } from "../helpers.ts";

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 1000);

let system: ActorSystem;
let base: string;

beforeAll(async () => {
  system = await ActorSystem.start({ addr: "127.0.0.1:0", logger: memoryLogger(), stopTimeoutMs: 200, limits: { maxMessageBytes: 64 * 1024 } });
  await system.spawn(Counter, { name: "counter" });
  base = `http://${system.addr}`;
});
afterAll(async () => {
  await system.shutdown();
});

/** The node still does its job: a remote ask and an HTTP ask both answer right. */
async function stillServes(): Promise<void> {
  const client = await ActorSystem.start({ logger: memoryLogger() });
  try {
    expect(await client.remote<Counter>(system.addr as string, "counter").echo("alive")).toBe("alive");
  } finally {
    await client.shutdown();
  }
  const response = await fetch(`${base}/actor/counter`, { method: "POST", body: JSON.stringify({ msg_type: "echo", payload: ["ok"] }) });
  expect(await response.json()).toEqual({ result: "ok" });
}

test(`random and mutated HTTP bodies get well-formed answers (seed ${SEED})`, async () => {
  const fuzz = new Mutator(seededRandom(SEED));
  const valid = [
    encode({ msg_type: "inc", payload: [1] }),
    encode({ msg_type: "echo", payload: [{ a: [1, 2, { b: "c" }] }] }),
    new TextEncoder().encode(JSON.stringify({ msg_type: "countTo", payload: [3] })),
    new TextEncoder().encode(JSON.stringify({ msg_type: "Ping", payload: { x: 1 } })),
  ];
  const paths = ["/actor/counter", "/actor/nobody", "/actor/", "/actor/counter/../x", "/actor/a%2Fb", "/health", "/cluster/link", "/nowhere"];
  const types = ["application/json", "application/msgpack", "text/plain", "", "application/x-msgpack", "image/png"];
  for (let round = 0; round < ROUNDS; round++) {
    const kind = fuzz.int(3);
    const body = kind === 0 ? fuzz.bytes(200) : kind === 1 ? fuzz.mutate(fuzz.pick(valid)) : new TextEncoder().encode(JSON.stringify(fuzz.value()));
    const path = round % 4 === 0 ? fuzz.pick(paths) : "/actor/counter";
    const contentType = fuzz.pick(types);
    const response = await fetch(`${base}${path}`, {
      method: round % 10 === 0 ? "PUT" : "POST",
      headers: contentType === "" ? {} : { "content-type": contentType, ...(round % 7 === 0 ? { "x-message-mode": "tell" } : {}) },
      body,
    });
    const text = await response.text(); // a stream answer is read to its end
    expect(response.status).toBeGreaterThanOrEqual(200);
    expect(response.status).toBeLessThan(600);
    if (response.status >= 400 && response.headers.get("content-type")?.startsWith("application/json")) {
      const parsed = JSON.parse(text) as { error?: { code?: string } };
      expect(typeof parsed.error?.code).toBe("string");
    }
  }
  await stillServes();
}, 60_000);

test(`random and mutated gossip never takes the node down or changes its view (seed ${SEED})`, async () => {
  const fuzz = new Mutator(seededRandom(SEED + 2));
  const valid = [
    encode([0, 1, "fuzz", "127.0.0.1:1", system.nodeId, [[0, "x", "127.0.0.1:1", 0]]]),
    encode([3, "fuzz", [[1, system.nodeId, 0, "fuzz"], [4, "y", 1, ["a/b"]]]]),
    encode([4, "fuzz", "127.0.0.1:1", [[3, "z", 0]], []]),
    encode([2, 7, "fuzz", "127.0.0.1:1", "t", "127.0.0.1:2", []]),
  ];
  const statuses = new Set<number>();
  for (let round = 0; round < ROUNDS; round++) {
    const kind = fuzz.int(3);
    const body = kind === 0 ? fuzz.bytes(120) : kind === 1 ? fuzz.mutate(fuzz.pick(valid)) : encode(fuzz.value());
    const response = await fetch(`${base}/cluster/gossip`, {
      method: "POST",
      headers: { "content-type": "application/msgpack", "x-pulsing-gossip": round % 25 === 0 ? "9" : "1" },
      body,
    });
    statuses.add(response.status);
    if (response.status !== 204) expect(((await response.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
  }
  expect([...statuses].every((status) => status === 204 || status === 400)).toBe(true);
  // Whatever it was told, this node never believes it is dead or suspect itself.
  expect(system.cluster.members().find((m) => m.id === system.nodeId)?.state).toBe("alive");
  await stillServes();
}, 60_000);

test(`random and mutated link frames never take the node down (seed ${SEED})`, async () => {
  const fuzz = new Mutator(seededRandom(SEED + 1));
  const valid = [
    encode([[0, 1, "counter", "inc", [1], 64, 1000]]),
    encode([[1, "counter", "record", [1]], [0, 2, "counter", "countTo", [5], 2, 1000], [6, 2, 10]]),
    encode([[7, 99], [5, 3], [2, 4, "x"], [3, 5, "TIMEOUT", "m", null]]),
    encode([[0, 1, "counter", "__proto__", [], 1, 1000], [0, 2, "nobody", "inc", [], 1, 1000]]),
  ];
  const headers = { "x-pulsing-node": "fuzzer", "x-pulsing-protocol": "1" };
  let socket: WebSocket | undefined;
  const open = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://${system.addr}/cluster/link`, { headers } as unknown as string[]);
      ws.binaryType = "arraybuffer";
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error("could not open a link"));
    });
  let closes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    if (socket === undefined || socket.readyState !== WebSocket.OPEN) {
      socket = await open();
      socket.onclose = () => closes++;
    }
    const kind = fuzz.int(4);
    const frame = kind === 0 ? fuzz.bytes(100) : kind === 3 ? encode(fuzz.value()) : fuzz.mutate(fuzz.pick(valid));
    if (round % 50 === 0) socket.send("a text frame"); // not part of the protocol either
    else socket.send(frame);
    if (round % 20 === 0) await Bun.sleep(1); // let answers and closes happen along the way
  }
  socket?.close();
  expect(closes).toBeGreaterThan(0); // bad frames do close links: that is the answer to them
  await stillServes();
}, 60_000);
