/**
 * Fuzzes a live node in its own process, by hand, for as long as you like:
 *   bun scripts/fuzz/run.ts [--count 20000] [--seed N]
 * `--count` inputs go to each of: actor bodies and paths, gossip, link frames.
 * The node must not crash, every HTTP answer must be well formed, it must still
 * answer right afterwards, and its memory must stay bounded.
 */
import { parseArgs } from "node:util";
import { startProcess, stopPeers } from "../bench/peers/spawn.ts";
import { type FuzzReport, type FuzzedNode, fuzzGossip, fuzzHttp, fuzzLink, stillServes } from "./fuzz.ts";

const { values } = parseArgs({ options: { count: { type: "string" }, seed: { type: "string" } } });
const count = Number(values.count ?? 20_000);
const seed = Number(values.seed ?? Date.now() % 1_000_000);

async function rss(addr: string): Promise<number> {
  const text = await (await fetch(`http://${addr}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("process_resident_memory_bytes"));
  return Number(line?.split(" ")[1]);
}

const node = await startProcess(new URL("./target-node.ts", import.meta.url).pathname);
const target: FuzzedNode = { addr: node.first.addr as string, nodeId: node.first.node as string, actor: "fuzz/counter" };
try {
  const started = performance.now();
  const before = await rss(target.addr);
  const report: FuzzReport = { requests: 0, frames: 0, statuses: {}, linkCloses: 0, malformed: [] };
  const step = Math.max(1, Math.floor(count / 10));
  let peak = before;
  for (let done = 0; done < count; done += step) {
    const n = Math.min(step, count - done);
    await fuzzHttp(target, seed + done, n, report);
    await fuzzGossip(target, seed + done + 1, n, report);
    await fuzzLink(target, seed + done + 2, n, report);
    peak = Math.max(peak, await rss(target.addr));
    console.log(`${done + n}/${count} inputs per way in, rss ${(peak / 1048576).toFixed(0)} MiB`);
  }
  const alive = node.proc.exitCode === null && (await stillServes(target));
  const after = await rss(target.addr);
  console.log(
    JSON.stringify(
      {
        seed,
        inputs: report.requests + report.frames,
        requests: report.requests,
        frames: report.frames,
        statuses: report.statuses,
        linkCloses: report.linkCloses,
        malformed: report.malformed.slice(0, 10),
        crashed: !alive,
        rssMiB: { before: +(before / 1048576).toFixed(1), peak: +(peak / 1048576).toFixed(1), after: +(after / 1048576).toFixed(1) },
        seconds: +((performance.now() - started) / 1000).toFixed(1),
      },
      null,
      2,
    ),
  );
  process.exitCode = alive && report.malformed.length === 0 ? 0 : 1;
} finally {
  await stopPeers();
}
