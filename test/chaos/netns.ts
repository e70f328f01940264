import type { Subprocess } from "bun";

/**
 * A small network lab for chaos tests: N network namespaces, each with its own
 * IP on one bridge, and packet loss between them with nftables (`tc netem` is
 * not available everywhere; `numgen random` is).
 *
 * Layout, for a random tag T and a random subnet 10.X.Y.0/24 free on this host:
 *
 *     root namespace                 pls-T-hub                  pls-T-<i>
 *     pls-T-h 10.X.Y.1/24  <veth>  up0 ─┐
 *                                       br0 ── pls-T-v<i>  <veth>  eth0 10.X.Y.(10+i)/24
 *
 * The bridge lives in its own namespace, so that the root namespace's firewall
 * (a Docker FORWARD policy, say) never sees the traffic between nodes; the root
 * namespace gets one veth with 10.X.Y.1 only so that the test process can reach
 * the nodes directly. Loss rules only match packets from other nodes' IPs, so
 * the test's own requests are never dropped.
 *
 * Needs root, `ip` (iproute2) and `nft` (nftables). Everything created is named
 * with the tag and deleted by `teardown()`, which also kills every process
 * started in the namespaces (by PID, and whatever `ip netns pids` still lists).
 */

const SBIN_PATH = `${process.env.PATH ?? ""}:/usr/sbin:/sbin:/usr/local/sbin`;
const LOSS_TABLE = "pulsing_loss";
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** What this machine lacks to build a lab (empty: nothing); each entry names the missing thing. */
export function netnsMissing(): string[] {
  const missing: string[] = [];
  const uid = process.getuid?.();
  if (uid !== 0) missing.push(`root (running as uid ${uid ?? "unknown"}; network namespaces and nftables need CAP_NET_ADMIN)`);
  if (Bun.which("ip", { PATH: SBIN_PATH }) === null) missing.push("the `ip` command with `ip netns` (Debian package iproute2)");
  if (Bun.which("nft", { PATH: SBIN_PATH }) === null) missing.push("the `nft` command (Debian package nftables)");
  return missing;
}

function tool(name: string): string {
  const path = Bun.which(name, { PATH: SBIN_PATH });
  if (path === null) throw new Error(`the \`${name}\` command is missing`);
  return path;
}

/** Runs a command, throwing with its stderr when it fails. */
function run(cmd: string[], input?: string): string {
  const result = Bun.spawnSync(cmd, { stdin: input === undefined ? "ignore" : new TextEncoder().encode(input), stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`\`${cmd.join(" ")}\` failed (exit ${result.exitCode}): ${result.stderr.toString().trim()}`);
  return result.stdout.toString();
}

/** Like run, but never throws: teardown goes on after any one failure. */
function attempt(cmd: string[], errors: string[]): string {
  try {
    return run(cmd);
  } catch (error) {
    errors.push((error as Error).message);
    return "";
  }
}

function toInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** Whether a.b.c.d/len overlaps base/24. */
function overlaps(cidr: string, base: number): boolean {
  const [ip, lenText] = cidr.split("/");
  if (ip === undefined || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const len = Math.min(Number(lenText ?? 32), 24);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((base & mask) >>> 0);
}

/** A random 10.X.Y prefix whose /24 overlaps no address or route on this host. */
function freeSubnet(ip: string): string {
  const used = `${run([ip, "-4", "-o", "addr", "show"])}\n${run([ip, "-4", "route", "show", "table", "all"])}`.match(/\d+\.\d+\.\d+\.\d+(\/\d+)?/g) ?? [];
  for (let i = 0; i < 100; i++) {
    const prefix = `10.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;
    const base = toInt(`${prefix}.0`);
    // Addresses without a length (route sources, gateways) count as /32.
    if (!used.some((cidr) => overlaps(cidr.includes("/") ? cidr : `${cidr}/32`, base))) return prefix;
  }
  throw new Error("no free 10.X.Y.0/24 subnet on this host");
}

export interface LabNode {
  /** The namespace's name, pls-<tag>-<i>. */
  ns: string;
  /** Its IP on the bridge. */
  ip: string;
}

export interface NsProcess {
  proc: Subprocess<"pipe", "pipe", "inherit">;
  /** The first JSON line it printed. */
  first: Record<string, unknown>;
  /** Every JSON line after it, as it comes. */
  lines: Record<string, unknown>[];
}

export interface LossCounters {
  /** Packets from other nodes that reached the input hook, all namespaces together. */
  seen: number;
  /** Of which dropped. */
  dropped: number;
}

export class NetnsLab {
  readonly tag: string;
  /** 10.X.Y */
  readonly prefix: string;
  /** The root namespace's address on the bridge: the test process talks to the nodes from here. */
  readonly hostIp: string;
  readonly hub: string;
  readonly nodes: LabNode[] = [];
  readonly #ip = tool("ip");
  readonly #nft = tool("nft");
  /** What was created, to delete: namespaces, and links in the root namespace. */
  readonly #namespaces: string[] = [];
  readonly #rootLinks: string[] = [];
  readonly #procs: Subprocess[] = [];
  #lossOn = false;
  #torn = false;
  readonly #onExit = () => this.#teardownSync();
  /** Interrupted (Ctrl-C, a CI timeout): clean up, then die of the signal as we would have. */
  readonly #onSignal = (signal: NodeJS.Signals) => {
    this.#teardownSync();
    process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGHUP" ? 1 : 15));
  };

  private constructor() {
    this.tag = Math.random().toString(16).slice(2, 6).padEnd(4, "0");
    this.prefix = freeSubnet(this.#ip);
    this.hostIp = `${this.prefix}.1`;
    this.hub = `pls-${this.tag}-hub`;
  }

  /** Builds a lab of `count` namespaces; on any failure deletes what it made and throws. */
  static create(count: number): NetnsLab {
    const lab = new NetnsLab();
    process.on("exit", lab.#onExit);
    for (const signal of SIGNALS) process.on(signal, lab.#onSignal);
    try {
      lab.#build(count);
    } catch (error) {
      const errors = lab.#teardownSync();
      throw new Error(`cannot build the network namespaces: ${(error as Error).message}${errors.length > 0 ? `; and cleaning up: ${errors.join("; ")}` : ""}`);
    }
    return lab;
  }

  #build(count: number): void {
    const ip = this.#ip;
    const addNs = (name: string) => {
      run([ip, "netns", "add", name]);
      this.#namespaces.push(name);
      run([ip, "-n", name, "link", "set", "lo", "up"]);
    };
    addNs(this.hub);
    run([ip, "-n", this.hub, "link", "add", "br0", "type", "bridge"]);
    run([ip, "-n", this.hub, "link", "set", "br0", "up"]);
    // The root namespace's leg onto the bridge.
    const host = `pls-${this.tag}-h`;
    run([ip, "link", "add", host, "type", "veth", "peer", "name", "up0", "netns", this.hub]);
    this.#rootLinks.push(host);
    run([ip, "-n", this.hub, "link", "set", "up0", "master", "br0", "up"]);
    run([ip, "addr", "add", `${this.hostIp}/24`, "dev", host]);
    run([ip, "link", "set", host, "up"]);
    for (let i = 0; i < count; i++) {
      const ns = `pls-${this.tag}-${i}`;
      const nodeIp = `${this.prefix}.${10 + i}`;
      addNs(ns);
      const port = `pls-${this.tag}-v${i}`;
      run([ip, "link", "add", port, "netns", this.hub, "type", "veth", "peer", "name", "eth0", "netns", ns]);
      run([ip, "-n", this.hub, "link", "set", port, "master", "br0", "up"]);
      run([ip, "-n", ns, "addr", "add", `${nodeIp}/24`, "dev", "eth0"]);
      run([ip, "-n", ns, "link", "set", "eth0", "up"]);
      this.nodes.push({ ns, ip: nodeIp });
    }
    // Loss rules must load here, or the test would run without loss: check now.
    run([ip, "netns", "exec", this.hub, this.#nft, "-f", "-"], this.#lossRules([`${this.prefix}.250`], 20));
    run([ip, "netns", "exec", this.hub, this.#nft, "delete", "table", "inet", LOSS_TABLE]);
  }

  /** Starts `bun <script>` inside node `index`'s namespace; waits for its first JSON line. */
  async start(index: number, script: string, env: Record<string, string> = {}, timeoutMs = 15_000): Promise<NsProcess> {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`no node ${index} in this lab`);
    // `ip netns exec` execs the command: the PID is bun's own.
    const proc = Bun.spawn([this.#ip, "netns", "exec", node.ns, process.execPath, script], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
      env: { ...process.env, ...env },
    });
    this.#procs.push(proc);
    const lines: Record<string, unknown>[] = [];
    const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
      let got = false;
      (async () => {
        let text = "";
        const decoder = new TextDecoder();
        for await (const chunk of proc.stdout) {
          text += decoder.decode(chunk, { stream: true });
          for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n")) {
            const raw = text.slice(0, at);
            text = text.slice(at + 1);
            let line: Record<string, unknown>;
            try {
              line = JSON.parse(raw) as Record<string, unknown>;
            } catch {
              continue; // not one of ours
            }
            if (got) lines.push(line);
            else {
              got = true;
              resolve(line);
            }
          }
        }
        if (!got) reject(new Error(`${script} in ${node.ns} exited (${await proc.exited}) before it printed its first line`));
      })();
      setTimeout(() => {
        if (!got) {
          proc.kill(9);
          reject(new Error(`${script} in ${node.ns} printed nothing within ${timeoutMs} ms`));
        }
      }, timeoutMs).unref();
    });
    return { proc, first, lines };
  }

  #lossRules(from: string[], percent: number): string {
    return [
      `table inet ${LOSS_TABLE} {`,
      "  chain input {",
      "    type filter hook input priority filter; policy accept;",
      `    ip saddr { ${from.join(", ")} } counter`,
      `    ip saddr { ${from.join(", ")} } numgen random mod 100 < ${percent} counter drop`,
      "  }",
      "}",
      "",
    ].join("\n");
  }

  /**
   * Drops `percent` % of the packets each node receives from every other node
   * (so each direction of each pair loses about that much); the test's own
   * traffic from hostIp is untouched.
   */
  setLoss(percent: number): void {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new Error(`loss ${percent} % is not an integer percentage`);
    this.clearLoss();
    this.#lossOn = true;
    for (const node of this.nodes) {
      const others = this.nodes.filter((other) => other !== node).map((other) => other.ip);
      run([this.#ip, "netns", "exec", node.ns, this.#nft, "-f", "-"], this.#lossRules(others, percent));
    }
  }

  /** The loss rules' counters, summed over the nodes (while the loss is on). */
  lossCounters(): LossCounters {
    const counters = { seen: 0, dropped: 0 };
    for (const node of this.nodes) {
      const text = run([this.#ip, "netns", "exec", node.ns, this.#nft, "list", "table", "inet", LOSS_TABLE]);
      const packets = [...text.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
      counters.seen += packets[0] ?? 0;
      counters.dropped += packets[1] ?? 0;
    }
    return counters;
  }

  clearLoss(): void {
    if (!this.#lossOn) return;
    for (const node of this.nodes) run([this.#ip, "netns", "exec", node.ns, this.#nft, "delete", "table", "inet", LOSS_TABLE]);
    this.#lossOn = false;
  }

  /**
   * Kills every process started in the lab and deletes every namespace and link
   * it created. Throws, naming them, if anything could not be removed.
   */
  async teardown(): Promise<void> {
    const errors = this.#teardownSync();
    await Promise.race([Promise.all(this.#procs.map((proc) => proc.exited)), Bun.sleep(5_000)]);
    process.off("exit", this.#onExit);
    for (const signal of SIGNALS) process.off(signal, this.#onSignal);
    const left = run([this.#ip, "netns", "list"])
      .split("\n")
      .filter((line) => line.startsWith(`pls-${this.tag}-`));
    if (left.length > 0) errors.push(`namespaces still there: ${left.join(", ")}`);
    if (errors.length > 0) throw new Error(`netns lab ${this.tag} teardown: ${errors.join("; ")}`);
  }

  /** Synchronous, so that it can also run on process exit. Returns what failed. */
  #teardownSync(): string[] {
    if (this.#torn) return [];
    this.#torn = true;
    const errors: string[] = [];
    for (const proc of this.#procs) {
      if (proc.exitCode === null && proc.signalCode === null) {
        try {
          process.kill(proc.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    // Anything else still running in our namespaces (children of the nodes, say).
    for (const ns of this.#namespaces) {
      for (const pid of attempt([this.#ip, "netns", "pids", ns], errors).split(/\s+/).filter((p) => p.length > 0)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    // Deleting a namespace deletes the veth ends in it, and with them their peers.
    for (const ns of this.#namespaces.splice(0).reverse()) attempt([this.#ip, "netns", "del", ns], errors);
    for (const link of this.#rootLinks.splice(0)) {
      if (run([this.#ip, "-o", "link", "show"]).includes(` ${link}@`)) attempt([this.#ip, "link", "del", link], errors);
    }
    return errors;
  }
}
