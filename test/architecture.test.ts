import { expect, test } from "bun:test";
import { resolve } from "node:path";
import { formatArrows, violations } from "../scripts/check-imports.ts";

/**
 * The imports of src/ against the layers' arrows (the table is in
 * scripts/check-imports.ts): through a folder's index.ts only, along the
 * arrows only, no `export *` in an index.
 *
 * KNOWN lists what the code still does against them while the layers are being
 * reshaped. It may only shrink: a new violation fails, and so does one listed
 * here that is gone (take it off the list).
 */
const KNOWN: readonly string[] = [
];

test("src/ imports only along the arrows, through each folder's index.ts, and no index uses export *", () => {
  const found = violations(resolve(import.meta.dir, ".."));
  const keys = found.map((v) => v.key);
  const added = found.filter((v) => !KNOWN.includes(v.key));
  const gone = KNOWN.filter((key) => !keys.includes(key));
  const problems = [
    ...added.map((v) => `new: ${v.key}\n${v.where.map((w) => `      ${w}`).join("\n")}`),
    ...gone.map((key) => `fixed, so take it off KNOWN in test/architecture.test.ts: ${key}`),
  ];
  if (problems.length > 0) throw new Error(`${problems.join("\n")}\n\nallowed arrows (scripts/check-imports.ts):\n${formatArrows()}`);
  expect(keys.toSorted()).toEqual([...KNOWN].sort());
});
