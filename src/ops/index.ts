export { exposition, type Family, Histogram, type Labels, type Sample } from "./metrics.ts";
export { NodeMetrics } from "./node-metrics.ts";
export { mountOps, opsRoutes } from "./routes.ts";
export { snapshot } from "./view.ts";
