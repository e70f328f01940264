/**
 * The OpenAPI document (src/ops/openapi.ts) against the code: it is valid
 * OpenAPI 3.1, its error table is the code's, docs/openapi.json is what nodes
 * serve, and a live node's answers on every documented route, method, mode and
 * encoding have a status the document lists and a body its schema accepts.
 * Both ways: a route the node serves that the document lacks fails, and so does
 * a documented operation this file never calls.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { compileErrors, validate } from "@readme/openapi-parser";
import { decode, encode } from "@msgpack/msgpack";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import type { Hono } from "hono";
import { z } from "zod";
import { Actor, type ActorSchemas, ActorSystem, Entity, ERROR_CODES, type ErrorCode } from "pulsing";
import { openApiDocument } from "../../src/ops/index.ts";
import { SqliteStore } from "../../src/store/sqlite-store.ts";
import { statusOf } from "../../src/transport/problem.ts";
import { PROTOCOL_VERSION } from "../../src/wire/index.ts";
import { OPENAPI_FILE, openApiText } from "../../scripts/openapi.ts";
import { startNode, until } from "../helpers.ts";

type Json = Record<string, unknown>;

/** The document as a client reads it: plain JSON. */
const doc = JSON.parse(JSON.stringify(openApiDocument)) as Json & { paths: Record<string, Record<string, Json>>; components: Record<string, Record<string, Json>> };

// ---- checking answers against the document ----------------------------------

/**
 * The component schemas under one id, their `#/components/schemas/X` refs
 * pointed at it: ajv compiles a media type's schema without the rest of the
 * OpenAPI document, which is not a JSON Schema.
 */
const SCHEMAS_ID = "pulsing-openapi";
const rewired = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(rewired);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, key === "$ref" && typeof inner === "string" ? inner.replace("#/components/schemas/", `${SCHEMAS_ID}#/$defs/`) : rewired(inner)]),
  );
};
// Strict, but type arrays are plain JSON Schema 2020-12 (and OpenAPI 3.1): `type: ["string", "integer"]`.
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
ajv.addSchema({ $id: SCHEMAS_ID, $defs: rewired(doc.components.schemas) as Json });
const compiled = new Map<unknown, ValidateFunction>();
function validator(schema: unknown): ValidateFunction {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = ajv.compile(rewired(schema) as Json);
    compiled.set(schema, check);
  }
  return check;
}
const componentSchema = (name: string) => validator({ $ref: `#/components/schemas/${name}` });

function expectValid(check: ValidateFunction, value: unknown, what: string): void {
  if (!check(value)) throw new Error(`${what}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))?.slice(0, 500)}`);
}

/** Operations called, as `METHOD /path-template`: the last test checks every documented one is here. */
const exercised = new Set<string>();

/** A response object, its `$ref` (to components.responses) followed. */
function responseOf(path: string, method: string, status: number): Json | undefined {
  const operation = doc.paths[path]?.[method];
  if (operation === undefined) throw new Error(`the document has no ${method.toUpperCase()} ${path}`);
  const found = (operation.responses as Record<string, Json>)[String(status)];
  if (found === undefined || typeof found.$ref !== "string") return found;
  return doc.components.responses?.[found.$ref.slice("#/components/responses/".length)];
}

function msgpackFrames(bytes: Uint8Array): unknown[] {
  const records: unknown[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.byteLength) {
    const length = view.getUint32(at);
    records.push(decode(bytes.subarray(at + 4, at + 4 + length)));
    at += 4 + length;
  }
  expect(at).toBe(bytes.byteLength);
  return records;
}

interface Answer {
  status: number;
  type: string;
  /** The body, decoded (a stream's records are in `records`). */
  body: unknown;
  records: unknown[];
}

const STREAM_TYPES = new Set(["application/x-ndjson", "application/vnd.pulsing.msgpack-stream"]);

/**
 * Checks an answer of `METHOD path` against the document: its status is one the
 * operation lists, its content type one that status lists, and its body (each
 * record of a stream) valid against that media type's schema.
 */
async function checked(path: string, method: string, response: Response): Promise<Answer> {
  exercised.add(`${method.toUpperCase()} ${path}`);
  const what = `${method.toUpperCase()} ${path} → ${response.status}`;
  const documented = responseOf(path, method, response.status);
  if (documented === undefined) throw new Error(`${what}: the document lists no such status (body: ${(await response.text()).slice(0, 300)})`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const content = documented.content as Record<string, Json> | undefined;
  if (content === undefined) {
    expect(bytes.byteLength).toBe(0);
    return { status: response.status, type: "", body: undefined, records: [] };
  }
  const type = (response.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const media = content[type];
  if (media === undefined) throw new Error(`${what}: content type ${type} is not one the document lists (${Object.keys(content).join(", ")})`);
  const text = () => new TextDecoder().decode(bytes);
  let body: unknown;
  let records: unknown[] = [];
  if (type === "application/json") body = JSON.parse(text());
  else if (type === "application/msgpack") body = decode(bytes);
  else if (type === "application/x-ndjson") {
    const lines = text().split("\n");
    expect(lines.pop()).toBe(""); // every record ends its line
    records = lines.map((line) => JSON.parse(line));
  } else if (type === "application/vnd.pulsing.msgpack-stream") records = msgpackFrames(bytes);
  else body = text();
  const check = validator(media.schema ?? {});
  if (STREAM_TYPES.has(type)) {
    records.forEach((record, i) => expectValid(check, record, `${what} ${type} record ${i}`));
    // Items, then exactly one end or error.
    expect(records.length).toBeGreaterThan(0);
    for (const record of records.slice(0, -1)) expect(Object.keys(record as Json)).toEqual(["item"]);
    expect(Object.keys(records.at(-1) as Json)).toEqual([expect.stringMatching(/^(end|error)$/)]);
  } else {
    expectValid(check, body, `${what} ${type}`);
  }
  return { status: response.status, type, body, records };
}

/** `GET path` on a node, checked. */
async function get(node: ActorSystem, path: string, query = ""): Promise<Answer> {
  return checked(path, "get", await fetch(`http://${node.addr}${path}${query}`));
}

interface ActorCall {
  /** The request body: an object (encoded as `type` says) or raw bytes. */
  body?: unknown;
  raw?: string | Uint8Array;
  /** Default application/json; null sends none. */
  type?: string | null;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** The path after /actor/, as sent (default: the name as it is). */
  path?: string;
}

/** `POST /actor/{name}`, checked. */
async function callActor(node: ActorSystem, name: string, call: ActorCall = {}): Promise<Answer> {
  const type = call.type === undefined ? "application/json" : call.type;
  const msgpack = type !== null && type.includes("msgpack");
  const body = call.raw ?? (msgpack ? encode(call.body) : JSON.stringify(call.body));
  const headers: Record<string, string> = { ...call.headers };
  const query = call.query === undefined ? "" : `?${new URLSearchParams(call.query)}`;
  const request = new Request(`http://${node.addr}/actor/${call.path ?? name}${query}`, { method: "POST", body, headers });
  // fetch adds text/plain to a string body without a type: take it away to send none.
  if (type === null) request.headers.delete("content-type");
  else request.headers.set("content-type", type);
  return checked("/actor/{name}", "post", await fetch(request));
}

/** `POST /entity/{kind}/{key}`, checked: `path` is what follows /entity/ as sent (default: the kind, then the key percent-encoded). */
async function callEntity(node: ActorSystem, kind: string, key: string, call: ActorCall = {}): Promise<Answer> {
  const type = call.type === undefined ? "application/json" : call.type;
  const msgpack = type !== null && type.includes("msgpack");
  const body = call.raw ?? (msgpack ? encode(call.body) : JSON.stringify(call.body));
  const query = call.query === undefined ? "" : `?${new URLSearchParams(call.query)}`;
  const request = new Request(`http://${node.addr}/entity/${call.path ?? `${kind}/${encodeURIComponent(key)}`}${query}`, { method: "POST", body, headers: { ...call.headers } });
  if (type === null) request.headers.delete("content-type");
  else request.headers.set("content-type", type);
  return checked("/entity/{kind}/{key}", "post", await fetch(request));
}

const errorCode = (answer: Answer) => (answer.body as { error: { code: string } }).error.code;

// ---- the actors the live node serves -----------------------------------------

class Counter extends Actor {
  #n = 0;
  inc(by = 1): number {
    return (this.#n += by);
  }
  nothing(): void {}
  bytes(): Uint8Array {
    return new Uint8Array([1, 2, 3]);
  }
  big(): bigint {
    return 2n ** 64n + 1n;
  }
  /** What an argument arrived as. */
  kind(value: unknown): string {
    return value instanceof Uint8Array ? `bytes ${[...value].join(",")}` : typeof value === "bigint" ? `bigint ${value}` : typeof value;
  }
  fails(): never {
    throw new TypeError("no good");
  }
  async slow(ms: number): Promise<number> {
    await Bun.sleep(ms);
    return ms;
  }
  async *countTo(k: number): AsyncGenerator<number> {
    for (let i = 0; i < k; i++) yield i;
  }
  async *failsAtOnce(): AsyncGenerator<number> {
    throw new RangeError("before any item");
  }
  async *failsAfterOne(): AsyncGenerator<number> {
    yield 1;
    throw new RangeError("after one item");
  }
}

/** An actor whose schemas check what the network sends: a refusal carries its issues. */
class Checked extends Actor {
  static schemas: ActorSchemas<Checked> = { rename: z.tuple([z.object({ name: z.string().min(1) })]) };
  rename(to: { name: string }): string {
    return to.name;
  }
}

/** An entity: a tally per key, which says which key it is. */
class Tally extends Entity {
  static kind = "tally";
  #n = 0;
  add(by = 1): { key: string; n: number } {
    return { key: this.key, n: (this.#n += by) };
  }
  async *countTo(k: number): AsyncGenerator<number> {
    for (let i = 0; i < k; i++) yield i;
  }
  fails(): never {
    throw new TypeError("no good");
  }
}

/** Holds shutdown back, so the test sees a node answering while it shuts down. */
class SlowToStop extends Actor {
  override async onStop(): Promise<void> {
    await Bun.sleep(300);
  }
}

// Every node started from here on tells this file its app, so that the routes it
// really serves can be compared with the document (an extension adds no route).
let lastApp: Hono | undefined;
ActorSystem.extend((app) => {
  lastApp = app;
});

// ---- the document itself --------------------------------------------------------

test("the document is valid OpenAPI 3.1 (@readme/openapi-parser)", async () => {
  expect(String(doc.openapi)).toMatch(/^3\.1\.\d+$/);
  const result = await validate(structuredClone(doc) as unknown as Parameters<typeof validate>[0]);
  if (!result.valid) throw new Error(compileErrors(result));
  expect(result.warnings).toEqual([]);
  expect((doc.info as Json).version).toBe(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version);
});

test("every error code is documented with its status (ERROR_CODES, statusOf), and no status of a call route admits another code", () => {
  expect(((doc.components.schemas as Record<string, Json>).ErrorCode as Json).enum).toEqual([...ERROR_CODES]);
  for (const path of ["/actor/{name}", "/entity/{kind}/{key}"]) {
    const statuses = Object.keys(doc.paths[path]?.post?.responses as Json)
      .map(Number)
      .filter((status) => status >= 400);
    // Refused before the body is read: the code fits no status of its own there.
    const beforeBody = [413, 415];
    for (const code of ERROR_CODES) {
      for (const status of statuses) {
        const body = { error: { code, message: "m" } };
        const accepted = validator((responseOf(path, "post", status)?.content as Record<string, Json>)["application/json"]?.schema)(body);
        const expected = status === statusOf(code) || (code === "BAD_REQUEST" && beforeBody.includes(status));
        if (accepted !== expected) throw new Error(`${path}: ${code} at ${status}: the document ${accepted ? "admits" : "refuses"} it, statusOf says ${statusOf(code as ErrorCode)}`);
      }
    }
  }
  // ENTITY_MOVED is the retryable 503 of an entity whose key moved mid-call.
  expect(statusOf("ENTITY_MOVED")).toBe(503);
});

test("docs/openapi.json is the document nodes serve at GET /openapi.json", async () => {
  const node = await startNode();
  const served = await get(node, "/openapi.json");
  expect(served.body).toEqual(doc);
  // Byte for byte what scripts/openapi.ts writes: run it after changing src/ops/openapi.ts.
  expect(readFileSync(OPENAPI_FILE, "utf8")).toBe(openApiText());
});

test("every route a node serves is in the document", async () => {
  await startNode();
  const app = lastApp as Hono;
  // Hono's paths in OpenAPI's spelling: `/actor/*` is `/actor/{name}`, `/entity/*` and `:key{.+}` are `{key}`, `:kind` is `{kind}`.
  const openApiPath = (path: string) =>
    path
      .replace(/^\/actor\/\*$/, "/actor/{name}")
      .replace(/^\/entity\/\*$/, "/entity/{kind}/{key}")
      .replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");
  const served = new Set(app.routes.filter((route) => route.method !== "ALL").map((route) => `${route.method} ${openApiPath(route.path)}`));
  const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)));
  expect([...served].sort()).toEqual([...documented].sort());
});

// ---- a live node, route by route -------------------------------------------------

test("GET routes answer as documented", async () => {
  const node = await startNode();
  await node.spawn(Counter, { name: "counter" });
  await node.spawn(Counter);
  const health = await get(node, "/health");
  expect(health.body).toMatchObject({ status: "ok", node: node.nodeId });
  expect((await get(node, "/ready")).body).toMatchObject({ status: "ready" });
  expect((await get(node, "/cluster/members")).body).toEqual([{ id: node.nodeId, addr: node.addr, state: "alive", incarnation: 0 }]);
  await until(async () => ((await get(node, "/actors")).body as { registry: unknown[] }).registry.length === 1, "the named actor in the registry");
  const actors = (await get(node, "/actors")).body as { local: Json[] };
  expect(actors.local.map((actor) => actor.name)).toEqual(["counter", undefined]);
  expect((await get(node, "/metrics")).body).toContain("pulsing_actors ");
  expect((await get(node, "/dashboard.json")).body).toMatchObject({ node: node.nodeId, actors: [{ name: "counter" }, {}] });
  expect((await get(node, "/")).body).toContain("<html");
  const asset = await checked("/dashboard/{asset}", "get", await fetch(`http://${node.addr}/dashboard/app.js`));
  expect(asset.body).toContain("pulsingDashboard");
  expect((await get(node, "/entities")).body).toEqual({ node: node.nodeId, addr: node.addr, kinds: {} });
  node.host(Tally);
  await node.entity(Tally, "k").add();
  expect((await get(node, "/entities")).body).toEqual({ node: node.nodeId, addr: node.addr, kinds: { tally: { active: 1, activations: 1, passivations: 0, moves: 0, failedActivations: 0 } } });
  expect((await get(node, "/dashboard.json")).body).toMatchObject({ entities: { tally: { active: 1 } } });
});

/** An entity with durable state: what the operator's routes list and delete. */
class Ledger extends Entity<{ n: number }> {
  static kind = "ledger";
  static initialState = { n: 0 };
  add(): number {
    return ++this.state.n;
  }
}

test("entity state for operators: keys of a kind page by page, and a delete (with a store); without one, 400", async () => {
  const withStore = await startNode({ store: new SqliteStore({ path: ":memory:" }) });
  withStore.host(Ledger);
  for (const key of ["a", "b", "c"]) await withStore.entity(Ledger, key).add();
  const page = await checked("/entities/{kind}/keys", "get", await fetch(`http://${withStore.addr}/entities/ledger/keys?limit=2`));
  expect(page.body).toEqual({ kind: "ledger", keys: ["a", "b"], next: "b" });
  const deleted = await checked("/entity/{kind}/{key}", "delete", await fetch(`http://${withStore.addr}/entity/ledger/a`, { method: "DELETE" }));
  expect(deleted.body).toEqual({ deleted: true });
  const without = await startNode();
  without.host(Ledger);
  const refused = await checked("/entities/{kind}/keys", "get", await fetch(`http://${without.addr}/entities/ledger/keys`));
  expect([refused.status, (refused.body as { error: { code: string } }).error.code]).toEqual([400, "INVALID_OPTION"]);
  const token = "the-api-token-5678";
  const guarded = await startNode({ apiToken: token, store: new SqliteStore({ path: ":memory:" }) });
  guarded.host(Ledger);
  const unauthorized = await checked("/entity/{kind}/{key}", "delete", await fetch(`http://${guarded.addr}/entity/ledger/a`, { method: "DELETE" }));
  expect(unauthorized.status).toBe(401);
  const authorized = await checked("/entity/{kind}/{key}", "delete", await fetch(`http://${guarded.addr}/entity/ledger/a`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } }));
  expect(authorized.status).toBe(200);
});

test("GET /health with a challenge proves the address on a node with a secret", async () => {
  const node = await startNode({ secret: "a-cluster-secret-of-enough-length" });
  expect((await get(node, "/health", "?challenge=abc")).body).toHaveProperty("proof");
});

test("GET /ready is 503 with a reason while a node has not joined its seeds", async () => {
  const node = await startNode({ seeds: ["127.0.0.1:9"], cluster: { joinRetryMs: 60_000 } });
  const ready = await get(node, "/ready");
  expect(ready.status).toBe(503);
  expect((ready.body as Json).reason).toContain("not joined yet");
});

test("a node shutting down: /health, /ready and POST /actor answer 503", async () => {
  const node = await startNode();
  await node.spawn(Counter, { name: "counter" });
  await node.spawn(SlowToStop);
  const stopping = node.shutdown();
  expect((await get(node, "/health")).status).toBe(503);
  expect((await get(node, "/ready")).body).toMatchObject({ status: "not-ready", reason: "shutting down" });
  const call = await callActor(node, "counter", { body: { msg_type: "inc" } });
  expect([call.status, errorCode(call)]).toEqual([503, "SHUTTING_DOWN"]);
  await stopping;
});

test("POST /actor/{name}: asks in each request encoding", async () => {
  const node = await startNode();
  await node.spawn(Counter, { name: "counter" });
  await node.spawn(Counter, { name: "services/api/counter" });
  const inc = { msg_type: "inc", payload: [2] };
  expect((await callActor(node, "counter", { body: inc })).body).toEqual({ result: 2 });
  for (const type of ["application/msgpack", "application/x-msgpack"]) {
    const answer = await callActor(node, "counter", { body: inc, type });
    expect([answer.type, answer.body]).toEqual(["application/msgpack", { result: expect.any(Number) }]);
  }
  // Read as JSON: no content type, text/plain, and what curl -d sends.
  for (const type of [null, "text/plain", "application/x-www-form-urlencoded"]) {
    const answer = await callActor(node, "counter", { body: inc, type });
    expect([answer.type, answer.body]).toEqual(["application/json", { result: expect.any(Number) }]);
  }
  // Names with slashes, as they are or percent-encoded.
  expect((await callActor(node, "services/api/counter", { body: inc })).body).toEqual({ result: 2 });
  expect((await callActor(node, "services/api/counter", { body: inc, path: "services%2Fapi%2Fcounter" })).body).toEqual({ result: 4 });
  // A method that returns nothing answers null.
  expect((await callActor(node, "counter", { body: { msg_type: "nothing" } })).body).toEqual({ result: null });
});

test("POST /actor/{name}: JSON carries bytes as {$bytes} and big integers as {$bigint}, both ways", async () => {
  const node = await startNode();
  await node.spawn(Counter, { name: "counter" });
  const bytes = await callActor(node, "counter", { body: { msg_type: "bytes" } });
  expectValid(componentSchema("Bytes"), (bytes.body as Json).result, "bytes() over JSON");
  expect(bytes.body).toEqual({ result: { $bytes: "AQID" } });
  const big = await callActor(node, "counter", { body: { msg_type: "big" } });
  expectValid(componentSchema("BigInteger"), (big.body as Json).result, "big() over JSON");
  expect(big.body).toEqual({ result: { $bigint: "18446744073709551617" } });
  expect((await callActor(node, "counter", { body: { msg_type: "kind", payload: [{ $bytes: "AQID" }] } })).body).toEqual({ result: "bytes 1,2,3" });
  expect((await callActor(node, "counter", { body: { msg_type: "kind", payload: [{ $bigint: "18446744073709551617" }] } })).body).toEqual({ result: "bigint 18446744073709551617" });
});

test("POST /actor/{name}: tells, in each encoding, by header or query", async () => {
  const node = await startNode();
  const counter = await node.spawn(Counter, { name: "counter" });
  const inc = { msg_type: "inc", payload: [1] };
  const json = await callActor(node, "counter", { body: inc, headers: { "x-message-mode": "tell" } });
  expect([json.status, json.body]).toEqual([202, { accepted: true }]);
  const msgpack = await callActor(node, "counter", { body: inc, type: "application/msgpack", query: { mode: "tell" } });
  expect([msgpack.status, msgpack.type, msgpack.body]).toEqual([202, "application/msgpack", { accepted: true }]);
  // The header wins over the query parameter.
  const ask = await callActor(node, "counter", { body: inc, headers: { "x-message-mode": "ask" }, query: { mode: "tell" } });
  expect(ask.status).toBe(200);
  expect(await counter.inc(0)).toBe(3);
});

test("POST /actor/{name}: streams as NDJSON and msgpack records, and a stream that fails", async () => {
  const node = await startNode();
  await node.spawn(Counter, { name: "counter" });
  const ndjson = await callActor(node, "counter", { body: { msg_type: "countTo", payload: [3] } });
  expect([ndjson.type, ndjson.records]).toEqual(["application/x-ndjson", [{ item: 0 }, { item: 1 }, { item: 2 }, { end: true }]]);
  const msgpack = await callActor(node, "counter", { body: { msg_type: "countTo", payload: [2] }, type: "application/msgpack" });
  expect([msgpack.type, msgpack.records]).toEqual(["application/vnd.pulsing.msgpack-stream", [{ item: 0 }, { item: 1 }, { end: true }]]);
  // Failing after an item: 200, the item, then the error record.
  const later = await callActor(node, "counter", { body: { msg_type: "failsAfterOne" } });
  expect([later.status, later.records]).toEqual([200, [{ item: 1 }, { error: { code: "HANDLER_ERROR", message: "after one item", errorName: "RangeError" } }]]);
  // Failing before its first item: the error's status and body, not 200.
  for (const type of ["application/json", "application/msgpack"]) {
    const atOnce = await callActor(node, "counter", { body: { msg_type: "failsAtOnce" }, type });
    expect([atOnce.status, atOnce.body]).toEqual([500, { error: { code: "HANDLER_ERROR", message: "before any item", errorName: "RangeError" } }]);
  }
});

test("POST /actor/{name}: the routing options are accepted, as headers and as query parameters", async () => {
  const node = await startNode();
  await node.spawn(Counter, { name: "counter" });
  const inc = { msg_type: "inc", payload: [1] };
  const accepted: Record<string, string>[] = [
    { "x-timeout-ms": "5000" },
    ...["round-robin", "random", "power-of-two"].map((policy) => ({ "x-policy": policy })),
    { "x-policy": "consistent-hash", "x-policy-key": "user-7" },
    { "x-node": node.nodeId },
    { "x-node": node.addr as string },
    { "x-wait-ms": "100" },
  ];
  for (const headers of accepted) {
    expect((await callActor(node, "counter", { body: inc, headers })).status).toBe(200);
    const query = Object.fromEntries(Object.entries(headers).map(([header, value]) => [({ "x-timeout-ms": "timeout_ms", "x-policy": "policy", "x-policy-key": "key", "x-node": "node", "x-wait-ms": "wait_ms" } as Record<string, string>)[header] as string, value]));
    expect((await callActor(node, "counter", { body: inc, query })).status).toBe(200);
  }
  // x-wait-ms: a name that appears within the wait is called.
  const waiting = callActor(node, "late", { body: inc, query: { wait_ms: "5000" } });
  await Bun.sleep(50);
  await node.spawn(Counter, { name: "late" });
  expect((await waiting).body).toEqual({ result: 1 });
  // A node pinned that is not a member.
  const pinned = await callActor(node, "counter", { body: inc, headers: { "x-node": "127.0.0.1:9" } });
  expect([pinned.status, errorCode(pinned)]).toEqual([502, "NODE_UNREACHABLE"]);
});

test("POST /actor/{name}: each refusal has its documented status and code", async () => {
  const node = await startNode({ limits: { maxMessageBytes: 1024 } });
  await node.spawn(Counter, { name: "counter" });
  const refusals: [ActorCall & { name?: string }, number, string][] = [
    [{ name: "nobody", body: { msg_type: "inc" } }, 404, "ACTOR_NOT_FOUND"],
    [{ raw: "{not json" }, 400, "BAD_REQUEST"],
    [{ body: { payload: [] } }, 400, "BAD_REQUEST"],
    [{ raw: new Uint8Array([0xc1]), type: "application/msgpack" }, 400, "BAD_REQUEST"],
    [{ body: ["inc"], type: "application/msgpack" }, 400, "BAD_REQUEST"],
    [{ body: { msg_type: "inc" }, path: "%E0%A4%A" }, 400, "BAD_REQUEST"],
    [{ body: { msg_type: "nope" } }, 400, "UNKNOWN_MESSAGE"],
    [{ body: { msg_type: "inc" }, headers: { "x-timeout-ms": "soon" } }, 400, "INVALID_OPTION"],
    [{ body: { msg_type: "inc" }, query: { timeout_ms: "0" } }, 400, "INVALID_OPTION"],
    [{ body: { msg_type: "inc" }, headers: { "x-message-mode": "shout" } }, 400, "INVALID_OPTION"],
    [{ body: { msg_type: "inc" }, query: { policy: "nearest" } }, 400, "INVALID_OPTION"],
    [{ body: { msg_type: "inc" }, headers: { "x-wait-ms": "-1" } }, 400, "INVALID_OPTION"],
    [{ body: { msg_type: "inc", payload: ["x".repeat(2000)] } }, 413, "BAD_REQUEST"],
    [{ body: { msg_type: "inc" }, type: "application/xml" }, 415, "BAD_REQUEST"],
    [{ body: { msg_type: "fails" } }, 500, "HANDLER_ERROR"],
    [{ body: { msg_type: "fails" }, type: "application/msgpack" }, 500, "HANDLER_ERROR"],
    [{ body: { msg_type: "slow", payload: [300] }, headers: { "x-timeout-ms": "20" } }, 504, "TIMEOUT"],
  ];
  await node.spawn(Checked, { name: "checked" });
  refusals.push([{ name: "checked", body: { msg_type: "rename", payload: [{ name: "" }] } }, 400, "BAD_REQUEST"]);
  refusals.push([{ name: "checked", body: { msg_type: "rename", payload: [{ name: 7 }] }, type: "application/msgpack" }, 400, "BAD_REQUEST"]);
  for (const [call, status, code] of refusals) {
    const answer = await callActor(node, call.name ?? "counter", call);
    expect([JSON.stringify(call).slice(0, 80), answer.status, (answer.body as { error?: { code: string } }).error?.code]).toEqual([JSON.stringify(call).slice(0, 80), status, code]);
    if (call.name === "checked") expect((answer.body as { error: Json }).error.issues).toEqual([{ message: expect.any(String), path: [0, "name"] }]);
  }
});

test("POST /actor/{name} on a node with an API token: 401 without it, 200 with it", async () => {
  const token = "the-api-token-1234";
  const node = await startNode({ apiToken: token });
  await node.spawn(Counter, { name: "counter" });
  const wrong: Record<string, string>[] = [{}, { authorization: "Bearer wrong-token-0000" }, { authorization: token }];
  for (const headers of wrong) {
    const refused = await callActor(node, "counter", { body: { msg_type: "inc" }, headers });
    expect([refused.status, errorCode(refused)]).toEqual([401, "UNAUTHORIZED"]);
  }
  expect((await callActor(node, "counter", { body: { msg_type: "inc" }, headers: { authorization: `Bearer ${token}` } })).body).toEqual({ result: 1 });
  // The token guards the actor route only.
  expect((await get(node, "/health")).status).toBe(200);
});

test("POST /entity/{kind}/{key}: asks in each encoding, keys with slashes and other characters, tells, streams", async () => {
  const node = await startNode();
  node.host(Tally);
  expect((await callEntity(node, "tally", "k-1", { body: { msg_type: "add", payload: [2] } })).body).toEqual({ result: { key: "k-1", n: 2 } });
  const msgpack = await callEntity(node, "tally", "k-1", { body: { msg_type: "add", payload: [1] }, type: "application/msgpack" });
  expect([msgpack.type, msgpack.body]).toEqual(["application/msgpack", { result: { key: "k-1", n: 3 } }]);
  // What curl -d sends is JSON too.
  expect((await callEntity(node, "tally", "k-1", { body: { msg_type: "add" }, type: "application/x-www-form-urlencoded" })).body).toEqual({ result: { key: "k-1", n: 4 } });
  // A key with a slash, percent-encoded or as it is: one entity.
  expect((await callEntity(node, "tally", "user/42?x y", { body: { msg_type: "add" } })).body).toEqual({ result: { key: "user/42?x y", n: 1 } });
  expect((await callEntity(node, "tally", "user/42", { body: { msg_type: "add" }, path: "tally/user/42" })).body).toEqual({ result: { key: "user/42", n: 1 } });
  expect((await callEntity(node, "tally", "user/42", { body: { msg_type: "add" } })).body).toEqual({ result: { key: "user/42", n: 2 } });
  // A tell, by header and by query.
  const tell = await callEntity(node, "tally", "told", { body: { msg_type: "add", payload: [5] }, headers: { "x-message-mode": "tell" } });
  expect([tell.status, tell.body]).toEqual([202, { accepted: true }]);
  const tellQuery = await callEntity(node, "tally", "told", { body: { msg_type: "add", payload: [5] }, type: "application/msgpack", query: { mode: "tell" } });
  expect([tellQuery.status, tellQuery.type, tellQuery.body]).toEqual([202, "application/msgpack", { accepted: true }]);
  await until(async () => ((await node.entity<Tally>("tally", "told").add(0)) as { n: number }).n === 10, "the tells to land");
  // Streams, in both framings.
  const ndjson = await callEntity(node, "tally", "k-1", { body: { msg_type: "countTo", payload: [2] } });
  expect([ndjson.type, ndjson.records]).toEqual(["application/x-ndjson", [{ item: 0 }, { item: 1 }, { end: true }]]);
  const framed = await callEntity(node, "tally", "k-1", { body: { msg_type: "countTo", payload: [1] }, type: "application/msgpack" });
  expect([framed.type, framed.records]).toEqual(["application/vnd.pulsing.msgpack-stream", [{ item: 0 }, { end: true }]]);
  // With a timeout option.
  expect((await callEntity(node, "tally", "k-1", { body: { msg_type: "add" }, headers: { "x-timeout-ms": "5000" } })).status).toBe(200);
  expect(node.entities().tally).toMatchObject({ active: 4, activations: 4 });
});

test("POST /entity/{kind}/{key}: each refusal has its documented status and code", async () => {
  const node = await startNode({ limits: { maxMessageBytes: 1024 } });
  node.host(Tally);
  const inc = { msg_type: "add" };
  const refusals: [{ kind?: string; key?: string } & ActorCall, number, string][] = [
    [{ kind: "nobody", body: inc }, 404, "ACTOR_NOT_FOUND"],
    [{ kind: "bad kind!", body: inc }, 400, "INVALID_NAME"],
    [{ kind: "...", body: inc }, 400, "INVALID_NAME"], // only dots (".." would be a dot segment the URL resolves)
    [{ body: inc, path: "tally" }, 400, "INVALID_NAME"],
    [{ body: inc, path: "tally/" }, 400, "INVALID_NAME"],
    [{ key: "k".repeat(257), body: inc }, 400, "INVALID_NAME"],
    [{ key: "a\nb", body: inc }, 400, "INVALID_NAME"],
    [{ body: inc, path: "tally/%E0%A4%A" }, 400, "BAD_REQUEST"],
    [{ raw: "{not json" }, 400, "BAD_REQUEST"],
    [{ body: { msg_type: "nope" } }, 400, "UNKNOWN_MESSAGE"],
    [{ body: inc, headers: { "x-message-mode": "shout" } }, 400, "INVALID_OPTION"],
    [{ body: inc, query: { timeout_ms: "0" } }, 400, "INVALID_OPTION"],
    [{ body: { msg_type: "add", payload: ["x".repeat(2000)] } }, 413, "BAD_REQUEST"],
    [{ body: inc, type: "application/xml" }, 415, "BAD_REQUEST"],
    [{ body: { msg_type: "fails" } }, 500, "HANDLER_ERROR"],
  ];
  for (const [call, status, code] of refusals) {
    const answer = await callEntity(node, call.kind ?? "tally", call.key ?? "k", call);
    expect([JSON.stringify(call).slice(0, 80), answer.status, (answer.body as { error?: { code: string } }).error?.code]).toEqual([JSON.stringify(call).slice(0, 80), status, code]);
  }
  // The API token guards entities as it guards actors.
  const guarded = await startNode({ apiToken: "the-api-token-1234" });
  guarded.host(Tally);
  const refused = await callEntity(guarded, "tally", "k", { body: inc });
  expect([refused.status, errorCode(refused)]).toEqual([401, "UNAUTHORIZED"]);
  expect((await callEntity(guarded, "tally", "k", { body: inc, headers: { authorization: "Bearer the-api-token-1234" } })).body).toEqual({ result: { key: "k", n: 1 } });
});

test("the internal routes: GET /cluster/link upgrades a peer's WebSocket, POST /cluster/gossip takes a message", async () => {
  const node = await startNode();
  const plain = await checked("/cluster/link", "get", await fetch(`http://${node.addr}/cluster/link`));
  expect([plain.status, errorCode(plain)]).toEqual([400, "BAD_REQUEST"]);
  // A WebSocket opens only on a 101; the node's HELLO is its first frame.
  const headers = { "x-pulsing-protocol": String(PROTOCOL_VERSION), "x-pulsing-node": crypto.randomUUID() };
  const socket = new WebSocket(`ws://${node.addr}/cluster/link`, { headers } as unknown as string[]);
  socket.binaryType = "arraybuffer";
  const hello = await new Promise<unknown>((resolve, reject) => {
    socket.onmessage = (event) => resolve(decode(new Uint8Array(event.data as ArrayBuffer)));
    socket.onerror = () => reject(new Error("the link upgrade failed"));
  });
  expect(responseOf("/cluster/link", "get", 101)).toBeDefined();
  expect((hello as unknown[][])[0]?.[1]).toBe(node.nodeId);
  socket.close();

  const gossip = (init: RequestInit) => fetch(`http://${node.addr}/cluster/gossip`, { method: "POST", ...init });
  const noVersion = await checked("/cluster/gossip", "post", await gossip({ body: encode([3, crypto.randomUUID(), []]) }));
  expect([noVersion.status, errorCode(noVersion)]).toEqual([400, "BAD_REQUEST"]);
  const headersV1 = { "x-pulsing-gossip": "1", "content-type": "application/msgpack" };
  const malformed = await checked("/cluster/gossip", "post", await gossip({ headers: headersV1, body: encode(["nonsense"]) }));
  expect([malformed.status, errorCode(malformed)]).toEqual([400, "BAD_REQUEST"]);
  const taken = await checked("/cluster/gossip", "post", await gossip({ headers: headersV1, body: encode([3, crypto.randomUUID(), []]) }));
  expect(taken.status).toBe(204);
});

test("every operation in the document was called above", () => {
  const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
  expect(documented.filter((operation) => !exercised.has(operation))).toEqual([]);
});
