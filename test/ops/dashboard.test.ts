import { afterAll, beforeAll, expect, test } from "bun:test";
import { chromium, type Browser } from "playwright-core";
import { Actor, ActorSystem, Entity } from "pulsing";
import { startNode, until } from "../helpers.ts";

// Debian's Chromium: .ci/run installs it (apt-get install chromium), as README's test command does.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

class Greeter extends Actor {
  hello(): string {
    return "hi";
  }
}

class Cart extends Entity {
  add(item: string): string {
    return item;
  }
}

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

test("the dashboard shows every member and the named actors, and keeps itself up to date", async () => {
  const first = await startNode();
  const systems = [first];
  for (let i = 0; i < 2; i++) systems.push(await startNode({ seeds: [first.addr as string] }));
  await until(() => systems.every((s) => s.cluster.members().filter((m) => m.state === "alive").length === 3), "three members alive on every node");

  const page = await browser.newPage();
  await page.goto(`http://${first.addr}/`);
  for (const system of systems) await page.getByText(system.addr as string).first().waitFor({ timeout: 10_000 });
  expect(await page.locator("#members tr").count()).toBe(3);
  expect(await page.locator("#members .alive").count()).toBe(3);

  // An actor spawned after the page loaded appears by itself: the page polls.
  await (systems[1] as ActorSystem).spawn(Greeter, { name: "greeters/one" });
  await page.getByText("greeters/one").waitFor({ timeout: 10_000 });
  const row = page.locator("#actors tr", { hasText: "greeters/one" });
  expect(await row.textContent()).toContain((systems[1] as ActorSystem).addr as string);

  await page.screenshot({ path: `${process.env.TMPDIR ?? "/tmp"}/pulsing-dashboard.png`, fullPage: true });
  await page.close();
}, 60_000);

test("the dashboard shows the entity kinds hosted on its node, with their active counts, as they change", async () => {
  const node = await startNode();
  node.host(Cart, { kind: "cart" });
  await node.entity(Cart, "c-1").add("x");
  const page = await browser.newPage();
  await page.goto(`http://${node.addr}/`);
  const row = page.locator("#kinds tr", { hasText: "cart" });
  // kind, active, activations, passivations, moves, failed activations
  const cells = async () => (await row.locator("td").allTextContents()).join(" ");
  expect(await cells()).toBe("cart 1 1 0 0 0");
  expect(await page.locator("#active").textContent()).toBe("1");
  // Two more keys activate after the page loaded: the page polls.
  await node.entity(Cart, "c-2").add("x");
  await node.entity(Cart, "c-3").add("x");
  await until(async () => (await cells()) === "cart 3 3 0 0 0", "the page to show three active carts");
  expect(await page.locator("#active").textContent()).toBe("3");
  await page.close();
}, 60_000);
