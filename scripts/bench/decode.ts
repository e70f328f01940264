/**
 * What the structural pre-scan (src/wire/msgpack-scan.ts) costs on the hot path:
 * a typical link frame, 64 small CALL envelopes, decoded with the raw
 * @msgpack/msgpack Decoder and with Codec.decode (size check, scan, decode):
 *   bun scripts/bench/decode.ts [iterations]     (default 1,000,000)
 * Prints both rates, their ratio, and the scan alone. Interleaved rounds, best of
 * each, since the machines are shared.
 */
import { Decoder, encode } from "@msgpack/msgpack";
import { Codec } from "../../src/wire/codec.ts";
import { msgpackProblem } from "../../src/wire/msgpack-scan.ts";

const N = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = 4;

const frame = encode(Array.from({ length: 64 }, (_, i) => [0, i + 1, "counter", "inc", [1], 256, 30000]));
const codec = new Codec();
const max = codec.limits.maxMessageBytes;
const raw = new Decoder({ maxStrLength: max, maxBinLength: max, maxArrayLength: max, maxMapLength: max, maxExtLength: max });

let sink = 0;
function run(decode: (bytes: Uint8Array) => unknown, count: number): number {
  const start = Bun.nanoseconds();
  for (let i = 0; i < count; i++) sink += (decode(frame) as unknown[]).length;
  return (count * 1e9) / (Bun.nanoseconds() - start);
}

const decodeRaw = (bytes: Uint8Array) => raw.decode(bytes);
const decodeCodec = (bytes: Uint8Array) => codec.decode(bytes);
const scanOnly = (bytes: Uint8Array) => (msgpackProblem(bytes, 64) === undefined ? [0] : []);

// Warm-up, so that every path is compiled before it is timed.
run(decodeRaw, 20_000);
run(decodeCodec, 20_000);
run(scanOnly, 20_000);

const per = Math.ceil(N / ROUNDS);
let bestRaw = 0;
let bestCodec = 0;
let bestScan = 0;
for (let round = 0; round < ROUNDS; round++) {
  bestRaw = Math.max(bestRaw, run(decodeRaw, per));
  bestCodec = Math.max(bestCodec, run(decodeCodec, per));
  bestScan = Math.max(bestScan, run(scanOnly, per));
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(`frame: 64 CALL envelopes, ${frame.byteLength} bytes; ${fmt(per * ROUNDS)} decodes each (${ROUNDS} rounds, best)`);
console.log(`raw Decoder       ${fmt(bestRaw)} frames/s  (${fmt(bestRaw * 64)} envelopes/s)`);
console.log(`Codec.decode      ${fmt(bestCodec)} frames/s  (${fmt(bestCodec * 64)} envelopes/s)`);
console.log(`ratio             ${(bestCodec / bestRaw).toFixed(3)} (Codec.decode / raw)`);
console.log(`scan alone        ${fmt(bestScan)} frames/s  (${((1e9 / bestScan / (1e9 / bestRaw)) * 100).toFixed(1)}% of a raw decode's time)`);
if (sink === 0) console.log("");
