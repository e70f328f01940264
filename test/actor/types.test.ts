import { expect, expectTypeOf, test } from "bun:test";
import { Actor, type ActorRef, type ActorStream } from "pulsing";
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
