/**
 * The child of store.test.ts's crash test: saves round after round to 50 keys
 * of a SqliteStore at argv[2], each round's 50 saves concurrent (so they share
 * group-commit transactions), and prints the round's number once every save
 * of it resolved true. The test kills it with SIGKILL mid-stream.
 */
import { SqliteStore } from "../../src/store/index.ts";

const path = process.argv[2];
if (path === undefined) throw new Error("usage: crash-child.ts <db path>");
const store = new SqliteStore({ path });
const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
const epochs = await Promise.all(keys.map(async (key) => (await store.activate("crash", key)).epoch));
const encoder = new TextEncoder();
for (let round = 0; ; round++) {
  const state = encoder.encode(String(round));
  const answers = await Promise.all(keys.map((key, i) => store.save([{ kind: "crash", key, epoch: epochs[i]!, state, version: 0 }])));
  if (!answers.every(([ok]) => ok === true)) throw new Error(`round ${round} was refused`);
  process.stdout.write(`${round}\n`);
}
