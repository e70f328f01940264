import { ActorError, clip } from "../actor/index.ts";

/**
 * An entity's address as a client's link call names it, `#<kind>/<key>`: the
 * format of src/entity/address.ts (`entityTarget`), which a gateway node reads
 * (`Gateway.locate` sends `#…` targets to the key's owner). The client may not
 * import the entity layer (scripts/check-imports.ts: client → transport,
 * actor, wire), so it writes the address itself and checks kind and key with
 * the same rules, so that a bad one fails at once, as a bad name does in
 * `resolve`. test/client/entity-client.test.ts holds the two rules to the same
 * answers.
 */
const ENTITY_PREFIX = "#";
const MAX_KEY_LENGTH = 256;
const KIND = /^[A-Za-z0-9_.-]{1,64}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The kind a class goes by when none is given: its `static kind`, else its name (as `system.entity(Class, key)` reads it). */
export function kindOfClass(cls: Function): string {
  const declared = (cls as { kind?: unknown }).kind;
  return typeof declared === "string" ? declared : cls.name;
}

/** `#kind/key`, or INVALID_NAME when the kind or the key is not one a node accepts. */
export function entityAddress(kind: unknown, key: unknown): string {
  if (typeof kind !== "string" || !KIND.test(kind) || /^\.+$/.test(kind)) {
    throw new ActorError("INVALID_NAME", `invalid entity kind ${JSON.stringify(clip(String(kind), 80))}: 1 to 64 characters of A-Z a-z 0-9 _ . -`);
  }
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH || CONTROL.test(key)) {
    throw new ActorError("INVALID_NAME", `invalid entity key ${JSON.stringify(clip(String(key), 80))}: 1 to ${MAX_KEY_LENGTH} characters, no control characters`);
  }
  return `${ENTITY_PREFIX}${kind}/${key}`;
}
