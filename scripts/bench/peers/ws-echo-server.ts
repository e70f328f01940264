/**
 * Baseline: a bare Bun WebSocket server that answers batched msgpack envelopes
 * [id, arg] with [id, state += arg], batched per event-loop turn like a link.
 */
import { decode, encode } from "@msgpack/msgpack";

let state = 0;
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (request, srv) => (srv.upgrade(request, { data: undefined }) ? undefined : new Response("upgrade", { status: 400 })),
  websocket: {
    message(ws, message) {
      const batch = decode(message as Uint8Array) as [number, number][];
      const replies: [number, number][] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) {
        const [id, arg] = batch[i] as [number, number];
        replies[i] = [id, (state += arg)];
      }
      ws.send(encode(replies));
    },
  },
});
console.log(JSON.stringify({ addr: `127.0.0.1:${server.port}` }));
for await (const _ of Bun.stdin.stream());
process.exit(0);
