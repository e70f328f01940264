import { ActorError, clip } from "../actor/index.ts";

/**
 * How an entity is addressed where actors are addressed by name (a link's
 * CALL target): `#<kind>/<key>`. Actor names cannot hold `#`, so no name is
 * ever taken for an entity.
 */
export const ENTITY_PREFIX = "#";

export const MAX_KEY_LENGTH = 256;
const KIND = /^[A-Za-z0-9_.-]{1,64}$/;

/** Why `kind` is not a valid entity kind, or undefined. */
export function kindProblem(kind: unknown): string | undefined {
  if (typeof kind === "string" && KIND.test(kind) && !/^\.+$/.test(kind)) return undefined;
  return `invalid entity kind ${JSON.stringify(clip(String(kind), 80))}: 1 to 64 characters of A-Z a-z 0-9 _ . -`;
}

/** Why `key` is not a valid entity key, or undefined: any text of 1 to 256 characters without control characters. */
export function keyProblem(key: unknown): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (typeof key === "string" && key.length > 0 && key.length <= MAX_KEY_LENGTH && !/[\u0000-\u001f\u007f]/.test(key)) return undefined;
  return `invalid entity key ${JSON.stringify(clip(String(key), 80))}: 1 to ${MAX_KEY_LENGTH} characters, no control characters`;
}

export function checkKind(kind: unknown): string {
  const problem = kindProblem(kind);
  if (problem !== undefined) throw new ActorError("INVALID_NAME", problem);
  return kind as string;
}

export function checkKey(key: unknown): string {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new ActorError("INVALID_NAME", problem);
  return key as string;
}

export function entityTarget(kind: string, key: string): string {
  return `${ENTITY_PREFIX}${kind}/${key}`;
}

/** The kind and key a target names, undefined when it is not an entity's, or the coded reason it is malformed. */
export function parseEntityTarget(target: string): { kind: string; key: string } | ActorError | undefined {
  if (!target.startsWith(ENTITY_PREFIX)) return undefined;
  const slash = target.indexOf("/");
  const kind = slash < 0 ? target.slice(1) : target.slice(1, slash);
  const key = slash < 0 ? "" : target.slice(slash + 1);
  const problem = kindProblem(kind) ?? keyProblem(key);
  return problem === undefined ? { kind, key } : new ActorError("INVALID_NAME", problem);
}
