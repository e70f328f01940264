import type { Hono } from "hono";
import { Dashboard } from "./dashboard.ts";
import { NodeMetrics } from "./node-metrics.ts";
import { snapshot, type NodeView } from "./view.ts";

/** Mounts the operator's routes: metrics, the node's state as JSON, the dashboard. */
export function mountOps(app: Hono, view: NodeView, metrics: NodeMetrics): void {
  app.get("/metrics", (c) => c.text(metrics.text(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));
  app.get("/dashboard.json", (c) => c.json(snapshot(view)));
  app.get("/", (c) => c.html(`<!doctype html>${Dashboard({ view })}`));
}
