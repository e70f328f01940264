// What the dashboard's assets are when imported `with { type: "text" }` (dashboard-assets.ts):
// their text, which Bun embeds in the bundle and in the compiled executable.
declare module "*.browser.js" {
  const text: string;
  export default text;
}
declare module "uplot/dist/uPlot.iife.min.js" {
  const text: string;
  export default text;
}
declare module "uplot/dist/uPlot.min.css" {
  const text: string;
  export default text;
}
