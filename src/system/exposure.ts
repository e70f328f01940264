import { ActorError } from "../actor/index.ts";

const UNSPECIFIED = new Set(["0.0.0.0", "::", "0:0:0:0:0:0:0:0"]);

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * What serving on `hostname` means for a node's safety. A node advertises the
 * address it listens on, so an unspecified one (`0.0.0.0`) would send its peers
 * to themselves: refused. A node reachable from the network without a cluster
 * secret lets anyone join, gossip and call its actors: refused unless the
 * operator says `insecure`, and then said loudly (log, `/health`, dashboard).
 */
export function exposure(hostname: string, hasSecret: boolean, insecure: boolean): { warnings: string[] } {
  if (UNSPECIFIED.has(hostname)) {
    throw new ActorError(
      "INVALID_OPTION",
      `cannot serve on the unspecified address ${hostname}: a node advertises the address it listens on, and peers would dial themselves; give the address they reach this node at`,
    );
  }
  if (hasSecret || isLoopback(hostname)) return { warnings: [] };
  if (!insecure) {
    throw new ActorError(
      "INVALID_OPTION",
      `${hostname} is reachable from the network and no cluster secret is set: anyone who reaches it could join the cluster and call its actors. Set a secret (--secret, PULSING_SECRET), or say insecure (--insecure) to serve without one`,
    );
  }
  return { warnings: [`no cluster secret: anyone who reaches ${hostname} can join the cluster, gossip and call its actors`] };
}
