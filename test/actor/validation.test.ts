import { describe, expect, expectTypeOf, test } from "bun:test";
import * as v from "valibot";
import { z } from "zod";
import { Actor, ActorError, type ActorSchemas, type ActorStream, type StandardSchemaV1 } from "pulsing";
import { LocalRuntime, type NetworkActor, type NetworkSink } from "../../src/actor/index.ts";
import { startSystem } from "../helpers.ts";

/**
 * Schemas at the actor's way in from the network (CellPort.serve and offer),
 * driven here without a transport; test/transport/validation.test.ts sends
 * the same over HTTP and links.
 */

class ZodCounter extends Actor {
  static schemas: ActorSchemas<ZodCounter> = {
    inc: z.tuple([z.number().int()]),
    rename: z.tuple([z.object({ name: z.string().min(1) })]),
    countTo: z.tuple([z.number().int().nonnegative().max(1000)]),
    sum: z.tuple([z.array(z.number())]),
  };
  n = 0;
  names: unknown[] = [];
  inc(by: number): number {
    return (this.n += by);
  }
  rename(to: { name: string }): unknown {
    this.names.push(to);
    return to;
  }
  async *countTo(k: number): AsyncGenerator<number> {
    for (let i = 0; i < k; i++) yield i;
  }
  sum(xs: number[]): number {
    return xs.reduce((a, b) => a + b, 0);
  }
  unchecked(value: unknown): unknown {
    return value;
  }
  seen(): unknown[] {
    return this.names;
  }
}

class ValibotCounter extends Actor {
  static schemas: ActorSchemas<ValibotCounter> = {
    inc: v.strictTuple([v.pipe(v.number(), v.integer())]),
    label: v.tuple([v.optional(v.string(), "none")]),
  };
  n = 0;
  inc(by: number): number {
    return (this.n += by);
  }
  label(text?: string): string | undefined {
    return text;
  }
}

class Inbox extends Actor {
  static schemas: ActorSchemas<Inbox> = {
    Ping: z.object({ seq: z.number().int() }),
    receive: z.string(),
  };
  got: unknown[] = [];
  receive(msgType: string, payload: unknown): unknown {
    this.got.push([msgType, payload]);
    return payload;
  }
}

/** Hand-written Standard Schemas: the interface alone, no library. */
function schemaOf<T>(validate: (value: unknown) => StandardSchemaV1.Result<T> | Promise<StandardSchemaV1.Result<T>>): StandardSchemaV1<unknown, T> {
  return { "~standard": { version: 1, vendor: "test", validate } };
}

class Odd extends Actor {
  static schemas: ActorSchemas<Odd> = {
    throws: schemaOf<[]>(() => {
      throw new Error("x".repeat(10_000));
    }),
    later: schemaOf<[]>(async () => ({ value: [] })),
    notArgs: schemaOf<[]>(() => ({ value: "oops" as unknown as [] })),
  };
  runs = 0;
  throws(): number {
    return ++this.runs;
  }
  later(): number {
    return ++this.runs;
  }
  notArgs(): number {
    return ++this.runs;
  }
}

/** zod answers with a promise for an async check, and also for a check that threw (it retries it asynchronously). */
class ZodPromises extends Actor {
  static schemas: ActorSchemas<ZodPromises> = {
    fragile: z.tuple([z.object({ a: z.unknown() }).refine((o) => (o.a as { b: number }).b > 0)]),
    slow: z.tuple([z.number().refine(async (n) => n > 0)]),
  };
  fragile(_o: { a: unknown }): string {
    return "ran";
  }
  slow(_n: number): string {
    return "ran";
  }
}

/** A runtime with the actors spawned by name, and what the network gets for each. */
async function runtimeWith(...classes: (typeof ZodCounter | typeof ValibotCounter | typeof Inbox | typeof Odd | typeof ZodPromises)[]) {
  const runtime = new LocalRuntime({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
  for (const cls of classes) await runtime.spawn(cls as typeof ZodCounter, { name: cls.name });
  const port = (name: string): NetworkActor => runtime.networkActor(name) as NetworkActor;
  return { runtime, port };
}

/** A call as a transport makes it: the reply through a sink, a throw when refused at once. */
function serve(actor: NetworkActor, type: string, payload: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sink: NetworkSink = { resolve: (value) => resolve(value), reject: (error) => reject(error), stream: (items) => resolve(items) };
    const served = actor.serve(type, payload, sink, 0, undefined, 64);
    if (served !== undefined && "next" in served) resolve(served);
  });
}

async function refusal(promise: Promise<unknown>): Promise<ActorError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ActorError);
    return error as ActorError;
  }
  throw new Error("expected a refusal");
}

describe("schemas check what the network sends", () => {
  test("zod: a wrong argument is BAD_REQUEST with its issues, and the handler never runs", async () => {
    const { runtime, port } = await runtimeWith(ZodCounter);
    const error = await refusal(serve(port("ZodCounter"), "inc", ["x"]));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("inc: [0]: Invalid input: expected number, received string");
    expect(error.issues).toEqual([{ message: "Invalid input: expected number, received string", path: [0] }]);
    expect(error.toJSON().issues).toEqual(error.issues as never);
    expect(await runtime.lookup<ZodCounter>("ZodCounter")?.inc(0)).toBe(0);
    await runtime.shutdown();
  });

  test("zod: missing and extra arguments are refused, as are non-integers", async () => {
    const { runtime, port } = await runtimeWith(ZodCounter);
    const counter = port("ZodCounter");
    expect((await refusal(serve(counter, "inc", []))).code).toBe("BAD_REQUEST");
    expect((await refusal(serve(counter, "inc", null))).code).toBe("BAD_REQUEST"); // no payload: no arguments
    expect((await refusal(serve(counter, "inc", [1, 2]))).code).toBe("BAD_REQUEST");
    expect((await refusal(serve(counter, "inc", [1.5]))).issues?.[0]?.path).toEqual([0]);
    expect(await serve(counter, "inc", [2])).toBe(2);
    await runtime.shutdown();
  });

  test("the 242063x case: a counter's number cannot be turned into a string from outside", async () => {
    const { runtime, port } = await runtimeWith(ZodCounter, ValibotCounter);
    for (const name of ["ZodCounter", "ValibotCounter"]) {
      expect(await serve(port(name), "inc", [242063])).toBe(242063);
      expect((await refusal(serve(port(name), "inc", ["x"]))).code).toBe("BAD_REQUEST");
      expect(await serve(port(name), "inc", [0])).toBe(242063);
    }
    await runtime.shutdown();
  });

  test("valibot: a wrong argument is BAD_REQUEST with its issues; a right one passes", async () => {
    const { runtime, port } = await runtimeWith(ValibotCounter);
    const counter = port("ValibotCounter");
    const error = await refusal(serve(counter, "inc", ["x"]));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.issues).toEqual([{ message: 'Invalid type: Expected number but received "x"', path: [0] }]);
    expect((await refusal(serve(counter, "inc", [1, 2]))).issues?.[0]?.path).toEqual([1]); // strictTuple: no extra arguments
    expect(await serve(counter, "inc", [3])).toBe(3);
    await runtime.shutdown();
  });

  test("the schema's output is what the handler gets: defaults fill in, unknown keys are stripped", async () => {
    const { runtime, port } = await runtimeWith(ZodCounter, ValibotCounter);
    expect(await serve(port("ValibotCounter"), "label", [])).toBe("none");
    expect(await serve(port("ZodCounter"), "rename", [{ name: "a", isAdmin: true }])).toEqual({ name: "a" });
    const nested = await refusal(serve(port("ZodCounter"), "rename", [{ name: "" }]));
    expect(nested.issues?.[0]?.path).toEqual([0, "name"]);
    expect(nested.message).toStartWith("rename: [0].name: ");
    await runtime.shutdown();
  });

  test("tells from the network are refused with the same error, and never queued", async () => {
    const { runtime, port } = await runtimeWith(ZodCounter);
    const counter = port("ZodCounter");
    const refused = counter.offer("inc", ["x"], 64);
    expect(refused?.code).toBe("BAD_REQUEST");
    expect(refused?.issues).toEqual([{ message: "Invalid input: expected number, received string", path: [0] }]);
    expect(counter.offer("inc", [5], 64)).toBeUndefined();
    expect(await runtime.lookup<ZodCounter>("ZodCounter")?.inc(0)).toBe(5);
    await runtime.shutdown();
  });

  test("a stream method's arguments are checked before its generator starts", async () => {
    const { runtime, port } = await runtimeWith(ZodCounter);
    expect((await refusal(serve(port("ZodCounter"), "countTo", [-1]))).code).toBe("BAD_REQUEST");
    const items = (await serve(port("ZodCounter"), "countTo", [2])) as ActorStream<number>;
    expect(await Array.fromAsync(items)).toEqual([0, 1]);
    await runtime.shutdown();
  });

  test("message types that receive handles: their own schema, else receive's; methods without one are unchecked", async () => {
    const { runtime, port } = await runtimeWith(Inbox, ZodCounter);
    const inbox = port("Inbox");
    expect((await refusal(serve(inbox, "Ping", { seq: "1" }))).issues?.[0]?.path).toEqual(["seq"]);
    expect(await serve(inbox, "Ping", { seq: 1, extra: true })).toEqual({ seq: 1 });
    expect((await refusal(serve(inbox, "Note", 42))).code).toBe("BAD_REQUEST");
    expect(await serve(inbox, "Note", "hello")).toBe("hello");
    expect(inbox.offer("Note", 42, 64)?.code).toBe("BAD_REQUEST");
    expect(await serve(port("ZodCounter"), "unchecked", [{ any: "thing" }])).toEqual({ any: "thing" });
    await runtime.shutdown();
  });

  test("issues are bounded (the first 10) and their texts clipped", async () => {
    const { runtime, port } = await runtimeWith(ZodCounter, ValibotCounter);
    const many = await refusal(serve(port("ZodCounter"), "sum", [Array.from({ length: 50 }, () => "x")]));
    expect(many.issues).toHaveLength(10);
    expect(many.message).toEndWith("; and 40 more");
    expect(many.issues?.[9]?.path).toEqual([0, 9]);
    const long = await refusal(serve(port("ValibotCounter"), "inc", ["y".repeat(100_000)]));
    const message = long.issues?.[0]?.message ?? "";
    expect(message).toHaveLength(129); // 128 characters and `…`, as docs/openapi.json says
    expect(message).toEndWith("yyy…");
    expect(long.message.length).toBeLessThan(300);
    await runtime.shutdown();
  });

  test("a schema that throws is BAD_REQUEST, an async one HANDLER_ERROR, a wrong output HANDLER_ERROR; the handler runs for none", async () => {
    const { runtime, port } = await runtimeWith(Odd);
    const odd = port("Odd");
    const thrown = await refusal(serve(odd, "throws", []));
    expect(thrown.code).toBe("BAD_REQUEST");
    expect(thrown.message).toStartWith("throws: the schema threw: xxx");
    expect(thrown.message.length).toBeLessThan(300);
    const later = await refusal(serve(odd, "later", []));
    expect(later.code).toBe("HANDLER_ERROR");
    expect(later.message).toContain("synchronously");
    expect(odd.offer("later", [], 64)?.code).toBe("HANDLER_ERROR");
    expect((await refusal(serve(odd, "notArgs", []))).code).toBe("HANDLER_ERROR");
    expect(odd.offer("throws", [], 64)?.code).toBe("BAD_REQUEST");
    // Locally every one of them runs: schemas are for the network.
    const local = runtime.lookup<Odd>("Odd");
    expect(await local?.later()).toBe(1);
    await runtime.shutdown();
  });

  test("zod: an async check, or a check that throws, is refused as HANDLER_ERROR without waiting for it", async () => {
    const { runtime, port } = await runtimeWith(ZodPromises);
    const actor = port("ZodPromises");
    expect(await serve(actor, "fragile", [{ a: { b: 1 } }])).toBe("ran");
    expect((await refusal(serve(actor, "fragile", [{ a: null }]))).code).toBe("HANDLER_ERROR");
    expect((await refusal(serve(actor, "slow", [1]))).message).toContain("answered with a promise");
    expect(actor.offer("slow", [1], 64)?.code).toBe("HANDLER_ERROR");
    await runtime.shutdown();
  });
});

describe("local calls are not checked", () => {
  test("a typed local call with a wrong argument reaches the handler, through the ref, $ask and $tell", async () => {
    const { system } = await startSystem();
    const counter = await system.spawn(ZodCounter);
    expect<unknown>(await counter.inc("x" as unknown as number)).toBe("0x"); // what the schema would refuse from the network
    expect(await counter.$ask("inc", ["y"])).toBe("0xy");
    await counter.$tell.inc("z" as unknown as number);
    expect(await counter.rename({ name: "" })).toEqual({ name: "" });
    expect<unknown>(await counter.inc(0)).toBe("0xyz0");
  });
});

describe("declaring schemas", () => {
  test("a schema for something that is not a message fails the spawn with INVALID_OPTION", async () => {
    const { system } = await startSystem();
    class Typo extends Actor {
      static schemas = { incr: z.tuple([z.number()]) };
      inc(by: number): number {
        return by;
      }
    }
    class NoReceive extends Actor {
      static schemas = { receive: z.string() };
    }
    class NotASchema extends Actor {
      static schemas = { inc: (value: unknown) => value };
      inc(by: number): number {
        return by;
      }
    }
    class NotAnObject extends Actor {
      static schemas = [z.string()];
    }
    for (const cls of [Typo, NoReceive, NotASchema, NotAnObject]) {
      const error = await refusal(system.spawn(cls as unknown as typeof Actor));
      expect(error.code).toBe("INVALID_OPTION");
      expect(error.message).toStartWith(`${cls.name}.schemas`);
    }
  });

  test("a subclass inherits its parent's schemas", async () => {
    class Child extends ZodCounter {}
    const { runtime, port } = await runtimeWith();
    await runtime.spawn(Child, { name: "child" });
    expect((await refusal(serve(port("child"), "inc", ["x"]))).code).toBe("BAD_REQUEST");
    await runtime.shutdown();
  });

  test("the types tie each schema's output to its method's parameters", async () => {
    const { system } = await startSystem();
    class Typed extends Actor {
      add(a: number, b: number): number {
        return a + b;
      }
      data = 1;
    }
    expectTypeOf<{ add: StandardSchemaV1<unknown, [number, number]> }>().toMatchTypeOf<ActorSchemas<Typed>>();
    const good: ActorSchemas<Typed> = { add: z.tuple([z.number(), z.number()]) };
    // @ts-expect-error the output must be the method's argument array
    const wrong: ActorSchemas<Typed> = { add: z.tuple([z.string(), z.number()]) };
    // @ts-expect-error a key must be a message of the class (it has no receive)
    const typo: ActorSchemas<Typed> = { ad: z.tuple([z.number(), z.number()]) };
    class Checked extends Actor {
      static schemas = { inc: z.tuple([z.string()]) };
      inc(by: number): number {
        return by;
      }
    }
    // @ts-expect-error spawn checks a class's static schemas against its methods
    await system.spawn(Checked).catch(() => {});
    expect([good, wrong, typo].length).toBe(3);
  });
});
