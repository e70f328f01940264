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
          write(JSON.stringify({ time: new Date().toISOString(), level: lineLevel, event, ...fields }, errorsAsText));
        };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

function errorsAsText(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
