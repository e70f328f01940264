import { expect, test } from "bun:test";
import { GroupCommit } from "../../src/store/group-commit.ts";
import { StoreError } from "../../src/store/index.ts";

/** GroupCommit on its own, over a fake transaction that records its batches. */
function recorder(fail?: (writes: number[]) => boolean) {
  const batches: number[][] = [];
  const commits = new GroupCommit<number, string>(
    async (writes) => {
      batches.push(writes);
      await Bun.sleep(5);
      if (fail?.(writes)) throw new Error("the transaction failed");
      return writes.map((w) => `ok ${w}`);
    },
    { maxBatch: 10 },
  );
  return { batches, commits };
}

test("the calls of one turn, microtasks included, make one batch; each caller gets its own results", async () => {
  const { batches, commits } = recorder();
  const a = commits.submit([1, 2]);
  const b = Promise.resolve().then(() => commits.submit([3]));
  const c = queueMicrotaskPromise(() => commits.submit([4, 5]));
  expect(await a).toEqual(["ok 1", "ok 2"]);
  expect(await b).toEqual(["ok 3"]);
  expect(await c).toEqual(["ok 4", "ok 5"]);
  expect(batches).toEqual([[1, 2, 3, 4, 5]]);
  expect(commits.batches).toBe(1);
  expect(commits.writes).toBe(5);
  expect(await commits.submit([])).toEqual([]);
});

test("calls made while a batch runs collect into the next one; batches hold whole calls up to maxBatch and run in call order", async () => {
  const { batches, commits } = recorder();
  const first = commits.submit([1]);
  await Bun.sleep(1); // the first batch is running now
  const later = [commits.submit([2, 3, 4, 5]), commits.submit([6, 7, 8, 9]), commits.submit([10, 11, 12]), commits.submit([13])];
  const big = commits.submit(Array.from({ length: 15 }, (_, i) => 100 + i));
  await Promise.all([first, ...later, big]);
  expect(batches).toEqual([[1], [2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13], Array.from({ length: 15 }, (_, i) => 100 + i)]);
});

test("a failed transaction fails its own calls only; the next batch runs", async () => {
  const { batches, commits } = recorder((writes) => writes.includes(2));
  const failing = commits.submit([2]);
  const sameBatch = commits.submit([3]);
  await Bun.sleep(1);
  const next = commits.submit([4]);
  await expect(failing).rejects.toThrow("the transaction failed");
  await expect(sameBatch).rejects.toThrow("the transaction failed");
  expect(await next).toEqual(["ok 4"]);
  expect(batches).toEqual([[2, 3], [4]]);
});

test("settled() waits for the calls made before it; close() lets them finish and refuses new ones", async () => {
  const { commits } = recorder((writes) => writes.includes(9));
  const done: string[] = [];
  void commits.submit([1]).then(() => done.push("1"));
  await Bun.sleep(1); // [9] makes a batch of its own, after [1]
  commits.submit([9]).catch(() => done.push("9 failed"));
  await commits.settled();
  expect(done).toEqual(["1", "9 failed"]);
  const last = commits.submit([5]);
  await commits.close();
  expect(await last).toEqual(["ok 5"]);
  const refused = await commits.submit([6]).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(StoreError);
  expect((refused as StoreError).code).toBe("CLOSED");
});

test("a transaction that answers with the wrong number of results fails its calls", async () => {
  const commits = new GroupCommit<number, boolean>(() => [true]);
  await expect(commits.submit([1, 2])).rejects.toThrow(/2 writes returned 1 results/);
});

function queueMicrotaskPromise<T>(fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => queueMicrotask(() => fn().then(resolve, reject)));
}
