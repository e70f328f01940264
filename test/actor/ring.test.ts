import { expect, test } from "bun:test";
import { Ring } from "../../src/actor/ring.ts";

test("a ring is FIFO across growth and wrap-around", () => {
  const ring = new Ring<number>();
  const model: number[] = [];
  let next = 0;
  // Interleave pushes and shifts so the head wraps while the ring grows.
  for (let round = 0; round < 2000; round++) {
    const pushes = (round * 7) % 5;
    for (let i = 0; i < pushes; i++) {
      ring.push(next);
      model.push(next++);
    }
    const shifts = (round * 3) % 4;
    for (let i = 0; i < shifts; i++) expect(ring.shift()).toBe(model.shift());
    expect(ring.length).toBe(model.length);
  }
  expect(ring.drain()).toEqual(model);
  expect(ring.length).toBe(0);
  expect(ring.shift()).toBeUndefined();
});
