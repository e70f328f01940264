import { describe, expect, test } from "bun:test";
import { type ClusterNode, type Membership } from "../../src/cluster/index.ts";
import { ACK, ALIVE, DEAD, GOSSIP, type GossipMessage, LEFT, NAMES, PING, PING_REQ, SUSPECT, SYNC, SYNC_REPLY, type Update } from "../../src/wire/index.ts";
import { addr, expectMembers, type Given, gossip, ME, membershipRig, nodeRig, RecordingDelegate, type Rig, type Sent, sorted, type State } from "./rig.ts";

/**
 * The SWIM and Lifeguard rules, one row each, in the style of memberlist's
 * state_test.go: a node in a given state receives a message; the row says what
 * it then believes, what it sent at once, what waits to be piggybacked on its
 * next message, and what it told its delegate. Membership is driven alone here,
 * with a recording delegate; the registry's rules follow, through ClusterNode.
 * Every message sent is checked against the wire's validator too.
 */

interface Expect {
  /** Members' state and incarnation (null: unknown). */
  members?: Record<string, State | null>;
  /** This node's own incarnation. */
  self?: number;
  /** Every message sent at once, in order (none when not given). */
  sent?: readonly Sent[];
  /** Every update waiting to be piggybacked next, in any order (none when not given). */
  waiting?: readonly Update[];
  /** Every call to the delegate, in order (none when not given). */
  delegate?: readonly string[];
}

interface Rule extends Expect {
  rule: string;
  given?: Given;
  input: readonly GossipMessage[];
}

const a = "a";
const b = "b";
const c = "c";
const d = "d";

const RULES: readonly Rule[] = [
  // ---- alive
  { rule: "alive: an unknown member joins, and the news is passed on", input: [gossip([ALIVE, d, addr(d), 0])], members: { d: ["alive", 0] }, waiting: [[ALIVE, d, addr(d), 0]] },
  { rule: "alive: a higher incarnation is taken and passed on", input: [gossip([ALIVE, a, addr(a), 2])], members: { a: ["alive", 2] }, waiting: [[ALIVE, a, addr(a), 2]] },
  { rule: "alive: an equal or lower incarnation is old news", input: [gossip([ALIVE, a, addr(a), 1], [ALIVE, a, addr(a), 0])], members: { a: ["alive", 1] } },
  { rule: "alive: a higher incarnation ends a suspicion", given: { members: { a: ["suspect", 1] } }, input: [gossip([ALIVE, a, addr(a), 2])], members: { a: ["alive", 2] }, waiting: [[ALIVE, a, addr(a), 2]] },
  { rule: "alive: the suspected incarnation does not end a suspicion", given: { members: { a: ["suspect", 1] } }, input: [gossip([ALIVE, a, addr(a), 1])], members: { a: ["suspect", 1] } },
  { rule: "alive: a dead member comes back at a higher incarnation", given: { members: { a: ["dead", 1] } }, input: [gossip([ALIVE, a, addr(a), 2])], members: { a: ["alive", 2] }, waiting: [[ALIVE, a, addr(a), 2]] },
  { rule: "alive: a member that left does not come back at its last incarnation", given: { members: { a: ["left", 1] } }, input: [gossip([ALIVE, a, addr(a), 1])], members: { a: ["left", 1] } },
  { rule: "alive: another address for a known member is ignored, at any incarnation", input: [gossip([ALIVE, a, "evil:1", 9]), [SYNC_REPLY, "x", [[ALIVE, a, "evil:2", 10]], []]], members: { a: ["alive", 1] } },
  { rule: "alive about this node at another address: refuted with its own incarnation + 1", given: { self: 3 }, input: [gossip([ALIVE, ME, "evil:1", 0])], self: 4, waiting: [[ALIVE, ME, addr(ME), 4]], delegate: ["refuted"] },
  { rule: "alive about this node at its address and a higher incarnation: taken, silently", input: [gossip([ALIVE, ME, addr(ME), 5])], self: 5 },

  // ---- suspect
  { rule: "suspect: an alive member becomes suspect, and the news is passed on (not told to it: another node suspects)", input: [gossip([SUSPECT, a, 1, b])], members: { a: ["suspect", 1] }, waiting: [[SUSPECT, a, 1, b]] },
  { rule: "suspect: about an older incarnation is old news", given: { members: { a: ["alive", 2] } }, input: [gossip([SUSPECT, a, 1, b])], members: { a: ["alive", 2] } },
  { rule: "suspect: counts at most at the incarnation known for the member", input: [gossip([SUSPECT, a, 9, b])], members: { a: ["suspect", 1] }, waiting: [[SUSPECT, a, 1, b]] },
  { rule: "suspect: about an unknown member is ignored", input: [gossip([SUSPECT, d, 0, b])], members: { d: null } },
  { rule: "suspect: about a dead or left member is ignored", given: { members: { a: ["dead", 1], b: ["left", 1] } }, input: [gossip([SUSPECT, a, 1, c], [SUSPECT, b, 1, c])], members: { a: ["dead", 1], b: ["left", 1] } },
  {
    rule: "suspect: an independent confirmation is passed on (Lifeguard); the first suspector's repeats, and this node's own, are not",
    given: { members: { a: ["suspect", 1], b: ["alive", 1] } },
    input: [gossip([SUSPECT, a, 1, b], [SUSPECT, a, 1, b], [SUSPECT, a, 1, "x"], [SUSPECT, a, 1, ME])],
    members: { a: ["suspect", 1] },
    waiting: [[SUSPECT, a, 1, b]],
  },
  { rule: "suspect about this node: refuted with its own incarnation + 1", input: [gossip([SUSPECT, ME, 0, a])], self: 1, waiting: [[ALIVE, ME, addr(ME), 1]], delegate: ["refuted"] },
  { rule: "suspect about this node above its incarnation: refuted with its own + 1, not the accuser's", given: { self: 2 }, input: [gossip([SUSPECT, ME, 1_000, a])], self: 3, waiting: [[ALIVE, ME, addr(ME), 3]], delegate: ["refuted"] },
  { rule: "suspect about this node at an incarnation already refuted: the refutation is said again", given: { self: 3 }, input: [gossip([SUSPECT, ME, 1, a])], self: 3, waiting: [[ALIVE, ME, addr(ME), 3]], delegate: ["refuted"] },

  // ---- dead
  {
    rule: "dead: an alive or suspect member is declared dead, the news is passed on, the delegate hears it",
    given: { members: { a: ["alive", 1], b: ["suspect", 1], c: ["alive", 1] } },
    input: [gossip([DEAD, a, 1, c], [DEAD, b, 1, c])],
    members: { a: ["dead", 1], b: ["dead", 1] },
    waiting: [
      [DEAD, a, 1, c],
      [DEAD, b, 1, c],
    ],
    delegate: ["down a dead", "down b dead"],
  },
  { rule: "dead: about an older incarnation is old news", given: { members: { a: ["alive", 2] } }, input: [gossip([DEAD, a, 1, b])], members: { a: ["alive", 2] } },
  { rule: "dead: counts at most at the incarnation known for the member", input: [gossip([DEAD, a, 9, b])], members: { a: ["dead", 1] }, waiting: [[DEAD, a, 1, b]], delegate: ["down a dead"] },
  { rule: "dead: about an unknown or dead member is ignored", given: { members: { a: ["dead", 1] } }, input: [gossip([DEAD, d, 0, b], [DEAD, a, 1, b])], members: { a: ["dead", 1], d: null } },
  { rule: "dead about this node: refuted with its own incarnation + 1", input: [gossip([DEAD, ME, 0, a])], self: 1, waiting: [[ALIVE, ME, addr(ME), 1]], delegate: ["refuted"] },

  // ---- left
  { rule: "left: a member leaves for good, the news is passed on, the delegate hears it", input: [gossip([LEFT, a, 1])], members: { a: ["left", 1] }, waiting: [[LEFT, a, 1]], delegate: ["down a left"] },
  { rule: "left: a dead member can still be marked left", given: { members: { a: ["dead", 1] } }, input: [gossip([LEFT, a, 1])], members: { a: ["left", 1] }, waiting: [[LEFT, a, 1]], delegate: ["down a left"] },
  { rule: "left: counts at most at the incarnation known for the member", input: [gossip([LEFT, a, 2 ** 52])], members: { a: ["left", 1] }, waiting: [[LEFT, a, 1]], delegate: ["down a left"] },
  { rule: "left: about an unknown member is ignored", input: [gossip([LEFT, d, 0])], members: { d: null } },
  { rule: "left about this node (it is running: forged): refuted with its own incarnation + 1", input: [gossip([LEFT, ME, 0])], self: 1, waiting: [[ALIVE, ME, addr(ME), 1]], delegate: ["refuted"] },

  // ---- messages
  {
    rule: "ping for this node: acked to the sender's address with its seq, carrying what waits (its own updates applied first)",
    input: [[PING, 7, a, addr(a), ME, [[ALIVE, d, addr(d), 0]]]],
    members: { d: ["alive", 0] },
    sent: [[addr(a), [ACK, 7, ME, [[ALIVE, d, addr(d), 0]]]]],
  },
  { rule: "ping for another id (a previous node at this address): not answered, its updates applied", input: [[PING, 7, a, addr(a), "old-me", [[ALIVE, d, addr(d), 0]]]], members: { d: ["alive", 0] }, waiting: [[ALIVE, d, addr(d), 0]] },
  {
    rule: "ping-req: the target is pinged with this node's own seq, and its ack passed back with the requester's",
    input: [
      [PING_REQ, 7, a, addr(a), b, addr(b), []],
      [ACK, 1, b, []],
    ],
    sent: [
      [addr(b), [PING, 1, ME, addr(ME), b, []]],
      [addr(a), [ACK, 7, ME, []]],
    ],
  },
  { rule: "ack for no probe in flight: its updates applied, nothing else", input: [[ACK, 99, a, [[ALIVE, d, addr(d), 0]]]], members: { d: ["alive", 0] }, waiting: [[ALIVE, d, addr(d), 0]] },
  {
    rule: "gossip: membership's updates first, then the delegate's, so an update about a member joining in the same message finds it",
    input: [gossip([NAMES, d, 1, ["svc"]], [ALIVE, d, addr(d), 0])],
    members: { d: ["alive", 0] },
    waiting: [[ALIVE, d, addr(d), 0]],
    delegate: ["notify d (known)"],
  },
  {
    rule: "sync: merged, then answered with the whole state (members, and the delegate's)",
    given: { members: { a: ["alive", 1], b: ["suspect", 1], c: ["dead", 1], e: ["left", 1] } },
    input: [[SYNC, d, addr(d), [[ALIVE, d, addr(d), 0]], [[NAMES, d, 1, ["svc"]]]]],
    members: { d: ["alive", 0] },
    sent: [
      [
        addr(d),
        [
          SYNC_REPLY,
          ME,
          [
            [ALIVE, ME, addr(ME), 0],
            [ALIVE, a, addr(a), 1],
            [ALIVE, b, addr(b), 1],
            [SUSPECT, b, 1, ME],
            [DEAD, c, 1, ME],
            [LEFT, "e", 1],
            [ALIVE, d, addr(d), 0],
          ],
          RecordingDelegate.STATE,
        ],
      ],
    ],
    waiting: [[ALIVE, d, addr(d), 0]],
    delegate: ["merge d"],
  },
  {
    rule: "sync reply: a remote dead is merged as a suspicion (the member may still refute), and not answered",
    input: [[SYNC_REPLY, b, [[DEAD, a, 1, b]], []]],
    members: { a: ["suspect", 1] },
    waiting: [[SUSPECT, a, 1, b]],
  },
];

function check(rig: Rig<Membership>, row: Expect, context: string): void {
  if (row.members !== undefined) expectMembers(rig.node, row.members, context);
  if (row.self !== undefined) expect(rig.node.member(ME)?.incarnation, context).toBe(row.self);
  expect(rig.network.sent, context).toEqual((row.sent ?? []) as Sent[]);
  expect(rig.delegate.calls, context).toEqual([...(row.delegate ?? [])]);
  expect(sorted(rig.waiting()), context).toEqual(sorted(row.waiting ?? []));
}

describe("membership rules (receive)", () => {
  for (const row of RULES) {
    test(row.rule, () => {
      const rig = membershipRig(row.given);
      for (const message of row.input) rig.node.receive(message);
      check(rig, row, row.rule);
    });
  }
});

// ---- rules in time: a row's input at 0, then checkpoints -----------------------

interface Checkpoint {
  /** Virtual milliseconds since the input. */
  at: number;
  /** Before running to `at`, the node stops for this long (timers due meanwhile run late). */
  frozen?: number;
  members?: Record<string, State | null>;
  /** Messages sent since the previous checkpoint, in order, among others. */
  includes?: readonly Sent[];
  /** Messages sent since the previous checkpoint, exactly. */
  sent?: readonly Sent[];
  /** Every call to the delegate so far. */
  delegate?: readonly string[];
}

interface TimedRule {
  rule: string;
  given: Given;
  input?: readonly GossipMessage[];
  act?: (node: Membership) => void;
  checkpoints: readonly Checkpoint[];
}

// With five members (this one, a, b, c, d) and the rig's settings: suspicion between
// min = 4 × log10(5)→1 × 200 = 800 ms and max = 2400 ms, expected confirmations 3.
// One confirmation (the first suspector): 2400 − 1600 × log 2 / log 4 = 1600 ms.
const FIVE: Given = { members: { a: ["alive", 1], b: ["alive", 1], c: ["alive", 1], d: ["alive", 1] }, answering: [b, c, d] };

const TIMED: readonly TimedRule[] = [
  {
    rule: "probe: no ack makes the target suspect, told to it at once; the next probe carries the suspicion first (buddy system)",
    given: { members: { a: ["alive", 1] } },
    checkpoints: [
      { at: 299, members: { a: ["alive", 1] }, sent: [[addr(a), [PING, 1, ME, addr(ME), a, []]]] },
      {
        at: 300,
        members: { a: ["suspect", 1] },
        sent: [
          [addr(a), [GOSSIP, ME, [[SUSPECT, a, 1, ME]]]],
          [addr(a), [PING, 2, ME, addr(ME), a, [[SUSPECT, a, 1, ME]]]],
        ],
      },
    ],
  },
  {
    rule: "probe: without a direct ack, others probe for this node (ping-req), and their ack keeps the target alive",
    given: { members: { a: ["alive", 1], b: ["alive", 1] }, answering: [b], answersOthers: [a] },
    checkpoints: [{ at: 2_000, members: { a: ["alive", 1], b: ["alive", 1] }, includes: [[addr(b), [PING_REQ, 1, ME, addr(ME), a, addr(a), []]]] }],
  },
  {
    rule: "self-awareness (Lifeguard): a probe whose own timer ran late proves nothing; the next one on time does",
    given: { members: { a: ["alive", 1] } },
    checkpoints: [
      { at: 150, members: { a: ["alive", 1] } },
      { at: 651, frozen: 500, members: { a: ["alive", 1] } },
      { at: 850, members: { a: ["suspect", 1] } },
    ],
  },
  {
    rule: "suspicion: unconfirmed, it lasts its timeout for one confirmation, then two last-chance probes fail, then dead",
    given: FIVE,
    input: [gossip([SUSPECT, a, 1, b])],
    checkpoints: [
      { at: 1_599, members: { a: ["suspect", 1] } },
      // Eight routine probes went out by now (at 100, 300, …, 1500): the first last-chance one is the ninth.
      { at: 1_600, includes: [[addr(a), [PING, 9, ME, addr(ME), a, [[SUSPECT, a, 1, ME]]]]] },
      { at: 1_999, members: { a: ["suspect", 1] }, delegate: [] },
      { at: 2_000, members: { a: ["dead", 1] }, delegate: ["down a dead"] },
    ],
  },
  {
    rule: "suspicion: independent confirmations shorten it, down to its floor (Lifeguard)",
    given: FIVE,
    input: [gossip([SUSPECT, a, 1, b], [SUSPECT, a, 1, c], [SUSPECT, a, 1, d])],
    checkpoints: [
      { at: 1_199, members: { a: ["suspect", 1] } },
      { at: 1_200, members: { a: ["dead", 1] }, delegate: ["down a dead"] },
    ],
  },
  {
    rule: "suspicion: the suspector's repeats and this node's own failed probes do not shorten it",
    given: FIVE,
    input: [gossip([SUSPECT, a, 1, b]), gossip([SUSPECT, a, 1, b]), gossip([SUSPECT, a, 1, ME])],
    checkpoints: [
      { at: 1_999, members: { a: ["suspect", 1] } },
      { at: 2_000, members: { a: ["dead", 1] } },
    ],
  },
  {
    rule: "last chance: a suspect that answers its last-chance probes is never declared dead (its refutation is on its way)",
    given: { ...FIVE, answering: [a, b, c, d] },
    input: [gossip([SUSPECT, a, 1, b])],
    checkpoints: [{ at: 10_000, members: { a: ["suspect", 1] }, delegate: [] }],
  },
  {
    rule: "forgetting: dead and left members are forgotten after forgetAfterMs, and the delegate hears it",
    given: { members: { a: ["dead", 1], b: ["left", 1], c: ["alive", 1] }, answering: [c], config: { forgetAfterMs: 1_000 } },
    checkpoints: [
      { at: 1_499, members: { a: ["dead", 1], b: ["left", 1] }, delegate: [] },
      { at: 1_500, members: { a: null, b: null, c: ["alive", 1] }, delegate: ["forgotten a", "forgotten b"] },
    ],
  },
  {
    rule: "leave: LEFT goes straight to every alive and suspect member, then the node is silent",
    given: { members: { a: ["alive", 1], b: ["suspect", 1], c: ["dead", 1], d: ["left", 1] } },
    act: (node) => node.leave(),
    checkpoints: [
      {
        at: 0,
        members: { [ME]: ["left", 0] },
        sent: [
          [addr(a), [GOSSIP, ME, [[LEFT, ME, 0]]]],
          [addr(b), [GOSSIP, ME, [[LEFT, ME, 0]]]],
        ],
      },
      { at: 10_000, sent: [] },
    ],
  },
];

/** Whether `want` appears in `got` in order, other messages between. */
function inOrder(got: readonly Sent[], want: readonly Sent[]): boolean {
  let i = 0;
  for (const sent of got) if (i < want.length && Bun.deepEquals(sent, want[i])) i++;
  return i === want.length;
}

describe("membership rules (in time)", () => {
  for (const row of TIMED) {
    test(row.rule, () => {
      const rig = membershipRig(row.given);
      for (const message of row.input ?? []) rig.node.receive(message);
      row.act?.(rig.node);
      let from = 0;
      for (const point of row.checkpoints) {
        const context = `${row.rule}, at ${point.at}`;
        if (point.frozen !== undefined) rig.clock.freeze(point.frozen);
        rig.clock.advanceTo(point.at);
        const sent = rig.network.sent.slice(from);
        from = rig.network.sent.length;
        if (point.members !== undefined) expectMembers(rig.node, point.members, context);
        if (point.sent !== undefined) expect(sent, context).toEqual(point.sent as Sent[]);
        if (point.includes !== undefined) expect(inOrder(sent, point.includes), `${context}: ${JSON.stringify(sent)}`).toBe(true);
        if (point.delegate !== undefined) expect(rig.delegate.calls, context).toEqual([...point.delegate]);
      }
    });
  }
});

// ---- the registry, plugged into membership as its delegate ---------------------

interface RegistryRule {
  rule: string;
  given?: Given;
  /** Names other members had announced, and this node's own, before the input. */
  names?: Record<string, [version: number, names: string[]]>;
  own?: string[];
  input: readonly GossipMessage[];
  /** Ids of the alive members hosting each name. */
  hosts: Record<string, string[]>;
  self?: number;
  sent?: readonly Sent[];
  waiting?: readonly Update[];
}

const REGISTRY_RULES: readonly RegistryRule[] = [
  { rule: "names: a member's names are taken and passed on", input: [gossip([NAMES, a, 1, ["svc"]])], hosts: { svc: [a] }, waiting: [[NAMES, a, 1, ["svc"]]] },
  {
    rule: "names: an equal or older version is old news",
    names: { a: [2, ["svc"]] },
    input: [gossip([NAMES, a, 2, ["other"]], [NAMES, a, 1, ["old"]])],
    hosts: { svc: [a], other: [], old: [] },
  },
  { rule: "names: of an unknown member, or one that left, are ignored", given: { members: { a: ["alive", 1], b: ["left", 1] } }, input: [gossip([NAMES, d, 1, ["svc"]], [NAMES, b, 1, ["svc"]])], hosts: { svc: [] } },
  {
    rule: "names: may ride in the same message as their member's first ALIVE",
    input: [gossip([NAMES, d, 1, ["svc"]], [ALIVE, d, addr(d), 0])],
    hosts: { svc: [d] },
    waiting: [
      [ALIVE, d, addr(d), 0],
      [NAMES, d, 1, ["svc"]],
    ],
  },
  { rule: "names: a dead member's are hidden from lookups", names: { a: [1, ["svc"]] }, input: [gossip([DEAD, a, 1, b])], hosts: { svc: [] }, waiting: [[DEAD, a, 1, b]] },
  { rule: "names: a dead member's come back with it, without being sent again", names: { a: [1, ["svc"]] }, input: [gossip([DEAD, a, 1, b]), gossip([ALIVE, a, addr(a), 2])], hosts: { svc: [a] }, waiting: [[ALIVE, a, addr(a), 2]] },
  { rule: "names: a member that left takes them along (they stay gone if it comes back)", names: { a: [1, ["svc"]] }, input: [gossip([LEFT, a, 1]), gossip([ALIVE, a, addr(a), 2])], hosts: { svc: [] }, waiting: [[ALIVE, a, addr(a), 2]] },
  {
    rule: "names: a node that refutes says its own names again (whoever believed it left dropped them)",
    own: ["svc/me"],
    input: [gossip([LEFT, ME, 0])],
    hosts: { "svc/me": [ME] },
    self: 1,
    waiting: [
      [ALIVE, ME, addr(ME), 1],
      [NAMES, ME, 1, ["svc/me"]],
    ],
  },
  {
    rule: "names: a sync carries those of alive and suspect members, not of dead or left ones",
    given: { members: { a: ["alive", 1], b: ["suspect", 1], c: ["dead", 1] } },
    names: { a: [1, ["svc/a"]], b: [1, ["svc/b"]], c: [1, ["svc/c"]] },
    own: ["svc/me"],
    input: [[SYNC, d, addr(d), [[ALIVE, d, addr(d), 0]], [[NAMES, d, 1, ["svc/d"]]]]],
    hosts: { "svc/a": [a], "svc/b": [], "svc/c": [], "svc/d": [d], "svc/me": [ME] },
    sent: [
      [
        addr(d),
        [
          SYNC_REPLY,
          ME,
          [
            [ALIVE, ME, addr(ME), 0],
            [ALIVE, a, addr(a), 1],
            [ALIVE, b, addr(b), 1],
            [SUSPECT, b, 1, ME],
            [DEAD, c, 1, ME],
            [ALIVE, d, addr(d), 0],
          ],
          [
            [NAMES, ME, 1, ["svc/me"]],
            [NAMES, a, 1, ["svc/a"]],
            [NAMES, b, 1, ["svc/b"]],
            [NAMES, d, 1, ["svc/d"]],
          ],
        ],
      ],
    ],
    waiting: [
      [ALIVE, d, addr(d), 0],
      [NAMES, d, 1, ["svc/d"]],
    ],
  },
];

describe("registry rules (the membership delegate, through ClusterNode.receive)", () => {
  for (const row of REGISTRY_RULES) {
    test(row.rule, () => {
      const rig = nodeRig(row.given, (node: ClusterNode) => {
        const names = Object.entries(row.names ?? {}).map(([id, [version, list]]): Update => [NAMES, id, version, list]);
        if (names.length > 0) node.receive(gossip(...names));
        if (row.own !== undefined) node.setLocalNames(row.own);
      });
      const version = rig.node.version;
      for (const message of row.input) rig.node.receive(message);
      for (const [name, ids] of Object.entries(row.hosts)) expect(rig.node.hostsOf(name).map((m) => m.id).sort(), `${row.rule}: ${name}`).toEqual([...ids].sort());
      if (row.self !== undefined) expect(rig.node.member(ME)?.incarnation).toBe(row.self);
      expect(rig.network.sent).toEqual((row.sent ?? []) as Sent[]);
      expect(sorted(rig.waiting())).toEqual(sorted(row.waiting ?? []));
      expect(rig.node.version, "any change moves the version").toBeGreaterThanOrEqual(version);
    });
  }
});

test("names: a suspect member's are out of routing lookups, and still count for placement (hostsOf with suspects)", () => {
  const rig = nodeRig({ members: { a: ["alive", 1], b: ["suspect", 1] } }, (node: ClusterNode) => node.receive(gossip([NAMES, a, 1, ["svc"]], [NAMES, b, 1, ["svc"]])));
  expect(rig.node.hostsOf("svc").map((m) => m.id)).toEqual([a]);
  expect(rig.node.hostsOf("svc", true).map((m) => m.id).sort()).toEqual([a, b].sort());
});
