import { activeContext, traceIdOf, tracing } from "../trace/index.ts";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

export type LogFields = Record<string, unknown>;

/** One line per event worth knowing; `fields` carry the details. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export const LOG_LEVELS = Object.keys(RANK) as LogLevel[];

/** JSON lines on stderr, one per event at or above `level`. */
export function jsonLogger(level: LogLevel = "warn", write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Logger {
  const at = (lineLevel: Exclude<LogLevel, "silent">) =>
    RANK[lineLevel] < RANK[level]
      ? () => {}
      : (event: string, fields?: LogFields) => {
          // Logging must never throw: a log line about a failure would become a new failure.
          let line: string;
          try {
            line = JSON.stringify({ time: new Date().toISOString(), level: lineLevel, event, ...fields }, safeValues());
          } catch {
            line = JSON.stringify({ time: new Date().toISOString(), level: lineLevel, event, fields: "(cannot be written)" });
          }
          try {
            write(line);
          } catch {
            // nowhere left to say it
          }
        };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A JSON replacer for anything a log field may hold: errors, BigInts, cycles. */
function safeValues(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (value instanceof Error) return { name: value.name, message: value.message };
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "object" && value !== null) {
      if (seen.has(value)) return "(cycle)";
      seen.add(value);
    }
    return value;
  };
}

/** Longest attacker-chosen text (an actor name, a message type, a peer's address) a log line or error carries. */
export const MAX_QUOTED = 128;

/** Text from outside, cut to `max` characters: a 4 MiB message type must not become 4 MiB of log. */
export function clip(text: unknown, max = MAX_QUOTED): string {
  const value = typeof text === "string" ? text : String(text);
  return value.length <= max ? value : `${value.slice(0, max)}…(${value.length} chars)`;
}

/** Longest text of one log field: a handler's error or a message type may come from outside. */
const MAX_FIELD = 512;

/** Fields with every text cut to MAX_FIELD, errors included, so no line grows with what a caller sent. */
function clipFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const key in fields) {
    const value = fields[key];
    if (typeof value === "string") out[key] = clip(value, MAX_FIELD);
    else if (value instanceof Error) out[key] = { name: clip(value.name, 64), message: clip(value.message, MAX_FIELD), ...("code" in value ? { code: value.code } : {}) };
    else out[key] = value;
  }
  return out;
}

/**
 * A logger that writes at most `perSecond` lines of one event each second (a
 * burst of twice that is fine); the rest are counted and reported with the next
 * line of that event that is written, and cuts every text field to 512
 * characters. A flood of bad requests costs a few short lines, not the disk.
 * A line written inside a traced call carries its `trace_id`.
 */
export function rateLimited(logger: Logger, perSecond = 50, now: () => number = Date.now): Logger {
  const buckets = new Map<string, { tokens: number; at: number; dropped: number }>();
  const at =
    (level: Exclude<LogLevel, "silent">) =>
    (event: string, fields?: LogFields): void => {
      const time = now();
      let bucket = buckets.get(event);
      if (bucket === undefined) {
        // Event names are the code's own, so this map stays small.
        bucket = { tokens: 2 * perSecond, at: time, dropped: 0 };
        buckets.set(event, bucket);
      }
      bucket.tokens = Math.min(2 * perSecond, bucket.tokens + ((time - bucket.at) * perSecond) / 1000);
      bucket.at = time;
      if (bucket.tokens < 1) {
        bucket.dropped++;
        return;
      }
      bucket.tokens--;
      const dropped = bucket.dropped;
      bucket.dropped = 0;
      const clipped = fields === undefined ? undefined : clipFields(fields);
      const traceId = tracing.on ? traceIdOf(activeContext()) : undefined;
      const extra = dropped === 0 ? (traceId === undefined ? undefined : { trace_id: traceId }) : traceId === undefined ? { suppressed: dropped } : { suppressed: dropped, trace_id: traceId };
      logger[level](event, extra === undefined ? clipped : { ...clipped, ...extra });
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
