import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { Logger } from "../actor/index.ts";
import { formatAddr, parseAddr } from "../transport/index.ts";

/** Every address a host name resolves to (the system's resolver: /etc/hosts, then DNS). */
export type Resolve = (host: string) => Promise<string[]>;

export const systemResolve: Resolve = async (host) => (await lookup(host, { all: true })).map((found) => found.address);

/** How often seeds given by name are resolved again while the node has no peer. */
const RESOLVE_EVERY_MS = 2_000;
/** When a node with seeds and no peer says so first, and then how often. */
const FIRST_WARNING_MS = 5_000;
const WARNING_EVERY_MS = 30_000;

export interface SeedsOptions {
  /** The seeds as given: `host:port`, the host an address or a name. */
  given: readonly string[];
  resolve?: Resolve;
  logger: Logger;
  /** Whether the node has a live peer: while it has none, names are resolved again, and it warns. */
  hasPeers(): boolean;
  /** The addresses to join through changed. */
  changed(addresses: string[]): void;
}

/**
 * The seeds of a node, as addresses. A seed given by a name that resolves to
 * several addresses (a Kubernetes headless Service, a round-robin record) is
 * every one of them; names are resolved again while the node has no live peer,
 * so a cluster whose nodes start in any order still forms. A node that hears
 * from none of its seeds says so, naming what it tried.
 */
export class Seeds {
  readonly #options: SeedsOptions;
  readonly #resolve: Resolve;
  #addresses: string[] = [];
  /** What each given seed resolved to last. */
  #bySeed: string[][] = [];
  #timers: ReturnType<typeof setTimeout>[] = [];
  #lastProblem: string | undefined;

  constructor(options: SeedsOptions) {
    this.#options = options;
    this.#resolve = options.resolve ?? systemResolve;
  }

  /** The seeds as given. */
  get given(): readonly string[] {
    return this.#options.given;
  }

  /** The addresses as resolved last. */
  get addresses(): readonly string[] {
    return this.#addresses;
  }

  /** Resolves the seeds now, then again while alone, and warns while alone. */
  async start(): Promise<void> {
    if (this.#options.given.length === 0) return;
    await this.refresh();
    const again = setInterval(() => {
      if (!this.#options.hasPeers()) void this.refresh();
    }, RESOLVE_EVERY_MS);
    const warnFirst = setTimeout(() => {
      this.#warnIfAlone();
      this.#timers.push(setInterval(() => this.#warnIfAlone(), WARNING_EVERY_MS));
    }, FIRST_WARNING_MS);
    this.#timers.push(again, warnFirst);
  }

  /** Resolves every seed; a name that fails to resolve keeps the addresses it had (and is named in the warning). */
  async refresh(): Promise<void> {
    const problems: string[] = [];
    const bySeed = await Promise.all(
      this.#options.given.map(async (seed, i) => {
        const { hostname, port } = parseAddr(seed);
        if (isIP(hostname) !== 0) return [formatAddr({ hostname, port })];
        try {
          return (await this.#resolve(hostname)).map((address) => formatAddr({ hostname: address, port }));
        } catch (error) {
          problems.push(`${hostname}: ${(error as Error).message}`);
          return this.#bySeed[i] ?? [];
        }
      }),
    );
    this.#bySeed = bySeed;
    this.#lastProblem = problems.length === 0 ? undefined : problems.join("; ");
    const next = [...new Set(bySeed.flat())];
    if (next.length !== this.#addresses.length || next.some((address, i) => address !== this.#addresses[i])) {
      this.#addresses = next;
      this.#options.changed(next);
    }
  }

  #warnIfAlone(): void {
    if (this.#options.hasPeers()) return;
    this.#options.logger.warn("no seed answers", {
      seeds: this.#options.given.join(","),
      tried: this.#addresses.join(",") || "(nothing resolved)",
      ...(this.#lastProblem === undefined ? {} : { resolving: this.#lastProblem }),
      hint: "check --seeds, the network between the nodes, and that they share the secret",
    });
  }

  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
  }
}
