import { type Envelope, HELLO, type HelloEnvelope, PROTOCOL_VERSION, PROVE } from "../wire/index.ts";
import type { ClusterAuth } from "./auth.ts";

/**
 * How the two ends of a new link show each other who they are. The acceptor
 * speaks first with a HELLO. With a cluster secret, both must prove they know
 * it: the HELLO carries an HMAC over the dialler's signature nonce, and a fresh
 * challenge that the dialler answers with a PROVE before anything else, so a
 * recorded handshake is worth nothing to anyone later, even against a node that
 * restarted at the same address.
 */
export interface Handshake {
  /** Whether the link waits for the peer's proof before it carries calls. */
  readonly waits: boolean;
  /** What this end sends first, alone: the acceptor's HELLO; nothing for a dialler. */
  first(): Envelope | undefined;
  /** Dialler: the acceptor's HELLO, checked; what to send back, or why the link is refused. */
  hello(envelope: HelloEnvelope): { reply: Envelope | undefined } | { refused: string };
  /** Acceptor: whether the dialler's PROVE answers this link's challenge. */
  prove(proof: string): boolean;
}

const NO_PROOF_EXPECTED = (): boolean => false;

/** The accepting end, for the dialler that signed with `nonce` and says it is `peerId`. */
export function acceptorHandshake(nodeId: string, ownAddr: string, auth: ClusterAuth | undefined, nonce: string, peerId: string): Handshake {
  if (auth === undefined) {
    return { waits: false, first: () => [HELLO, nodeId, PROTOCOL_VERSION, null, null], hello: () => ({ refused: "a dialler sent a HELLO" }), prove: NO_PROOF_EXPECTED };
  }
  const challenge = crypto.randomUUID();
  return {
    waits: true,
    first: () => [HELLO, nodeId, PROTOCOL_VERSION, auth.proof("hello", [nonce, nodeId, ownAddr]), challenge],
    hello: () => ({ refused: "a dialler sent a HELLO" }),
    prove: (proof) => auth.checkProof("prove", [challenge, peerId, ownAddr], proof),
  };
}

/** The dialling end: `nodeId` dialled `addr`, signing its upgrade with `nonce`. */
export function diallerHandshake(nodeId: string, addr: string, auth: ClusterAuth | undefined, nonce: string): Handshake {
  const versionProblem = (envelope: HelloEnvelope) =>
    envelope[2] === PROTOCOL_VERSION ? undefined : `peer speaks protocol ${envelope[2]}, this node ${PROTOCOL_VERSION}`;
  if (auth === undefined) {
    return {
      waits: false,
      first: () => undefined,
      hello: (envelope) => {
        const problem = versionProblem(envelope);
        return problem === undefined ? { reply: undefined } : { refused: problem };
      },
      prove: NO_PROOF_EXPECTED,
    };
  }
  return {
    waits: true,
    first: () => undefined,
    hello: (envelope) => {
      const problem = versionProblem(envelope);
      if (problem !== undefined) return { refused: problem };
      const [, peerId, , proof, challenge] = envelope;
      if (challenge === null || !auth.checkProof("hello", [nonce, peerId, addr], proof)) {
        return { refused: `node ${addr} could not prove it knows the cluster secret` };
      }
      return { reply: [PROVE, auth.proof("prove", [challenge, nodeId, addr])] };
    },
    prove: NO_PROOF_EXPECTED,
  };
}
