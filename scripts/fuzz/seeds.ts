/**
 * The attack shapes the fuzzer sends on purpose, alongside its random and
 * mutated inputs, for each way into a node: allocation bombs, lengths that lie,
 * deep nesting, `__proto__` keys, attacker strings up to 1 MiB, hostile gossip
 * (incarnations at and past the limits, the node re-addressed, replayed and
 * stale signatures) and hostile link traffic (credit and timeouts at 2^31 - 1,
 * floods of stream calls), and W3C trace context gone wrong in headers and in
 * link envelopes. Each input says which shape it is, for the report.
 */
import { encode } from "@msgpack/msgpack";
import { concat, HOLE, type Mutator, plant, plantJson, protoMap } from "./mutator.ts";

export interface FuzzedTarget {
  addr: string;
  nodeId: string;
  actor: string;
  /** An actor with a slow method (`nap`), for calls that wait; the main actor when absent. */
  slow?: string;
}

const MAX_COUNT = 0x7fffffff; // 2^31 - 1: the largest credit or timeout a link envelope may carry
const utf8 = (text: string) => new TextEncoder().encode(text);

/** One HTTP input: what it is, and the request. */
export interface HttpInput {
  shape: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

// ---- the actor route -----------------------------------------------------------

const JSON_TYPE = "application/json";
const MSGPACK_TYPE = "application/msgpack";

/** An otherwise valid actor request with one value (HOLE) that lies. */
function actorTemplates(fuzz: Mutator): unknown {
  return fuzz.pick([
    { msg_type: "echo", payload: HOLE },
    { msg_type: "echo", payload: [HOLE] },
    { msg_type: "echo", payload: [1, { a: [HOLE, 2] }] },
    { msg_type: HOLE, payload: [1] },
    { msg_type: "inc", payload: [HOLE] },
    { msg_type: "Ping", payload: { x: HOLE } },
  ]);
}

function encodeName(name: string): string {
  // "%" stays as it is: a path with broken percent escapes is part of the attack.
  return name.startsWith("%") ? name : encodeURIComponent(name);
}

/** The trace id of the well-formed trace context the fuzzer sends: a span that continues it shows the context was parsed. */
export const FUZZ_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const VALID_TRACEPARENT = `00-${FUZZ_TRACE_ID}-00f067aa0ba902b7-01`;

/** A `traceparent` as a peer or an HTTP client may send it: well formed, or wrong in one of the ways W3C names, or too long. */
function traceparentText(fuzz: Mutator): string {
  return fuzz.pick([
    VALID_TRACEPARENT,
    VALID_TRACEPARENT.toUpperCase(),
    `ff-${FUZZ_TRACE_ID}-00f067aa0ba902b7-01`,
    `00-${"0".repeat(32)}-00f067aa0ba902b7-01`,
    `00-${FUZZ_TRACE_ID}-${"0".repeat(16)}-01`,
    `00-${FUZZ_TRACE_ID}-00f067aa0ba902b7-01-extra`,
    `01-${FUZZ_TRACE_ID}-00f067aa0ba902b7-01-extra`,
    `00-${FUZZ_TRACE_ID}-00f067aa0ba902b7-ff`,
    `${VALID_TRACEPARENT}, ${VALID_TRACEPARENT}`,
    "00-zz-yy-01",
    "",
    "-".repeat(55),
    "x".repeat(fuzz.pick([56, 128, 129, 1024, 1025])),
  ]);
}

/** A `tracestate`: a few members, 32 and more, one too long, broken ones, past the lengths W3C and the runtime accept. */
function tracestateText(fuzz: Mutator): string {
  const members = (n: number, value: string) => Array.from({ length: n }, (_, i) => `k${i}=${value}`).join(",");
  return fuzz.pick([
    "congo=t61rcWkgMzE",
    members(33, "v"),
    members(200, "v").slice(0, 1024),
    `a=${"v".repeat(300)}`,
    "=,=,,=x,k=,=v, ,",
    `k=v${"\t".repeat(10)}`,
    "x".repeat(fuzz.pick([512, 1024, 1025, 4000])),
  ]);
}

/** An attack on `POST /actor/{name}`. */
export function actorAttack(fuzz: Mutator, target: FuzzedTarget): HttpInput {
  const path = `/actor/${target.actor}`;
  const msgpack = (shape: string, body: Uint8Array): HttpInput => ({ shape, method: "POST", path, headers: { "content-type": MSGPACK_TYPE }, body });
  const json = (shape: string, text: string): HttpInput => ({ shape, method: "POST", path, headers: { "content-type": JSON_TYPE }, body: utf8(text) });
  switch (fuzz.int(13)) {
    case 0:
      return msgpack("bomb", fuzz.chance(0.5) ? fuzz.bomb() : plant(encode(actorTemplates(fuzz)), fuzz.bomb()));
    case 1:
      return msgpack("huge length", fuzz.chance(0.3) ? fuzz.hugeLength() : plant(encode(actorTemplates(fuzz)), fuzz.hugeLength()));
    case 2:
      return msgpack("deep", fuzz.chance(0.3) ? fuzz.deepMsgpack() : plant(encode(actorTemplates(fuzz)), fuzz.deepMsgpack()));
    case 3: {
      const deep = fuzz.deepJson();
      return json("deep", fuzz.chance(0.3) ? deep : plantJson(JSON.stringify(actorTemplates(fuzz)), deep));
    }
    case 4: {
      const proto = fuzz.pick(['{"__proto__":{"polluted":1}}', '{"\\u005f_proto__":{"polluted":1}}', '{"a":{"__proto__":[1]}}', '[{"__proto__":null}]', '{"constructor":{"prototype":{"polluted":1}}}']);
      if (fuzz.chance(0.2)) return json("__proto__", `{"__proto__":{"msg_type":"inc"},"msg_type":"echo","payload":[1]}`);
      return json("__proto__", plantJson(JSON.stringify(actorTemplates(fuzz)), proto));
    }
    case 5: {
      const top = concat([[0x83, 0xa9], utf8("__proto__"), [0x81, 0xa8], utf8("msg_type"), [0xa3], utf8("inc"), [0xa8], utf8("msg_type"), [0xa4], utf8("echo"), [0xa7], utf8("payload"), [0x91, 0x01]]);
      return msgpack("__proto__", fuzz.chance(0.3) ? top : plant(encode(actorTemplates(fuzz)), protoMap()));
    }
    case 6: {
      // An attacker's message type, up to 1 MiB: past the body limit it is refused unread; under it, it must not come back whole.
      const type = fuzz.hugeText();
      const value = { msg_type: type, payload: fuzz.pick([[1], { x: 1 }, null]) };
      return fuzz.chance(0.5) ? json("huge message type", JSON.stringify(value)) : msgpack("huge message type", encode(value));
    }
    case 7: {
      const name = fuzz.chance(0.7) ? fuzz.pick(["x", "ü", "%", "<"]).repeat(fuzz.pick([200, 1000, 3000, 7000, 12_000])) : fuzz.hugeText();
      return { shape: "huge actor name", method: "POST", path: `/actor/${encodeName(name)}`, headers: { "content-type": JSON_TYPE }, body: utf8(JSON.stringify({ msg_type: "echo", payload: [1] })) };
    }
    case 8: {
      // Timeouts past the cap: the ask must still end in time, or answer now.
      const timeout = fuzz.pick([String(MAX_COUNT), String(2 ** 53 + 1), "1e308", "Infinity", "-0", "0x7fffffff", String(MAX_COUNT + 1)]);
      const method = fuzz.chance(0.5) ? { msg_type: "nap", payload: [fuzz.int(5)] } : { msg_type: "echo", payload: ["t"] };
      const to = fuzz.chance(0.5) && target.slow !== undefined ? `/actor/${target.slow}` : path;
      return { shape: "huge timeout", method: "POST", path: to, headers: { "content-type": JSON_TYPE, "x-timeout-ms": timeout }, body: utf8(JSON.stringify(method)) };
    }
    case 9: {
      // A huge header: Bun's own limit answers before any route.
      const header = fuzz.pick(["x-message-mode", "content-type", "x-timeout-ms", "authorization", "x-fuzz"]);
      return { shape: "huge header", method: "POST", path, headers: { [header]: fuzz.hugeText().replace(/[^\x21-\x7e]/g, "a") }, body: utf8('{"msg_type":"echo","payload":[1]}') };
    }
    case 10: {
      // Declared lengths that lie, in an otherwise valid body: a str32 message type longer than the body.
      const body = concat([[0x82, 0xa8], utf8("msg_type"), [0xdb, 0x00, 0x10, 0x00, 0x00], utf8("echo"), [0xa7], utf8("payload"), [0x90]]);
      return msgpack("huge length", fuzz.chance(0.5) ? body : fuzz.mutate(body));
    }
    case 11: {
      // Trace context headers, good and bad: a bad one starts a new trace, and the call is served all the same.
      const headers: Record<string, string> = { "content-type": JSON_TYPE, traceparent: traceparentText(fuzz) };
      if (fuzz.chance(0.6)) headers.tracestate = tracestateText(fuzz);
      if (fuzz.chance(0.3)) headers["x-message-mode"] = "tell";
      const body = fuzz.pick([{ msg_type: "echo", payload: [1] }, { msg_type: "countTo", payload: [3] }, { msg_type: "t".repeat(300), payload: [] }]);
      return { shape: "trace context", method: "POST", path: fuzz.chance(0.2) ? `/actor/${encodeName("n".repeat(300))}` : path, headers, body: utf8(JSON.stringify(body)) };
    }
    default: {
      // A stream method told, asked with a huge body, or a tell of a huge payload.
      const payload = "p".repeat(fuzz.pick([10, 60_000, 250_000, 300_000]));
      const mode = fuzz.pick(["tell", "ask"]);
      return { shape: "large payload", method: "POST", path, headers: { "content-type": JSON_TYPE, "x-message-mode": mode }, body: utf8(JSON.stringify({ msg_type: fuzz.pick(["echo", "countTo", "inc"]), payload: [payload] })) };
    }
  }
}

// ---- gossip --------------------------------------------------------------------

/** How a gossip request is signed; with a secret, all but "fresh" must be refused (401, or 431 for a huge header). */
export type SigningMode = "fresh" | "replay same" | "replay other" | "stale" | "future" | "other node" | "bad lengths" | "unsigned";

export const INCARNATIONS: readonly number[] = [2 ** 52, 2 ** 52 + 1, 2 ** 53 - 1, 2 ** 53, -1, -(2 ** 53), Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5, -0, 0, 2 ** 64];

/** Raw msgpack numbers an encoder would not write from a JS number: uint64 max, int64 min, a float32 NaN. */
const RAW_NUMBERS: readonly Uint8Array[] = [
  new Uint8Array([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
  new Uint8Array([0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]),
  new Uint8Array([0xcf, 0x00, 0x20, 0, 0, 0, 0, 0, 0]), // 2^53
  new Uint8Array([0xca, 0x7f, 0xc0, 0, 0]),
];

const FAKE_ADDRS = ["127.0.0.1:1", "127.0.0.1:9", "localhost:1"];

/** A gossip body of one of the attack shapes. */
export function gossipAttack(fuzz: Mutator, target: FuzzedTarget): { shape: string; body: Uint8Array } {
  const self = target.nodeId;
  const incarnation = () => fuzz.pick(INCARNATIONS);
  const someone = () => (fuzz.chance(0.4) ? self : `fz-${fuzz.int(64)}`);
  const update = (): unknown => {
    switch (fuzz.int(5)) {
      case 0:
        return [0, someone(), fuzz.pick([...FAKE_ADDRS, target.addr]), incarnation()];
      case 1:
        return [1, someone(), incarnation(), "fuzz"];
      case 2:
        return [2, someone(), incarnation(), "fuzz"];
      case 3:
        return [3, someone(), incarnation()];
      default:
        return [4, someone(), incarnation(), ["a/b"]];
    }
  };
  const inMessage = (updates: unknown): unknown =>
    fuzz.pick([
      [3, "fuzz", updates],
      [0, fuzz.int(1000), "fuzz", "127.0.0.1:1", self, updates],
      [1, fuzz.int(1000), "fuzz", updates],
      [4, "fuzz", "127.0.0.1:1", updates, []],
      [5, "fuzz", updates, []],
      [2, 7, "fuzz", "127.0.0.1:1", self, "127.0.0.1:2", updates],
    ]);
  switch (fuzz.int(10)) {
    case 0:
      return { shape: "bomb", body: fuzz.chance(0.4) ? fuzz.bomb() : plant(encode(inMessage([HOLE])), fuzz.bomb()) };
    case 1:
      return { shape: "huge length", body: fuzz.chance(0.3) ? fuzz.hugeLength() : plant(encode(inMessage(fuzz.chance(0.5) ? HOLE : [[0, HOLE, "127.0.0.1:1", 1]])), fuzz.hugeLength()) };
    case 2:
      return { shape: "deep", body: fuzz.chance(0.3) ? fuzz.deepMsgpack() : plant(encode(inMessage([HOLE])), fuzz.deepMsgpack()) };
    case 3:
      return { shape: "incarnation", body: encode(inMessage(Array.from({ length: 1 + fuzz.int(6) }, update))) };
    case 4: {
      // A raw 64-bit or float32 incarnation.
      const raw = fuzz.pick(RAW_NUMBERS);
      const u = fuzz.pick([[0, self, fuzz.pick(FAKE_ADDRS), HOLE], [1, self, HOLE, "fuzz"], [3, self, HOLE], [0, "fz-1", "127.0.0.1:1", HOLE]]);
      return { shape: "incarnation", body: plant(encode(inMessage([u])), raw) };
    }
    case 5: {
      // The target re-addressed: alive updates about itself at another address, at every incarnation.
      const updates = Array.from({ length: 1 + fuzz.int(4) }, () => [0, self, fuzz.pick(FAKE_ADDRS), incarnation()]);
      return { shape: "self re-addressed", body: encode(inMessage(updates)) };
    }
    case 6:
      return { shape: "__proto__", body: plant(encode(inMessage(fuzz.chance(0.5) ? HOLE : [HOLE])), protoMap()) };
    case 7: {
      const big = fuzz.hugeText();
      const u = fuzz.pick([[0, big, "127.0.0.1:1", 1], [0, "fz-2", big, 1], [4, "fz-3", 1, [big]], [3, big, 1]]);
      return { shape: "huge strings", body: encode(fuzz.chance(0.2) ? [3, big, []] : inMessage([u])) };
    }
    case 8: {
      // The message kind itself an attacker's string, list or map: a refusal must not quote it whole.
      const big = fuzz.hugeText();
      const kind = fuzz.pick<unknown>([big, [big], { k: big }, Array.from({ length: 64 }, () => "k".repeat(100))]);
      return { shape: "huge message kind", body: encode(fuzz.chance(0.5) ? [kind] : [kind, "fuzz", []]) };
    }
    default: {
      // Many updates over a small pool of ids: work per message, not members without end.
      const updates = Array.from({ length: 1 + fuzz.int(500) }, () => [0, `fz-${fuzz.int(64)}`, fuzz.pick(FAKE_ADDRS), fuzz.int(2 ** 20)]);
      return { shape: "many updates", body: encode(inMessage(updates)) };
    }
  }
}

// ---- link frames ---------------------------------------------------------------

/** A link frame of one of the attack shapes; `next` gives fresh call ids. */
export function linkAttack(fuzz: Mutator, target: FuzzedTarget, next: () => number): { shape: string; frame: Uint8Array } {
  const actor = target.actor;
  const slow = target.slow ?? actor;
  switch (fuzz.int(12)) {
    case 0: {
      // Credit at 2^31 - 1 (clamped to the window) and just past it (a bad envelope).
      const credit = fuzz.chance(0.85) ? MAX_COUNT : fuzz.pick([MAX_COUNT + 1, 2 ** 53, -1]);
      return { shape: "credit 2^31-1", frame: encode([[0, next(), actor, "countTo", [fuzz.pick([10, 300, 1000])], credit, 60_000]]) };
    }
    case 1: {
      // A stream call with no credit, then CREDIT envelopes with huge counts, some for calls that do not exist.
      const id = next();
      const credits = Array.from({ length: 1 + fuzz.int(20) }, () => [6, fuzz.chance(0.8) ? id : fuzz.int(1 << 30), fuzz.chance(0.9) ? MAX_COUNT : fuzz.pick([MAX_COUNT + 1, 2 ** 40])]);
      return { shape: "huge CREDIT", frame: encode([[0, id, actor, "countTo", [1000], 0, 60_000], ...credits]) };
    }
    case 2: {
      // Timeouts at 2^31 - 1 (capped by the node) and past it.
      const timeout = fuzz.chance(0.85) ? MAX_COUNT : fuzz.pick([MAX_COUNT + 1, 2 ** 53, 0]);
      const call = fuzz.pick([[slow, "nap", [fuzz.int(5)]], [actor, "echo", ["t"]], [actor, "inc", [1]]]);
      return { shape: "timeout 2^31-1", frame: encode([[0, next(), call[0], call[1], call[2], 64, timeout]]) };
    }
    case 3: {
      // Many calls to a stream method, with all the credit they can ask for, never read further nor cancelled.
      const calls = Array.from({ length: 50 + fuzz.int(1500) }, () => [0, next(), actor, "countTo", [1000], fuzz.chance(0.8) ? MAX_COUNT : 0, MAX_COUNT]);
      return { shape: "stream flood", frame: encode(calls) };
    }
    case 4: {
      const template = fuzz.pick([
        [[0, 1, actor, "echo", HOLE, 64, 1000]],
        [[0, 1, actor, "echo", [HOLE], 64, 1000]],
        [[1, actor, "inc", HOLE]],
        [[0, 1, HOLE, "inc", [1], 64, 1000]],
        [[6, 1, HOLE]],
        HOLE,
        [HOLE],
      ]);
      const nasty = fuzz.nastyMsgpack();
      return { shape: "planted bomb/length/depth", frame: fuzz.chance(0.2) ? nasty : plant(encode(template), nasty) };
    }
    case 5:
      return { shape: "__proto__", frame: plant(encode(fuzz.pick([[[0, next(), actor, "echo", [HOLE], 64, 1000]], [[1, actor, "echo", HOLE]], [HOLE]])), protoMap()) };
    case 6: {
      // Attacker names and types; up to 200 KiB fits the frame limit, 1 MiB does not.
      const big = fuzz.pick(["n".repeat(fuzz.pick([200, 5000, 60_000, 200_000])), fuzz.hugeText()]);
      const envelope = fuzz.pick([[0, next(), big, "inc", [1], 64, 1000], [0, next(), actor, big, [1], 64, 1000], [1, big, "inc", []], [1, actor, big, []]]);
      return { shape: "huge names", frame: encode([envelope]) };
    }
    case 7: {
      // One call id used again and again.
      const id = next();
      return { shape: "duplicate ids", frame: encode(Array.from({ length: 2 + fuzz.int(50) }, () => [0, id, actor, fuzz.pick(["countTo", "echo", "inc"]), [3], 8, 1000])) };
    }
    case 8:
      // The handshake again, on an open link.
      return { shape: "late handshake", frame: encode([fuzz.pick([[8, "fuzz", 3, null, null], [8, "fuzz", 3, "a".repeat(64), "b".repeat(36)], [9, "a".repeat(64)], [9, "x".repeat(128)]])]) };
    case 9:
      return { shape: "tell flood", frame: encode(Array.from({ length: 1 + fuzz.int(2000) }, () => [1, actor, "inc", [1]])) };
    case 10: {
      // Trace context: well formed, malformed, too long, not a string, one field too many.
      const field = () => (fuzz.chance(0.8) ? traceparentText(fuzz) : fuzz.pick<unknown>(["x".repeat(60_000), 42, null, ["00"]]));
      const extra = fuzz.chance(0.5) ? [field()] : [field(), fuzz.chance(0.8) ? tracestateText(fuzz) : field(), ...(fuzz.chance(0.2) ? [field()] : [])];
      const envelope = fuzz.chance(0.5) ? [0, next(), actor, fuzz.pick(["echo", "inc", "countTo"]), [3], 64, 1000, ...extra] : [1, actor, "inc", [1], ...extra];
      return { shape: "trace context", frame: encode([envelope]) };
    }
    default: {
      // Cancels and credits for calls never made, ids at the edge of safe integers.
      const id = fuzz.pick([0, 2 ** 53 - 1, 2 ** 53, -1, 1.5]);
      // A FAIL's issues too: well formed, too many, too long, of the wrong shape.
      const issues = fuzz.pick<unknown>([[{ message: "m", path: [0, "a"] }], Array.from({ length: 17 }, () => ({ message: "m" })), [{ message: "x".repeat(2000) }], [{ message: "m", path: [{}] }], "issues", [null]]);
      return { shape: "stray ids", frame: encode([[7, id], [6, id, 1], [5, id], [2, id, null], [3, id, "TIMEOUT", "m", null], [3, id, "BAD_REQUEST", "m", null, issues]]) };
    }
  }
}

/** Frames for a link whose reader stops reading: calls whose answers pile up on the node. */
export function unreadFrame(fuzz: Mutator, target: FuzzedTarget, next: () => number): { shape: string; frame: Uint8Array } {
  if (fuzz.chance(0.5)) {
    const calls = Array.from({ length: 100 + fuzz.int(1000) }, () => [0, next(), target.actor, "countTo", [1000], MAX_COUNT, MAX_COUNT]);
    return { shape: "unread stream flood", frame: encode(calls) };
  }
  const payload = "e".repeat(8 * 1024);
  const calls = Array.from({ length: 5 + fuzz.int(20) }, () => [0, next(), target.actor, "echo", [payload], 64, MAX_COUNT]);
  return { shape: "unread echo flood", frame: encode(calls) };
}
