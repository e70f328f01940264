import { ActorError } from "../actor/index.ts";

const UNSPECIFIED = new Set(["0.0.0.0", "::", "0:0:0:0:0:0:0:0"]);

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * What serving on `bind` and being dialled at `advertised` (when it differs)
 * mean for a node's safety. Peers dial the advertised address, so an
 * unspecified one (`0.0.0.0`) would send them to themselves: refused, and a node
 * that binds every interface must say which address it is reached at. A node
 * reachable from the network without a cluster secret lets anyone join, gossip
 * and call its actors: refused unless the operator says `insecure`, and then
 * said loudly (log, `/health`, dashboard).
 */
export function exposure(bind: string, advertised: string | undefined, hasSecret: boolean, insecure: boolean): { warnings: string[] } {
  if (advertised !== undefined && UNSPECIFIED.has(advertised)) {
    throw new ActorError("INVALID_OPTION", `cannot advertise the unspecified address ${advertised}: give the address other nodes reach this one at`);
  }
  if (advertised === undefined && UNSPECIFIED.has(bind)) {
    throw new ActorError(
      "INVALID_OPTION",
      `serving on ${bind} needs an advertised address (advertise, --advertise): a node tells its peers the address it listens on, and they cannot dial ${bind}`,
    );
  }
  if (hasSecret || isLoopback(bind)) return { warnings: [] };
  if (!insecure) {
    throw new ActorError(
      "INVALID_OPTION",
      `${bind} is reachable from the network and no cluster secret is set: anyone who reaches it could join the cluster and call its actors. Set a secret (--secret, PULSING_SECRET), or say insecure (--insecure) to serve without one`,
    );
  }
  return { warnings: [`no cluster secret: anyone who reaches ${advertised ?? bind} can join the cluster, gossip and call its actors`] };
}
