import { expect, test } from "bun:test";
import { CallTable } from "../../src/transport/calls.ts";
import { seededRandom } from "../../src/cluster/index.ts";

test("a call table finds every call by id while calls finish in any order", () => {
  const table = new CallTable<{ id: number }>((call) => call.id);
  const model = new Map<number, { id: number }>();
  const random = seededRandom(7);
  let next = 0;
  for (let step = 0; step < 20_000; step++) {
    if (random() < 0.55 || model.size === 0) {
      const call = { id: next++ };
      table.set(call);
      model.set(call.id, call);
    } else {
      // Finish a random call: some stay pending for long, as slow calls do.
      const ids = [...model.keys()];
      const id = ids[Math.floor(random() * Math.min(ids.length, random() < 0.9 ? 4 : ids.length))] as number;
      expect(table.take(id)).toBe(model.get(id));
      model.delete(id);
    }
    expect(table.size).toBe(model.size);
  }
  for (const [id, call] of model) expect(table.get(id)).toBe(call);
  expect(table.get(next + 1)).toBeUndefined();
  expect(table.take(next + 1)).toBeUndefined();
  expect(new Set(table.values())).toEqual(new Set(model.values()));
});

test("a long call does not make the table grow: it moves aside", () => {
  const table = new CallTable<{ id: number }>((call) => call.id);
  const long = { id: 0 };
  table.set(long);
  for (let id = 1; id < 100_000; id++) {
    table.set({ id });
    expect(table.take(id)?.id).toBe(id);
  }
  expect(table.size).toBe(1);
  expect(table.get(0)).toBe(long);
  expect(table.take(0)).toBe(long);
  expect(table.size).toBe(0);
});
