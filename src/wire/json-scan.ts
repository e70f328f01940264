/**
 * Checks on JSON bodies that `JSON.parse` does not make: how deep the body nests,
 * before anything is built, and whether it names a key `__proto__`, which
 * msgpack bodies may not either. The depth scan also notes, for free, whether
 * the body may hold a `$bytes`/`$bigint` marker (json-convention.ts).
 */

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c;
const DOLLAR = 0x24;
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d;

/**
 * Says whether JSON `text` nests arrays and objects deeper than `maxDepth`, from
 * the brackets outside strings, without parsing it; undefined when it does not.
 * Counts only: whether the text is valid JSON is for `JSON.parse` to say.
 */
export function jsonDepthProblem(text: string, maxDepth: number): string | undefined {
  const end = text.length;
  let depth = 0;
  let containers = 0;
  let dollarStrings = false;
  let inString = false;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++; // the escaped character, never a quote that ends the string
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
      // A key "$bytes" or "$bigint" starts with $, spelt literally or as an escape.
      const first = text.charCodeAt(i + 1);
      if (first === DOLLAR || first === BACKSLASH) dollarStrings = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      containers++;
      if (++depth > maxDepth) return `nested deeper than ${maxDepth} levels of arrays and objects`;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (--depth < 0) return `a closing bracket at offset ${i} closes nothing`;
    }
  }
  // A value of two characters ("1,") decodes to a 16-byte slot; an array or object is an object more.
  scannedJsonCost = 8 * end + 48 * containers;
  scannedJsonMayHoldMarkers = dollarStrings;
  return undefined;
}

/** The estimated memory, in bytes, of what the JSON text last accepted by `jsonDepthProblem` parses to. */
export let scannedJsonCost = 0;

/**
 * Whether the JSON text last accepted by `jsonDepthProblem` has a string that
 * starts with `$` (or with an escape, which may spell one): false means no
 * `{"$bytes": …}` or `{"$bigint": …}` can be in it, and nothing need be revived.
 */
export let scannedJsonMayHoldMarkers = false;

/**
 * Whether a value parsed from JSON `text` has an object with an own key
 * `__proto__`, at any level. `JSON.parse` keeps such a key as an own property,
 * which code that copies or merges objects may turn into a prototype.
 */
export function hasProtoKey(text: string, value: unknown): boolean {
  // The key can only be spelt literally or with \u escapes: most bodies need no walk.
  if (!text.includes("__proto__") && !text.includes("\\u")) return false;
  if (value === null || typeof value !== "object") return false;
  const pending: object[] = [value];
  while (pending.length > 0) {
    const item = pending.pop() as Record<string, unknown>;
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) {
        const child: unknown = item[i];
        if (child !== null && typeof child === "object") pending.push(child);
      }
      continue;
    }
    if (Object.hasOwn(item, "__proto__")) return true;
    for (const key in item) {
      const child = item[key];
      if (child !== null && typeof child === "object") pending.push(child);
    }
  }
  return false;
}
