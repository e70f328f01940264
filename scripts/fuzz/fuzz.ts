/**
 * Drives a live node with random and mutated input on every way in: actor
 * bodies (JSON and msgpack), gossip messages, link frames, headers and paths;
 * and, about half the time, with the attack shapes of seeds.ts (allocation
 * bombs, lengths that lie, deep nesting, `__proto__`, 1 MiB strings, hostile
 * gossip and signatures, credit and timeouts at 2^31 - 1, unread streams).
 *
 * What it requires:
 * - every HTTP answer well formed: a status 200-599; an error carries
 *   `{"error":{"code"}}` with a known code, in JSON or msgpack, in under 4 KB
 *   (an attacker's string is never echoed whole); only Bun's own refusals
 *   before any route (413 for a body far over the limit, 431 for huge headers)
 *   may come with no body, and they are counted apart;
 * - every FAIL the node sends on a link carries a known code and under 4 KB;
 * - with a secret: a replayed, stale, future, foreign or malformed signature is
 *   refused (401) on gossip and link upgrades, and a link that did not prove
 *   itself never gets an answer (violations otherwise);
 * - the node never stops answering (a request with no answer is malformed; a
 *   node that is gone is a crash, reported with the input in flight).
 */
import { decode, encode } from "@msgpack/msgpack";
import { Actor, isErrorCode } from "../../src/index.ts";
import { FuzzLink, linkHeaders, NODE_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION, TARGET_HEADER } from "./link-client.ts";
import { Mutator } from "./mutator.ts";
import { actorAttack, type FuzzedTarget, gossipAttack, type HttpInput, linkAttack, type SigningMode, unreadFrame } from "./seeds.ts";
import { AUTH_HEADER, NONCE_HEADER, type SignatureHeaders, sign, TS_HEADER } from "./signing.ts";

/** The actor a fuzzed node serves: methods of every kind, a stream, a slow one, and `receive`. */
export class FuzzTarget extends Actor {
  n = 0;
  inc(by = 1): number {
    return (this.n += typeof by === "number" ? by : 1);
  }
  echo(value: unknown): unknown {
    return value;
  }
  async *countTo(k: number): AsyncGenerator<number> {
    for (let i = 0; i < Math.min(Number(k) || 0, 1000); i++) yield i;
  }
  /** Holds its actor for up to 5 ms: calls behind it wait (for calls with long timeouts). */
  async nap(ms: number): Promise<number> {
    await Bun.sleep(Math.min(Math.max(Number(ms) || 0, 0), 5));
    return ms;
  }
  receive(msgType: string, payload: unknown): unknown {
    if (msgType === "Ping") return { type: "Pong", payload };
    // The runtime passes a handler's error message on whole: a careful actor does not quote its input whole.
    throw new Error(`no handler for ${msgType.slice(0, 64)}`);
  }
}

export interface FuzzedNode extends FuzzedTarget {
  /** The cluster secret the node runs with: gossip and links are then signed by the fuzzer, and forgeries must be refused. */
  secret?: string;
}

export type Way = "actor" | "gossip" | "link";

/** An input that made the node misbehave, with all it takes to send it again. */
export interface Finding {
  kind: "malformed" | "violation" | "crash";
  way: Way;
  /** The seed of the generator that made it, and its round: `fuzzX(target, seed, round + 1)` replays up to it. */
  seed: number;
  round: number;
  shape: string;
  what: string;
  /** Method, path and headers, or the link's upgrade headers. */
  request: string;
  input: Uint8Array;
  answer: string;
}

export interface FuzzReport {
  /** Inputs sent, by way in: HTTP requests on the actor route (and other paths); gossip requests; link frames and link upgrades. */
  inputs: Record<Way, number>;
  /** Of those, the attack shapes of seeds.ts, by `way: shape`. */
  shapes: Record<string, number>;
  /** HTTP requests, all ways in (link upgrades sent as plain requests too). */
  requests: number;
  /** Link frames sent. */
  frames: number;
  statuses: Record<number, number>;
  /** Errors refused by Bun before any route, with no body: by status. */
  bare: Record<number, number>;
  largestErrorBytes: number;
  linkCloses: number;
  closeCodes: Record<number, number>;
  /** Links the node would not open (upgrade refused, or no HELLO in time), by why. */
  linkRefused: Record<string, number>;
  /** What the node sent on links: replies, items, ends, and fails by code. */
  linkAnswers: Record<string, number>;
  /** Answers that were not well formed: must stay empty. */
  malformed: string[];
  /** Answers well formed but wrong (a forgery accepted): must stay empty. */
  violations: string[];
  /** Malformed answers and violations by class (way, shape, what, numbers left out), with how many of each. */
  classes: Record<string, number>;
  /** The first input behind each class of finding (up to 20 classes). */
  findings: Finding[];
}

export function newReport(): FuzzReport {
  return {
    inputs: { actor: 0, gossip: 0, link: 0 },
    shapes: {},
    requests: 0,
    frames: 0,
    statuses: {},
    bare: {},
    largestErrorBytes: 0,
    linkCloses: 0,
    closeCodes: {},
    linkRefused: {},
    linkAnswers: {},
    malformed: [],
    violations: [],
    classes: {},
    findings: [],
  };
}

/** Totals of one report added into another. */
export function addReport(into: FuzzReport, from: FuzzReport): FuzzReport {
  const add = (a: Record<string | number, number>, b: Record<string | number, number>) => {
    for (const [key, value] of Object.entries(b)) a[key] = (a[key] ?? 0) + value;
  };
  add(into.inputs, from.inputs);
  add(into.shapes, from.shapes);
  add(into.statuses, from.statuses);
  add(into.bare, from.bare);
  add(into.closeCodes, from.closeCodes);
  add(into.linkRefused, from.linkRefused);
  add(into.linkAnswers, from.linkAnswers);
  for (const [key, value] of Object.entries(from.classes)) {
    if (into.classes[key] === undefined) {
      const first = from.findings.find((f) => classOf(f) === key);
      if (first !== undefined && into.findings.length < 20) into.findings.push(first);
    }
    into.classes[key] = (into.classes[key] ?? 0) + value;
  }
  into.requests += from.requests;
  into.frames += from.frames;
  into.linkCloses += from.linkCloses;
  into.largestErrorBytes = Math.max(into.largestErrorBytes, from.largestErrorBytes);
  into.malformed.push(...from.malformed.slice(0, Math.max(0, 1000 - into.malformed.length)));
  into.violations.push(...from.violations.slice(0, Math.max(0, 1000 - into.violations.length)));
  return into;
}

/** The longest error body: an attacker's string must not come back whole. */
export const MAX_ERROR_BYTES = 4096;
/** What Bun itself answers, with no body, before any route runs: a body far past the limit, headers past its own. */
const BARE_STATUSES = new Set([413, 431]);
const NO_ANSWER_MS = 15_000;

/** The node is gone: the run stops, with the input in flight. */
export class NodeDown extends Error {
  constructor(readonly finding: Finding) {
    super(`the node stopped answering: ${finding.what}`);
  }
}

interface Context {
  way: Way;
  seed: number;
  round: number;
  shape: string;
  request: string;
  input: Uint8Array;
}

/** What findings of one kind share: the way in, the shape (its signature mode left out) and what went wrong, numbers left out. */
export function classOf(f: Pick<Finding, "kind" | "way" | "shape" | "what">): string {
  return `${f.kind} ${f.way}: ${f.shape.replace(/, signature .*$/, "")}: ${f.what.replace(/\d+/g, "N")}`;
}

const flag = (report: FuzzReport, kind: "malformed" | "violation", ctx: Context, what: string, answer: string) => {
  const list = kind === "malformed" ? report.malformed : report.violations;
  const line = `${ctx.way} #${ctx.round} (seed ${ctx.seed}, ${ctx.shape}): ${what}`;
  if (list.length < 1000) list.push(line);
  const finding: Finding = { kind, ...ctx, what, answer: answer.slice(0, 500) };
  const key = classOf(finding);
  if (report.classes[key] === undefined && report.findings.length < 20) report.findings.push(finding);
  report.classes[key] = (report.classes[key] ?? 0) + 1;
};

/** An HTTP answer's status, and whether it was one of Bun's bare refusals. */
interface Answer {
  status: number;
  bare: boolean;
}

/** Checks one HTTP answer. */
async function check(report: FuzzReport, response: Response, ctx: Context): Promise<Answer> {
  report.requests++;
  const status = response.status;
  report.statuses[status] = (report.statuses[status] ?? 0) + 1;
  const body = new Uint8Array(await response.arrayBuffer()); // a streamed answer is read to its end
  const contentType = response.headers.get("content-type") ?? "";
  const shown = () => `${status} ${contentType} ${new TextDecoder().decode(body.subarray(0, 300))}`;
  if (status < 200 || status > 599) flag(report, "malformed", ctx, `status ${status}`, shown());
  if (status < 400) return { status, bare: false };
  report.largestErrorBytes = Math.max(report.largestErrorBytes, body.byteLength);
  if (body.byteLength >= MAX_ERROR_BYTES) flag(report, "malformed", ctx, `an error body of ${body.byteLength} bytes: an attacker's text echoed?`, shown());
  if (body.byteLength === 0) {
    if (BARE_STATUSES.has(status)) report.bare[status] = (report.bare[status] ?? 0) + 1;
    else flag(report, "malformed", ctx, `a ${status} with no body`, shown());
    return { status, bare: true };
  }
  let parsed: { error?: { code?: unknown } } | undefined;
  try {
    if (contentType.startsWith("application/json")) parsed = JSON.parse(new TextDecoder().decode(body));
    else if (contentType.startsWith("application/msgpack")) parsed = decode(body) as typeof parsed;
  } catch {
    flag(report, "malformed", ctx, `an error body that does not parse as ${contentType}`, shown());
    return { status, bare: false };
  }
  if (parsed === undefined) flag(report, "malformed", ctx, `an error body of type "${contentType}"`, shown());
  else if (!isErrorCode(parsed?.error?.code)) flag(report, "malformed", ctx, "an error without a known code", shown());
  return { status, bare: false };
}

/** Whether the node answers at all (its /health). */
async function answers(addr: string): Promise<boolean> {
  try {
    return (await fetch(`http://${addr}/health`, { signal: AbortSignal.timeout(3000) })).status === 200;
  } catch {
    return false;
  }
}

/** One HTTP input sent and its answer checked; undefined when it got none (flagged, or NodeDown thrown). */
async function send(report: FuzzReport, target: FuzzedNode, input: HttpInput, ctx: Omit<Context, "request" | "input" | "shape">): Promise<Answer | undefined> {
  const full: Context = { ...ctx, shape: input.shape, request: `${input.method} ${input.path.slice(0, 200)} ${JSON.stringify(input.headers).slice(0, 500)}`, input: input.body ?? new Uint8Array() };
  let response: Response;
  try {
    response = await fetch(`http://${target.addr}${input.path}`, {
      method: input.method,
      headers: input.headers,
      signal: AbortSignal.timeout(NO_ANSWER_MS),
      ...(input.method === "GET" || input.method === "HEAD" || input.body === undefined ? {} : { body: input.body }),
    });
  } catch (error) {
    const why = (error as Error).message;
    if (!(await answers(target.addr))) throw new NodeDown({ kind: "crash", ...full, what: `no answer, and the node is gone: ${why}`, answer: "" });
    flag(report, "malformed", full, `no answer: ${why}`, "");
    return undefined;
  }
  return check(report, response, full);
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Actor bodies, paths, methods and headers. */
export async function fuzzHttp(target: FuzzedNode, seed: number, count: number, report = newReport()): Promise<FuzzReport> {
  const fuzz = new Mutator(seed);
  const valid = [
    encode({ msg_type: "inc", payload: [1] }),
    encode({ msg_type: "echo", payload: [{ a: [1, 2, { b: "c" }] }] }),
    utf8(JSON.stringify({ msg_type: "countTo", payload: [3] })),
    utf8(JSON.stringify({ msg_type: "Ping", payload: { x: 1 } })),
  ];
  const paths = [`/actor/${target.actor}`, "/actor/nobody", "/actor/", "/actor/a/../b", "/actor/a%2Fb", "/health", "/cluster/link", "/cluster/members", "/metrics", "/nowhere", "/%00", "/actor/%E0%A4%A", "/actor/%"];
  const types = ["application/json", "application/msgpack", "text/plain", "", "application/x-msgpack", "image/png", "application/json; charset=latin1"];
  for (let round = 0; round < count; round++) {
    let input: HttpInput;
    if (fuzz.chance(0.5)) {
      input = actorAttack(fuzz, target);
      if (input.body !== undefined && input.body.byteLength < 100_000 && fuzz.chance(0.1)) input.body = fuzz.mutate(input.body);
      report.shapes[`actor: ${input.shape}`] = (report.shapes[`actor: ${input.shape}`] ?? 0) + 1;
    } else {
      const kind = fuzz.int(3);
      const body = kind === 0 ? fuzz.bytes(200) : kind === 1 ? fuzz.mutate(fuzz.pick(valid)) : utf8(JSON.stringify(fuzz.value()));
      const path = round % 4 === 0 ? fuzz.pick(paths) : `/actor/${target.actor}`;
      const headers: Record<string, string> = {};
      const contentType = fuzz.pick(types);
      if (contentType !== "") headers["content-type"] = contentType;
      if (round % 7 === 0) headers["x-message-mode"] = fuzz.pick(["tell", "ask", "", "TELL"]);
      if (round % 11 === 0) headers["x-timeout-ms"] = fuzz.pick(["0", "-1", "1e9", "abc", "50", "2147483647"]);
      if (round % 13 === 0) headers.authorization = fuzz.pick(["Bearer x", "Basic y", ""]);
      const method = round % 10 === 0 ? fuzz.pick(["PUT", "GET", "DELETE", "PATCH"]) : "POST";
      input = { shape: "random", method, path, headers, body };
    }
    report.inputs.actor++;
    await send(report, target, input, { way: "actor", seed, round });
  }
  return report;
}

/** What a gossip request sent with a secret carries, for the replays that follow. */
interface Signed {
  headers: SignatureHeaders;
  body: Uint8Array;
}

/** Signature headers for a gossip body in one of the ways an attacker would sign it. */
function gossipSignature(fuzz: Mutator, secret: string, addr: string, body: Uint8Array, mode: SigningMode, earlier: Signed | undefined): Record<string, string> {
  const now = Date.now();
  switch (mode) {
    case "fresh":
      return sign(secret, "gossip", [addr, body]);
    case "replay same":
    case "replay other":
      return earlier === undefined ? {} : { ...earlier.headers };
    case "stale":
      return sign(secret, "gossip", [addr, body], { ts: String(now - 31_000 - fuzz.int(3_600_000)) });
    case "future":
      return sign(secret, "gossip", [addr, body], { ts: String(now + 31_000 + fuzz.int(3_600_000)) });
    case "other node":
      return sign(secret, "gossip", [fuzz.pick(["127.0.0.1:1", `${addr}0`, addr.replace("127.0.0.1", "localhost")]), body]);
    case "bad lengths": {
      const headers: Record<string, string> = sign(secret, "gossip", [addr, body]);
      const which = fuzz.pick([TS_HEADER, NONCE_HEADER, AUTH_HEADER]);
      headers[which] =
        which === TS_HEADER
          ? fuzz.pick(["", "NaN", "1e400", "-1", "0x1", `${now}0`, "9".repeat(400)])
          : which === NONCE_HEADER
            ? fuzz.pick(["", "n".repeat(65), "n".repeat(1000), "n".repeat(20_000)])
            : fuzz.pick(["", "0".repeat(63), "0".repeat(65), "z".repeat(64), "0".repeat(20_000)]);
      return headers;
    }
    default:
      return {};
  }
}

/** Gossip messages, signed or not, of every shape. */
export async function fuzzGossip(target: FuzzedNode, seed: number, count: number, report = newReport()): Promise<FuzzReport> {
  const fuzz = new Mutator(seed);
  const valid = [
    encode([0, 1, "fuzz", "127.0.0.1:1", target.nodeId, [[0, "x", "127.0.0.1:1", 0]]]),
    encode([3, "fuzz", [[1, target.nodeId, 0, "fuzz"], [4, "y", 1, ["a/b"]]]]),
    encode([4, "fuzz", "127.0.0.1:1", [[3, "z", 0]], []]),
    encode([2, 7, "fuzz", "127.0.0.1:1", "t", "127.0.0.1:2", []]),
  ];
  const modes: SigningMode[] = ["replay same", "replay other", "stale", "future", "other node", "bad lengths", "unsigned"];
  let earlier: Signed | undefined;
  for (let round = 0; round < count; round++) {
    let body: Uint8Array;
    let shape = "random";
    if (fuzz.chance(0.5)) {
      ({ shape, body } = gossipAttack(fuzz, target));
      if (body.byteLength < 100_000 && fuzz.chance(0.1)) body = fuzz.mutate(body);
      report.shapes[`gossip: ${shape}`] = (report.shapes[`gossip: ${shape}`] ?? 0) + 1;
    } else {
      const kind = fuzz.int(3);
      body = kind === 0 ? fuzz.bytes(120) : kind === 1 ? fuzz.mutate(fuzz.pick(valid)) : encode(fuzz.value());
    }
    const version = round % 25 === 0 ? fuzz.pick(["9", "", "1.0", "01"]) : "1";
    // Without a secret the signature headers mean nothing, and are sent now and then all the same.
    const mode: SigningMode = fuzz.chance(target.secret === undefined ? 0.06 : 0.15) ? fuzz.pick(modes) : "fresh";
    if (mode !== "fresh") report.shapes[`gossip: signature ${mode}`] = (report.shapes[`gossip: signature ${mode}`] ?? 0) + 1;
    if (mode === "replay same" && earlier !== undefined) body = earlier.body;
    const signature = gossipSignature(fuzz, target.secret ?? "a fuzzer's guess at the secret", target.addr, body, mode, earlier);
    const headers: Record<string, string> = { "content-type": "application/msgpack", "x-pulsing-gossip": version, ...(target.secret === undefined && mode === "fresh" ? {} : signature) };
    report.inputs.gossip++;
    const answer = await send(report, target, { shape: mode === "fresh" ? shape : `${shape}, signature ${mode}`, method: "POST", path: "/cluster/gossip", headers, body }, { way: "gossip", seed, round });
    if (target.secret === undefined || version !== "1" || answer === undefined) continue;
    const { status, bare } = answer;
    if (mode === "fresh") {
      // Its signature was checked and its nonce remembered (it got past the signature to the body): worth replaying.
      if (status === 204 || status === 400) earlier = { headers: signature as SignatureHeaders, body };
    } else if (!(status === 401 || bare || (status === 413 && mode === "other node"))) {
      // Only Bun's refusals come before the signature; the body limit comes after its precheck (time, nonce, shape), and only a MAC made for another node passes that.
      const ctx: Context = { way: "gossip", seed, round, shape: `${shape}, signature ${mode}`, request: `POST /cluster/gossip ${JSON.stringify(headers).slice(0, 500)}`, input: body };
      flag(report, "violation", ctx, `a gossip request with a ${mode} signature got ${status}, not 401`, String(status));
    }
  }
  return report;
}

/** Link frames: random bytes, mutated envelopes, random msgpack values, text frames, attack shapes, links that never read, and forged handshakes. */
export async function fuzzLink(target: FuzzedNode, seed: number, count: number, report = newReport()): Promise<FuzzReport> {
  const fuzz = new Mutator(seed);
  const valid = [
    encode([[0, 1, target.actor, "inc", [1], 64, 1000]]),
    encode([[1, target.actor, "inc", [1]], [0, 2, target.actor, "countTo", [5], 2, 1000], [6, 2, 10]]),
    encode([[7, 99], [5, 3], [2, 4, "x"], [3, 5, "TIMEOUT", "m", null]]),
    encode([[0, 1, target.actor, "__proto__", [], 1, 1000], [0, 2, "nobody", "inc", [], 1, 1000]]),
  ];
  let ids = 1;
  const next = () => ids++;
  let sessions = 0;
  let refusedInARow = 0;
  /** The last well-signed upgrade and PROVE, to replay. */
  let earlier: { headers: Record<string, string>; proof: string | undefined } | undefined;
  /** The frames sent on the current link, latest last: the evidence if the node dies. */
  const recent: { round: number; shape: string; frame: Uint8Array }[] = [];
  const untrusted = new WeakSet<FuzzLink>();

  const ctxOf = (round: number, shape: string, request: string, input: Uint8Array): Context => ({ way: "link", seed, round, shape, request, input });
  const onEnvelope = (round: () => number) => (envelope: unknown[], link: FuzzLink) => {
    const kind = envelope[0];
    const name = kind === 2 ? "reply" : kind === 4 ? "item" : kind === 5 ? "end" : kind === 3 ? `fail ${String(envelope[2]).slice(0, 32)}` : kind === 8 ? "hello" : `kind ${String(kind).slice(0, 16)}`;
    report.linkAnswers[name] = (report.linkAnswers[name] ?? 0) + 1;
    const ctx = () => ctxOf(round(), "answer on a link", JSON.stringify(link.headers).slice(0, 500), recent.at(-1)?.frame ?? new Uint8Array());
    if (kind === 3) {
      const message = envelope[3];
      if (!isErrorCode(envelope[2])) flag(report, "malformed", ctx(), `a FAIL with code ${String(envelope[2]).slice(0, 64)}`, String(message).slice(0, 300));
      if (typeof message !== "string" || message.length >= MAX_ERROR_BYTES) flag(report, "malformed", ctx(), `a FAIL whose message is ${typeof message === "string" ? `${message.length} characters` : typeof message}`, String(message).slice(0, 300));
    }
    if ((kind === 2 || kind === 4 || kind === 5) && untrusted.has(link)) flag(report, "violation", ctx(), "a link that never proved itself got an answer", JSON.stringify(envelope).slice(0, 300));
  };
  const onGarbage = (round: () => number) => (why: string) => flag(report, "malformed", ctxOf(round(), "answer on a link", "", recent.at(-1)?.frame ?? new Uint8Array()), why, "");
  const watchClose = (link: FuzzLink) => {
    link.ws.addEventListener("close", (event) => {
      report.linkCloses++;
      report.closeCodes[event.code] = (report.closeCodes[event.code] ?? 0) + 1;
    });
  };
  let currentRound = 0;
  const roundNow = () => currentRound;

  const open = async (headers: Record<string, string>, nodeId: string, proof: "right" | "none" | { proof: string } = "right", what = "link") => {
    const link = await FuzzLink.open(target, { nodeId, headers, proof, onEnvelope: onEnvelope(roundNow), onGarbage: onGarbage(roundNow) });
    if ("refused" in link) {
      const key = `${what}: ${link.refused}`;
      report.linkRefused[key] = (report.linkRefused[key] ?? 0) + 1;
      return undefined;
    }
    watchClose(link);
    return link;
  };

  /** One forged or broken handshake, on a link of its own. */
  const handshakeAttack = async (round: number): Promise<void> => {
    const nodeId = `fuzzer-${seed}-${sessions++}`;
    const secret = target.secret;
    if (secret !== undefined && fuzz.chance(0.5)) {
      // The upgrade itself, as a plain request: the signature is checked before the upgrade is tried.
      const mode = fuzz.pick(["replay", "stale", "other target", "signed for another", "unsigned", "bad lengths", "no target"] as const);
      const headers: Record<string, string> = linkHeaders(target, nodeId);
      if (mode === "replay" && earlier !== undefined) Object.assign(headers, earlier.headers);
      if (mode === "stale") Object.assign(headers, sign(secret, "link", [nodeId, "", target.addr], { ts: String(Date.now() - 31_000 - fuzz.int(600_000)) }));
      if (mode === "other target") Object.assign(headers, { [TARGET_HEADER]: "127.0.0.1:1" }, sign(secret, "link", [nodeId, "", "127.0.0.1:1"]));
      if (mode === "signed for another") Object.assign(headers, sign(secret, "link", [nodeId, "", "127.0.0.1:1"]));
      if (mode === "unsigned") for (const name of [TS_HEADER, NONCE_HEADER, AUTH_HEADER]) delete headers[name];
      if (mode === "bad lengths") headers[fuzz.pick([NONCE_HEADER, AUTH_HEADER])] = fuzz.pick(["", "0".repeat(65), "0".repeat(63), "x".repeat(2000)]);
      if (mode === "no target") delete headers[TARGET_HEADER];
      const shape = `upgrade ${mode}`;
      report.shapes[`link: ${shape}`] = (report.shapes[`link: ${shape}`] ?? 0) + 1;
      const answer = await send(report, target, { shape, method: "GET", path: "/cluster/link", headers }, { way: "link", seed, round });
      if (answer !== undefined && answer.status !== 401 && !answer.bare && !(mode === "replay" && earlier === undefined)) {
        flag(report, "violation", ctxOf(round, shape, JSON.stringify(headers).slice(0, 500), new Uint8Array()), `a link upgrade with a ${mode} signature got ${answer.status}, not 401`, String(answer.status));
      }
      return;
    }
    // A link with wrong headers, or one that skips, fakes or replays its proof.
    const mode = fuzz.pick(["bad headers", "early call", "wrong proof", "replayed proof", "proof for another node", "dialler HELLO", "text frame"] as const);
    const shape = `handshake ${mode}`;
    report.shapes[`link: ${shape}`] = (report.shapes[`link: ${shape}`] ?? 0) + 1;
    let headers = linkHeaders(target, nodeId);
    if (mode === "bad headers") {
      headers = { ...headers };
      const bad = fuzz.int(5);
      if (bad === 0) headers[PROTOCOL_HEADER] = fuzz.pick(["1", "2", "", "2.5", "NaN", "x".repeat(300)]);
      else if (bad === 1) delete headers[PROTOCOL_HEADER];
      else if (bad === 2) headers[NODE_HEADER] = fuzz.pick(["", "n".repeat(129), "n".repeat(5000)]);
      else if (bad === 3) delete headers[NODE_HEADER];
      else headers["x-pulsing-addr"] = "a".repeat(301 + fuzz.int(3000));
    }
    const proof =
      secret === undefined || mode === "bad headers"
        ? ("right" as const)
        : mode === "wrong proof"
          ? { proof: fuzz.pick(["0".repeat(64), "x", "f".repeat(128)]) }
          : mode === "replayed proof"
            ? { proof: earlier?.proof ?? "0".repeat(64) }
            : mode === "proof for another node"
              ? "right"
              : ("none" as const);
    const link = await open(headers, mode === "proof for another node" && secret !== undefined ? `${nodeId}-other` : nodeId, proof, shape);
    if (link === undefined) return;
    const proved = secret === undefined || proof === "right";
    if (!proved || mode === "proof for another node") untrusted.add(link);
    // Without a secret there is no proof to get wrong: the PROVE itself is sent, and must change nothing.
    const frame =
      mode === "dialler HELLO"
        ? encode([[8, nodeId, PROTOCOL_VERSION, "0".repeat(64), "c".repeat(36)]])
        : mode === "text frame"
          ? "a text frame"
          : secret === undefined && mode !== "early call" && mode !== "bad headers"
            ? encode([[9, earlier?.proof ?? "0".repeat(64)]])
            : encode([[0, next(), target.actor, "echo", ["forged"], 8, 1000]]);
    link.send(frame);
    report.frames++;
    if (mode !== "text frame") {
      link.send(encode([[0, next(), target.actor, "echo", ["after"], 8, 1000]]));
      report.frames++;
    }
    // With a secret every one of these must lose its link; without, only broken headers and text frames do.
    const mustClose = mode === "bad headers" || mode === "text frame" || secret !== undefined;
    if (mustClose && !(await link.waitClosed(3000))) {
      flag(report, "violation", ctxOf(round, shape, JSON.stringify(headers).slice(0, 500), typeof frame === "string" ? utf8(frame) : frame), "the node kept a link open that it should have closed", "");
    }
    link.terminate();
  };

  let link: FuzzLink | undefined;
  let unread = false;
  let left = 0;
  try {
    for (let round = 0; round < count; round++) {
      currentRound = round;
      report.inputs.link++;
      if (fuzz.chance(0.02)) {
        await handshakeAttack(round);
        continue;
      }
      // Now and then (a round in 1,000) a link that stops reading, for 50-150 frames: about a tenth of the rounds.
      const startUnread: boolean = !unread && fuzz.chance(0.001);
      if (startUnread || link === undefined || !link.isOpen || (unread && left-- <= 0)) {
        link?.terminate();
        recent.length = 0;
        unread = startUnread;
        left = 50 + fuzz.int(100);
        const nodeId = `fuzzer-${seed}-${sessions++}`;
        const headers = linkHeaders(target, nodeId);
        link = await open(headers, nodeId);
        if (link === undefined) {
          if (++refusedInARow >= 3) {
            if (!(await answers(target.addr))) throw new NodeDown({ kind: "crash", ...ctxOf(round, "link open", JSON.stringify(headers), recent.at(-1)?.frame ?? new Uint8Array()), what: "the node stopped taking links and answering", answer: "" });
            flag(report, "violation", ctxOf(round, "link open", JSON.stringify(headers).slice(0, 500), new Uint8Array()), `a well-formed link was refused ${refusedInARow} times in a row`, JSON.stringify(report.linkRefused));
          }
          continue;
        }
        refusedInARow = 0;
        earlier = { headers: { ...headers }, proof: link.proof };
        if (unread) link.pause();
      }
      let frame: Uint8Array | string;
      let shape = "random";
      if (unread) {
        ({ shape, frame } = unreadFrame(fuzz, target, next));
      } else if (fuzz.chance(0.5)) {
        ({ shape, frame } = linkAttack(fuzz, target, next));
        if (frame.byteLength < 100_000 && fuzz.chance(0.05)) frame = fuzz.mutate(frame);
      } else {
        const kind = fuzz.int(4);
        frame = kind === 0 ? fuzz.bytes(100) : kind === 3 ? encode(fuzz.value()) : fuzz.mutate(fuzz.pick(valid));
        if (round % 50 === 0) frame = "a text frame";
      }
      if (shape !== "random") report.shapes[`link: ${shape}`] = (report.shapes[`link: ${shape}`] ?? 0) + 1;
      link.send(frame);
      report.frames++;
      recent.push({ round, shape, frame: typeof frame === "string" ? utf8(frame) : frame });
      if (recent.length > 8) recent.shift();
      // The node has read it (or closed the link for it) before the next frame: none lands on a link already closed.
      if (!unread) await link.sync(2000);
      else if (round % 20 === 0) await Bun.sleep(1);
    }
  } finally {
    link?.terminate();
  }
  return report;
}

/** Whether the node still does its job: an ask over HTTP and one over a link get the right answer, /health is ok, it is alive at its own address. */
export async function serviceProblems(target: FuzzedNode): Promise<string[]> {
  const problems: string[] = [];
  try {
    // An actor still busy with the last floods answers 503 MAILBOX_FULL, as it should: it gets 10 s to drain.
    const deadline = Date.now() + 10_000;
    let response: Response;
    for (;;) {
      response = await fetch(`http://${target.addr}/actor/${target.actor}`, { method: "POST", body: JSON.stringify({ msg_type: "echo", payload: ["alive"] }), signal: AbortSignal.timeout(10_000) });
      if (response.status !== 503 || Date.now() > deadline) break;
      await response.arrayBuffer();
      await Bun.sleep(50);
    }
    const result = response.status === 200 ? ((await response.json()) as { result?: unknown }).result : await response.text();
    if (result !== "alive") problems.push(`an ask over HTTP got ${response.status} ${String(result).slice(0, 200)}`);
    const health = await fetch(`http://${target.addr}/health`, { signal: AbortSignal.timeout(10_000) });
    const status = ((await health.json()) as { status?: unknown }).status;
    if (health.status !== 200 || status !== "ok") problems.push(`/health answered ${health.status} ${String(status)}`);
    const members = (await (await fetch(`http://${target.addr}/cluster/members`, { signal: AbortSignal.timeout(10_000) })).json()) as { id: string; addr: string; state: string }[];
    const self = members.find((m) => m.id === target.nodeId);
    if (self?.state !== "alive" || self.addr !== target.addr) problems.push(`the node's own record is ${JSON.stringify(self)}`);
  } catch (error) {
    problems.push(`no answer over HTTP: ${(error as Error).message}`);
  }
  const reply = await new Promise<unknown>((resolve) => {
    const nodeId = `fuzzer-check-${Date.now()}`;
    const timer = setTimeout(() => resolve("no reply over a link in 10 s"), 10_000);
    void FuzzLink.open(target, {
      nodeId,
      headers: linkHeaders(target, nodeId),
      onEnvelope: (envelope, link) => {
        if (envelope[1] !== 1 || (envelope[0] !== 2 && envelope[0] !== 3)) return;
        clearTimeout(timer);
        link.close();
        resolve(envelope[0] === 2 ? envelope[2] : `FAIL ${envelope[2]} ${envelope[3]}`);
      },
      onGarbage: (why) => resolve(why),
    }).then((link) => {
      if ("refused" in link) resolve(`link refused: ${link.refused}`);
      else link.send(encode([[0, 1, target.actor, "echo", ["over a link"], 8, 5000]]));
    });
  });
  if (reply !== "over a link") problems.push(`a call over a link got ${JSON.stringify(reply).slice(0, 200)}`);
  return problems;
}

/** Whether the node still does its job (see serviceProblems). */
export async function stillServes(target: FuzzedNode): Promise<boolean> {
  return (await serviceProblems(target)).length === 0;
}
