/**
 * What the JSON convention costs plain replies and requests, printed, never
 * asserted (timings vary by machine): `bun test/wire/json-convention.bench.ts`.
 *
 * Out: `toJson` against the `JSON.stringify` it replaced, on replies without
 * bytes or bigints (the common case: one stringify and a scan of the text)
 * and with them (a walk and a second stringify). In: `parseActorRequest` on a
 * body without a string starting with `$` (no walk) and with markers.
 */
import { Codec, parseActorRequest } from "../../src/wire/index.ts";
import { toJson } from "../../src/wire/json-convention.ts";

const TEXT = new TextEncoder();
const codec = new Codec();

/** Median and best microseconds per call over 7 runs of `n`, after a warm-up. */
function time(fn: () => unknown, n: number): { median: number; best: number } {
  for (let i = 0; i < Math.max(100, n / 10); i++) fn();
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const start = performance.now();
    for (let i = 0; i < n; i++) fn();
    runs.push(((performance.now() - start) * 1000) / n);
  }
  runs.sort((a, b) => a - b);
  return { median: runs[3] as number, best: runs[0] as number };
}

function row(label: string, fn: () => unknown, n: number): number {
  const { median, best } = time(fn, n);
  console.log(`${label.padEnd(52)} ${median.toFixed(3).padStart(10)} µs  (best ${best.toFixed(3)})`);
  return median;
}

const records = (count: number) => Array.from({ length: count }, (_, i) => ({ id: i, name: `user-${i}`, score: i * 1.5, tags: ["a", "b"], active: i % 2 === 0 }));
const plain: [string, unknown, number][] = [
  ["{result: 2}", { result: 2 }, 200_000],
  ["{result: 'a string of 40 characters'}", { result: "x".repeat(40) }, 200_000],
  ["{result: 20 records}", { result: records(20) }, 20_000],
  ["{result: 2 000 records}", { result: records(2_000) }, 200],
  ["{item: 7} (a stream record)", { item: 7 }, 200_000],
];

console.log("out: plain replies, JSON.stringify vs toJson");
for (const [label, value, n] of plain) {
  const before = row(`  JSON.stringify ${label}`, () => JSON.stringify(value), n);
  const after = row(`  toJson         ${label}`, () => toJson(value), n);
  console.log(`  ${"ratio".padEnd(50)} ${(after / before).toFixed(3).padStart(10)}`);
}

console.log("out: replies with bytes and bigints (walked)");
row("  toJson {result: Uint8Array(32)}", () => toJson({ result: new Uint8Array(32) }), 100_000);
row("  toJson {result: 2n ** 70n}", () => toJson({ result: 2n ** 70n }), 100_000);
row("  toJson {result: 20 records + one Uint8Array(32)}", () => toJson({ result: [...records(20), new Uint8Array(32)] }), 20_000);

console.log("in: parseActorRequest (json)");
const body = (payload: unknown) => TEXT.encode(JSON.stringify({ msg_type: "inc", payload }));
const small = body([5]);
const medium = body([records(20)]);
const withMarkers = body([{ $bytes: "AAECAwQFBgcICQ==" }, { $bigint: "123456789012345678901234567890" }]);
row("  {msg_type, payload: [5]}", () => parseActorRequest(small, "json", codec), 200_000);
row("  {msg_type, payload: [20 records]}", () => parseActorRequest(medium, "json", codec), 20_000);
row("  {msg_type, payload: [$bytes, $bigint]} (revived)", () => parseActorRequest(withMarkers, "json", codec), 200_000);
