/**
 * A structural check of msgpack bytes, run before the decoder builds anything.
 *
 * @msgpack/msgpack allocates an array or map as soon as it reads its header, and
 * its length limits are static, so a few hundred bytes of nested `array32`
 * headers each declaring millions of elements make it allocate gigabytes before
 * it notices the bytes run out. This walk reads headers and skips payloads
 * without creating a single value, and refuses:
 *
 * - a str, bin or ext whose declared length runs past the end of the bytes;
 * - an array or map whose elements, together with every value still owed by the
 *   containers around it, could not fit in the bytes that remain (a value takes at
 *   least one byte, a map entry two);
 * - nesting of arrays and maps deeper than `maxDepth`, checked as it goes;
 * - anything after the end of the value, and the reserved byte 0xc1.
 *
 * Once it passes, everything the decoder will allocate is backed by bytes that are
 * really there. Iterative, with a small reusable stack (one number per open
 * container), so neither a deep nor a long input can exhaust the call stack or
 * make it allocate.
 */

/**
 * For each open array or map (index = depth), the number of values owed once all
 * its own elements have begun: when a value ends with `owed` back at that mark,
 * the container ends too. One read per level, no count to decrement.
 */
let marks: Float64Array = new Float64Array(72);

function grown(from: Float64Array): Float64Array {
  const next = new Float64Array(from.length * 2);
  next.set(from);
  marks = next;
  return next;
}

/** What decoding costs in memory, roughly: a slot per value, an object per array or map, the text and bytes. */
const VALUE_COST = 16;
const CONTAINER_COST = 48;
/** A binary or ext value is a typed-array view: an object of its own, and a hold on the whole buffer it came in. */
const VIEW_COST = 128;

/**
 * The estimated memory, in bytes, of the last value `msgpackProblem` accepted:
 * a few bytes on the wire can decode to far more (an empty array is one byte and
 * a whole object), so what a node may hold is counted in this, not in wire bytes.
 */
export let scannedCost = 0;

/**
 * When that value is an array (a link frame), the estimate for each of its
 * elements, in `elementCosts[0 .. scannedElements)`: each envelope is charged
 * its own, so one large envelope cannot hide among many small ones.
 */
export let scannedElements = 0;
export let elementCosts: Float64Array = new Float64Array(256);

/**
 * The estimate for a stretch of `span` bytes holding `values` values, of which
 * `containers` arrays or maps and `views` binaries or exts. Bytes that are not a
 * value's first byte are lengths or payload; text may take two bytes a character
 * once decoded, so each counts twice. A binary is a view into the bytes it came
 * in, so it keeps the whole message (`whole` bytes) alive.
 */
function costOf(span: number, values: number, containers: number, views: number, whole: number): number {
  const cost = VALUE_COST * values + CONTAINER_COST * containers + 2 * (span - values) + VIEW_COST * views;
  return views > 0 ? Math.max(cost, whole) : cost;
}

function recordElement(cost: number): void {
  if (scannedElements === elementCosts.length) {
    const grown = new Float64Array(elementCosts.length * 2);
    grown.set(elementCosts);
    elementCosts = grown;
  }
  elementCosts[scannedElements++] = cost;
}

const u16 = (bytes: Uint8Array, at: number): number => (bytes[at]! << 8) | bytes[at + 1]!;
const u32 = (bytes: Uint8Array, at: number): number => bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);

/**
 * Says what is wrong with `bytes` as one msgpack value nested at most `maxDepth`
 * arrays and maps deep, or undefined when the decoder may have it. Messages hold
 * offsets and lengths, never the bytes themselves.
 */
export function msgpackProblem(bytes: Uint8Array, maxDepth: number): string | undefined {
  const end = bytes.length;
  if (end === 0) return "no bytes";
  let stack: Float64Array = marks;
  let pos = 0;
  let depth = 0;
  // Values not yet begun. Invariant between values: end - pos >= owed >= 1, so
  // every head byte read is within the buffer.
  let owed = 1;
  let values = 0;
  let containers = 0;
  let views = 0;
  // Where the current element of a top-level array began, and the counts then.
  let element = -1;
  let elementValues = 0;
  let elementContainers = 0;
  let elementViews = 0;
  scannedElements = 0;
  for (;;) {
    const start = pos;
    if (depth === 1) {
      // A new element of the top-level array: the one before it ended here.
      if (element >= 0) recordElement(costOf(pos - element, values - elementValues, containers - elementContainers, views - elementViews, end));
      element = pos;
      elementValues = values;
      elementContainers = containers;
      elementViews = views;
    }
    const head = bytes[pos]!;
    owed--;
    values++;
    let children = -1; // -1: not an array or map
    if (head < 0x80 || head >= 0xe0) {
      pos += 1; // positive and negative fixint
    } else if (head < 0x90) {
      children = (head & 0x0f) * 2; // fixmap
      pos += 1;
    } else if (head < 0xa0) {
      children = head & 0x0f; // fixarray
      pos += 1;
    } else if (head < 0xc0) {
      pos += 1 + (head & 0x1f); // fixstr
    } else {
      if (head <= 0xc9 ? head >= 0xc4 : head >= 0xd4 && head <= 0xd8) views++; // bin8–ext32, fixext1–16
      switch (head) {
        case 0xc0: // nil
        case 0xc2: // false
        case 0xc3: // true
          pos += 1;
          break;
        case 0xc1:
          return `reserved byte 0xc1 at offset ${start}`;
        case 0xcc: // uint8
        case 0xd0: // int8
          pos += 2;
          break;
        case 0xcd: // uint16
        case 0xd1: // int16
        case 0xd4: // fixext1: type + 1
          pos += 3;
          break;
        case 0xd5: // fixext2
          pos += 4;
          break;
        case 0xca: // float32
        case 0xce: // uint32
        case 0xd2: // int32
          pos += 5;
          break;
        case 0xd6: // fixext4
          pos += 6;
          break;
        case 0xcb: // float64
        case 0xcf: // uint64
        case 0xd3: // int64
          pos += 9;
          break;
        case 0xd7: // fixext8
          pos += 10;
          break;
        case 0xd8: // fixext16
          pos += 18;
          break;
        case 0xc4: // bin8
        case 0xd9: // str8
          if (end - pos < 2) return truncated(start, end);
          pos += 2 + bytes[pos + 1]!;
          break;
        case 0xc5: // bin16
        case 0xda: // str16
          if (end - pos < 3) return truncated(start, end);
          pos += 3 + u16(bytes, pos + 1);
          break;
        case 0xc6: // bin32
        case 0xdb: // str32
          if (end - pos < 5) return truncated(start, end);
          pos += 5 + u32(bytes, pos + 1);
          break;
        case 0xc7: // ext8: length, type, data
          if (end - pos < 3) return truncated(start, end);
          pos += 3 + bytes[pos + 1]!;
          break;
        case 0xc8: // ext16
          if (end - pos < 4) return truncated(start, end);
          pos += 4 + u16(bytes, pos + 1);
          break;
        case 0xc9: // ext32
          if (end - pos < 6) return truncated(start, end);
          pos += 6 + u32(bytes, pos + 1);
          break;
        case 0xdc: // array16
          if (end - pos < 3) return truncated(start, end);
          children = u16(bytes, pos + 1);
          pos += 3;
          break;
        case 0xdd: // array32
          if (end - pos < 5) return truncated(start, end);
          children = u32(bytes, pos + 1);
          pos += 5;
          break;
        case 0xde: // map16
          if (end - pos < 3) return truncated(start, end);
          children = u16(bytes, pos + 1) * 2;
          pos += 3;
          break;
        default: // 0xdf map32
          if (end - pos < 5) return truncated(start, end);
          children = u32(bytes, pos + 1) * 2;
          pos += 5;
          break;
      }
    }
    if (children >= 0) {
      containers++;
      if (depth >= maxDepth) return `nested deeper than ${maxDepth} levels of arrays and maps`;
      if (children > 0) {
        owed += children;
        if (end - pos < owed) return tooMany(head, children, start, end - pos);
        if (++depth === stack.length) stack = grown(stack);
        stack[depth] = owed - children;
        continue;
      }
    }
    if (end - pos < owed) return pos > end ? tooLong(start, pos - start, end - start) : `truncated: ${owed} more values are due after offset ${pos} but only ${end - pos} bytes remain`;
    // A value ended, and with it every open container whose elements have all begun.
    while (depth > 0 && stack[depth] === owed) depth--;
    if (depth === 0) {
      if (pos !== end) return `${end - pos} bytes after the end of the value`;
      if (element >= 0) recordElement(costOf(end - element, values - elementValues, containers - elementContainers, views - elementViews, end));
      scannedCost = costOf(end, values, containers, views, end);
      return undefined;
    }
  }
}

function truncated(offset: number, end: number): string {
  return `truncated: the value at offset ${offset} needs more than the ${end - offset} bytes left`;
}

function tooLong(offset: number, size: number, left: number): string {
  return `the value at offset ${offset} declares ${size} bytes but only ${left} remain`;
}

function tooMany(head: number, children: number, offset: number, left: number): string {
  const what = head < 0x90 || head >= 0xde ? `a map of ${children / 2} entries` : `an array of ${children} elements`;
  return `${what} at offset ${offset} cannot fit in the ${left} bytes left`;
}
