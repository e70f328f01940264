import { afterAll, beforeAll, expect, test } from "bun:test";
import { chromium, type Browser } from "playwright-core";
import { Actor, ActorSystem } from "pulsing";
import { startNode, until } from "../helpers.ts";

// Debian's Chromium: .ci/run installs it (apt-get install chromium), as README's test command does.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

class Greeter extends Actor {
  hello(): string {
    return "hi";
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
