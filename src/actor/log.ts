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
