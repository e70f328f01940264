import { describe, expect, test } from "bun:test";
import { Decoder, decode, encode, ExtData } from "@msgpack/msgpack";
import { Codec, DEFAULT_LIMITS, hasProtoKey, jsonDepthProblem, msgpackProblem, parseActorRequest, WireError } from "../../src/wire/index.ts";

const codec = new Codec();
const MAX_DEPTH = DEFAULT_LIMITS.maxDepth;
const MIB = 1024 * 1024;
const TEXT = new TextEncoder();

function bytes(...parts: (number | number[] | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === "number") out.push(part);
    else out.push(...part);
  }
  return Uint8Array.from(out);
}

function repeat(pattern: number[], times: number): Uint8Array {
  const out = new Uint8Array(pattern.length * times);
  for (let i = 0; i < times; i++) out.set(pattern, i * pattern.length);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The error `fn` throws; fails the test when it throws nothing. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** Wire refuses with its own error (transport answers it as BAD_REQUEST), in a short message. */
function expectBadRequest(fn: () => unknown): WireError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(WireError);
  expect((error as WireError).message.length).toBeLessThan(200);
  return error as WireError;
}

const be16 = (n: number) => [(n >>> 8) & 0xff, n & 0xff];
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const utf8 = (s: string) => [...TEXT.encode(s)];

/** `depth` nested arrays, the innermost holding nil. */
const msgpackNested = (depth: number) => concat(new Uint8Array(depth).fill(0x91), bytes(0xc0));
/** `depth` nested one-entry maps {"a": ...}, the innermost holding nil. */
const msgpackNestedMaps = (depth: number) => concat(repeat([0x81, 0xa1, 0x61], depth), bytes(0xc0));
const jsonBody = (payload: string) => TEXT.encode(`{"msg_type":"x","payload":${payload}}`);

describe("bombs", () => {
  // Each header declares 0x3fffff elements: what @msgpack/msgpack alone allocates before it sees the bytes end.
  const bomb500 = repeat([0xdd, 0x00, 0x3f, 0xff, 0xff], 100);
  const bomb2k = repeat([0xdd, 0x00, 0x3f, 0xff, 0xff], 400);

  test("nested array32 headers are refused before anything is allocated", () => {
    expect(bomb500.length).toBe(500);
    expect(bomb2k.length).toBe(2000);
    expect(expectBadRequest(() => codec.decode(bomb500)).message).toContain("cannot fit");
    expectBadRequest(() => codec.decode(bomb2k));
    expectBadRequest(() => codec.decodeFrame(bomb2k));
    expectBadRequest(() => parseActorRequest(bomb500, "msgpack", codec));
  });

  test("decoding 100 of them grows RSS by less than 50 MB", () => {
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 100; i++) {
      expectBadRequest(() => codec.decode(i % 2 === 0 ? bomb500 : bomb2k));
    }
    const grown = process.memoryUsage().rss - before;
    expect(grown).toBeLessThan(50 * MIB);
  });

  test("so are map32 headers, declared by the billion", () => {
    expectBadRequest(() => codec.decode(repeat([0xdf, 0xff, 0xff, 0xff, 0xff], 100)));
    expectBadRequest(() => codec.decode(repeat([0xdc, 0xff, 0xff], 100)));
  });

  test("4 MiB of nested one-element msgpack arrays is refused", () => {
    const body = concat(new Uint8Array(4 * MIB - 1).fill(0x91), bytes(0xc0));
    expect(body.length).toBe(DEFAULT_LIMITS.maxMessageBytes);
    expect(expectBadRequest(() => codec.decode(body)).message).toContain(`deeper than ${MAX_DEPTH}`);
    expectBadRequest(() => parseActorRequest(body, "msgpack", codec));
  });

  test("4 MiB of nested JSON arrays is refused", () => {
    const half = 2 * MIB;
    const body = concat(new Uint8Array(half).fill(0x5b), new Uint8Array(half).fill(0x5d));
    expect(body.length).toBe(DEFAULT_LIMITS.maxMessageBytes);
    expect(expectBadRequest(() => parseActorRequest(body, "json", codec)).message).toContain(`deeper than ${MAX_DEPTH}`);
    expectBadRequest(() => parseActorRequest(new Uint8Array(4 * MIB).fill(0x5b), "json", codec));
  });
});

describe("lengths, trailing bytes, reserved byte", () => {
  test("declared lengths longer than the rest are refused", () => {
    const cases: Uint8Array[] = [
      bytes(0xa5, utf8("abc")), // fixstr 5, 3 given
      bytes(0xd9, 200, utf8("short")), // str8
      bytes(0xda, be16(60_000), utf8("short")), // str16
      bytes(0xdb, be32(0xffffffff), utf8("short")), // str32
      bytes(0xc4, 10, 1, 2), // bin8
      bytes(0xc5, be16(1000), 1), // bin16
      bytes(0xc6, be32(0x7fffffff), 1, 2, 3), // bin32
      bytes(0xc7, 50, 1, 0), // ext8
      bytes(0xc8, be16(500), 1, 0), // ext16
      bytes(0xc9, be32(0xffffffff), 1, 0), // ext32
      bytes(0xd8, 1, 0, 0), // fixext16, 16 bytes of data missing
      bytes(0xcb, 0, 0), // float64 cut short
      bytes(0x83, 0xa1, 0x61, 1), // fixmap of 3, one entry given
      bytes(0xde, be16(1000), 0xa1, 0x61, 1), // map16
      bytes(0xdf, be32(0xffffffff), 0xa1, 0x61, 1), // map32
      bytes(0x93, 1, 2), // fixarray of 3, two given
      bytes(0xdc, be16(70), 1), // array16
      bytes(0x92, 0xdb, be32(10), utf8("0123456789")), // the str fits alone, not with its sibling
      bytes(0xda), // a header with no length
      bytes(0xdd, 0, 0), // half a header
      new Uint8Array(0),
    ];
    for (const body of cases) {
      expect(msgpackProblem(body, MAX_DEPTH)).toBeString();
      expectBadRequest(() => codec.decode(body));
    }
  });

  test("a map needs two bytes an entry", () => {
    // 4 entries declared, 7 bytes left: enough for 7 one-byte values, not for 4 entries.
    const body = bytes(0x84, 1, 2, 3, 4, 5, 6, 7);
    expect(msgpackProblem(body, MAX_DEPTH)).toContain("map of 4 entries");
  });

  test("trailing bytes are refused", () => {
    for (const body of [bytes(1, 0), concat(encode({ a: [1, 2] }), bytes(0xc0)), concat(encode("x"), encode("y"))]) {
      expect(msgpackProblem(body, MAX_DEPTH)).toContain("after the end");
      expectBadRequest(() => codec.decode(body));
    }
  });

  test("0xc1 is refused wherever it is", () => {
    for (const body of [bytes(0xc1), bytes(0x92, 1, 0xc1), bytes(0x81, 0xc1, 1)]) {
      expect(msgpackProblem(body, MAX_DEPTH)).toContain("0xc1");
      expectBadRequest(() => codec.decode(body));
    }
  });

  test("a __proto__ key is refused in msgpack and in JSON, at any level", () => {
    const proto = bytes(0x81, 0xa9, utf8("__proto__"), 0x80);
    expectBadRequest(() => codec.decode(proto));
    expectBadRequest(() => codec.decode(bytes(0x82, 0xa1, 0x61, 1, 0xa1, 0x62, 0x91, proto)));
    for (const body of [
      '{"msg_type":"x","payload":{"__proto__":{"a":1}}}',
      '{"__proto__":{"a":1},"msg_type":"x","payload":1}',
      '{"msg_type":"x","payload":[1,{"b":[{"__proto__":null}]}]}',
      '{"msg_type":"x","payload":{"\\u005f\\u005fproto\\u005f\\u005f":1}}',
    ]) {
      expect(expectBadRequest(() => parseActorRequest(TEXT.encode(body), "json", codec)).message).toBe("a key named __proto__ is not allowed");
    }
    // The text alone is not the rule: a string value may say __proto__.
    expect(parseActorRequest(TEXT.encode('{"msg_type":"__proto__","payload":["__proto__",{"k":"__proto__"}]}'), "json", codec).payload).toEqual([
      "__proto__",
      { k: "__proto__" },
    ]);
    expect(hasProtoKey('"\\u0041"', JSON.parse('{"a":{"b":[1,{"c":2}]}}'))).toBe(false);
  });

  test("errors do not echo what the sender sent at length", () => {
    const long = "x".repeat(10_000);
    const message = expectBadRequest(() => parseActorRequest(TEXT.encode(`{"msg_type":"x","payload":${long}}`), "json", codec)).message;
    expect(message.length).toBeLessThan(120);
    expect(expectBadRequest(() => codec.decode(bytes(0xda, be16(5000), new Uint8Array(5000).fill(0x78), 1))).message).not.toContain("xxx");
    expectBadRequest(() => codec.decode(bytes(0x81, 0x91, 0xa1, 0x61, 1)));
  });
});

describe("depth", () => {
  test("exactly maxDepth is accepted, one more is refused, in msgpack", () => {
    expect(codec.decode(msgpackNested(MAX_DEPTH))).toEqual(decode(msgpackNested(MAX_DEPTH)));
    expect(codec.decode(msgpackNestedMaps(MAX_DEPTH))).toEqual(decode(msgpackNestedMaps(MAX_DEPTH)));
    expect(codec.decode(concat(new Uint8Array(MAX_DEPTH - 1).fill(0x91), bytes(0x90)))).toBeArray();
    expect(expectBadRequest(() => codec.decode(msgpackNested(MAX_DEPTH + 1))).message).toContain(`deeper than ${MAX_DEPTH}`);
    expectBadRequest(() => codec.decode(msgpackNestedMaps(MAX_DEPTH + 1)));
    expectBadRequest(() => codec.decode(concat(new Uint8Array(MAX_DEPTH).fill(0x91), bytes(0x80)))); // an empty map is a level too
    // Depth is the deepest path, not the count of containers.
    const wide = encode(Array.from({ length: 100 }, () => [[[1]], { a: [2] }]));
    expect(codec.decode(wide)).toEqual(decode(wide));
    expect(msgpackProblem(wide, 4)).toBeUndefined();
    expect(msgpackProblem(wide, 3)).toContain("deeper than 3");
  });

  test("exactly maxDepth is accepted, one more is refused, through parseActorRequest in both encodings", () => {
    // The body object is the first level.
    const payload = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
    expect(parseActorRequest(jsonBody(payload(MAX_DEPTH - 1)), "json", codec).msgType).toBe("x");
    expectBadRequest(() => parseActorRequest(jsonBody(payload(MAX_DEPTH)), "json", codec));
    const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);
    expect(parseActorRequest(encode({ msg_type: "x", payload: nested(MAX_DEPTH - 1) }), "msgpack", codec).msgType).toBe("x");
    expectBadRequest(() => parseActorRequest(encode({ msg_type: "x", payload: nested(MAX_DEPTH) }), "msgpack", codec));
  });

  test("the JSON scan counts only brackets outside strings", () => {
    expect(jsonDepthProblem('["[[[[", "\\"[[[", {"a": "{{{{"}]', 2)).toBeUndefined();
    expect(jsonDepthProblem('["\\\\", [[1]]]', 2)).toContain("deeper than 2");
    expect(jsonDepthProblem("[[1]]", 2)).toBeUndefined();
    expect(jsonDepthProblem("]", 2)).toBeString();
    const deepString = `{"msg_type":"x","payload":"${"[".repeat(1000)}"}`;
    expect(parseActorRequest(TEXT.encode(deepString), "json", codec).payload).toBe("[".repeat(1000));
  });

  test("another codec's maxDepth is the one applied, however large", () => {
    const deep = new Codec({ maxDepth: 1000 });
    expect(deep.decode(msgpackNested(1000))).toBeArray();
    expectBadRequest(() => deep.decode(msgpackNested(1001)));
    const flat = new Codec({ maxDepth: 0 });
    expect(flat.decode(encode("scalar"))).toBe("scalar");
    expectBadRequest(() => flat.decode(encode([])));
  });
});

describe("valid values decode as before", () => {
  const cases: [string, Uint8Array][] = [
    ["nil", bytes(0xc0)],
    ["false", bytes(0xc2)],
    ["true", bytes(0xc3)],
    ["positive fixint", bytes(0x7f)],
    ["negative fixint", bytes(0xe0)],
    ["uint8", bytes(0xcc, 0xff)],
    ["uint16", bytes(0xcd, 0xff, 0xfe)],
    ["uint32", bytes(0xce, 0xff, 0xff, 0xff, 0xfe)],
    ["uint64", bytes(0xcf, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)],
    ["int8", bytes(0xd0, 0x80)],
    ["int16", bytes(0xd1, 0x80, 0x01)],
    ["int32", bytes(0xd2, 0x80, 0, 0, 1)],
    ["int64", bytes(0xd3, 0xff, 0xe0, 0, 0, 0, 0, 0, 1)],
    ["float32", bytes(0xca, 0x3f, 0xc0, 0, 0)],
    ["float64", encode(Math.PI)],
    ["fixstr", bytes(0xa3, utf8("abc"))],
    ["empty fixstr", bytes(0xa0)],
    ["str8", bytes(0xd9, 5, utf8("héllo").slice(0, 5))],
    ["str16", bytes(0xda, be16(300), utf8("y".repeat(300)))],
    ["str32", bytes(0xdb, be32(4), utf8("😀"))],
    ["bin8", bytes(0xc4, 3, 1, 2, 3)],
    ["bin16", bytes(0xc5, be16(256), new Uint8Array(256).fill(7))],
    ["bin32", bytes(0xc6, be32(2), 9, 8)],
    ["fixext1", bytes(0xd4, 5, 1)],
    ["fixext2", bytes(0xd5, 5, 1, 2)],
    ["fixext4", bytes(0xd6, 5, 1, 2, 3, 4)],
    ["fixext8", bytes(0xd7, 5, 1, 2, 3, 4, 5, 6, 7, 8)],
    ["fixext16", bytes(0xd8, 5, new Uint8Array(16).fill(3))],
    ["ext8", bytes(0xc7, 3, 9, 1, 2, 3)],
    ["ext16", bytes(0xc8, be16(3), 9, 1, 2, 3)],
    ["ext32", bytes(0xc9, be32(3), 9, 1, 2, 3)],
    ["timestamp32", encode(new Date(1_700_000_000_000))],
    ["timestamp64", encode(new Date(1_700_000_000_123))],
    ["timestamp96", encode(new Date(-62_000_000_000_000))],
    ["fixarray", bytes(0x93, 1, 0xc0, 0xa1, 0x61)],
    ["empty fixarray", bytes(0x90)],
    ["array16", bytes(0xdc, be16(20), new Uint8Array(20).fill(1))],
    ["array32", bytes(0xdd, be32(3), 1, 2, 3)],
    ["fixmap", bytes(0x82, 0xa1, 0x61, 1, 0xa1, 0x62, 0xc3)],
    ["empty fixmap", bytes(0x80)],
    ["map16", bytes(0xde, be16(1), 0xa1, 0x6b, 0x90)],
    ["map32", bytes(0xdf, be32(2), 0xa1, 0x6b, 0x90, 0x01, 0xa1, 0x76)],
    ["nested", encode({ a: [1, -2, 3.5, "s", null, true, new Uint8Array([1]), { b: [[], {}], c: new Date(0) }], d: "é".repeat(40) })],
    ["a frame", encode([[0, 1, "counter", "inc", [1], 256, 30000], [2, 7, { ok: true }], [5, 9]])],
  ];
  for (const [name, body] of cases) {
    test(name, () => {
      expect(msgpackProblem(body, MAX_DEPTH)).toBeUndefined();
      const expected = decode(body);
      expect(codec.decode(body)).toEqual(expected as never);
      if (expected instanceof ExtData) expect(codec.decode(body)).toBeInstanceOf(ExtData);
      if (expected instanceof Date) expect(codec.decode(body)).toBeInstanceOf(Date);
    });
  }
});

describe("random values", () => {
  // A small deterministic PRNG (mulberry32), so a failure names its seed and repeats.
  function random(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function value(rand: () => number, depth: number): unknown {
    const int = (n: number) => Math.floor(rand() * n);
    const pick = int(depth >= 12 ? 9 : 12);
    switch (pick) {
      case 0:
        return null;
      case 1:
        return rand() < 0.5;
      case 2: {
        const magnitude = [0x7f, 0xff, 0xffff, 0xffffffff, Number.MAX_SAFE_INTEGER][int(5)] as number;
        const n = int(magnitude + 1);
        return rand() < 0.5 || n === 0 ? n : -n;
      }
      case 3:
        return (rand() - 0.5) * 10 ** int(30);
      case 4: {
        const length = [int(32), int(256), int(300), 65_540][rand() < 0.995 ? int(3) : 3] as number;
        let s = "";
        for (let i = 0; i < length; i++) s += rand() < 0.9 ? String.fromCharCode(0x20 + int(95)) : ["é", "😀", "中", "\u0000"][int(4)];
        return s;
      }
      case 5: {
        const b = new Uint8Array(rand() < 0.99 ? int(300) : 70_000);
        for (let i = 0; i < b.length; i++) b[i] = int(256);
        return b;
      }
      case 6:
        return new Date(Math.floor((rand() - 0.3) * 4e12) + (rand() < 0.5 ? 0 : 0.5));
      case 7:
        return "";
      case 8:
        return int(100);
      case 9:
      case 10: {
        const length = rand() < 0.97 ? int(6) : int(70);
        return Array.from({ length }, () => value(rand, depth + 1));
      }
      default: {
        const object: Record<string, unknown> = {};
        const length = rand() < 0.97 ? int(6) : int(40);
        const keys = ["k", "msg_type", "payload", "constructor", "__p", "😀"];
        for (let i = 0; i < length; i++) object[`${keys[int(keys.length)]}${int(1000)}`] = value(rand, depth + 1);
        return object;
      }
    }
  }

  /**
   * Dates as their times, so that two invalid dates (a mutated timestamp) compare equal;
   * the codec's bigints (64-bit integers past 2^53, kept whole) as the library's rounded numbers.
   */
  /**
   * A decoded value as both decoders should agree on it: dates and bigints as
   * numbers, and with `strings: "kind"` a string as only that it is one. A
   * mutated byte inside a string can make it invalid UTF-8, which the node
   * decodes as U+FFFD (TextDecoder) and the library, for strings under 200
   * bytes, as raw code units; the round trips compare the contents.
   */
  function comparable(v: unknown, strings: "content" | "kind" = "content"): unknown {
    if (typeof v === "string" && strings === "kind") return "(a string)";
    if (v instanceof Date) return { date: v.getTime() };
    if (typeof v === "bigint") return Number(v);
    if (Array.isArray(v)) return v.map((x) => comparable(x, strings));
    if (v !== null && typeof v === "object" && !ArrayBuffer.isView(v) && !(v instanceof ExtData)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, comparable(x, strings)]));
    }
    return v;
  }

  function onlyWireErrors(body: Uint8Array): void {
    try {
      codec.decode(body);
    } catch (error) {
      expect(error).toBeInstanceOf(WireError);
    }
  }

  test("2000 random nested values round-trip, and their truncations and mutations only ever give BAD_REQUEST", () => {
    const seed = 20_240_611;
    const rand = random(seed);
    for (let i = 0; i < 2000; i++) {
      const original = value(rand, 0);
      const body = encode(original);
      expect(msgpackProblem(body, MAX_DEPTH)).toBeUndefined();
      const decoded = codec.decode(body);
      expect(decoded).toEqual(decode(body) as never);
      expect(decoded).toEqual(original as never);
      // Truncations: a strict prefix of one msgpack value is never a whole value.
      for (let t = 0; t < 3 && body.length > 1; t++) {
        const cut = body.subarray(0, Math.floor(rand() * body.length));
        expect(msgpackProblem(cut, MAX_DEPTH)).toBeString();
        onlyWireErrors(cut);
      }
      // Mutations: a byte changed may still decode, or be refused, nothing else.
      for (let t = 0; t < 3; t++) {
        const mutated = body.slice();
        mutated[Math.floor(rand() * mutated.length)] = Math.floor(rand() * 256);
        onlyWireErrors(mutated);
        if (msgpackProblem(mutated, MAX_DEPTH) === undefined) {
          // Whatever the scan lets through, the decoder agrees is well formed or refuses by its own rules.
          let library: unknown;
          let failed = false;
          try {
            library = decode(mutated);
          } catch {
            failed = true;
          }
          if (!failed) expect(comparable(codec.decode(mutated), "kind")).toEqual(comparable(library, "kind") as never);
        }
      }
    }
  });

  test("random bytes only ever give BAD_REQUEST, and the scan passes all the decoder can read", () => {
    const rand = random(7);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      // At most 64 bytes: never deeper than MAX_DEPTH, so whatever decodes must pass the scan.
      const body = new Uint8Array(1 + Math.floor(rand() * 64));
      const heads = [0xdd, 0xdf, 0xdb, 0xc6, 0xc9, 0x91, 0x92, 0x81, 0x90, 0xc0, 0x01, 0xa1];
      for (let j = 0; j < body.length; j++) body[j] = rand() < 0.5 ? (heads[Math.floor(rand() * heads.length)] as number) : Math.floor(rand() * 256);
      onlyWireErrors(body);
      // The reference decoder, held to this body's length so that it cannot allocate much either.
      const n = body.length;
      const reference = new Decoder({ maxArrayLength: n, maxMapLength: n, maxStrLength: n, maxBinLength: n, maxExtLength: n });
      let decodes = true;
      try {
        reference.decode(body);
      } catch {
        decodes = false;
      }
      if (decodes) {
        accepted++;
        expect(msgpackProblem(body, MAX_DEPTH)).toBeUndefined();
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });
});

describe("what a message decodes to", () => {
  test("a body of empty arrays, cheap on the wire, is refused for what it would cost decoded", () => {
    const codec = new Codec();
    const count = 1_000_000; // 1 MB of 0x90: a million arrays, ~70 MB of objects
    const body = new Uint8Array(5 + count);
    body.set([0xdd, (count >>> 24) & 0xff, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff]);
    body.fill(0x90, 5);
    expect(msgpackProblem(body, MAX_DEPTH)).toBeUndefined(); // well formed
    expect(expectBadRequest(() => codec.decode(body)).message).toContain("decoded");
    const json = new TextEncoder().encode(`{"msg_type":"x","payload":[${"[],".repeat(count)}[]]}`);
    expect(expectBadRequest(() => parseActorRequest(json, "json", codec)).message).toContain("decoded");
  });

  test("ordinary messages of the same size pass, and their cost is estimated above what they hold", () => {
    const codec = new Codec();
    const numbers = encode({ msg_type: "x", payload: [Array.from({ length: 100_000 }, (_, i) => i * 1.5)] });
    expect(parseActorRequest(numbers, "msgpack", codec).cost).toBeGreaterThan(100_000 * 8);
    const text = encode({ msg_type: "x", payload: ["y".repeat(1_000_000)] });
    const request = parseActorRequest(text, "msgpack", codec);
    expect(request.cost).toBeGreaterThanOrEqual(2_000_000);
    expect(request.cost).toBeLessThan(codec.limits.maxDecodedBytes);
  });
});

describe("what each envelope of a frame decodes to", () => {
  test("each envelope is charged its own estimate: a large one cannot hide among many small ones", () => {
    const codec = new Codec();
    const big = "y".repeat(2_000_000);
    const frame = encode([[1, "busy", "record", [big]], ...Array.from({ length: 1000 }, () => [5, 1])]);
    const { envelopes, costs } = codec.decodeFrame(frame);
    expect(costs.length).toBe(envelopes.length);
    expect(costs[0]).toBeGreaterThanOrEqual(2 * big.length);
    expect(Math.max(...costs.slice(1))).toBeLessThan(100);
  });

  test("an envelope with binary data is charged the whole frame it keeps alive", () => {
    const codec = new Codec();
    const frame = encode([[1, "a", "b", [new Uint8Array(0)]], [1, "a", "c", ["z".repeat(100_000)]]]);
    const { costs } = codec.decodeFrame(frame);
    expect(costs[0]).toBeGreaterThanOrEqual(frame.byteLength);
  });
});
