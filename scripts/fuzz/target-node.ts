/**
 * The node `run.ts` fuzzes, in its own process: prints {"addr","node"} and serves
 * "fuzz/counter" and "fuzz/slow" (the same actor: its `nap` holds it). With
 * FUZZ_SECRET set it runs with that cluster secret: gossip and links signed.
 * It traces, so that the trace context the fuzzer sends is parsed.
 */
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import { ActorSystem } from "pulsing";
import { FuzzTarget } from "./fuzz.ts";

// An OpenTelemetry SDK (spans go nowhere but the dashboard's ring): without one the node never parses a trace context, and the fuzzer's would test nothing.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new TracerProvider());

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const secret = process.env.FUZZ_SECRET || undefined;
const system = await ActorSystem.start({ addr: "127.0.0.1:0", logger: quiet, limits: { maxMessageBytes: 256 * 1024 }, ...(secret === undefined ? {} : { secret }) });
await system.spawn(FuzzTarget, { name: "fuzz/counter" });
await system.spawn(FuzzTarget, { name: "fuzz/slow" });
process.stdout.write(`${JSON.stringify({ addr: system.addr, node: system.nodeId, pid: process.pid })}\n`);
for await (const _ of Bun.stdin.stream());
await system.shutdown();
process.exit(0);
