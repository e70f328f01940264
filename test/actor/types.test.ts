import { expect, expectTypeOf, test } from "bun:test";
import { Actor, type ActorRef, type ActorStream, type ActorSystemApi } from "pulsing";
import { startSystem } from "../helpers.ts";

class Typed extends Actor {
  count = 0;
  add(a: number, b: number): number {
    return a + b;
  }
  async later(s: string): Promise<string> {
    return s.toUpperCase();
  }
  async *letters(word: string): AsyncGenerator<string> {
    yield* word;
  }
  boom(): never {
    throw new Error("boom");
  }
  _hidden(): void {}
  selfTell(): Promise<void> {
    // Inside its own class, `this.ref` is typed too. (A tell: asking itself would wait on its own turn.)
    return this.ref.$tell.add(1, 2);
  }
}

// The type checker (bun run typecheck) verifies these; the test runs them too.
test("refs are typed from the actor class", async () => {
  const { system } = await startSystem();
  const ref = await system.spawn(Typed);
  expectTypeOf(ref).toMatchTypeOf<ActorRef<Typed>>();
  expectTypeOf(ref.add).returns.toEqualTypeOf<Promise<number>>();
  expectTypeOf(ref.later).returns.toEqualTypeOf<Promise<string>>();
  expectTypeOf(ref.letters).returns.toEqualTypeOf<ActorStream<string>>();
  expectTypeOf(ref.boom).returns.toEqualTypeOf<Promise<never>>();
  expectTypeOf(ref.$tell.add).returns.toEqualTypeOf<Promise<void>>();
  expectTypeOf(ref.$tell.add).parameters.toEqualTypeOf<[number, number]>();

  // @ts-expect-error private names are not on the ref
  expect(ref._hidden).toBeUndefined();
  // @ts-expect-error lifecycle hooks are not on the ref
  expect(ref.onStart).toBeUndefined();
  // @ts-expect-error arguments are checked
  expect(await ref.add("1", 2).catch(() => "x")).toBe("12");

  expect(await ref.add(2, 3)).toBe(5);
  expect(await ref.selfTell()).toBeUndefined();
  const letters: string[] = [];
  for await (const letter of ref.letters("abc")) letters.push(letter);
  expect(letters).toEqual(["a", "b", "c"]);
});

class Labelled extends Actor {
  constructor(
    readonly label: string,
    readonly size: number,
  ) {
    super();
  }
  describe(): string {
    return `${this.label}:${this.size}`;
  }
}

class Defaulted extends Actor {
  constructor(readonly label = "worker") {
    super();
  }
  describe(): string {
    return this.label;
  }
}

// The @ts-expect-error lines are what `tsc --noEmit` (bun run typecheck) checks: each must be an error.
test("spawn requires the constructor arguments a class declares", async () => {
  const { system } = await startSystem();
  const api: ActorSystemApi = system; // what an actor sees as this.system: the same rule
  // Type errors only: never called.
  const mistakes = () => {
    // @ts-expect-error the constructor requires arguments
    void system.spawn(Labelled);
    // @ts-expect-error options without args
    void system.spawn(Labelled, { name: "labelled" });
    // @ts-expect-error too few arguments
    void system.spawn(Labelled, { args: ["a"] });
    // @ts-expect-error an argument of the wrong type
    void system.spawn(Labelled, { args: ["a", "2"] });
    // @ts-expect-error the constructor takes no arguments
    void system.spawn(Typed, { args: [1] });
    // @ts-expect-error an optional argument of the wrong type
    void system.spawn(Defaulted, { args: [1] });
    // @ts-expect-error through ActorSystemApi too
    void api.spawn(Labelled);
  };
  expect(typeof mistakes).toBe("function");

  const labelled = await system.spawn(Labelled, { name: "labelled", args: ["a", 2] });
  expectTypeOf(labelled).toEqualTypeOf<ActorRef<Labelled>>();
  expect(await labelled.describe()).toBe("a:2");
  expect(await (await api.spawn(Labelled, { args: ["b", 3] })).describe()).toBe("b:3");
  // No constructor arguments: no options needed, and options need no args.
  expect(await (await system.spawn(Typed)).add(1, 1)).toBe(2);
  expect(await (await system.spawn(Typed, { name: "typed" })).add(2, 2)).toBe(4);
  expect(await (await api.spawn(Typed)).add(3, 3)).toBe(6);
  // Optional constructor arguments: either way.
  expect(await (await system.spawn(Defaulted)).describe()).toBe("worker");
  expect(await (await system.spawn(Defaulted, { args: ["custom"] })).describe()).toBe("custom");
});
