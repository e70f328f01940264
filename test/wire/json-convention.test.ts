import { describe, expect, test } from "bun:test";
import { decode, encode } from "@msgpack/msgpack";
import { Actor } from "pulsing";
import { Codec, encodeBody, encodeStreamRecord, parseActorRequest, WireError } from "../../src/wire/index.ts";
import { MAX_BIGINT_DIGITS, reviveMarkers, toJson } from "../../src/wire/json-convention.ts";
import { BIGINT_EXT, MAX_BIGINT_EXT_BYTES } from "../../src/wire/msgpack-integers.ts";
import { startNode } from "../helpers.ts";

const codec = new Codec();
const TEXT = new TextEncoder();

/** The payload of a JSON body `{"msg_type":"x","payload":<payload>}`, given as text. */
function payloadOf(payload: string): unknown {
  return parseActorRequest(TEXT.encode(`{"msg_type":"x","payload":${payload}}`), "json", codec).payload;
}

/** The WireError (BAD_REQUEST on the route) that parsing `payload` throws. */
function refusal(payload: string): WireError {
  try {
    payloadOf(payload);
  } catch (error) {
    expect(error).toBeInstanceOf(WireError);
    expect((error as WireError).message.length).toBeLessThan(200);
    return error as WireError;
  }
  throw new Error(`expected ${payload} to be refused`);
}

describe("out: values to JSON", () => {
  test("bytes and bigints are written by the convention, at any depth", () => {
    const value = { result: { data: new Uint8Array([1, 2, 3, 255]), list: [[1n, -(2n ** 70n)]], n: 7, s: "text" } };
    expect(JSON.parse(toJson(value))).toEqual({
      result: { data: { $bytes: "AQID/w==" }, list: [[{ $bigint: "1" }, { $bigint: "-1180591620717411303424" }]], n: 7, s: "text" },
    });
  });

  test("empty bytes, other typed arrays, views, ArrayBuffers and Buffers are bytes too", () => {
    const backing = new Uint8Array([9, 1, 2, 3, 9]);
    const value = [
      new Uint8Array(0),
      new Uint16Array([0x0102]),
      new DataView(backing.buffer, 1, 3),
      backing.subarray(1, 4),
      new Uint8Array([7, 8]).buffer,
      Buffer.from([5, 6]),
    ];
    const little = new Uint8Array(new Uint16Array([0x0102]).buffer).toBase64();
    expect(JSON.parse(toJson(value))).toEqual([{ $bytes: "" }, { $bytes: little }, { $bytes: "AQID" }, { $bytes: "AQID" }, { $bytes: "Bwg=" }, { $bytes: "BQY=" }]);
  });

  test("a lone bigint and a bigint beside bytes", () => {
    expect(toJson(12345678901234567890n)).toBe('{"$bigint":"12345678901234567890"}');
    expect(JSON.parse(toJson({ a: 1n, b: new Uint8Array([0]) }))).toEqual({ a: { $bigint: "1" }, b: { $bytes: "AA==" } });
  });

  test("plain values are written as JSON.stringify writes them, including those that look like bytes", () => {
    const values: unknown[] = [
      { result: 2 },
      { result: { "0": 1, "1": 2 } },
      { result: {} },
      { result: [{}, { type: "Buffer", data: [1] }] },
      { when: new Date(0), nested: { "0": "x" }, gone: undefined },
      { result: "B and \"0 and {} in a string" },
      [null, true, 1.5, "s"],
    ];
    for (const value of values) expect(toJson(value)).toBe(JSON.stringify(value));
  });

  test("a key __proto__ in a result that is walked stays a key", () => {
    const value = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    value.bytes = new Uint8Array([1]);
    expect(JSON.parse(toJson(value))).toEqual(JSON.parse('{"__proto__": {"x": 1}, "bytes": {"$bytes": "AQ=="}}'));
  });

  test("a cyclic value with a bigint throws instead of recursing forever", () => {
    const cyclic: Record<string, unknown> = { n: 1n };
    cyclic.self = cyclic;
    expect(() => toJson(cyclic)).toThrow(RangeError);
  });

  test("encodeBody and encodeStreamRecord use it for JSON, msgpack stays native", () => {
    expect(encodeBody({ result: 3n }, "json", codec)).toBe('{"result":{"$bigint":"3"}}');
    expect(new TextDecoder().decode(encodeStreamRecord({ item: new Uint8Array([1]) }, "json", codec))).toBe('{"item":{"$bytes":"AQ=="}}\n');
    expect(decode(encodeBody({ result: new Uint8Array([1]) }, "msgpack", codec) as Uint8Array)).toEqual({ result: new Uint8Array([1]) });
  });
});

describe("in: JSON bodies to values", () => {
  test("markers become bytes and bigints, at any depth, in place of the object", () => {
    expect(payloadOf('[{"$bytes":"AQID/w=="}, {"k": [{"$bigint":"-123456789012345678901234567890"}]}, {"$bytes":""}]')).toEqual([
      new Uint8Array([1, 2, 3, 255]),
      { k: [-123456789012345678901234567890n] },
      new Uint8Array(0),
    ]);
    expect(payloadOf('{"$bigint":"42"}')).toBe(42n);
  });

  test("a key spelt with escapes is the same key", () => {
    expect(payloadOf('[{"\\u0024bytes":"AQ=="}]')).toEqual([new Uint8Array([1])]);
  });

  test("anything else is left alone", () => {
    const bodies = [
      '[{"$bytes":"AQ==","other":1}]',
      '[{"$bigint":"1","$bytes":"AQ=="}]',
      '[{"$byte":"AQ=="}, {"bytes":"AQ=="}, "$bytes", ["$bigint", "1"]]',
      '[{"$other":"x"}, {"a":{"$ref":"#"}}]',
      '[{"0":1,"1":2}, {}, {"type":"Buffer","data":[1]}]',
    ];
    for (const body of bodies) expect(payloadOf(body)).toEqual(JSON.parse(body));
  });

  test("invalid markers are refused with a short BAD_REQUEST", () => {
    for (const bad of ['"AQ"', '"AQ=+"', '"A Q=="', '"AQ==\\n"', '"*AQ="', '"AR=="', '"AQ===="', "5", "null", '["AQ=="]']) {
      expect(refusal(`[{"$bytes":${bad}}]`).message).toContain("$bytes must be a string of standard padded base64");
    }
    for (const bad of ['"1.5"', '"0x10"', '" 1"', '"1e5"', '"--1"', '""', '"-"', "12", '{"$bigint":"1"}']) {
      expect(refusal(`{"k":{"$bigint":${bad}}}`).message).toContain("$bigint must be a string of decimal digits");
    }
  });

  test("a $bigint is bounded in digits", () => {
    const longest = "9".repeat(MAX_BIGINT_DIGITS);
    expect(payloadOf(`[{"$bigint":"-${longest}"}]`)).toEqual([-BigInt(longest)]);
    expect(refusal(`[{"$bigint":"${longest}9"}]`).message).toContain(`over the limit of ${MAX_BIGINT_DIGITS}`);
    // A quote in the message is clipped: the body's text is not sent back whole.
    expect(refusal(`[{"$bigint":"${"x".repeat(10_000)}"}]`).message.length).toBeLessThan(200);
  });

  test("bodies without a string starting with $ are not walked; a $ string elsewhere costs a walk and nothing else", () => {
    expect(payloadOf('[{"bytes":"AQ=="}]')).toEqual([{ bytes: "AQ==" }]);
    expect(payloadOf('["$5.00", {"price":"$5"}]')).toEqual(["$5.00", { price: "$5" }]);
  });

  test("msgpack bodies are not read by the convention", () => {
    const body = encode({ msg_type: "x", payload: [{ $bytes: "AQ==" }, { $bigint: "1" }] });
    expect(parseActorRequest(body, "msgpack", codec).payload).toEqual([{ $bytes: "AQ==" }, { $bigint: "1" }]);
  });

  test("reviveMarkers and toJson round-trip", () => {
    const value = { a: [new Uint8Array([0, 255]), 2n ** 64n, -1n], b: { c: "d" }, e: null };
    expect(reviveMarkers(JSON.parse(toJson(value)))).toEqual(value);
  });
});

describe("msgpack: integers are lossless both ways", () => {
  test("a bigint is sent as an integer and comes back as a bigint when it is not a safe integer", () => {
    const values = [2n ** 63n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 53n, -(2n ** 53n)];
    expect(codec.decode(codec.encode(values))).toEqual(values);
  });

  test("safe integers stay numbers, whether sent as numbers or as bigints", () => {
    const values = [5, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    expect(codec.decode(codec.encode(values))).toEqual(values);
    expect(codec.decode(codec.encode([5n, -(2n ** 40n), BigInt(Number.MAX_SAFE_INTEGER)]))).toEqual([5, -(2 ** 40), Number.MAX_SAFE_INTEGER]);
  });

  test("a uint64 or int64 from another client (as Python packs 2^40 and 2^63) decodes exactly", () => {
    // 0xcf: uint 64; 0xd3: int 64.
    expect(codec.decode(Uint8Array.from([0xcf, 0, 0, 1, 0, 0, 0, 0, 0]))).toBe(2 ** 40);
    expect(codec.decode(Uint8Array.from([0xcf, 0x80, 0, 0, 0, 0, 0, 0, 1]))).toBe(2n ** 63n + 1n);
    expect(codec.decode(Uint8Array.from([0xd3, 0xff, 0xdf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(-(2n ** 53n) - 1n);
    expect(codec.decode(Uint8Array.from([0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]))).toBe(-2);
  });

  test("a bigint beyond 64 bits is extension 1, its two's-complement bytes, up to 2048 bits", () => {
    const values = [2n ** 64n, -(2n ** 63n) - 1n, 2n ** 2046n, -(2n ** 2047n), -(2n ** 70n) + 1n, 10n ** 400n];
    expect(codec.decode(codec.encode(values))).toEqual(values);
    // As Python writes it: ExtType(1, (2**64).to_bytes(9, "big", signed=True)).
    expect(codec.decode(Uint8Array.from([0xc7, 9, BIGINT_EXT, 1, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(2n ** 64n);
    expect(codec.decode(Uint8Array.from([0xd4, BIGINT_EXT, 0xff]))).toBe(-1n);
    expect(() => codec.encode(2n ** 2048n)).toThrow(RangeError);
  });

  test("a bigint extension that is empty or too long is BAD_REQUEST", () => {
    expect(() => codec.decode(Uint8Array.from([0xc7, 0, BIGINT_EXT]))).toThrow(WireError);
    const long = new Uint8Array(3 + MAX_BIGINT_EXT_BYTES + 1);
    long.set([0xc8, (MAX_BIGINT_EXT_BYTES + 1) >> 8, (MAX_BIGINT_EXT_BYTES + 1) & 0xff, BIGINT_EXT]);
    expect(() => codec.decode(long.subarray(0, 4 + MAX_BIGINT_EXT_BYTES + 1))).toThrow(WireError);
  });
});

/** Returns what it is given and says what types arrived. */
class Shapes extends Actor {
  echo(value: unknown): unknown {
    return value;
  }
  describe(...args: unknown[]): string[] {
    return args.map((arg) => (arg instanceof Uint8Array ? `bytes:${arg.length}` : typeof arg));
  }
  big(): bigint {
    return 2n ** 64n + 1n;
  }
  bytes(): Uint8Array {
    return new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
  }
  async *chunks(count: number): AsyncGenerator<{ seq: bigint; data: Uint8Array }> {
    for (let i = 0; i < count; i++) yield { seq: BigInt(i), data: new Uint8Array([i]) };
  }
  receive(_type: string, payload: unknown): unknown {
    return payload instanceof Uint8Array ? { bytes: payload.length } : { other: typeof payload };
  }
}

describe("over HTTP, against a live node", () => {
  async function node(): Promise<string> {
    const system = await startNode();
    await system.spawn(Shapes, { name: "shapes" });
    return `http://${system.addr}/actor/shapes`;
  }

  function postJson(url: string, body: string): Promise<Response> {
    return fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  }

  test("bytes and bigints arrive as Uint8Array and bigint, and come back by the convention", async () => {
    const url = await node();
    const args = '[{"$bytes":"AQID"}, {"$bigint":"-18446744073709551617"}, {"$bytes":"AQ==","note":"x"}, 1]';
    const described = await postJson(url, `{"msg_type":"describe","payload":${args}}`);
    expect(await described.json()).toEqual({ result: ["bytes:3", "bigint", "object", "number"] });
    const echoed = await postJson(url, `{"msg_type":"echo","payload":[{"nested":[{"$bytes":"3q2+7w=="}, {"$bigint":"12345678901234567890"}]}]}`);
    expect(echoed.status).toBe(200);
    expect(await echoed.json()).toEqual({ result: { nested: [{ $bytes: "3q2+7w==" }, { $bigint: "12345678901234567890" }] } });
    expect(await (await postJson(url, '{"msg_type":"big"}')).json()).toEqual({ result: { $bigint: "18446744073709551617" } });
    expect(await (await postJson(url, '{"msg_type":"bytes"}')).json()).toEqual({ result: { $bytes: "3q2+7w==" } });
    expect(await (await postJson(url, '{"msg_type":"Blob","payload":{"$bytes":"AAAA"}}')).json()).toEqual({ result: { bytes: 3 } });
  });

  test("stream items are written by the convention", async () => {
    const url = await node();
    const lines = (await (await postJson(url, '{"msg_type":"chunks","payload":[2]}')).text()).trim().split("\n");
    expect(lines.map((line) => JSON.parse(line))).toEqual([{ item: { seq: { $bigint: "0" }, data: { $bytes: "AA==" } } }, { item: { seq: { $bigint: "1" }, data: { $bytes: "AQ==" } } }, { end: true }]);
  });

  test("an invalid marker is 400 BAD_REQUEST", async () => {
    const url = await node();
    for (const payload of ['[{"$bytes":"not base64!"}]', '[{"$bigint":"12abc"}]', `[{"$bigint":"${"1".repeat(MAX_BIGINT_DIGITS + 1)}"}]`]) {
      const response = await postJson(url, `{"msg_type":"echo","payload":${payload}}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    }
  });

  test("msgpack carries bytes and 64-bit integers natively", async () => {
    const url = await node();
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/msgpack" },
      body: encode({ msg_type: "echo", payload: [[new Uint8Array([1, 2]), 2n ** 63n]] }, { useBigInt64: true }),
    });
    expect(response.status).toBe(200);
    expect(decode(new Uint8Array(await response.arrayBuffer()), { useBigInt64: true })).toEqual({ result: [new Uint8Array([1, 2]), 2n ** 63n] });
    const big = await fetch(url, { method: "POST", headers: { "content-type": "application/msgpack" }, body: encode({ msg_type: "big" }) });
    expect(big.status).toBe(200); // 2^64 + 1 is past msgpack's integers: the bigint extension
    expect(codec.decode(new Uint8Array(await big.arrayBuffer()))).toEqual({ result: 2n ** 64n + 1n });
  });
});
