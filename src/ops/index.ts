export { exposition, type Family, Histogram, type Labels, type Sample } from "./metrics.ts";
export { NodeMetrics } from "./node-metrics.ts";
export { mountOps } from "./routes.ts";
export { type NodeView, snapshot } from "./view.ts";
