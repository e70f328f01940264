/**
 * What validated arguments cost on the network path:
 *   bun scripts/bench/validation.ts [--quick] [--markdown]
 * One server node with the same actor twice, with and without `static schemas`
 * (zod 4, and valibot 1 for the object), called at 64 concurrent callers:
 *   - over a link, from a second system in this process (`system.remote`);
 *   - over HTTP, `POST /actor/{name}` from a load generator in its own process
 *     (scripts/bench/peers/http-load.ts), 64 connections.
 * Prints each figure and validated / unvalidated (goal >= 0.80); a schema that
 * takes anything as it is shows the runtime's own part. The contenders
 * take turns, each keeps its best of the rounds.
 */
import * as v from "valibot";
import { z } from "zod";
import { Actor, type ActorRef, type ActorSchemas, ActorSystem, jsonLogger, type StandardSchemaV1 } from "pulsing";

const quick = process.argv.includes("--quick");
const SECONDS = quick ? 0.5 : 2;
const ROUNDS = quick ? 2 : 3;
const CALLERS = 64;
const HERE = new URL(".", import.meta.url).pathname;

interface Profile {
  name: string;
  age: number;
  tags: string[];
}

/** The unvalidated actor: nothing but what the calls need. */
class Plain extends Actor {
  n = 0;
  inc(by: number): number {
    return (this.n += by);
  }
  save(profile: Profile): number {
    return profile.age;
  }
}

class Zod extends Plain {
  static schemas: ActorSchemas<Zod> = {
    inc: z.tuple([z.number().int()]),
    save: z.tuple([z.object({ name: z.string().min(1).max(64), age: z.number().int().min(0), tags: z.array(z.string()).max(16) })]),
  };
}

class Valibot extends Plain {
  static schemas: ActorSchemas<Valibot> = {
    inc: v.tuple([v.pipe(v.number(), v.integer())]),
    save: v.tuple([
      v.object({
        name: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
        age: v.pipe(v.number(), v.integer(), v.minValue(0)),
        tags: v.pipe(v.array(v.string()), v.maxLength(16)),
      }),
    ]),
  };
}

/** A schema that takes anything as it is: what the runtime's part of a check costs, without a library's. */
function passThrough<T extends unknown[]>(): StandardSchemaV1<unknown, T> {
  return { "~standard": { version: 1, vendor: "bench", validate: (value) => ({ value: value as T }) } };
}

class PassThrough extends Plain {
  static schemas: ActorSchemas<PassThrough> = { inc: passThrough<[number]>(), save: passThrough<[Profile]>() };
}

const PROFILE: Profile = { name: "ada", age: 36, tags: ["math", "engines"] };

/** `callers` loops, each awaiting its own calls, for SECONDS after a short warm-up; calls a second. */
async function measure(call: () => Promise<unknown>): Promise<number> {
  const warmUntil = performance.now() + 200;
  await Promise.all(Array.from({ length: CALLERS }, async () => {
    while (performance.now() < warmUntil) await call();
  }));
  let count = 0;
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (performance.now() < deadline) {
        await call();
        count++;
      }
    }),
  );
  return (count * 1000) / (performance.now() - start);
}

/** POSTs from a process of its own, 64 connections; requests a second. */
async function load(url: string, body: string): Promise<number> {
  const proc = Bun.spawn(["bun", `${HERE}peers/http-load.ts`, url, body, String(CALLERS), String(SECONDS)], { stdout: "pipe", stderr: "inherit" });
  const out = JSON.parse(await new Response(proc.stdout).text()) as { requests: number; errors: number; seconds: number };
  if (out.errors > 0) throw new Error(`${out.errors} failed requests against ${url}`);
  return out.requests / out.seconds;
}

/** Every contender ROUNDS times, in turns; each one's best. */
async function contest(contenders: Record<string, () => Promise<number>>): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(contenders)) best[name] = Math.max(best[name] ?? 0, await run());
  }
  return best;
}

const rows: string[][] = [];
function fmt(rate: number): string {
  return `${(rate / 1e3).toFixed(1)} k/s`;
}
function row(path: string, call: string, schema: string, plain: number, checked: number): void {
  rows.push([path, call, fmt(plain), `${schema} ${fmt(checked)}`, (checked / plain).toFixed(2)]);
  console.log(rows.at(-1)?.join("  |  "));
}

console.log(`Bun ${Bun.version}, ${SECONDS} s per figure, best of ${ROUNDS}, ${CALLERS} callers`);
const server = await ActorSystem.start({ addr: "127.0.0.1:0", logger: jsonLogger("silent") });
const client = await ActorSystem.start({ logger: jsonLogger("silent") });
await server.spawn(Plain, { name: "plain" });
await server.spawn(Zod, { name: "zod" });
await server.spawn(Valibot, { name: "valibot" });
await server.spawn(PassThrough, { name: "pass" });
const addr = server.addr as string;
const refs = {
  plain: client.remote<Plain>(addr, "plain"),
  zod: client.remote<Zod>(addr, "zod"),
  valibot: client.remote<Valibot>(addr, "valibot"),
  pass: client.remote<PassThrough>(addr, "pass"),
} satisfies Record<string, ActorRef<Plain>>;

// A wrong argument must be refused, or the figures measure nothing.
const refused = await refs.zod.inc("x" as unknown as number).then(
  () => "accepted",
  (error: { code: string }) => error.code,
);
if (refused !== "BAD_REQUEST") throw new Error(`the validated actor took a wrong argument (${refused})`);

for (const [call, ask] of [
  ["inc(1)", (ref: ActorRef<Plain>) => ref.inc(1)],
  ["save(profile)", (ref: ActorRef<Plain>) => ref.save(PROFILE)],
] as const) {
  const best = await contest({
    plain: () => measure(() => ask(refs.plain)),
    zod: () => measure(() => ask(refs.zod)),
    valibot: () => measure(() => ask(refs.valibot)),
    pass: () => measure(() => ask(refs.pass)),
  });
  row("link (remote ref)", call, "pass-through", best.plain as number, best.pass as number);
  row("link (remote ref)", call, "zod", best.plain as number, best.zod as number);
  row("link (remote ref)", call, "valibot", best.plain as number, best.valibot as number);
}

for (const [call, body] of [
  ["inc(1)", JSON.stringify({ msg_type: "inc", payload: [1] })],
  ["save(profile)", JSON.stringify({ msg_type: "save", payload: [PROFILE] })],
] as const) {
  const best = await contest({
    plain: () => load(`http://${addr}/actor/plain`, body),
    zod: () => load(`http://${addr}/actor/zod`, body),
    pass: () => load(`http://${addr}/actor/pass`, body),
  });
  row("HTTP POST", call, "pass-through", best.plain as number, best.pass as number);
  row("HTTP POST", call, "zod", best.plain as number, best.zod as number);
}

await client.shutdown();
await server.shutdown();

if (process.argv.includes("--markdown")) {
  console.log("\n| path | call | unvalidated | validated | ratio |\n| --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
}
process.exit(0);
