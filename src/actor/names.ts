import { ActorError } from "./errors.ts";

export const MAX_SEGMENT_LENGTH = 64;
export const MAX_NAME_LENGTH = 256;
export const RESERVED_NAMESPACE = "system";

const SEGMENT = /^[A-Za-z0-9_.-]+$/;
const ONLY_DOTS = /^\.+$/;

const RULE =
  `a name is one or more "/"-separated segments of [A-Za-z0-9_.-], ` +
  `each 1..${MAX_SEGMENT_LENGTH} characters (not "." or ".."), at most ${MAX_NAME_LENGTH} in all`;

/** Returns why `name` is not a valid actor name, or undefined when it is. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return `actor name must be a string; ${RULE}`;
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return `invalid actor name ${JSON.stringify(name.slice(0, 300))}: ${RULE}`;
  for (const segment of name.split("/")) {
    // Dot-only segments would let a name walk URL paths ("/actor/../health").
    if (segment.length > MAX_SEGMENT_LENGTH || !SEGMENT.test(segment) || ONLY_DOTS.test(segment)) {
      return `invalid actor name ${JSON.stringify(name)}: ${RULE}`;
    }
  }
  return undefined;
}

export function isReservedName(name: string): boolean {
  return name === RESERVED_NAMESPACE || name.startsWith(`${RESERVED_NAMESPACE}/`);
}

/** Validates a user-chosen name: well formed and outside the reserved `system/` namespace. */
export function checkUserName(name: unknown): string {
  const problem = nameProblem(name);
  if (problem !== undefined) throw new ActorError("INVALID_NAME", problem);
  const valid = name as string;
  if (isReservedName(valid)) {
    throw new ActorError("INVALID_NAME", `invalid actor name ${JSON.stringify(valid)}: the "${RESERVED_NAMESPACE}/" namespace is reserved for the runtime`);
  }
  return valid;
}

/** Validates a name the runtime gives one of its own actors: well formed and inside the reserved namespace. */
export function checkReservedName(name: unknown): string {
  const problem = nameProblem(name);
  if (problem !== undefined) throw new ActorError("INVALID_NAME", problem);
  const valid = name as string;
  if (!isReservedName(valid)) throw new ActorError("INVALID_NAME", `the runtime's own actors are named under "${RESERVED_NAMESPACE}/", not ${JSON.stringify(valid)}`);
  return valid;
}
