export {};
/**
 * Load generator for HTTP POST, run in its own process so that it does not share
 * the server's CPU time slice logic: `bun http-load.ts URL BODY CONCURRENCY SECONDS`.
 * Prints {"requests", "seconds", "errors"}.
 */
const [url, body, concurrencyText, secondsText] = process.argv.slice(2) as [string, string, string, string];
const concurrency = Number(concurrencyText);
const deadline = performance.now() + Number(secondsText) * 1000;
let requests = 0;
let errors = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      await response.arrayBuffer();
      if (response.ok) requests++;
      else errors++;
    }
  }),
);
console.log(JSON.stringify({ requests, errors, seconds: (performance.now() - started) / 1000 }));
