/**
 * The cluster protocol on `POST /cluster/gossip`: one msgpack-encoded message
 * per request, checked for shape before the cluster acts on it. The message
 * types themselves live in cluster/types.ts; docs/cluster.md describes them.
 */
export const GOSSIP_PATH = "/cluster/gossip";
export const GOSSIP_VERSION_HEADER = "x-pulsing-gossip";
export const GOSSIP_VERSION = 1;

/**
 * The highest incarnation (and names version) a message may carry, and so the
 * highest a node sends. Not 2^53 - 1: a member accused at that one refuted with
 * 2^53, not a safe integer, which every node refused. The cluster imports it
 * from here, so what nodes send and what they accept cannot drift apart.
 */
export const MAX_INCARNATION = 2 ** 52;

const text = (v: unknown): v is string => typeof v === "string" && v.length > 0 && v.length <= 512;
const count = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const incarnation = (v: unknown): v is number => count(v) && v <= MAX_INCARNATION;

function updateOk(u: unknown): boolean {
  if (!Array.isArray(u)) return false;
  switch (u[0]) {
    case 0: // alive
      return u.length === 4 && text(u[1]) && text(u[2]) && incarnation(u[3]);
    case 1: // suspect
    case 2: // dead
      return u.length === 4 && text(u[1]) && incarnation(u[2]) && text(u[3]);
    case 3: // left
      return u.length === 3 && text(u[1]) && incarnation(u[2]);
    case 4: // names
      return u.length === 4 && text(u[1]) && incarnation(u[2]) && Array.isArray(u[3]) && u[3].every(text);
    default:
      return false;
  }
}

const updatesOk = (v: unknown): boolean => Array.isArray(v) && v.every(updateOk);

/** Says what is wrong with a decoded gossip message, or undefined when its shape is right. */
export function gossipProblem(m: unknown): string | undefined {
  if (!Array.isArray(m)) return "a gossip message is an array";
  let ok: boolean;
  switch (m[0]) {
    case 0: // ping
      ok = m.length === 6 && count(m[1]) && text(m[2]) && text(m[3]) && text(m[4]) && updatesOk(m[5]);
      break;
    case 1: // ack
      ok = m.length === 4 && count(m[1]) && text(m[2]) && updatesOk(m[3]);
      break;
    case 2: // ping-req
      ok = m.length === 7 && count(m[1]) && text(m[2]) && text(m[3]) && text(m[4]) && text(m[5]) && updatesOk(m[6]);
      break;
    case 3: // gossip
      ok = m.length === 3 && text(m[1]) && updatesOk(m[2]);
      break;
    case 4: // sync
      ok = m.length === 5 && text(m[1]) && text(m[2]) && updatesOk(m[3]) && updatesOk(m[4]);
      break;
    case 5: // sync reply
      ok = m.length === 4 && text(m[1]) && updatesOk(m[2]) && updatesOk(m[3]);
      break;
    default:
      return `unknown gossip message kind ${typeof m[0] === "number" ? m[0] : `of type ${typeof m[0]}`}`;
  }
  return ok ? undefined : `malformed gossip message of kind ${m[0]}`;
}
