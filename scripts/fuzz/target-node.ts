/** The node `run.ts` fuzzes, in its own process: prints {"addr","node"} and serves "fuzz/counter". */
import { ActorSystem } from "pulsing";
import { FuzzTarget } from "./fuzz.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const system = await ActorSystem.start({ addr: "127.0.0.1:0", logger: quiet, limits: { maxMessageBytes: 256 * 1024 } });
await system.spawn(FuzzTarget, { name: "fuzz/counter" });
process.stdout.write(`${JSON.stringify({ addr: system.addr, node: system.nodeId })}\n`);
for await (const _ of Bun.stdin.stream());
await system.shutdown();
process.exit(0);
