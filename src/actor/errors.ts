/** Stable, machine-readable error codes. They survive the network unchanged. */
export const ERROR_CODES = [
  "ACTOR_NOT_FOUND",
  "UNKNOWN_MESSAGE",
  "HANDLER_ERROR",
  "START_FAILED",
  "TIMEOUT",
  "ACTOR_STOPPED",
  "NAME_TAKEN",
  "INVALID_NAME",
  "INVALID_OPTION",
  "BAD_REQUEST",
  "MAILBOX_FULL",
  "TOO_MANY_CALLS",
  "NODE_UNREACHABLE",
  "UNAUTHORIZED",
  "SHUTTING_DOWN",
  "SPAWN_NOT_ALLOWED",
  "ENTITY_MOVED",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && KNOWN_CODES.has(value);
}

/** One reason a schema refused what a caller sent (see schemas.ts); its texts are clipped. */
export interface ValidationIssue {
  readonly message: string;
  /** Where in the payload, outermost first; for a method, element 0 is the index of the argument. */
  readonly path?: readonly (string | number)[];
}

export interface ActorErrorOptions {
  /** The `name` of the error a handler threw (e.g. "TypeError"), kept when the error itself cannot travel. */
  errorName?: string;
  /** Why a schema refused the arguments (BAD_REQUEST), for callers that want more than the message. */
  issues?: readonly ValidationIssue[];
  cause?: unknown;
}

/** Text for anything thrown, even an object `String()` cannot convert (a null prototype). */
function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** An ActorError as JSON: what an HTTP error body carries under `error`. */
export interface ActorErrorJson {
  code: ErrorCode;
  message: string;
  errorName?: string;
  issues?: readonly ValidationIssue[];
}

/** Every failure the runtime reports to a caller is an ActorError with a stable `code`. */
export class ActorError extends Error {
  override readonly name = "ActorError";
  readonly code: ErrorCode;
  readonly errorName: string | undefined;
  readonly issues: readonly ValidationIssue[] | undefined;

  constructor(code: ErrorCode, message: string, options: ActorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errorName = options.errorName;
    this.issues = options.issues;
  }

  /** Wraps whatever a handler threw; an ActorError thrown by a handler keeps its own code. */
  static fromHandler(error: unknown, code: ErrorCode = "HANDLER_ERROR"): ActorError {
    if (error instanceof ActorError) return error;
    if (error instanceof Error) {
      return new ActorError(code, error.message, { errorName: error.name, cause: error });
    }
    return new ActorError(code, describe(error), { errorName: typeof error, cause: error });
  }

  toJSON(): ActorErrorJson {
    const json: ActorErrorJson = { code: this.code, message: this.message };
    if (this.errorName !== undefined) json.errorName = this.errorName;
    if (this.issues !== undefined) json.issues = this.issues;
    return json;
  }
}
