/**
 * What travels on a node-to-node link: frames, each a msgpack array of
 * envelopes, each envelope a small array whose first element is its kind.
 * docs/protocol.md describes the same thing for people.
 */
// 3: CALL and TELL may carry the caller's W3C trace context.
export const PROTOCOL_VERSION = 3;

/**
 * Caller -> callee: a method call or message-style ask; the answer is a REPLY,
 * a FAIL, or ITEMs and an END. Carries the caller's timeout and, when the
 * caller traces, its W3C `traceparent` (and `tracestate`).
 */
export const CALL = 0;
/** Caller -> callee: fire-and-forget; with the caller's trace context as a CALL has it. */
export const TELL = 1;
/** Callee -> caller: the result of a CALL. */
export const REPLY = 2;
/** Callee -> caller: a CALL failed, or its stream failed part-way; with why a schema refused its arguments, when one did. */
export const FAIL = 3;
/** Callee -> caller: one item of a stream. */
export const ITEM = 4;
/** Callee -> caller: the stream ended. */
export const END = 5;
/** Caller -> callee: the caller can take this many more items. */
export const CREDIT = 6;
/** Caller -> callee: the caller stopped waiting (stream left early, ask timed out). */
export const CANCEL = 7;
/**
 * Acceptor -> dialler, once, first on a new link: who answered, and with a
 * cluster secret proof that it knows it, and a fresh challenge for the dialler.
 */
export const HELLO = 8;
/** Dialler -> acceptor, once, with a cluster secret: the answer to the HELLO's challenge, before anything else. */
export const PROVE = 9;

export type CallEnvelope = [
  kind: typeof CALL,
  id: number,
  target: string,
  type: string,
  payload: unknown,
  credit: number,
  timeoutMs: number,
  traceparent?: string,
  tracestate?: string,
];
export type TellEnvelope = [kind: typeof TELL, target: string, type: string, payload: unknown, traceparent?: string, tracestate?: string];
export type ReplyEnvelope = [kind: typeof REPLY, id: number, value: unknown];
/** One reason a schema refused a call's arguments: its message, and where in the payload (outermost first). */
export interface WireIssue {
  message: string;
  path?: (string | number)[];
}
export type FailEnvelope = [kind: typeof FAIL, id: number, code: string, message: string, errorName: string | null, issues?: WireIssue[]];
export type ItemEnvelope = [kind: typeof ITEM, id: number, value: unknown];
export type EndEnvelope = [kind: typeof END, id: number];
export type CreditEnvelope = [kind: typeof CREDIT, id: number, count: number];
export type CancelEnvelope = [kind: typeof CANCEL, id: number];
export type HelloEnvelope = [kind: typeof HELLO, nodeId: string, version: number, proof: string | null, challenge: string | null];
export type ProveEnvelope = [kind: typeof PROVE, proof: string];

export type Envelope =
  | CallEnvelope
  | TellEnvelope
  | ReplyEnvelope
  | FailEnvelope
  | ItemEnvelope
  | EndEnvelope
  | CreditEnvelope
  | CancelEnvelope
  | HelloEnvelope
  | ProveEnvelope;

const isId = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && value <= 0x7fffffff;
const isText = (value: unknown): value is string => typeof value === "string";
/** Longest trace field (`traceparent`, `tracestate`) an envelope may carry: W3C asks to propagate 512 characters of `tracestate`. */
export const MAX_TRACE_FIELD = 1024;
const isTraceField = (value: unknown): boolean => typeof value === "string" && value.length <= MAX_TRACE_FIELD;
/** Whether the optional trace fields from `index` on are absent or well formed. */
const traceFieldsFrom = (value: unknown[], index: number): boolean =>
  value.length <= index + 2 && (value.length <= index || isTraceField(value[index])) && (value.length <= index + 1 || isTraceField(value[index + 1]));

/** Most issues a FAIL may carry, and most segments in one's path: the callee sends at most 10, each path cut to 16. */
export const MAX_ISSUES = 16;
export const MAX_ISSUE_PATH = 32;
/** Longest text in an issue (its message, a key in its path): the callee cuts them far shorter. */
export const MAX_ISSUE_TEXT = 1024;
const isPathSegment = (value: unknown): boolean => (typeof value === "string" && value.length <= MAX_ISSUE_TEXT) || (typeof value === "number" && Number.isSafeInteger(value));
/** A plain object with a string `message` and, maybe, a short `path` of keys and indexes; nothing else. */
function isIssue(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array) return false;
  const issue = value as Record<string, unknown>;
  for (const key of Object.keys(issue)) if (key !== "message" && key !== "path") return false;
  if (typeof issue.message !== "string" || issue.message.length > MAX_ISSUE_TEXT) return false;
  return issue.path === undefined || (Array.isArray(issue.path) && issue.path.length <= MAX_ISSUE_PATH && issue.path.every(isPathSegment));
}
const isIssues = (value: unknown): boolean => Array.isArray(value) && value.length <= MAX_ISSUES && value.every(isIssue);

/** A node id, a proof, a challenge: short by nature. */
const isToken = (value: unknown): value is string => typeof value === "string" && value.length > 0 && value.length <= 128;

/** Says what is wrong with a decoded envelope, or undefined when its shape is right. */
export function envelopeProblem(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return "an envelope must be a non-empty array";
  const [kind, a, b, c, d, f, g] = value as unknown[];
  switch (kind) {
    case CALL:
      return value.length >= 7 && traceFieldsFrom(value, 7) && isId(a) && isText(b) && isText(c) && isCount(f) && isCount(g) && (g as number) > 0
        ? undefined
        : "CALL is [0, id, target, type, payload, credit, timeoutMs, traceparent?, tracestate?]";
    case TELL:
      return value.length >= 4 && traceFieldsFrom(value, 4) && isText(a) && isText(b) ? undefined : "TELL is [1, target, type, payload, traceparent?, tracestate?]";
    case REPLY:
    case ITEM:
      return value.length === 3 && isId(a) ? undefined : "REPLY/ITEM is [kind, id, value]";
    case FAIL:
      return (value.length === 5 || (value.length === 6 && isIssues(value[5]))) && isId(a) && isText(b) && isText(c) && (value[4] === null || isText(value[4]))
        ? undefined
        : "FAIL is [3, id, code, message, errorName|null, issues?]";
    case END:
    case CANCEL:
      return value.length === 2 && isId(a) ? undefined : "END/CANCEL is [kind, id]";
    case CREDIT:
      return value.length === 3 && isId(a) && isCount(b) ? undefined : "CREDIT is [6, id, count]";
    case HELLO:
      return value.length === 5 && isToken(a) && isCount(b) && (c === null || isToken(c)) && (d === null || isToken(d))
        ? undefined
        : "HELLO is [8, nodeId, version, proof|nil, challenge|nil]";
    case PROVE:
      return value.length === 2 && isToken(a) ? undefined : "PROVE is [9, proof]";
    default:
      return `unknown envelope kind ${typeof kind === "number" ? kind : typeof kind}`;
  }
}
