/**
 * The API reference page in a real browser: headless Chromium from Debian's packages
 * (`/usr/bin/chromium`), driven by playwright-core, with every request that leaves the machine
 * blocked, so the page must render from the Worker alone.
 * `UPDATE_SCREENSHOT=1 npm run test:e2e` refreshes docs/api-reference.png, shown in the README.
 */
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, watchPage } from "./browser";

const SCREENSHOT = fileURLToPath(new URL("../docs/api-reference.png", import.meta.url));

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe("GET /docs in a browser", () => {
  it("renders the API reference, listing the view endpoint, with nothing loaded from outside", async () => {
    const baseUrl = inject("baseUrl");
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Whatever leaves the machine is blocked and recorded; so is a script or style the page's
    // Content-Security-Policy refuses.
    const watch = await watchPage(page, baseUrl);

    const response = await page.goto(`${baseUrl}/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await expect
      .poll(() => page.getByText("/api/clients/view").first().isVisible(), { timeout: 30_000 })
      .toBe(true);
    if (process.env.UPDATE_SCREENSHOT === "1") await page.screenshot({ path: SCREENSHOT });
    await expect
      .poll(() => page.getByText("Find the client and WhatsApp session of a chat").first().isVisible(), {
        timeout: 10_000,
      })
      .toBe(true);
    expect(watch.outside).toEqual([]);
    expect(watch.refused).toEqual([]);
    await page.close();
  });

  it("shows a request snippet for every operation, none sending an optional header that skips the caches", async () => {
    const baseUrl = inject("baseUrl");
    const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const methods = new Set(["get", "put", "post", "delete", "patch", "head", "options"]);
    const operations = Object.values(document.paths).flatMap((item) =>
      Object.keys(item).filter((key) => methods.has(key)),
    ).length;

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${baseUrl}/docs`);
    // The reference renders an operation, and its snippet, once it scrolls into view: scroll its
    // content (right of the sidebar) down as a reader would.
    const snippets = page.locator("code.language-curl");
    await page.mouse.move(900, 450);
    await expect
      .poll(
        async () => {
          await page.mouse.wheel(0, 2_000);
          return snippets.count();
        },
        { timeout: 30_000 },
      )
      .toBe(operations);

    const texts = await snippets.allTextContents();
    const lookup = texts.find((text) => text.includes("/api/clients/view?chatId="));
    expect(lookup).toContain("--header 'Authorization: Bearer");
    for (const text of texts) {
      expect(text).not.toMatch(/cache-control/i);
      expect(text).not.toMatch(/x-d1-bookmark/i);
    }
    await page.close();
  });
});
