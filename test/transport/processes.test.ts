import { afterAll, expect, test } from "bun:test";
import type { ActorError } from "pulsing";
import { STREAM_WINDOW } from "../../src/transport/index.ts";
import type { Counter } from "../fixtures/actors.ts";
import { killAll, startNodeProcess } from "../fixtures/processes.ts";
import { startNode } from "../helpers.ts";

const SERVER = new URL("../fixtures/server-node.ts", import.meta.url).pathname;

afterAll(killAll);

test(
  "two OS processes: asks, tells, streams, errors and HTTP; a killed peer fails what is in flight at once",
  async () => {
    const { proc, addr } = await startNodeProcess(SERVER);
    const client = await startNode({ askTimeoutMs: 60_000 });
    const counter = client.remote<Counter>(addr, "counter");
    expect(await counter.inc(2)).toBe(2);
    for (let i = 0; i < 1000; i++) void counter.$tell.record(i);
    expect((await counter.history()).length).toBe(1000);

    const items: number[] = [];
    for await (const i of counter.countTo(100)) items.push(i);
    expect(items.length).toBe(100);
    for await (const i of counter.forever()) if (i === 3) break;

    const error = (await counter.fail("remote boom").catch((e: unknown) => e)) as ActorError;
    expect([error.code, error.errorName, error.message]).toEqual(["HANDLER_ERROR", "TypeError", "remote boom"]);
    const sleeper = client.remote<Counter>(addr, "sleeper");
    expect(((await sleeper.$withTimeout(50).hang().catch((e: unknown) => e)) as ActorError).code).toBe("TIMEOUT");

    const http = await fetch(`http://${addr}/actor/counter`, { method: "POST", body: JSON.stringify({ msg_type: "Ping", payload: 7 }) });
    expect(await http.json()).toEqual({ result: { type: "Pong", payload: 7 } });

    // In flight when the peer dies: an ask on a fresh actor turn, and an open stream.
    const stream = counter.forever();
    await stream.next();
    const hanging = sleeper.echo("never answered: the sleeper is busy in hang()");
    proc.kill(9);
    const outcome = (await hanging.then(
      () => undefined,
      (e: unknown) => e,
    )) as ActorError;
    expect(outcome.code).toBe("NODE_UNREACHABLE"); // failed on the drop: the ask allows 60 s, and would have failed with TIMEOUT
    let streamError: unknown;
    for (let i = 0; i <= STREAM_WINDOW && streamError === undefined; i++) streamError = await stream.next().then(() => undefined, (e: unknown) => e);
    expect((streamError as ActorError).code).toBe("NODE_UNREACHABLE");
  },
  30_000,
);
