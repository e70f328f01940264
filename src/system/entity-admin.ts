import type { Hono } from "hono";
import { ActorError } from "../actor/index.ts";
import { checkKey, type Entities } from "../entity/index.ts";

const MAX_PAGE = 1_000;

/** A page size from a query parameter: 1 to 1 000, default 100. */
function pageSize(text: string | undefined): number {
  if (text === undefined) return 100;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new ActorError("INVALID_OPTION", `limit must be an integer from 1 to ${MAX_PAGE}`);
  return limit;
}

/**
 * The operator's routes for entity state in the store (docs/entities.md):
 * `GET /entities/{kind}/keys?after=&limit=` pages through the keys with a
 * saved state; `DELETE /entity/{kind}/{key}` deletes one (its activation here
 * stops first). The API token guards the delete as it guards calls (the
 * `/entity/` routes' middleware). `problem` answers a refusal with its code.
 */
export function entityAdminRoutes(app: Hono, entities: Entities, problem: (error: unknown) => Response): void {
  app.get("/entities/:kind/keys", async (c) => {
    try {
      const kind = c.req.param("kind");
      const limit = pageSize(c.req.query("limit"));
      const after = c.req.query("after");
      const keys = await entities.keys(kind, limit, after === undefined ? undefined : checkKey(after));
      return c.json({ kind, keys, next: keys.length === limit ? (keys.at(-1) ?? null) : null });
    } catch (error) {
      return problem(error);
    }
  });
  app.delete("/entity/:kind/:key{.+}", async (c) => {
    try {
      await entities.delete(c.req.param("kind"), c.req.param("key"));
      return c.json({ deleted: true });
    } catch (error) {
      return problem(error);
    }
  });
}
