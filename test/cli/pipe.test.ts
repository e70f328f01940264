import { afterEach, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { Actor } from "pulsing";
import { startNode } from "../helpers.ts";

// The CLI as a real process whose stdout is a pipe we close after one line, as
// `pulsing … | head -1` does: it must exit 0, quietly (no EPIPE stack trace).
const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const started: Subprocess[] = [];

afterEach(async () => {
  for (const proc of started.splice(0)) {
    proc.kill(9);
    await proc.exited;
  }
});

class Numbers extends Actor {
  async *upTo(k: number): AsyncGenerator<number> {
    for (let i = 1; i <= k; i++) yield i;
  }
}

async function nodeAddr(): Promise<string> {
  const system = await startNode();
  await system.spawn(Numbers, { name: "numbers" });
  return system.addr as string;
}

/** Runs `bun src/cli/main.ts …`, reads its first line, closes the pipe; then its exit code and stderr. */
async function firstLineThenClose(args: string[]): Promise<{ line: string; code: number | "still running"; err: string }> {
  const env: Record<string, string | undefined> = { ...process.env, PULSING_ENDPOINT: undefined };
  const proc = Bun.spawn(["bun", MAIN, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore", env });
  started.push(proc);
  const errText = new Response(proc.stderr).text();
  const reader = proc.stdout.getReader();
  let text = "";
  const readDeadline = Date.now() + 15_000;
  while (!text.includes("\n") && Date.now() < readDeadline) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(1, readDeadline - Date.now())).then(() => undefined)]);
    if (chunk === undefined || chunk.done) break;
    text += new TextDecoder().decode(chunk.value);
  }
  await reader.cancel(); // closes our end: the next write gets EPIPE
  const code = await Promise.race([proc.exited, Bun.sleep(10_000).then(() => "still running" as const)]);
  if (code === "still running") proc.kill(9);
  return { line: text.slice(0, text.indexOf("\n")), code, err: await errText };
}

test("inspect --watch into a pipe that closes: exit 0, nothing on stderr", async () => {
  const addr = await nodeAddr();
  const { line, code, err } = await firstLineThenClose(["inspect", "members", "--endpoint", addr, "--watch", "--interval-ms", "100"]);
  expect(line).toStartWith("cluster: 1 members"); // plain text: no screen-clearing codes into a pipe
  expect(err).toBe("");
  expect(code).toBe(0);
}, 30_000);

test("ask of a long stream into a pipe that closes: exit 0, nothing on stderr", async () => {
  const addr = await nodeAddr();
  const { line, code, err } = await firstLineThenClose(["ask", "--endpoint", addr, "numbers", "upTo", "100000000"]);
  expect(line).toBe("1");
  expect(err).toBe("");
  expect(code).toBe(0);
}, 30_000);
