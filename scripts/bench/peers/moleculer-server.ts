/** Peer: Moleculer 0.15 with its TCP transporter (no UDP discovery, static URLs), one "counter.inc" action. */
import { ServiceBroker } from "moleculer";

const port = Number(process.argv[2] ?? 6100);
const broker = new ServiceBroker({
  nodeID: "server",
  logger: false,
  // Static URLs (an array, which the typings do not allow for) and no UDP discovery: loopback only.
  transporter: { type: "TCP", options: { udpDiscovery: false, port, urls: [`127.0.0.1:${port}/server`] as never } },
});
let state = 0;
broker.createService({
  name: "counter",
  actions: {
    inc(ctx: { params: { by: number } }) {
      return (state += ctx.params.by);
    },
  },
});
await broker.start();
console.log(JSON.stringify({ addr: `127.0.0.1:${port}` }));
for await (const _ of Bun.stdin.stream());
await broker.stop();
process.exit(0);
