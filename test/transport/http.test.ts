import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decode, encode } from "@msgpack/msgpack";
import { ActorSystem } from "pulsing";
import { Counter } from "../fixtures/actors.ts";
import { memoryLogger, startNode } from "../helpers.ts";

let system: ActorSystem;
let base: string;

beforeAll(async () => {
  system = await ActorSystem.start({ addr: "127.0.0.1:0", logger: memoryLogger(), stopTimeoutMs: 200, limits: { maxMessageBytes: 64 * 1024 } });
  await system.spawn(Counter, { name: "services/counter" });
  await system.spawn(Counter, { name: "services/sleeper" }); // its turns may hang
  base = `http://${system.addr}`;
});
afterAll(async () => {
  await system.shutdown();
});

function postJson(name: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/actor/${name}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

function postMsgpack(name: string, body: unknown): Promise<Response> {
  return fetch(`${base}/actor/${name}`, { method: "POST", headers: { "content-type": "application/msgpack" }, body: encode(body) });
}

/** Splits a msgpack stream body into its length-prefixed records. */
function msgpackRecords(bytes: Uint8Array): unknown[] {
  const records: unknown[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.byteLength; ) {
    const length = view.getUint32(at);
    records.push(decode(bytes.subarray(at + 4, at + 4 + length)));
    at += 4 + length;
  }
  return records;
}

describe("POST /actor/{name}", () => {
  test("asks with JSON and answers JSON", async () => {
    const response = await postJson("services/counter", { msg_type: "echo", payload: [{ a: [1, 2] }] });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual({ result: { a: [1, 2] } });
  });

  test("asks with msgpack and answers msgpack", async () => {
    const response = await postMsgpack("services/counter", { msg_type: "echo", payload: [new Uint8Array([9, 8])] });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/msgpack");
    expect(decode(new Uint8Array(await response.arrayBuffer()))).toEqual({ result: new Uint8Array([9, 8]) });
  });

  test("message-style types reach receive", async () => {
    const response = await postJson("services/counter", { msg_type: "Ping", payload: { n: 1 } });
    expect(await response.json()).toEqual({ result: { type: "Pong", payload: { n: 1 } } });
  });

  test("x-message-mode: tell answers 202 at once", async () => {
    const before = ((await (await postJson("services/counter", { msg_type: "inc", payload: [0] })).json()) as { result: number }).result;
    const response = await postJson("services/counter", { msg_type: "inc", payload: [5] }, { "x-message-mode": "tell" });
    expect(response.status).toBe(202);
    const after = ((await (await postJson("services/counter", { msg_type: "inc", payload: [0] })).json()) as { result: number }).result;
    expect(after).toBe(before + 5);
  });

  test("a stream answers newline-delimited JSON ending with an end record", async () => {
    const response = await postJson("services/counter", { msg_type: "countTo", payload: [3] });
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await response.text()).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { end: true }]);
  });

  test("a failing stream ends with an error record", async () => {
    const response = await postJson("services/counter", { msg_type: "failAfter", payload: [2] });
    const lines = (await response.text()).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.slice(0, 2)).toEqual([{ item: 0 }, { item: 1 }]);
    expect(lines[2].error.code).toBe("HANDLER_ERROR");
    expect(lines[2].error.errorName).toBe("RangeError");
  });

  test("a stream answers length-prefixed msgpack records to msgpack clients", async () => {
    const response = await postMsgpack("services/counter", { msg_type: "countTo", payload: [2] });
    expect(response.headers.get("content-type")).toBe("application/vnd.pulsing.msgpack-stream");
    expect(msgpackRecords(new Uint8Array(await response.arrayBuffer()))).toEqual([{ item: 0 }, { item: 1 }, { end: true }]);
  });

  test("a client that stops reading a stream closes the generator", async () => {
    const before = ((await (await postJson("services/counter", { msg_type: "stats", payload: [] })).json()) as { result: { closed: number } }).result.closed;
    const response = await postJson("services/counter", { msg_type: "forever", payload: [] });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    let closed = before;
    for (let i = 0; i < 200 && closed === before; i++) {
      await Bun.sleep(5);
      closed = ((await (await postJson("services/counter", { msg_type: "stats", payload: [] })).json()) as { result: { closed: number } }).result.closed;
    }
    expect(closed).toBe(before + 1);
  });

  const errors: [string, () => Promise<Response>, number, string][] = [
    ["unknown actor", () => postJson("services/nobody", { msg_type: "inc", payload: [] }), 404, "ACTOR_NOT_FOUND"],
    ["unknown method", () => postJson("services/counter", { msg_type: "nope", payload: [] }), 400, "UNKNOWN_MESSAGE"],
    ["private method", () => postJson("services/counter", { msg_type: "_private", payload: [] }), 400, "UNKNOWN_MESSAGE"],
    ["constructor", () => postJson("services/counter", { msg_type: "constructor", payload: [] }), 400, "UNKNOWN_MESSAGE"],
    ["__proto__", () => postJson("services/counter", { msg_type: "__proto__", payload: [] }), 400, "UNKNOWN_MESSAGE"],
    ["toString", () => postJson("services/counter", { msg_type: "toString", payload: [] }), 400, "UNKNOWN_MESSAGE"],
    ["handler error", () => postJson("services/counter", { msg_type: "fail", payload: ["bad"] }), 500, "HANDLER_ERROR"],
    ["payload not an array", () => postJson("services/counter", { msg_type: "inc", payload: 5 }), 400, "BAD_REQUEST"],
    ["missing msg_type", () => postJson("services/counter", { payload: [] }), 400, "BAD_REQUEST"],
    ["body not an object", () => postJson("services/counter", [1, 2]), 400, "BAD_REQUEST"],
    ["timeout", () => postJson("services/sleeper", { msg_type: "hang", payload: [] }, { "x-timeout-ms": "30" }), 504, "TIMEOUT"],
    ["bad timeout header", () => postJson("services/counter", { msg_type: "inc", payload: [] }, { "x-timeout-ms": "soon" }), 400, "INVALID_OPTION"],
    [
      "malformed JSON",
      () => fetch(`${base}/actor/services/counter`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }),
      400,
      "BAD_REQUEST",
    ],
    [
      "malformed msgpack",
      () => fetch(`${base}/actor/services/counter`, { method: "POST", headers: { "content-type": "application/msgpack" }, body: new Uint8Array([0xc1, 0xff]) }),
      400,
      "BAD_REQUEST",
    ],
    [
      "oversized body",
      () => postJson("services/counter", { msg_type: "echo", payload: ["x".repeat(100 * 1024)] }),
      413,
      "BAD_REQUEST",
    ],
    ["too deep", () => postJson("services/counter", { msg_type: "echo", payload: [JSON.parse(`${"[".repeat(100)}${"]".repeat(100)}`)] }), 400, "BAD_REQUEST"],
  ];

  test.each(errors)("%s: a clear error with a code", async (_what, send, status, code) => {
    const response = await send();
    expect(response.status).toBe(status);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const isMsgpack = response.headers.get("content-type") === "application/msgpack";
    const body = (isMsgpack ? decode(bytes) : JSON.parse(new TextDecoder().decode(bytes))) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
  });

  test("curl's default form content type is read as JSON", async () => {
    const response = await fetch(`${base}/actor/services/counter`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: JSON.stringify({ msg_type: "echo", payload: ["curl"] }),
    });
    expect(await response.json()).toEqual({ result: "curl" });
  });

  test("an unsupported content type is 415", async () => {
    const response = await fetch(`${base}/actor/services/counter`, { method: "POST", headers: { "content-type": "text/xml" }, body: "<x/>" });
    expect(response.status).toBe(415);
  });
});

describe("other routes", () => {
  test("GET /health is 200 while serving", async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { node: string }).node).toBe(system.nodeId);
  });

  test("an unknown route is 404 with a code", async () => {
    const response = await fetch(`${base}/nowhere`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
  });

  test("GET /cluster/link without an upgrade is a clear 400", async () => {
    const response = await fetch(`${base}/cluster/link`, { headers: { "x-pulsing-node": "n", "x-pulsing-protocol": "1" } });
    expect(response.status).toBe(400);
  });
});

test("an actor name may be given encoded whole in the path (svc%2F1), as clients that encode it do", async () => {
  const node = await startNode();
  await node.spawn(Counter, { name: "svc/1" });
  for (const path of ["svc/1", "svc%2F1", "svc%2f1"]) {
    const response = await fetch(`http://${node.addr}/actor/${path}`, { method: "POST", body: JSON.stringify({ msg_type: "inc", payload: [1] }) });
    expect(response.status).toBe(200);
  }
  const bad = await fetch(`http://${node.addr}/actor/svc%E0%A4%A`, { method: "POST", body: JSON.stringify({ msg_type: "inc", payload: [1] }) });
  expect(bad.status).toBe(400);
});
