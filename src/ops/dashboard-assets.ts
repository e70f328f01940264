/// <reference path="./assets.d.ts" />
/**
 * The dashboard's script and styles, served by the node itself: uPlot (a small
 * charting library, MIT) and the page's own script, imported as text so that
 * they are in the bundle and in the compiled executable, nothing fetched from
 * elsewhere. Each is served gzipped to browsers that take it, under a URL that
 * carries a hash of its text, so a browser keeps it until the node changes.
 */
import type { Hono } from "hono";
import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };
import appJs from "./dashboard.browser.js" with { type: "text" };

interface Asset {
  readonly body: string;
  readonly type: string;
  /** A hash of the text: the URL's `?v=` and the ETag. */
  readonly version: string;
  gzipped?: Uint8Array<ArrayBuffer>;
}

const asset = (body: string, type: string): Asset => ({ body, type, version: Bun.hash(body).toString(36) });

/** Every asset the page loads, by path. */
export const ASSETS: Readonly<Record<string, Asset>> = {
  "/dashboard/uplot.js": asset(uplotJs, "text/javascript; charset=utf-8"),
  "/dashboard/uplot.css": asset(uplotCss, "text/css; charset=utf-8"),
  "/dashboard/app.js": asset(appJs, "text/javascript; charset=utf-8"),
};

/** The URL the page names an asset by: its path and its version. */
export function assetUrl(path: keyof typeof ASSETS): string {
  return `${path}?v=${(ASSETS[path] as Asset).version}`;
}

/** The gzipped text, made on first use. */
function gzipped(asset: Asset): Uint8Array<ArrayBuffer> {
  return (asset.gzipped ??= new Uint8Array(Bun.gzipSync(asset.body)));
}

/** `GET /dashboard/{asset}`: uplot.js, uplot.css, app.js; any other name is 404. */
export function mountAssets(app: Hono): void {
  app.get("/dashboard/:asset", (c) => {
    const asset = ASSETS[`/dashboard/${c.req.param("asset")}`];
    if (asset === undefined) return c.notFound();
    const etag = `"${asset.version}"`;
    const headers: Record<string, string> = { "content-type": asset.type, etag, "cache-control": "public, max-age=31536000, immutable", vary: "accept-encoding" };
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
    if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) return c.body(gzipped(asset), 200, { ...headers, "content-encoding": "gzip" });
    return c.body(asset.body, 200, headers);
  });
}

/** What the page weighs, in bytes, plain and gzipped: its HTML (given) and every asset. */
export function pageWeight(html: string): { plain: number; gzipped: number; parts: Record<string, { plain: number; gzipped: number }> } {
  const parts: Record<string, { plain: number; gzipped: number }> = {
    "/": { plain: Buffer.byteLength(html), gzipped: Bun.gzipSync(html).length },
  };
  for (const [path, asset] of Object.entries(ASSETS)) parts[path] = { plain: Buffer.byteLength(asset.body), gzipped: gzipped(asset).length };
  const sum = (key: "plain" | "gzipped") => Object.values(parts).reduce((n, part) => n + part[key], 0);
  return { plain: sum("plain"), gzipped: sum("gzipped"), parts };
}
