/**
 * `--log-format text|json`: how a node writes its log lines.
 *
 * - `json`: one JSON object per line (jsonLogger), for journald, Loki, jq.
 * - `text`: one readable line per event:
 *   `2025-01-02T03:04:05.678Z INFO  node started node=n1 addr=127.0.0.1:9000 secret=false`
 *   (time, level, event, then key=value fields; a text with spaces, quotes or
 *   `=` is JSON-quoted; an error is `name: message`; objects and arrays are
 *   compact JSON).
 *
 * The default is text when stderr is a terminal (a person reads it), JSON
 * otherwise (a service manager or a file keeps it).
 *
 * A command wires it in with its spec (`...LOG_FORMAT_OPTION`, `...LOG_FORMAT_ENV`,
 * `...LOG_FORMAT_HELP`), then `logFormatFlag(values["log-format"], io.errIsTerminal)`
 * (a UsageError for a bad value) and `makeLogger(format, level, write)`.
 */
import { jsonLogger, LOG_LEVELS, type LogFields, type Logger, type LogLevel } from "../actor/index.ts";
import { UsageError } from "./usage.ts";

export type LogFormat = "text" | "json";
export const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

export const LOG_FORMAT_OPTION = { "log-format": { type: "string" } } as const;
export const LOG_FORMAT_ENV = { "log-format": "PULSING_LOG_FORMAT" } as const;
export const LOG_FORMAT_HELP = { "log-format": "text or json (default: text when stderr is a terminal, else json)" } as const;

/** Text when stderr is a terminal, JSON lines otherwise. */
export function defaultLogFormat(stderrIsTerminal: boolean = process.stderr.isTTY === true): LogFormat {
  return stderrIsTerminal ? "text" : "json";
}

/** The format a `--log-format` value names (undefined: the default for this stderr), or a UsageError. */
export function logFormatFlag(value: unknown, stderrIsTerminal: boolean = process.stderr.isTTY === true): LogFormat {
  if (value === undefined) return defaultLogFormat(stderrIsTerminal);
  if (LOG_FORMATS.includes(value as LogFormat)) return value as LogFormat;
  throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(", ")}, got ${JSON.stringify(value)}`);
}

/** A logger writing events at or above `level` in `format`, one line (no newline) per `write`. */
export function makeLogger(format: LogFormat, level: LogLevel, write: (line: string) => void): Logger {
  return format === "json" ? jsonLogger(level, write) : textLogger(level, write);
}

/** Readable lines: time, level, event, then key=value fields. */
export function textLogger(level: LogLevel, write: (line: string) => void): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at = (lineLevel: Exclude<LogLevel, "silent">) =>
    LOG_LEVELS.indexOf(lineLevel) < threshold
      ? () => {}
      : (event: string, fields?: LogFields) => {
          // Logging must never throw: a log line about a failure would become a new failure.
          let line: string;
          try {
            line = `${new Date().toISOString()} ${lineLevel.toUpperCase().padEnd(5)} ${oneLine(event)}${fieldsText(fields)}`;
          } catch {
            line = `${new Date().toISOString()} ${lineLevel.toUpperCase().padEnd(5)} ${oneLine(String(event))} (fields cannot be written)`;
          }
          try {
            write(line);
          } catch {
            // nowhere left to say it
          }
        };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Text that needs no quotes: no spaces, quotes, `=`, backslashes or control characters. */
const BARE = /^[^\s"=\\\p{Cc}\u2028\u2029]+$/u;

function quoted(text: string): string {
  return BARE.test(text) ? text : JSON.stringify(text).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** The event name, kept on one line: the code's own names have spaces, which stay. */
function oneLine(event: string): string {
  return /[\p{Cc}\u2028\u2029]/u.test(event) ? quoted(event) : event;
}

function fieldsText(fields: LogFields | undefined): string {
  if (fields === undefined) return "";
  let text = "";
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === undefined) continue; // as in JSON lines: an undefined field is left out
    text += ` ${quoted(key)}=${valueText(value)}`;
  }
  return text;
}

function valueText(value: unknown): string {
  if (value instanceof Error) return quoted(`${value.name}: ${value.message}`);
  if (typeof value === "string") return quoted(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  // Objects and arrays as compact JSON, unquoted: JSON has no raw line breaks.
  if (typeof value === "object") return (JSON.stringify(value, safeValues()) ?? "null").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  return quoted(String(value)); // functions, symbols
}

/** A JSON replacer for nested values: errors as `name: message`, BigInts, cycles. */
function safeValues(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (typeof value === "bigint") return `${value}n`;
    if (typeof value === "object" && value !== null) {
      if (seen.has(value)) return "(cycle)";
      seen.add(value);
    }
    return value;
  };
}
