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
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && KNOWN_CODES.has(value);
}

export interface ActorErrorOptions {
  /** The `name` of the error a handler threw (e.g. "TypeError"), kept when the error itself cannot travel. */
  errorName?: string;
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

/** Every failure the runtime reports to a caller is an ActorError with a stable `code`. */
export class ActorError extends Error {
  override readonly name = "ActorError";
  readonly code: ErrorCode;
  readonly errorName: string | undefined;

  constructor(code: ErrorCode, message: string, options: ActorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errorName = options.errorName;
  }

  /** Wraps whatever a handler threw; an ActorError thrown by a handler keeps its own code. */
  static fromHandler(error: unknown, code: ErrorCode = "HANDLER_ERROR"): ActorError {
    if (error instanceof ActorError) return error;
    if (error instanceof Error) {
      return new ActorError(code, error.message, { errorName: error.name, cause: error });
    }
    return new ActorError(code, describe(error), { errorName: typeof error, cause: error });
  }

  toJSON(): { code: ErrorCode; message: string; errorName?: string } {
    return this.errorName === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, errorName: this.errorName };
  }
}
