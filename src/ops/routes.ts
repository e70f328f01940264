import type { Hono } from "hono";
import type { NodeExtension, NodeView } from "../system/index.ts";
import { Dashboard } from "./dashboard.ts";
import { mountAssets } from "./dashboard-assets.ts";
import { NodeMetrics } from "./node-metrics.ts";
import { entitiesSnapshot, snapshot } from "./view.ts";

/**
 * Whether a browser page from `origin` may read this node's `/dashboard.json`:
 * when the page is another member's dashboard (an origin that is a member's
 * address). Any other site's page gets no CORS header, so the browser does
 * not let it read what the node says, error texts included.
 */
export function memberOrigin(view: NodeView, origin: string | undefined): boolean {
  if (origin === undefined) return false;
  const match = /^https?:\/\/([^/]+)$/.exec(origin);
  if (match === null) return false;
  const host = (match[1] as string).toLowerCase();
  return view.members().some((member) => member.addr.toLowerCase() === host);
}

/** Mounts the operator's routes: metrics, the node's state as JSON, its entity kinds, the dashboard and its assets. */
export function mountOps(app: Hono, view: NodeView, metrics: NodeMetrics): void {
  app.get("/metrics", (c) => c.text(metrics.text(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));
  app.get("/dashboard.json", (c) => {
    // Read-only, and what every member's dashboard polls from the browser: members' pages may read it.
    c.header("vary", "origin");
    const origin = c.req.header("origin");
    if (memberOrigin(view, origin)) c.header("access-control-allow-origin", origin as string);
    // `?spans=0`: without the recent spans (up to 256 records), what a page polling every member asks the others for.
    return c.json(snapshot(view, { spans: c.req.query("spans") !== "0" }));
  });
  app.get("/entities", (c) => c.json(entitiesSnapshot(view)));
  mountAssets(app);
  app.get("/", (c) => c.html(`<!doctype html>${Dashboard({ view, snapshot: snapshot(view) })}`));
}

/** The operator's routes as a node extension: whoever composes a node adds it (the public index does). */
export const opsRoutes: NodeExtension = (app, view) => {
  const metrics = new NodeMetrics(view);
  view.onAskServed((seconds) => metrics.httpAskLatency.observe(seconds));
  mountOps(app, view, metrics);
};
