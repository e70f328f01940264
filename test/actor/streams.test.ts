import { describe, expect, test } from "bun:test";
import { Actor, ActorError } from "pulsing";
import { gate, startSystem } from "../helpers.ts";

class Source extends Actor {
  closed = 0;
  started = 0;
  async *count(k: number): AsyncGenerator<number> {
    this.started++;
    try {
      for (let i = 0; i < k; i++) yield i;
    } finally {
      this.closed++;
    }
  }
  async *failAt(k: number): AsyncGenerator<number> {
    for (let i = 0; i < 10; i++) {
      if (i === k) throw new SyntaxError(`failed at ${k}`);
      yield i;
    }
  }
  async *forever(): AsyncGenerator<number> {
    let i = 0;
    try {
      while (true) yield i++;
    } finally {
      this.closed++;
    }
  }
  async *stuck(release: Promise<void>): AsyncGenerator<number> {
    try {
      yield 1;
      await release;
      yield 2;
    } finally {
      this.closed++;
    }
  }
  stats(): { closed: number; started: number } {
    return { closed: this.closed, started: this.started };
  }
  ping(): string {
    return "pong";
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("streams", () => {
  test("an async-generator method is a stream of its items", async () => {
    const { system } = await startSystem();
    const source = await system.spawn(Source);
    expect(await collect(source.count(5))).toEqual([0, 1, 2, 3, 4]);
    expect(await source.stats()).toEqual({ closed: 1, started: 1 });
  });

  test("an empty stream ends at once", async () => {
    const { system } = await startSystem();
    const source = await system.spawn(Source);
    expect(await collect(source.count(0))).toEqual([]);
  });

  test("leaving a for-await early runs the generator's finally", async () => {
    const { system } = await startSystem();
    const source = await system.spawn(Source);
    const seen: number[] = [];
    for await (const i of source.forever()) {
      seen.push(i);
      if (i === 3) break;
    }
    expect(seen).toEqual([0, 1, 2, 3]);
    expect((await source.stats()).closed).toBe(1);
  });

  test("a stream never iterated starts nothing", async () => {
    const { system } = await startSystem();
    const source = await system.spawn(Source);
    const stream = source.count(3);
    await stream.return();
    expect(await source.stats()).toEqual({ closed: 0, started: 0 });
  });

  test("a failing stream delivers the items before the failure, then the error", async () => {
    const { system } = await startSystem();
    const source = await system.spawn(Source);
    const seen: number[] = [];
    const error = await (async () => {
      for await (const i of source.failAt(3)) seen.push(i);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([0, 1, 2]);
    expect((error as ActorError).code).toBe("HANDLER_ERROR");
    expect((error as ActorError).errorName).toBe("SyntaxError");
    expect(await source.ping()).toBe("pong");
  });

  test("each step is its own turn: other messages interleave with a long stream", async () => {
    const { system } = await startSystem();
    const source = await system.spawn(Source);
    const answers: string[] = [];
    for await (const i of source.forever()) {
      if (i % 10 === 0) answers.push(await source.ping());
      if (i === 50) break;
    }
    expect(answers.length).toBe(6);
  });

  test("two streams of one actor run side by side", async () => {
    const { system } = await startSystem();
    const source = await system.spawn(Source);
    const [a, b] = await Promise.all([collect(source.count(100)), collect(source.count(50))]);
    expect(a.length).toBe(100);
    expect(b.length).toBe(50);
  });

  test("stopping the actor ends an open stream with ACTOR_STOPPED and runs its finally", async () => {
    const { system } = await startSystem();
    const source = await system.spawn(Source);
    const finallyRan: string[] = [];
    class Ticker extends Actor {
      async *ticks(): AsyncGenerator<number> {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          finallyRan.push("ticks");
        }
      }
      override onStop(): void {
        finallyRan.push("onStop");
      }
    }
    const ticker = await system.spawn(Ticker);
    const stream = ticker.ticks();
    expect((await stream.next()).value).toBe(0);
    await system.stop(ticker);
    expect(finallyRan).toEqual(["ticks", "onStop"]);
    const error = (await stream.next().catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("ACTOR_STOPPED");
  });

  test("a step that times out closes the generator", async () => {
    const { system } = await startSystem();
    const source = await system.spawn(Source);
    const release = gate();
    const stream = source.$withTimeout(30).stuck(release.promise);
    expect((await stream.next()).value).toBe(1);
    const error = (await stream.next().catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("TIMEOUT");
    release.open();
    // The close was queued behind the stuck step, so this ask runs after it.
    const stats = await source.stats();
    expect(stats.closed).toBe(1);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  test("a stream method cannot be asked with $ask", async () => {
    const { system } = await startSystem();
    const source = await system.spawn(Source);
    const error = (await source.$ask("count", [3]).catch((e: unknown) => e)) as ActorError;
    expect(error.code).toBe("BAD_REQUEST");
  });
});
