import type { MethodEntry } from "./dispatch.ts";
import { ActorError, type ValidationIssue } from "./errors.ts";
import { clip } from "./log.ts";
import type { StandardSchemaV1 } from "./standard-schema.ts";

/** At most this many issues travel with a refusal: one payload can fail in a million places. */
const MAX_ISSUES = 10;

/** Deepest issue path kept: the wire bounds nesting already, this bounds what a refusal repeats of it. */
const MAX_PATH = 16;

/** Longest key of an issue's path: keys of a record come from the caller. */
const MAX_KEY = 64;

/** Longest message of one issue: libraries quote the value they refused (valibot: `…but received "<it>"`). */
const MAX_ISSUE_MESSAGE = 128;

/**
 * An actor class's `static schemas`, read once per class: a Standard Schema
 * per message type, checked against what the network sends before the
 * handler runs. Local calls never come here (see network.ts).
 */
export class Schemas {
  readonly #byType: ReadonlyMap<string, StandardSchemaV1>;
  /** The schema of every type `receive` handles without one of its own. */
  readonly #receive: StandardSchemaV1 | undefined;

  constructor(byType: ReadonlyMap<string, StandardSchemaV1>, receive: StandardSchemaV1 | undefined) {
    this.#byType = byType;
    this.#receive = receive;
  }

  /**
   * What the handler gets for a message from the network: the schema's output
   * (the payload itself when its type has no schema). Throws BAD_REQUEST with
   * the issues when the schema refuses it.
   */
  check(type: string, entry: MethodEntry | undefined, payload: unknown): unknown {
    const schema = this.#byType.get(type) ?? (entry === undefined ? this.#receive : undefined);
    return schema === undefined ? payload : validated(schema, type, entry !== undefined, payload);
  }
}

/**
 * Runs one schema. Anything a schema does wrong becomes an ActorError, never a
 * throw into the transport: it throws (BAD_REQUEST: what it choked on came from
 * the caller), answers with a promise (HANDLER_ERROR: the actor's schemas must
 * be synchronous), or gives a method something other than an argument array.
 */
function validated(schema: StandardSchemaV1, type: string, isMethod: boolean, payload: unknown): unknown {
  try {
    const result = schema["~standard"].validate(payload);
    if (isPromise(result)) {
      result.then(undefined, () => {}); // nobody waits for it: its failure must not be an unhandled rejection
      throw new ActorError(
        "HANDLER_ERROR",
        `${clip(type)}: its schema answered with a promise (an async check, or with zod a check that threw); an actor's schemas must validate synchronously`,
      );
    }
    if (result.issues !== undefined) throw refusal(type, result.issues);
    if (isMethod && !Array.isArray(result.value)) {
      throw new ActorError("HANDLER_ERROR", `${clip(type)}: its schema's output is not an argument array`);
    }
    return result.value;
  } catch (error) {
    if (error instanceof ActorError) throw error;
    throw refusal(type, [{ message: `the schema threw: ${text(error instanceof Error ? error.message : error)}` }]);
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Partial<Promise<T>>).then === "function";
}

/** BAD_REQUEST naming the first issues, each clipped: a schema's messages may quote what the caller sent. */
function refusal(type: string, issues: ReadonlyArray<StandardSchemaV1.Issue>): ActorError {
  const kept = boundedIssues(issues);
  const more = issues.length - kept.length;
  const summary = kept.length === 0 ? "refused by its schema" : kept.map(describeIssue).join("; ") + (more > 0 ? `; and ${more} more` : "");
  return new ActorError("BAD_REQUEST", `${clip(type)}: ${summary}`, { issues: kept });
}

/**
 * The first issues, each clipped: what a refusal keeps, and what an error
 * carries when it leaves a node, whoever made its issues (a handler may throw
 * an ActorError with its own, a peer's FAIL brings some).
 */
export function boundedIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>): ValidationIssue[] {
  return issues.slice(0, MAX_ISSUES).map(issueOf);
}

function issueOf(issue: StandardSchemaV1.Issue): ValidationIssue {
  const message = cut(text(issue.message), MAX_ISSUE_MESSAGE);
  const path = issue.path?.slice(0, MAX_PATH).map((segment) => keyOf(typeof segment === "object" && segment !== null ? segment.key : segment));
  return path === undefined || path.length === 0 ? { message } : { message, path };
}

function keyOf(key: PropertyKey): string | number {
  return typeof key === "number" ? key : cut(typeof key === "symbol" ? key.toString() : key, MAX_KEY);
}

/** At most `max` characters, then `…`: the HTTP error body's own convention, which docs/openapi.json states for issues. */
function cut(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max)}…`;
}

/** `[0].user.name: expected string`. */
function describeIssue(issue: ValidationIssue): string {
  if (issue.path === undefined) return issue.message;
  const where = issue.path.map((key) => (typeof key === "number" ? `[${key}]` : `.${key}`)).join("");
  return `${where}: ${issue.message}`;
}

/** Text for anything, even what `String()` cannot convert (a null prototype). */
function text(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * The constructor arguments a spawn from the network brings (remote spawn),
 * checked against the class's `static argsSchema` under a method's rules: the
 * schema's output, or BAD_REQUEST with the issues (labelled `new <Class>`).
 */
export function checkArgs(schema: StandardSchemaV1, className: string, args: unknown[]): unknown[] {
  return validated(schema, `new ${className}`, true, args) as unknown[];
}

/** Whether `value` implements Standard Schema v1. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const props = (value as Partial<StandardSchemaV1>)["~standard"];
  return typeof props === "object" && props !== null && props.version === 1 && typeof props.validate === "function";
}

/**
 * Reads `static schemas` of an actor class (inherited like any static; a
 * subclass's own replaces it whole). A key names a message method, or, for a
 * class with `receive`, a message type it handles or `receive` itself (every
 * type it handles without a schema of its own). Anything else fails the spawn
 * with INVALID_OPTION. Undefined when there is nothing to check.
 */
export function readSchemas(cls: abstract new (...args: never[]) => object, methods: ReadonlyMap<string, MethodEntry>, hasReceive: boolean): Schemas | undefined {
  const declared = (cls as { readonly schemas?: unknown }).schemas;
  if (declared === undefined) return undefined;
  const where = `${clip(cls.name === "" ? "(anonymous class)" : cls.name)}.schemas`;
  if (typeof declared !== "object" || declared === null || Array.isArray(declared)) {
    throw new ActorError("INVALID_OPTION", `${where} must be an object of Standard Schemas by message type`);
  }
  const byType = new Map<string, StandardSchemaV1>();
  let receive: StandardSchemaV1 | undefined;
  for (const [type, schema] of Object.entries(declared)) {
    if (!isStandardSchema(schema)) throw new ActorError("INVALID_OPTION", `${where}.${clip(type)} is not a Standard Schema (v1), as zod, valibot and arktype schemas are`);
    if (type === "receive" && hasReceive) receive = schema;
    else if (methods.has(type) || hasReceive) byType.set(type, schema);
    else throw new ActorError("INVALID_OPTION", `${where}.${clip(type)} names no message method, and the class has no receive`);
  }
  return byType.size === 0 && receive === undefined ? undefined : new Schemas(byType, receive);
}
