/**
 * Before any test: node processes the tests start (`pulsing node`, which keeps
 * entity state in SQLite under its data directory) inherit a data directory of
 * this run's own, not ./pulsing-data in the repository; it goes when the run ends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

if (process.env.PULSING_DATA_DIR === undefined) {
  const dir = mkdtempSync(join(tmpdir(), "pulsing-test-data-"));
  process.env.PULSING_DATA_DIR = dir;
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
}
