import { expect, test } from "bun:test";
import { Actor, ActorSystem } from "pulsing";
import { exposition, Histogram } from "../../src/ops/index.ts";
import { startNode, until } from "../helpers.ts";

test("the exposition format: help, type, labels escaped, histogram buckets cumulative", () => {
  const histogram = new Histogram([0.1, 1]);
  histogram.observe(0.05);
  histogram.observe(0.5);
  histogram.observe(5);
  const text = exposition([
    { name: "x_total", help: "Things.", type: "counter", samples: [{ labels: { path: 'a"b\\c' }, value: 3 }] },
    { name: "lat", help: "Latency.", type: "histogram", samples: histogram.samples({ node: "n" }) },
  ]);
  expect(text).toContain("# HELP x_total Things.\n# TYPE x_total counter\n");
  expect(text).toContain('x_total{path="a\\"b\\\\c"} 3');
  expect(text).toContain('lat_bucket{node="n",le="0.1"} 1');
  expect(text).toContain('lat_bucket{node="n",le="1"} 2');
  expect(text).toContain('lat_bucket{node="n",le="+Inf"} 3');
  expect(text).toContain('lat_count{node="n"} 3');
  expect(text).toContain('lat_sum{node="n"} 5.55');
});

test("GET /metrics counts what the node did", async () => {
  class Echo extends Actor {
    echo(x: unknown): unknown {
      return x;
    }
  }
  const a = await startNode();
  const b = await startNode({ seeds: [a.addr as string] });
  await a.spawn(Echo, { name: "echo" });
  const remote = b.remote<Echo>(a.addr as string, "echo");
  // The tell first: the asks behind it on the same link are answered only once it was handled.
  await remote.$tell.echo(1);
  for (let i = 0; i < 5; i++) await remote.echo(i);
  await fetch(`http://${a.addr}/actor/echo`, { method: "POST", body: JSON.stringify({ msg_type: "echo", payload: [1] }) });
  const value = async (system: ActorSystem, series: string) => {
    const text = await (await fetch(`http://${system.addr}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(series));
    return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(" ") + 1));
  };
  await until(() => a.cluster.members().filter((m) => m.state === "alive").length === 2, "b to join a");
  expect(await value(a, 'pulsing_messages_total{kind="ask"}')).toBe(6);
  expect(await value(a, 'pulsing_messages_total{kind="tell"}')).toBe(1);
  expect(await value(a, 'pulsing_actors')).toBe(1);
  expect(await value(a, 'pulsing_http_ask_seconds_count')).toBe(1);
  expect(await value(b, 'pulsing_link_messages_total{direction="out",kind="call"}')).toBe(5);
  expect(await value(a, 'pulsing_link_messages_total{direction="in",kind="tell"}')).toBe(1);
  expect(await value(a, 'pulsing_links_up')).toBe(1);
  expect(await value(a, 'pulsing_members{state="alive"}')).toBe(2);
  expect(await value(a, "process_resident_memory_bytes")).toBeGreaterThan(0);
  expect(await value(a, `pulsing_node_info{node="${a.nodeId}",addr="${a.addr}"}`)).toBe(1);
});

test("GET /health is 200 while serving and 503 once shutting down", async () => {
  const system = await startNode();
  expect((await fetch(`http://${system.addr}/health`)).status).toBe(200);
  class Slow extends Actor {
    override async onStop(): Promise<void> {
      await Bun.sleep(200);
    }
  }
  await system.spawn(Slow);
  const stopping = system.shutdown();
  expect((await fetch(`http://${system.addr}/health`)).status).toBe(503);
  await stopping;
});
