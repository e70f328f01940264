/**
 * Fuzzes live nodes in their own processes, by hand, for as long as you like:
 *   bun scripts/fuzz/run.ts [--count 20000] [--seed N] [--max-rss-mib 1024]
 *
 * Two nodes: one without a cluster secret ("open") and one with ("secured":
 * gossip and links signed by the fuzzer, forged signatures refused).
 * `--count` inputs go to each way in (actor route, gossip, link), split evenly
 * between the two nodes, so a run sends 3 x count inputs in all (printed).
 * An input is one HTTP request (actor route and other paths; gossip; a link
 * upgrade sent as a request), or one link frame.
 *
 * Passes when: no node crashes, every answer is well formed, no forgery is
 * accepted, both nodes still answer an ask over HTTP and over a link and say ok
 * on /health afterwards, and each node's resident memory (VmRSS, sampled every
 * 250 ms and at every tenth of the run) stays under --max-rss-mib and stops
 * climbing (the second half adds at most max(128 MiB, half the RSS at mid-run)).
 * Inputs behind a finding are saved to /tmp/fuzz-crash-<seed>-<n>.bin.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type Peer, startProcess, stopPeers } from "../bench/peers/spawn.ts";
import { addReport, classOf, type Finding, type FuzzedNode, fuzzGossip, fuzzHttp, fuzzLink, newReport, NodeDown, serviceProblems } from "./fuzz.ts";

const USAGE = "usage: bun scripts/fuzz/run.ts [--count 20000] [--seed N] [--max-rss-mib 1024]\n";
let parsed: ReturnType<typeof parseOptions>;
function parseOptions() {
  return parseArgs({ options: { count: { type: "string" }, seed: { type: "string" }, "max-rss-mib": { type: "string" }, help: { type: "boolean" } } });
}
try {
  parsed = parseOptions();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (parsed.values.help === true) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const { values } = parsed;
const count = Number(values.count ?? 20_000);
const seed = Number(values.seed ?? Date.now() % 1_000_000);
const maxRssMiB = Number(values["max-rss-mib"] ?? 1024);
const SECRET = "fuzz-cluster-secret-0123456789";
const MiB = 1024 * 1024;

interface Target {
  name: "open" | "secured";
  node: FuzzedNode;
  peer: Peer;
  pid: number;
  rss: { before: number; peak: number; mid: number; after: number; samples: number };
}

/** The node's resident memory, from /proc (VmRSS), in bytes; NaN once it is gone. */
function vmRss(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmRSS:"));
    return Number(line?.split(/\s+/)[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

async function start(name: Target["name"]): Promise<Target> {
  const peer = await startProcess(new URL("./target-node.ts", import.meta.url).pathname, [], name === "secured" ? { FUZZ_SECRET: SECRET } : { FUZZ_SECRET: "" });
  const node: FuzzedNode = { addr: peer.first.addr as string, nodeId: peer.first.node as string, actor: "fuzz/counter", slow: "fuzz/slow", ...(name === "secured" ? { secret: SECRET } : {}) };
  const pid = Number(peer.first.pid ?? peer.proc.pid);
  const now = vmRss(pid);
  return { name, node, peer, pid, rss: { before: now, peak: now, mid: now, after: now, samples: 1 } };
}

const mib = (bytes: number) => +(bytes / MiB).toFixed(1);
const targets = [await start("open"), await start("secured")];
const sample = () => {
  for (const t of targets) {
    const now = vmRss(t.pid);
    if (Number.isFinite(now)) {
      t.rss.peak = Math.max(t.rss.peak, now);
      t.rss.samples++;
    }
  }
};
const sampler = setInterval(sample, 250);
const report = newReport();
const findings: Finding[] = [];
let crash: Finding | undefined;
const started = performance.now();

try {
  const step = Math.max(1, Math.ceil(count / 10));
  let chunk = 0;
  for (let done = 0; done < count; done += step, chunk++) {
    const n = Math.min(step, count - done);
    for (const [i, t] of targets.entries()) {
      // Half of each chunk to each node; a seed of its own for every (chunk, way, node).
      const share = i === 0 ? Math.ceil(n / 2) : Math.floor(n / 2);
      const base = seed * 1000 + chunk * 10 + i * 3;
      const part = newReport();
      try {
        await fuzzHttp(t.node, base, share, part);
        await fuzzGossip(t.node, base + 1, share, part);
        await fuzzLink(t.node, base + 2, share, part);
      } finally {
        for (const f of part.findings) if (report.classes[classOf(f)] === undefined && findings.length < 20) findings.push({ ...f, what: `${t.name} node: ${f.what}` });
        addReport(report, part);
      }
      if (t.peer.proc.exitCode !== null) {
        crash = { kind: "crash", way: "link", seed: base + 2, round: share - 1, shape: "?", what: `${t.name} node exited with ${t.peer.proc.exitCode}`, request: "", input: new Uint8Array(), answer: "" };
        throw new Error(crash.what);
      }
    }
    sample();
    if (chunk === 4) for (const t of targets) t.rss.mid = vmRss(t.pid);
    const total = report.inputs.actor + report.inputs.gossip + report.inputs.link;
    const found = Object.values(report.classes).reduce((a, b) => a + b, 0);
    console.log(
      `${done + n}/${count} inputs per way in (${total} in all), ${((performance.now() - started) / 1000).toFixed(0)} s, rss ${targets.map((t) => `${t.name} ${mib(vmRss(t.pid))} MiB (peak ${mib(t.rss.peak)})`).join(", ")}, findings ${found} in ${Object.keys(report.classes).length} classes`,
    );
  }
} catch (error) {
  if (error instanceof NodeDown) crash = error.finding;
  else if (crash === undefined) console.error(`the run stopped: ${(error as Error).stack ?? error}`);
} finally {
  clearInterval(sampler);
}

const seconds = +((performance.now() - started) / 1000).toFixed(1);
const problems: Record<string, string[]> = {};
/** The node's limits that tripped during the run, from /metrics (pulsing_limit_trips_total). */
async function limitTrips(addr: string): Promise<Record<string, number>> {
  try {
    const text = await (await fetch(`http://${addr}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const trips: Record<string, number> = {};
    for (const line of text.split("\n")) {
      const match = /^pulsing_limit_trips_total\{.*limit="([^"]+)".*\} (\d+)/.exec(line);
      if (match !== null && Number(match[2]) > 0) trips[match[1] as string] = Number(match[2]);
    }
    return trips;
  } catch (error) {
    return { [`unreadable: ${(error as Error).message}`]: 0 };
  }
}
const trips: Record<string, Record<string, number>> = {};
for (const t of targets) {
  problems[t.name] = t.peer.proc.exitCode === null ? await serviceProblems(t.node) : [`exited with ${t.peer.proc.exitCode}`];
  if (t.peer.proc.exitCode === null) trips[t.name] = await limitTrips(t.node.addr);
  await Bun.sleep(500);
  t.rss.after = vmRss(t.pid);
}
await stopPeers();

// The inputs behind findings, to send again.
const saved: string[] = [];
for (const [n, f] of [...(crash === undefined ? [] : [crash]), ...findings].entries()) {
  const path = `/tmp/fuzz-crash-${seed}-${n}.bin`;
  writeFileSync(path, f.input);
  writeFileSync(`${path}.json`, JSON.stringify({ ...f, input: `${f.input.byteLength} bytes in ${path}` }, null, 2));
  saved.push(`${path}: ${f.kind} ${f.way} seed ${f.seed} round ${f.round} (${f.shape}): ${f.what}`);
}

const total = report.inputs.actor + report.inputs.gossip + report.inputs.link;
// The lists keep the first 1,000 lines; the classes count every one.
const countOf = (kind: string) => Object.entries(report.classes).reduce((sum, [key, n]) => sum + (key.startsWith(`${kind} `) ? n : 0), 0);
const malformed = countOf("malformed");
const violations = countOf("violation");
const memory = targets.map((t) => {
  const growth = t.rss.after - t.rss.mid;
  const climbing = growth > Math.max(128 * MiB, t.rss.mid / 2);
  return { node: t.name, before: mib(t.rss.before), peak: mib(t.rss.peak), mid: mib(t.rss.mid), after: mib(t.rss.after), samples: t.rss.samples, over: t.rss.peak > maxRssMiB * MiB, climbing };
});
console.log(
  JSON.stringify(
    {
      seed,
      countPerWayIn: count,
      inputs: { ...report.inputs, total },
      attackShapes: Object.fromEntries(Object.entries(report.shapes).sort(([a], [b]) => a.localeCompare(b))),
      httpRequests: report.requests,
      linkFrames: report.frames,
      statuses: report.statuses,
      bareRefusals: report.bare,
      largestErrorBytes: report.largestErrorBytes,
      linkCloses: report.linkCloses,
      closeCodes: report.closeCodes,
      linkRefused: report.linkRefused,
      linkAnswers: report.linkAnswers,
      malformed,
      violations,
      findingsByClass: report.classes,
      firstMalformed: report.malformed.slice(0, 5),
      firstViolations: report.violations.slice(0, 5),
      crashed: crash?.what ?? false,
      limitTrips: trips,
      afterwards: problems,
      rssMiB: memory,
      seconds,
      saved,
    },
    null,
    2,
  ),
);
console.log(`inputs: actor route ${report.inputs.actor} + gossip ${report.inputs.gossip} + link ${report.inputs.link} = ${total}`);

const failures = [
  ...(crash === undefined ? [] : [`crash: ${crash.what}`]),
  ...(malformed > 0 ? [`${malformed} malformed answers`] : []),
  ...(violations > 0 ? [`${violations} forgeries accepted or links left open`] : []),
  ...Object.entries(problems).flatMap(([name, list]) => list.map((p) => `${name} node afterwards: ${p}`)),
  ...memory.filter((m) => m.over).map((m) => `${m.node} node peaked at ${m.peak} MiB, over ${maxRssMiB} MiB`),
  ...memory.filter((m) => m.climbing).map((m) => `${m.node} node's memory still climbing: ${m.mid} MiB at mid-run, ${m.after} MiB after`),
];
const rssLine = memory.map((m) => `${m.node} ${m.before}/${m.peak}/${m.after} MiB`).join(", ");
if (failures.length === 0) console.log(`FUZZ PASS: ${total} inputs, 0 malformed, 0 violations, 0 crashes, rss before/peak/after ${rssLine}, ${seconds} s`);
else console.log(`FUZZ FAIL: ${failures.join("; ")} (rss before/peak/after ${rssLine})`);
process.exitCode = failures.length === 0 ? 0 : 1;
