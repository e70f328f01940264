import { describe, expect, test } from "bun:test";
import { Actor, ActorError } from "pulsing";
import { checkUserName, nameProblem } from "../../src/actor/index.ts";
import { startSystem } from "../helpers.ts";

describe("actor names", () => {
  test.each(["counter", "services/api/handler", "a.b-c_d/E9", "x".repeat(64), `${"a".repeat(64)}/${"b".repeat(64)}`])("accepts %s", (name) => {
    expect(nameProblem(name)).toBeUndefined();
    expect(checkUserName(name)).toBe(name);
  });

  test.each([
    ["empty", ""],
    ["leading slash", "/a"],
    ["trailing slash", "a/"],
    ["double slash", "a//b"],
    ["space", "a b"],
    ["unicode", "zähler"],
    ["dot segment", "a/../b"],
    ["single dot", "."],
    ["long segment", "x".repeat(65)],
    ["long name", Array.from({ length: 5 }, () => "y".repeat(60)).join("/")],
    ["query", "a?b"],
    ["percent", "a%2Fb"],
  ])("rejects %s", (_why, name) => {
    const problem = nameProblem(name);
    expect(problem).toContain("[A-Za-z0-9_.-]");
    expect(() => checkUserName(name)).toThrow(ActorError);
  });

  test("rejects names that are not strings", () => {
    expect(nameProblem(42)).toContain("must be a string");
    expect(nameProblem(undefined)).toContain("must be a string");
  });

  test("reserves the system namespace", () => {
    expect(() => checkUserName("system/core")).toThrow(/reserved/);
    expect(() => checkUserName("system")).toThrow(/reserved/);
    expect(checkUserName("systems/core")).toBe("systems/core");
  });
});

describe("spawn with names", () => {
  class Named extends Actor {
    hello(): string {
      return "hi";
    }
  }

  test("an invalid name fails with INVALID_NAME and says what is allowed", async () => {
    const { system } = await startSystem();
    const error = await system.spawn(Named, { name: "bad name" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActorError);
    expect((error as ActorError).code).toBe("INVALID_NAME");
    expect((error as ActorError).message).toContain("[A-Za-z0-9_.-]");
  });

  test("a taken name fails with NAME_TAKEN and the first actor keeps it", async () => {
    const { system } = await startSystem();
    const first = await system.spawn(Named, { name: "svc/one" });
    const error = await system.spawn(Named, { name: "svc/one" }).catch((e: unknown) => e);
    expect((error as ActorError).code).toBe("NAME_TAKEN");
    const resolved = await system.resolve<Named>("svc/one");
    expect(resolved).toBe(first);
    expect(await resolved.hello()).toBe("hi");
  });

  test("a name is taken while its actor is still starting", async () => {
    class Slow extends Actor {
      override async onStart(): Promise<void> {
        await Bun.sleep(20);
      }
    }
    const { system } = await startSystem();
    const first = system.spawn(Slow, { name: "slow" });
    const second = await system.spawn(Slow, { name: "slow" }).catch((e: ActorError) => e.code);
    expect(second).toBe("NAME_TAKEN");
    expect((await first).$name).toBe("slow");
  });

  test("a stopped actor's name can be used again", async () => {
    const { system } = await startSystem();
    const first = await system.spawn(Named, { name: "again" });
    await system.stop(first);
    expect(await system.resolve("again").catch((e: ActorError) => e.code)).toBe("ACTOR_NOT_FOUND");
    const second = await system.spawn(Named, { name: "again" });
    expect(second).not.toBe(first);
    expect(await second.hello()).toBe("hi");
  });
});
