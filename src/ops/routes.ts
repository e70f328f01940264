import type { Hono } from "hono";
import type { NodeExtension, NodeView } from "../system/index.ts";
import { Dashboard } from "./dashboard.ts";
import { NodeMetrics } from "./node-metrics.ts";
import { entitiesSnapshot, snapshot } from "./view.ts";

/** Mounts the operator's routes: metrics, the node's state as JSON, its entity kinds, the dashboard. */
export function mountOps(app: Hono, view: NodeView, metrics: NodeMetrics): void {
  app.get("/metrics", (c) => c.text(metrics.text(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));
  app.get("/dashboard.json", (c) => c.json(snapshot(view)));
  app.get("/entities", (c) => c.json(entitiesSnapshot(view)));
  app.get("/", (c) => c.html(`<!doctype html>${Dashboard({ view })}`));
}

/** The operator's routes as a node extension: whoever composes a node adds it (the public index does). */
export const opsRoutes: NodeExtension = (app, view) => {
  const metrics = new NodeMetrics(view);
  view.onAskServed((seconds) => metrics.httpAskLatency.observe(seconds));
  mountOps(app, view, metrics);
};
