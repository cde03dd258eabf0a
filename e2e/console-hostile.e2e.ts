/**
 * Hostile data in the console: session ids (free text in the API) full of markup and script, a
 * client id as script-like as its grammar allows, and the events they leave, stored through every
 * path that accepts them; the console must show each literally and run none of it: no dialog, no
 * element of theirs in the page, nothing set on `window`.
 */
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { ConsoleTab, freshIds, launchChromium, linkedChat, lookUp, mustWrite, write } from "./console-tab.ts";

const tokens = inject("tokens");

/** Session ids a careless page would run: each sets `window.__pwned`, opens a dialog or adds an element. */
const HOSTILE = [
  `<img src=x onerror="window.__pwned='img';alert('img')">`,
  `"><script>window.__pwned='script';alert('script')</script>`,
  `</code><b id="injected">bold</b><code>`,
  `' onmouseover='window.__pwned="attribute"' x='`,
  `<svg onload="window.__pwned='svg'"></svg>`,
  `<iframe srcdoc="<script>parent.__pwned='iframe'</script>"></iframe>`,
  `<style>body{display:none}</style>`,
  `javascript:window.__pwned='url'`,
  "{{constructor.constructor('window.__pwned=1')()}}",
];

// The most script-like a client id can be: letters, digits and `._:@-` only.
const SCRIPT_LIKE_CLIENT = "javascript:alert.call@window-1";

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

let tab: ConsoleTab | undefined;
afterEach(async () => {
  if (tab === undefined) return;
  tab.expectClean();
  await tab.close();
  tab = undefined;
});

/** Nothing of the data ran or entered the page as markup. */
async function expectNothingRan(current: ConsoleTab): Promise<void> {
  const page = await current.page.evaluate(() => ({
    pwned: (window as { __pwned?: unknown }).__pwned ?? null,
    injected: document.querySelectorAll("img, svg, b, iframe, style, body script:not([src])").length,
    scripts: [...document.scripts].map((script) => script.getAttribute("src")),
    styleSheets: document.styleSheets.length,
    visible: document.body.checkVisibility(),
  }));
  expect(page).toEqual({
    pwned: null,
    injected: 0,
    scripts: ["/console/main.js"],
    styleSheets: 1,
    visible: true,
  });
  expect(current.watch.dialogs).toEqual([]);
}

describe("hostile data in the console", () => {
  it("shows hostile session ids and a script-like client id as text, in the conversation and its history", async () => {
    const chats: { chatId: string; sessionId: string }[] = [];
    for (const sessionId of HOSTILE) {
      const ids = freshIds("hostile");
      await linkedChat({ ...ids, sessionId });
      chats.push({ chatId: ids.chatId, sessionId });
    }
    tab = await (await ConsoleTab.open(browser)).signedIn(tokens.readWrite);
    for (const { chatId, sessionId } of chats) {
      await tab.search(chatId);
      expect(await tab.fact("Session")).toContain(sessionId);
      expect(await tab.conversation.locator("dd code", { hasText: sessionId }).count()).toBe(1);
      await expectNothingRan(tab);
    }

    // A script-like client id, and a chat moved to it: the history records both ids.
    const ids = freshIds("hostile");
    await linkedChat({ ...ids, clientId: SCRIPT_LIKE_CLIENT, sessionId: HOSTILE[0] ?? "" });
    await mustWrite("PUT", `/api/clients/${SCRIPT_LIKE_CLIENT}`, { session_id: HOSTILE[1] });
    await tab.search(ids.chatId);
    expect(await tab.fact("Client")).toBe(SCRIPT_LIKE_CLIENT);
    expect(await tab.fact("Session")).toContain(HOSTILE[1]);
    const history = (await tab.conversation.locator(".events").allTextContents()).join("\n");
    expect(history).toContain(`client ${SCRIPT_LIKE_CLIENT}`);
    expect(history).toContain(`session_id: ${HOSTILE[0]} → ${HOSTILE[1]}`);
    await expectNothingRan(tab);
  });

  it("moves a client to a hostile session typed into the console: the confirmation and the result show it as text", async () => {
    const ids = freshIds("hostile-move");
    await linkedChat(ids);
    const target = HOSTILE[1] ?? "";
    tab = await (await ConsoleTab.open(browser)).signedIn(tokens.readWrite);
    await tab.search(ids.chatId);
    await tab.request("New session ID", target);
    const asked = await tab.confirmation();
    expect(asked.changes[1]).toContain(`served by session ${target}:`);
    await expectNothingRan(tab);
    await tab.confirm("Move client", `Client ${ids.clientId} is now served by session ${target}.`);
    expect(await tab.fact("Session")).toContain(target);
    expect(await lookUp(ids.chatId)).toBe(`${ids.clientId}/${target}`);
    await expectNothingRan(tab);
  });

  it("lists hostile sessions, with their reported statuses, as text on the sessions page", async () => {
    for (const sessionId of HOSTILE) {
      await linkedChat({ ...freshIds("hostile-list"), sessionId });
      // As WAHA or Evolution API would report a session of that name.
      const reported = await write(
        "PUT",
        `/api/sessions/${encodeURIComponent(sessionId)}/status`,
        { status: "SCAN_QR_CODE" },
        tokens.sessionsWrite,
      );
      expect(reported.status, reported.text).toBe(200);
    }
    tab = await (await ConsoleTab.open(browser)).signedIn(tokens.readWrite);
    const page = await tab.sessions();
    const shown = await page.locator("tbody th code").allTextContents();
    for (const sessionId of HOSTILE) expect(shown).toContain(sessionId);
    await expectNothingRan(tab);
  });
});
