#!/usr/bin/env bun
/**
 * Writes docs/openapi.json from the document every node serves at
 * `GET /openapi.json` (src/ops/openapi.ts):
 *   bun scripts/openapi.ts           writes it
 *   bun scripts/openapi.ts --check   exits 1 if the file differs (as test/ops/openapi.test.ts fails)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { openApiDocument } from "../src/ops/index.ts";

export const OPENAPI_FILE = resolve(import.meta.dir, "../docs/openapi.json");

/** The file's text: two-space JSON, as a reviewer reads it in a diff. */
export function openApiText(): string {
  return `${JSON.stringify(openApiDocument, null, 2)}\n`;
}

if (import.meta.main) {
  const text = openApiText();
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(OPENAPI_FILE, "utf8");
    } catch {}
    if (current !== text) {
      console.error("docs/openapi.json is not the document nodes serve: run bun scripts/openapi.ts");
      process.exit(1);
    }
  } else {
    writeFileSync(OPENAPI_FILE, text);
    console.log(`wrote ${OPENAPI_FILE}`);
  }
}
