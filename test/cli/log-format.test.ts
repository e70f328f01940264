import { describe, expect, test } from "bun:test";
import { ActorError } from "pulsing";
import { nodeSpec } from "../../src/cli/node-command.ts";
import {
  defaultLogFormat,
  LOG_FORMAT_ENV,
  LOG_FORMAT_HELP,
  LOG_FORMAT_OPTION,
  logFormatFlag,
  makeLogger,
} from "../../src/cli/log-format.ts";
import { type CommandSpec, helpText, parseCommand, UsageError } from "../../src/cli/usage.ts";

function capture(format: "text" | "json", level: "debug" | "info" | "warn" | "error" | "silent" = "debug") {
  const lines: string[] = [];
  return { lines, logger: makeLogger(format, level, (line) => lines.push(line)) };
}

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe("--log-format", () => {
  test("json is the existing JSON lines logger", () => {
    const { lines, logger } = capture("json", "info");
    logger.debug("hidden");
    logger.info("node started", { node: "n1", seeds: ["a:1"], secret: false });
    logger.error("actor failed", { error: new TypeError("bad state") });
    expect(lines).toHaveLength(2);
    const [started, failed] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(started).toMatchObject({ level: "info", event: "node started", node: "n1", seeds: ["a:1"], secret: false });
    expect(String(started?.time)).toMatch(TIME);
    expect(failed).toMatchObject({ level: "error", event: "actor failed", error: { name: "TypeError", message: "bad state" } });
  });

  test("text is one readable line per event: time, level, event, key=value fields", () => {
    const { lines, logger } = capture("text");
    logger.info("node started", { node: "n1", addr: "127.0.0.1:9000", seeds: ["a:1", "b:2"], secret: false, members: 3, skipped: undefined, gone: null });
    const [time, ...rest] = (lines[0] as string).split(" ");
    expect(time).toMatch(TIME);
    expect(rest.join(" ")).toBe('INFO  node started node=n1 addr=127.0.0.1:9000 seeds=["a:1","b:2"] secret=false members=3 gone=null');
  });

  test("text: errors as name: message; quoting keeps every event on one line", () => {
    const { lines, logger } = capture("text");
    logger.error("actor failed", { actor: "kv/store", error: new ActorError("HANDLER_ERROR", "it broke") });
    logger.warn("dead letter", { msgType: 'evil\nline="x"', empty: "", count: 10n });
    logger.warn("two\nlines");
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    logger.debug("odd fields", { cycle, nested: { error: new Error("inner") } });
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).not.toContain("\n");
    expect(lines[0]).toEndWith('ERROR actor failed actor=kv/store error="ActorError: it broke"');
    expect(lines[1]).toEndWith('WARN  dead letter msgType="evil\\nline=\\"x\\"" empty="" count=10n');
    expect(lines[2]).toEndWith('WARN  "two\\nlines"');
    expect(lines[3]).toEndWith('DEBUG odd fields cycle={"a":1,"self":"(cycle)"} nested={"error":"Error: inner"}');
  });

  test("text honours the level", () => {
    const { lines, logger } = capture("text", "warn");
    logger.debug("a");
    logger.info("b");
    logger.warn("c");
    logger.error("d");
    expect(lines.map((line) => line.split(" ").slice(1).join(" "))).toEqual(["WARN  c", "ERROR d"]);
    const silent = capture("text", "silent");
    silent.logger.error("nothing");
    expect(silent.lines).toEqual([]);
  });

  test("a write that throws does not reach the caller", () => {
    for (const format of ["text", "json"] as const) {
      const logger = makeLogger(format, "debug", () => {
        throw new Error("EPIPE");
      });
      expect(() => logger.error("x", { a: 1 })).not.toThrow();
    }
  });

  test("the default: text on a terminal, JSON otherwise; a bad value is a usage error", () => {
    expect(defaultLogFormat(true)).toBe("text");
    expect(defaultLogFormat(false)).toBe("json");
    expect(logFormatFlag(undefined, true)).toBe("text");
    expect(logFormatFlag(undefined, false)).toBe("json");
    expect(logFormatFlag("json", true)).toBe("json");
    expect(logFormatFlag("text", false)).toBe("text");
    expect(() => logFormatFlag("xml", false)).toThrow(UsageError);
    expect(() => logFormatFlag("xml", false)).toThrow(/--log-format must be one of text, json/);
  });

  test("the flag spec bits add --log-format and PULSING_LOG_FORMAT to a command", () => {
    const spec = {
      ...nodeSpec,
      options: { ...nodeSpec.options, ...LOG_FORMAT_OPTION },
      env: { ...nodeSpec.env, ...LOG_FORMAT_ENV },
      help: { ...nodeSpec.help, ...LOG_FORMAT_HELP },
    } satisfies CommandSpec<Record<string, { type: "string" | "boolean" }>>;
    expect(helpText(spec)).toMatch(/--log-format VALUE\s+text or json .*\[env PULSING_LOG_FORMAT\]/);
    expect(parseCommand(spec, ["--log-format", "text"], {}).values["log-format"]).toBe("text");
    expect(parseCommand(spec, [], { PULSING_LOG_FORMAT: "json" }).values["log-format"]).toBe("json");
    expect(parseCommand(spec, [], { PULSING_LOG_FORMAT: "" }).values["log-format"]).toBeUndefined();
    expect(parseCommand(spec, ["--log-format", "text"], { PULSING_LOG_FORMAT: "json" }).values["log-format"]).toBe("text");
  });
});
