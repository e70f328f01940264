export {};
/** Baseline: a bare Bun.serve POST handler that parses a JSON body and answers {"result"}. */
let state = 0;
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const body = (await request.json()) as { payload: [number] };
    state += body.payload[0];
    return Response.json({ result: state });
  },
});
console.log(JSON.stringify({ addr: `127.0.0.1:${server.port}` }));
for await (const _ of Bun.stdin.stream());
process.exit(0);
