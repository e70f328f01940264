import { afterAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { ActorSystem, type Member } from "pulsing";
import { NetnsLab, netnsMissing } from "../chaos/netns.ts";
import type { SurveyResult, SurveyTarget, Svc } from "../fixtures/field-actors.ts";

/**
 * A cluster across machines, as an operator runs one: five hosts (network
 * namespaces, each with its own IP on one bridge, test/chaos/netns.ts), each
 * running the real CLI, `bun src/cli/main.ts node --addr 0.0.0.0:9000
 * --advertise <its IP>:9000 --seeds pulsing-seed:9000 --actors
 * test/fixtures/field-actors.ts`, with one PULSING_SECRET. The port is the same
 * on every host. `pulsing-seed` is one name that resolves to all five IPs: `ip
 * netns exec NS` bind-mounts /etc/netns/NS/hosts over /etc/hosts, so each host
 * gets a hosts file with five `IP pulsing-seed` lines. Node 4 starts first,
 * alone (it must say it is not ready), then the rest.
 *
 * Then, from the root namespace through the bridge: every node lists all five
 * alive at their advertised addresses, /ready is 200 everywhere, the registry
 * agrees; asks and streams cross hosts over HTTP, from node 0 (link, HTTP and
 * cluster routing, by the survey actor) and from a client-only ActorSystem in
 * this process. One host is cut off with nftables until the other four mark it
 * dead and it marks them dead (calls to it meanwhile fail, each way, rather than
 * hang), then healed: all five must agree again on members and registry, and
 * calls reach the healed host again. Last, SIGTERM: every node exits 0.
 *
 * Needs root, `ip` and `nft`: without them the test fails, naming what is
 * missing (it is never skipped). The figures are printed; docs/reliability.md
 * ("A cluster across hosts") records them.
 */
const ROOT = new URL("../../", import.meta.url).pathname;
const CLI = `${ROOT}src/cli/main.ts`;
const ACTORS = `${ROOT}test/fixtures/field-actors.ts`;
const SBIN_PATH = `${process.env.PATH ?? ""}:/usr/sbin:/sbin:/usr/local/sbin`;
const NODES = 5;
const PORT = 9000;
const SEED_NAME = "pulsing-seed";
/** Node 4 first and alone; the others after it, when it has already tried every seed and found none. */
const FIRST = 4;
const CUT = 2;
const CUT_TABLE = "pulsing_field_cut";
// Each wait is bounded; a run takes about 6 s, and one phase stuck to its bound still ends within the test's 45 s.
const START_TIMEOUT_MS = 10_000;
const FORM_TIMEOUT_MS = 10_000;
const DEAD_TIMEOUT_MS = 10_000;
const HEAL_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 11_000; // the CLI's own shutdown limit is 10 s
const FETCH_TIMEOUT_MS = 1_000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

interface FieldNode {
  index: number;
  ip: string;
  /** What it printed: `serving on ADDR`. */
  addr: string;
  /** Its node id, from `pulsing node ID serving on ...`. */
  id: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** The last few KB of its stderr, for failure messages. */
  stderr: () => string;
}

let lab: NetnsLab | undefined;
const procs: Subprocess[] = [];
const hostsDirs: string[] = [];
let createdNetnsDir = false;
let client: ActorSystem | undefined;

/** Removes the hosts files this test wrote (and /etc/netns if it made it and it is empty). Synchronous: it also runs on exit. */
function removeHostsFiles(): string[] {
  const errors: string[] = [];
  for (const dir of hostsDirs.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      errors.push(`cannot remove ${dir}: ${(error as Error).message}`);
    }
  }
  if (createdNetnsDir && existsSync("/etc/netns") && readdirSync("/etc/netns").length === 0) {
    try {
      rmdirSync("/etc/netns");
      createdNetnsDir = false;
    } catch {
      // someone else put something there meanwhile: theirs
    }
  }
  return errors;
}
const onExit = () => {
  for (const proc of procs) {
    try {
      if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  removeHostsFiles();
};

afterAll(async () => {
  const errors: string[] = [];
  if (client !== undefined) {
    await Promise.race([client.shutdown(), Bun.sleep(3_000)]).catch((error: unknown) => errors.push(`client shutdown: ${(error as Error).message}`));
  }
  // Every node by its PID, then the lab (which also kills whatever is left in its namespaces).
  for (const proc of procs) {
    if (proc.exitCode !== null || proc.signalCode !== null) continue;
    try {
      process.kill(proc.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await Promise.race([Promise.all(procs.map((proc) => proc.exited)), Bun.sleep(5_000)]);
  const alive = procs.filter((proc) => proc.exitCode === null && proc.signalCode === null).map((proc) => proc.pid);
  if (alive.length > 0) errors.push(`processes still running after SIGKILL: ${alive.join(", ")}`);
  try {
    await lab?.teardown();
  } catch (error) {
    errors.push((error as Error).message);
  }
  errors.push(...removeHostsFiles());
  process.off("exit", onExit);
  if (errors.length > 0) throw new Error(`cluster-across-hosts teardown: ${errors.join("; ")}`);
});

function tool(name: string): string {
  const path = Bun.which(name, { PATH: SBIN_PATH });
  if (path === null) throw new Error(`the \`${name}\` command is missing`);
  return path;
}

function run(cmd: string[], input?: string): void {
  const result = Bun.spawnSync(cmd, { stdin: input === undefined ? "ignore" : new TextEncoder().encode(input), stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`\`${cmd.join(" ")}\` failed (exit ${result.exitCode}): ${result.stderr.toString().trim()}`);
}

/** The environment of a node: this one's, without any PULSING_* that could change what the flags say. */
function nodeEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith("PULSING_")) env[key] = value;
  return { ...env, ...extra };
}

/** Starts `pulsing node` in node `index`'s namespace; waits for the line that says where it serves. */
async function startNode(index: number, secret: string): Promise<FieldNode> {
  const node = (lab as NetnsLab).nodes[index];
  if (node === undefined) throw new Error(`no node ${index}`);
  const argv = [CLI, "node", "--addr", `0.0.0.0:${PORT}`, "--advertise", `${node.ip}:${PORT}`, "--seeds", `${SEED_NAME}:${PORT}`, "--actors", ACTORS, "--log-level", "warn", "--log-format", "json"];
  // `ip netns exec` execs the command: the PID is bun's own.
  const proc = Bun.spawn([tool("ip"), "netns", "exec", node.ns, process.execPath, ...argv], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: nodeEnv({ PULSING_SECRET: secret, PULSING_FIELD_INDEX: String(index) }),
  });
  procs.push(proc);
  let out = "";
  let err = "";
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) err = (err + decoder.decode(chunk, { stream: true })).slice(-8_192);
  })().catch(() => {});
  const reader = proc.stdout.getReader();
  const deadline = Date.now() + START_TIMEOUT_MS;
  const decoder = new TextDecoder();
  let serving: RegExpExecArray | null = null;
  while ((serving = /pulsing node (\S+) serving on (\S+)/.exec(out)) === null) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(1, deadline - Date.now())).then(() => undefined)]);
    if (chunk === undefined || chunk.done) {
      await Promise.race([proc.exited, Bun.sleep(500)]);
      throw new Error(
        `node ${index} (${node.ns}, ${node.ip}) did not say it serves ${chunk === undefined ? `within ${START_TIMEOUT_MS} ms` : `before exiting (${proc.exitCode ?? proc.signalCode})`}: stdout ${JSON.stringify(out)}, stderr ${JSON.stringify(err)}`,
      );
    }
    out += decoder.decode(chunk.value, { stream: true });
  }
  // Keep reading, so that the pipe never fills.
  void (async () => {
    for (;;) if ((await reader.read()).done) return;
  })().catch(() => {});
  return { index, ip: node.ip, id: serving[1] as string, addr: serving[2] as string, proc, stderr: () => err };
}

async function getJson<T>(addr: string, path: string): Promise<{ status: number; body: T } | undefined> {
  try {
    const response = await fetch(`http://${addr}${path}`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    return { status: response.status, body: (await response.json()) as T };
  } catch {
    return undefined;
  }
}

async function post(addr: string, name: string, msgType: string, payload: unknown[], timeoutMs = 5_000): Promise<Response> {
  return fetch(`http://${addr}/actor/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ msg_type: msgType, payload }),
    signal: AbortSignal.timeout(timeoutMs),
  });
}

/** Polls `check` until it holds; the time it took, or undefined after `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs: number, pollMs = 100): Promise<number | undefined> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const tick = Date.now();
    if (await check()) return Date.now() - start;
    await Bun.sleep(Math.max(0, pollMs - (Date.now() - tick)));
  }
  return undefined;
}

type View = Member[] | undefined;
type Registry = { node: string; addr: string; version: number; names: string[] }[];

/** What each node's view lacks to be "all five alive at their advertised addresses" (empty: nothing). */
function membersProblems(nodes: FieldNode[], views: View[]): string[] {
  const expected = nodes.map((n) => `${n.id}@${n.ip}:${PORT}`).sort();
  const problems: string[] = [];
  views.forEach((view, i) => {
    const who = `node ${nodes[i]?.index} (${nodes[i]?.ip})`;
    if (view === undefined) {
      problems.push(`${who}: no answer from GET /cluster/members`);
      return;
    }
    const alive = view.filter((m) => m.state === "alive").map((m) => `${m.id}@${m.addr}`).sort();
    if (JSON.stringify(alive) !== JSON.stringify(expected) || view.length !== NODES) {
      problems.push(`${who} sees ${JSON.stringify(view.map((m) => `${m.addr} ${m.state}`))}`);
    }
  });
  return problems;
}

/** Every node's registry, as "addr=name,name" lines, sorted. */
function registryLines(registry: Registry): string[] {
  return registry.map((r) => `${r.addr}=${[...r.names].sort().join(",")}`).sort();
}

test(
  "a cluster across machines: five hosts on one port, seeded by one name, a host cut off and healed",
  async () => {
    const missing = netnsMissing();
    if (missing.length > 0) {
      throw new Error(`the cluster-across-hosts field test cannot run here (it is never skipped): it needs ${missing.join("; ")}. .ci/run installs iproute2 and nftables; run as root.`);
    }
    const testStart = Date.now();
    process.on("exit", onExit);
    lab = NetnsLab.create(NODES);
    const ips = lab.nodes.map((node) => node.ip);
    const addrs = ips.map((ip) => `${ip}:${PORT}`);

    // One name for every node's address, in every host's /etc/hosts.
    const hosts = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback", ...ips.map((ip) => `${ip} ${SEED_NAME}`), ""].join("\n");
    if (!existsSync("/etc/netns")) {
      mkdirSync("/etc/netns");
      createdNetnsDir = true;
    }
    for (const node of lab.nodes) {
      const dir = `/etc/netns/${node.ns}`;
      mkdirSync(dir);
      hostsDirs.push(dir);
      writeFileSync(`${dir}/hosts`, hosts);
    }

    // -- forming: node 4 alone first, then the rest, all seeded by the one name.
    const secret = crypto.randomUUID().replaceAll("-", "");
    const formStart = Date.now();
    const first = await startNode(FIRST, secret);
    const firstStartMs = Date.now() - formStart;
    expect(first.addr).toBe(addrs[FIRST] as string);
    // Alone, it serves but says it has not joined, naming the seeds it tried: every address of the name (its own
    // included), once the name has resolved (resolving runs beside the start: until then it names the name).
    let aloneReady: { status: number; body: { status: string; reason?: string } } | undefined;
    const resolvedMs = await until(async () => {
      aloneReady = await getJson<{ status: string; reason?: string }>(first.addr, "/ready");
      return aloneReady?.status !== 503 || addrs.every((addr) => aloneReady?.body.reason?.includes(addr));
    }, 3_000);
    // (In the resolver's order, which is not the hosts file's: compared as a set.)
    const tried = /^not joined yet: no answer from the seeds \((.*)\)$/.exec(aloneReady?.body.reason ?? "")?.[1]?.split(", ").sort();
    expect({ resolved: resolvedMs !== undefined, status: aloneReady?.status, tried, reason: aloneReady?.body.reason }).toEqual({
      resolved: true,
      status: 503,
      tried: [...addrs].sort(),
      reason: expect.any(String),
    });
    const aloneHealth = await getJson<{ status: string; addr: string }>(first.addr, "/health");
    expect(aloneHealth).toEqual({ status: 200, body: expect.objectContaining({ status: "ok", addr: addrs[FIRST] }) });
    const restStart = Date.now();
    const rest = await Promise.all([0, 1, 2, 3].map((i) => startNode(i, secret)));
    const allStarted = Date.now();
    const nodes = [...rest, first].sort((a, b) => a.index - b.index);
    nodes.forEach((node, i) => expect(node.addr).toBe(addrs[i] as string));

    const views = () => Promise.all(nodes.map(async (node) => (await getJson<Member[]>(node.addr, "/cluster/members"))?.body));
    let lastProblems: string[] = [];
    const formedAfterStart = await until(async () => (lastProblems = membersProblems(nodes, await views())).length === 0, FORM_TIMEOUT_MS, 20);
    if (formedAfterStart === undefined) {
      throw new Error(`the cluster did not form within ${FORM_TIMEOUT_MS} ms of the last start: ${lastProblems.join("; ")}; node stderr: ${nodes.map((n) => `[${n.index}] ${n.stderr()}`).join(" ")}`);
    }
    const formMs = Date.now() - formStart;
    const formAfterAllStartedMs = Date.now() - allStarted;
    for (const node of nodes) expect({ node: node.index, ready: (await getJson<{ status: string }>(node.addr, "/ready"))?.status }).toEqual({ node: node.index, ready: 200 });

    // The registry spreads by gossip, a little behind the membership.
    const expectedRegistry = nodes.map((n) => `${n.addr}=survey/${n.index},svc/${n.index}`).sort();
    const registries = () => Promise.all(nodes.map(async (node) => (await getJson<{ registry: Registry }>(node.addr, "/actors"))?.body.registry));
    let lastRegistries: (Registry | undefined)[] = [];
    const registryAgreed = async () => {
      lastRegistries = await registries();
      return lastRegistries.every((r) => r !== undefined && JSON.stringify(registryLines(r)) === JSON.stringify(expectedRegistry));
    };
    const registryMs = await until(registryAgreed, 5_000);
    expect({ registryAgreed: registryMs !== undefined, registries: lastRegistries.map((r) => (r === undefined ? "no answer" : registryLines(r))) }).toEqual({
      registryAgreed: true,
      registries: nodes.map(() => expectedRegistry),
    });

    // -- calls across hosts. Over HTTP from here, to each node's own actor (a name's slashes go in the path as they are).
    for (const node of nodes) {
      const who = await post(node.addr, `svc/${node.index}`, "whoami", []);
      expect({ node: node.index, status: who.status, body: await who.json() }).toEqual({ node: node.index, status: 200, body: { result: node.ip } });
      const stream = await post(node.addr, `svc/${node.index}`, "count", [3]);
      expect(stream.headers.get("content-type")).toContain("ndjson");
      const records = (await stream.text()).trim().split("\n").map((line) => JSON.parse(line));
      expect(records).toEqual([{ item: { i: 0, ip: node.ip } }, { item: { i: 1, ip: node.ip } }, { item: { i: 2, ip: node.ip } }, { end: true }]);
    }

    // From node 0: its survey actor calls every node's Svc over a link, over HTTP and through the cluster registry.
    const targets: SurveyTarget[] = nodes.map((n) => ({ addr: n.addr, name: `svc/${n.index}` }));
    const expectedSurvey = (target: SurveyTarget) => {
      const ip = target.addr.slice(0, target.addr.lastIndexOf(":"));
      const way = { whoami: ip, sum: 5, items: [0, 1, 2].map((i) => ({ i, ip })) };
      return { ...target, link: way, http: way, cluster: way };
    };
    const survey = async (): Promise<SurveyResult[]> => {
      const response = await post(addrs[0] as string, "survey/0", "survey", [targets], 15_000);
      const body = (await response.json()) as { result?: SurveyResult[]; error?: unknown };
      if (body.result === undefined) throw new Error(`survey from node 0 failed: HTTP ${response.status} ${JSON.stringify(body)}`);
      return body.result;
    };
    const surveyStart = Date.now();
    expect(await survey()).toEqual(targets.map(expectedSurvey));
    const surveyMs = Date.now() - surveyStart;

    // From this process: a client-only system (no address, nothing listening) with the secret, over links.
    client = await ActorSystem.start({ secret, logger: quiet, askTimeoutMs: 3_000 });
    expect(client.addr).toBeUndefined();
    const callFromClient = async (node: FieldNode) => {
      const svc = (client as ActorSystem).remote<Svc>(node.addr, `svc/${node.index}`);
      const items: { i: number; ip: string }[] = [];
      for await (const item of svc.count(3)) items.push(item);
      return { node: node.index, whoami: await svc.whoami(), add: await svc.add(20, 22), items };
    };
    for (const node of nodes) {
      expect(await callFromClient(node)).toEqual({ node: node.index, whoami: node.ip, add: { sum: 42, ip: node.ip }, items: [0, 1, 2].map((i) => ({ i, ip: node.ip })) });
    }

    // -- one host cut off: in its own namespace, everything from and to the other nodes is dropped
    // (this process, on the bridge's .1, still reaches it, so its own view is watched too).
    const cut = nodes[CUT] as FieldNode;
    const others = nodes.filter((n) => n !== cut);
    const cutRules = [
      `table inet ${CUT_TABLE} {`,
      "  chain input {",
      "    type filter hook input priority filter; policy accept;",
      `    ip saddr { ${others.map((n) => n.ip).join(", ")} } drop`,
      "  }",
      "  chain output {",
      "    type filter hook output priority filter; policy accept;",
      `    ip daddr { ${others.map((n) => n.ip).join(", ")} } drop`,
      "  }",
      "}",
      "",
    ].join("\n");
    const cutNs = (lab.nodes[CUT] as { ns: string }).ns;
    const cutStart = Date.now();
    run([tool("ip"), "netns", "exec", cutNs, tool("nft"), "-f", "-"], cutRules);
    const firstSuspect = new Map<number, number>();
    const firstDead = new Map<number, number>();
    let cutSeesDead = 0;
    let cutSeesAllDeadMs: number | undefined;
    const deadMs = await until(async () => {
      const [othersViews, cutView] = await Promise.all([Promise.all(others.map(async (n) => (await getJson<Member[]>(n.addr, "/cluster/members"))?.body)), getJson<Member[]>(cut.addr, "/cluster/members")]);
      const at = Date.now() - cutStart;
      othersViews.forEach((view, i) => {
        const state = view?.find((m) => m.id === cut.id)?.state;
        const observer = (others[i] as FieldNode).index;
        if ((state === "suspect" || state === "dead") && !firstSuspect.has(observer)) firstSuspect.set(observer, at);
        if (state === "dead" && !firstDead.has(observer)) firstDead.set(observer, at);
      });
      cutSeesDead = cutView?.body.filter((m) => m.id !== cut.id && m.state === "dead").length ?? cutSeesDead;
      if (cutSeesDead === others.length) cutSeesAllDeadMs ??= at;
      return firstDead.size === others.length;
    }, DEAD_TIMEOUT_MS);
    if (deadMs === undefined) {
      throw new Error(`within ${DEAD_TIMEOUT_MS} ms of the cut, only nodes ${[...firstDead.keys()].join(", ") || "none"} marked node ${CUT} dead (suspect: ${[...firstSuspect.keys()].join(", ") || "none"})`);
    }
    // While it is cut off: calls from node 0 to it fail with an error, each way, rather than hang;
    // meanwhile the cut host, alone, marks the four others dead in turn.
    const [cutSurvey, cutAloneMs] = await Promise.all([
      (async () => {
        const started = Date.now();
        const response = await post(addrs[0] as string, "survey/0", "survey", [[targets[CUT]]], 15_000);
        const body = (await response.json()) as { result?: SurveyResult[] };
        return { ms: Date.now() - started, result: body.result?.[0] };
      })(),
      until(async () => {
        const view = (await getJson<Member[]>(cut.addr, "/cluster/members"))?.body;
        cutSeesDead = view?.filter((m) => m.id !== cut.id && m.state === "dead").length ?? cutSeesDead;
        if (cutSeesDead === others.length) cutSeesAllDeadMs ??= Date.now() - cutStart;
        return cutSeesDead === others.length;
      }, DEAD_TIMEOUT_MS),
    ]);
    if (cutAloneMs === undefined) throw new Error(`within ${DEAD_TIMEOUT_MS} ms more, the cut node ${CUT} marked only ${cutSeesDead} of the ${others.length} others dead`);
    expect({
      link: typeof cutSurvey.result?.link.error,
      http: typeof cutSurvey.result?.http.error,
      cluster: typeof cutSurvey.result?.cluster.error,
    }).toEqual({ link: "string", http: "string", cluster: "string" });
    const ready = await getJson<{ status: string }>(cut.addr, "/ready");

    // -- healed: the rules go; all five agree on members and registry again.
    run([tool("ip"), "netns", "exec", cutNs, tool("nft"), "delete", "table", "inet", CUT_TABLE]);
    const healStart = Date.now();
    const membersHealMs = await until(async () => (lastProblems = membersProblems(nodes, await views())).length === 0, HEAL_TIMEOUT_MS);
    if (membersHealMs === undefined) throw new Error(`members did not agree within ${HEAL_TIMEOUT_MS} ms of the heal: ${lastProblems.join("; ")}`);
    const registryHealed = await until(registryAgreed, HEAL_TIMEOUT_MS - (Date.now() - healStart));
    expect({ registryAgreed: registryHealed !== undefined, registries: lastRegistries.map((r) => (r === undefined ? "no answer" : registryLines(r))) }).toEqual({
      registryAgreed: true,
      registries: nodes.map(() => expectedRegistry),
    });
    const healMs = Date.now() - healStart;
    // Calls reach the healed host again: from node 0 every way, and from the client.
    expect(await survey()).toEqual(targets.map(expectedSurvey));
    expect(await callFromClient(cut)).toEqual({ node: CUT, whoami: cut.ip, add: { sum: 42, ip: cut.ip }, items: [0, 1, 2].map((i) => ({ i, ip: cut.ip })) });
    for (const node of nodes) expect({ node: node.index, ready: (await getJson<{ status: string }>(node.addr, "/ready"))?.status }).toEqual({ node: node.index, ready: 200 });

    // -- SIGTERM: every node leaves and exits 0.
    await (client as ActorSystem).shutdown();
    const stopStart = Date.now();
    for (const node of nodes) node.proc.kill("SIGTERM");
    await Promise.race([Promise.all(nodes.map((n) => n.proc.exited)), Bun.sleep(STOP_TIMEOUT_MS)]);
    const stopMs = Date.now() - stopStart;
    expect(nodes.map((n) => ({ node: n.index, exit: n.proc.exitCode ?? n.proc.signalCode ?? "still running" }))).toEqual(nodes.map((n) => ({ node: n.index, exit: 0 })));

    const report = {
      nodes: NODES,
      subnet: `${lab.prefix}.0/24`,
      seeds: `${SEED_NAME}:${PORT} -> ${addrs.join(",")}`,
      firstStartMs,
      restStartMs: allStarted - restStart,
      formAfterAllStartedMs,
      formMs,
      registryAfterMembersMs: registryMs,
      surveyFromNode0Ms: surveyMs,
      cutNode: CUT,
      firstSuspectMs: Math.min(...firstSuspect.values()),
      deadMs,
      deadByObserverMs: Object.fromEntries([...firstDead].sort((a, b) => a[0] - b[0])),
      cutSeesAllOthersDeadMs: cutSeesAllDeadMs,
      callsToCutHostFromNode0: { ms: cutSurvey.ms, link: cutSurvey.result?.link.error, http: cutSurvey.result?.http.error, cluster: cutSurvey.result?.cluster.error },
      cutMs: healStart - cutStart,
      cutNodeReadyDuringCut: ready?.status,
      healMembersMs: membersHealMs,
      healMs,
      stopMs,
      testMs: Date.now() - testStart,
    };
    console.log(`cluster-across-hosts report: ${JSON.stringify(report)}`);
  },
  45_000,
);
