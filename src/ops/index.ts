export { exposition, Histogram } from "./metrics.ts";
export { opsRoutes } from "./routes.ts";
export { openApiDocument, openApiRoute } from "./openapi.ts";
