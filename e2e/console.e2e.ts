/**
 * The console (`/console`) in headless Chromium, against the suite's `wrangler dev`: signing in,
 * finding conversations by every kind of id, each change and its confirmation, the sessions page,
 * the limits of a token, and how it reads at 375 px. Every request that leaves the Worker is
 * blocked, and no test may see a CSP refusal, a script error or a browser dialog.
 * `UPDATE_SCREENSHOT=1 npm run test:e2e` refreshes docs/console.png, shown in docs/console.md.
 */
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { ConsoleTab, freshIds, launchChromium, linkedChat, lookUp, mustWrite } from "./console-tab.ts";

const SCREENSHOT = fileURLToPath(new URL("../docs/console.png", import.meta.url));
const tokens = inject("tokens");

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const opened: ConsoleTab[] = [];
async function open(viewport?: { width: number; height: number }): Promise<ConsoleTab> {
  const tab = await ConsoleTab.open(browser, viewport);
  opened.push(tab);
  return tab;
}
afterEach(async () => {
  for (const tab of opened.splice(0)) {
    tab.expectClean();
    await tab.close();
  }
});

describe("signing in", () => {
  it("takes a token typed into the one Token field, Enter, and keeps it in the tab's session storage only", async () => {
    const tab = await open();
    // The Token field has the focus: typing and Enter is all it takes.
    await tab.page.keyboard.type(tokens.readWrite);
    await tab.page.keyboard.press("Enter");
    await tab.chatId.waitFor({ state: "visible" });
    expect(await tab.chatId.evaluate((field) => field === document.activeElement)).toBe(true);

    const stored = await tab.page.evaluate(() => ({
      session: Object.values(sessionStorage),
      local: localStorage.length,
      cookie: document.cookie,
      url: location.href,
    }));
    expect(stored).toEqual({
      session: [tokens.readWrite],
      local: 0,
      cookie: "",
      url: `${inject("baseUrl")}/console`,
    });
    expect(await tab.page.context().cookies()).toEqual([]);

    // A reload keeps the tab signed in; another tab is not.
    await tab.page.reload();
    await tab.chatId.waitFor({ state: "visible" });
    const other = await open();
    await other.token.waitFor({ state: "visible" });
    expect(await other.chatId.isVisible()).toBe(false);

    await tab.page.getByRole("button", { name: "Sign out" }).click();
    await tab.token.waitFor({ state: "visible" });
    expect(await tab.page.locator("#sign-in-message").textContent()).toBe("Signed out.");
    expect(await tab.page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it.each([
    ["unknown", "csl_0000000000000000000000000000000000000000000"],
    ["revoked", tokens.revoked],
    ["malformed", "not a token at all"],
  ])("refuses an %s token with Unauthorized, in words, and keeps nothing", async (_, token) => {
    const tab = await open();
    await tab.signIn(token);
    const message = tab.page.locator("#sign-in-message");
    await message.filter({ hasText: "Unauthorized" }).waitFor();
    expect(await message.textContent()).toBe(
      "Unauthorized: the service does not accept this token (unknown, expired or revoked).",
    );
    expect(await tab.chatId.isVisible()).toBe(false);
    expect(await tab.page.evaluate(() => sessionStorage.length)).toBe(0);
  });
});

describe("finding a conversation", () => {
  it("by its phone number in any spelling and by its LID, showing its ids, client and session", async () => {
    const ids = freshIds("find");
    await linkedChat(ids);
    await mustWrite("PUT", `/api/conversations/${ids.chatId}/aliases/${ids.lid}`);
    const tab = await (await open()).signedIn(tokens.readWrite);

    const number = ids.chatId.replace("@c.us", "");
    for (const spelling of [ids.chatId, `${number}@s.whatsapp.net`, `${number}:12@s.whatsapp.net`, ids.lid]) {
      await tab.search(spelling);
      expect(await tab.page.getByRole("heading", { level: 3 }).first().textContent()).toBe(
        `Conversation ${ids.chatId}`,
      );
      expect(await tab.ids()).toEqual([ids.chatId, ids.lid]);
      expect(await tab.fact("Client")).toBe(ids.clientId);
      expect(await tab.fact("Session")).toContain(ids.sessionId);
      expect(await tab.message.textContent()).toBe("");
    }
    expect(await tab.conversation.textContent()).toContain(`Found by ${ids.lid}.`);
  });

  it("by a business-scoped user id (BSUID)", async () => {
    const ids = freshIds("bsuid");
    const bsuid = `US.${ids.run}Ab`;
    await linkedChat(ids);
    await mustWrite("PUT", `/api/conversations/${ids.chatId}/aliases/${bsuid}`);
    const tab = await (await open()).signedIn(tokens.readWrite);
    await tab.search(bsuid);
    expect(await tab.ids()).toEqual([ids.chatId, bsuid]);
    expect(await tab.conversation.locator(".ids li").nth(1).textContent()).toContain(
      "business-scoped user id",
    );
    expect(await tab.fact("Client")).toBe(ids.clientId);
  });

  it("shows the session's status and since when, or that it never reported", async () => {
    const ids = freshIds("status");
    await linkedChat(ids);
    const tab = await (await open()).signedIn(tokens.readWrite);
    await tab.search(ids.chatId);
    expect(await tab.fact("Session")).toBe(`${ids.sessionId} UNKNOWN never reported`);

    const at = "2026-11-30T08:00:00.000Z";
    await mustWrite(
      "PUT",
      `/api/sessions/${ids.sessionId}/status`,
      { status: "WORKING", at },
      tokens.sessionsWrite,
    );
    await tab.search(ids.chatId);
    expect(await tab.fact("Session")).toBe(`${ids.sessionId} WORKING since 2026-11-30 08:00:00 UTC`);
  });

  it("shows who changed what: the conversation's history, and its client's with the session moves", async () => {
    const ids = freshIds("why");
    await linkedChat(ids);
    await mustWrite("PUT", `/api/clients/${ids.clientId}`, { session_id: `${ids.sessionId}-2` });
    const tab = await (await open()).signedIn(tokens.readWrite);
    await tab.search(ids.chatId);

    const chat = await tab.history("History of this conversation").locator(".events li").allTextContents();
    expect(chat.length).toBeGreaterThanOrEqual(1);
    expect(chat.at(-1)).toContain("by e2e-read-write");
    expect(chat.join("\n")).toContain(`client_id: ${ids.clientId}`);

    const client = tab.history(`History of client ${ids.clientId}`).locator(".events li").first();
    expect(await client.textContent()).toContain("client.upserted by e2e-read-write");
    expect(await client.textContent()).toContain(`session_id: ${ids.sessionId} → ${ids.sessionId}-2`);
  });

  it("pages through a long history with Older events", async () => {
    const ids = freshIds("history");
    await linkedChat(ids);
    // 24 more changes: two pages of 20.
    for (let round = 0; round < 12; round++) {
      await mustWrite("PUT", `/api/conversations/${ids.chatId}`, { client_id: null });
      await mustWrite("PUT", `/api/conversations/${ids.chatId}`, { client_id: ids.clientId });
    }
    const tab = await (await open()).signedIn(tokens.readWrite);
    await tab.search(ids.chatId);
    const card = tab.history("History of this conversation");
    const history = card.locator(".events li");
    expect(await history.count()).toBe(20);
    await card.getByRole("button", { name: "Older events" }).click();
    await expect.poll(() => history.count()).toBeGreaterThan(20);
    const times = await card
      .locator(".events time")
      .evaluateAll((all) => all.map((time) => time.getAttribute("datetime") ?? ""));
    expect(times).toEqual([...times].sort().reverse());
  });

  it("says what is wrong, in words: an unknown chat, an invalid id, no id at all", async () => {
    const tab = await (await open()).signedIn(tokens.readWrite);
    await tab.search(`${freshIds().run}9@c.us`);
    expect(await tab.message.textContent()).toBe("Conversation not found.");
    await tab.search("12345@bot");
    expect(await tab.message.textContent()).toBe("Invalid chat ID.");
    await tab.chatId.fill("  ");
    await tab.chatId.press("Enter");
    expect(await tab.message.textContent()).toBe("Enter a chat ID: any id of the person.");
    expect(await tab.conversation.textContent()).toBe("");
  });
});

describe("changing a conversation, each change confirmed first", () => {
  it("links a chat to a client: Escape changes nothing, the Link button does", async () => {
    const ids = freshIds("link");
    await mustWrite("PUT", `/api/clients/${ids.clientId}`, { session_id: ids.sessionId });
    await mustWrite("PUT", `/api/conversations/${ids.chatId}`, { client_id: null });
    const tab = await (await open()).signedIn(tokens.readWrite);
    await tab.search(ids.chatId);
    expect(await tab.fact("Client")).toBe("none: lookups answer “Client not found”");

    await tab.request("Client ID", ids.clientId);
    const asked = await tab.confirmation();
    expect(asked.title).toBe("Link this chat?");
    expect(asked.changes).toEqual([
      `Chat ${ids.chatId} has no client now.`,
      `It will belong to client ${ids.clientId}: lookups of ${ids.chatId} will answer client ${ids.clientId} and its session.`,
    ]);
    await tab.page.keyboard.press("Escape");
    await tab.message.filter({ hasText: "Nothing changed." }).waitFor();
    expect(await lookUp(ids.chatId)).toBe("Client not found");

    await tab.request("Client ID", ids.clientId);
    await tab.confirmation();
    await tab.confirm("Link", `Chat ${ids.chatId} now belongs to client ${ids.clientId}.`);
    expect(await tab.fact("Client")).toBe(ids.clientId);
    expect(await lookUp(ids.chatId)).toBe(`${ids.clientId}/${ids.sessionId}`);
  });

  it("unlinks a chat, with the keyboard alone", async () => {
    const ids = freshIds("unlink");
    await linkedChat(ids);
    const tab = await (await open()).signedIn(tokens.readWrite);
    await tab.search(ids.chatId);
    await tab.page.getByRole("button", { name: "Unlink" }).focus();
    await tab.page.keyboard.press("Enter");
    const asked = await tab.confirmation();
    expect(asked.title).toBe("Unlink this chat?");
    expect(asked.changes).toEqual([
      `Chat ${ids.chatId} will no longer belong to client ${ids.clientId}: lookups of ${ids.chatId} will answer “Client not found”.`,
      "The conversation and its ids stay.",
    ]);
    // Cancel has the focus; one Tab reaches the confirming button.
    expect(
      await asked.dialog
        .getByRole("button", { name: "Cancel" })
        .evaluate((b) => b === document.activeElement),
    ).toBe(true);
    await tab.page.keyboard.press("Tab");
    await tab.page.keyboard.press("Enter");
    expect(await tab.said()).toBe(`Chat ${ids.chatId} no longer belongs to a client.`);
    expect(await lookUp(ids.chatId)).toBe("Client not found");
  });

  it("adds an id, then removes it", async () => {
    const ids = freshIds("alias");
    await linkedChat(ids);
    const tab = await (await open()).signedIn(tokens.readWrite);
    await tab.search(ids.chatId);

    await tab.request("ID to add", ids.lid);
    const adding = await tab.confirmation();
    expect(adding.title).toBe("Add this ID?");
    expect(adding.changes[0]).toBe(
      `${ids.lid} will be an id of chat ${ids.chatId}: its lookups will answer client ${ids.clientId}.`,
    );
    expect(adding.changes[1]).toContain("merged into this one");
    await tab.confirm("Add ID", `${ids.lid} is now an id of this conversation.`);
    expect(await tab.ids()).toEqual([ids.chatId, ids.lid]);
    expect(await lookUp(ids.lid)).toBe(`${ids.clientId}/${ids.sessionId}`);

    await tab.page.getByRole("button", { name: `Remove ID ${ids.lid}` }).click();
    const removing = await tab.confirmation();
    expect(removing.title).toBe("Remove this ID?");
    expect(removing.changes).toEqual([
      `${ids.lid} will no longer be an id of this conversation: its lookups will answer “Conversation not found”.`,
    ]);
    await tab.confirm("Remove ID", `${ids.lid} is no longer an id of this conversation.`);
    expect(await tab.ids()).toEqual([ids.chatId]);
    expect(await lookUp(ids.lid)).toBe("Conversation not found");
  });

  it("removes the conversation's own chat ID: another id becomes its chat ID", async () => {
    const ids = freshIds("rechat");
    await linkedChat(ids);
    await mustWrite("PUT", `/api/conversations/${ids.chatId}/aliases/${ids.lid}`);
    const tab = await (await open()).signedIn(tokens.readWrite);
    await tab.search(ids.lid);
    await tab.page.getByRole("button", { name: `Remove ID ${ids.chatId}` }).click();
    const asked = await tab.confirmation();
    expect(asked.changes[1]).toContain("another of its ids becomes the chat ID");
    await tab.confirm("Remove ID", `${ids.chatId} is no longer an id of this conversation.`);
    expect(await tab.ids()).toEqual([ids.lid]);
    expect(await lookUp(ids.chatId)).toBe("Conversation not found");
    expect(await lookUp(ids.lid)).toBe(`${ids.clientId}/${ids.sessionId}`);
  });

  it("moves the client to another session, saying it moves all of the client's chats", async () => {
    const ids = freshIds("move");
    await linkedChat(ids);
    const second = freshIds("move");
    await mustWrite("PUT", `/api/conversations/${second.chatId}`, { client_id: ids.clientId });
    const target = `${ids.sessionId}-new`;
    const tab = await (await open()).signedIn(tokens.readWrite);
    await tab.search(ids.chatId);

    await tab.request("New session ID", target);
    const asked = await tab.confirmation();
    expect(asked.title).toBe("Move this client?");
    expect(asked.changes).toEqual([
      `Client ${ids.clientId} is served by session ${ids.sessionId} now.`,
      `It will be served by session ${target}: lookups of every chat of client ${ids.clientId}, not only this one, will answer session ${target}.`,
    ]);
    await tab.confirm("Move client", `Client ${ids.clientId} is now served by session ${target}.`);
    expect(await tab.fact("Session")).toContain(target);
    expect(await lookUp(ids.chatId)).toBe(`${ids.clientId}/${target}`);
    expect(await lookUp(second.chatId)).toBe(`${ids.clientId}/${target}`);
  });

  it("shows a refused change in words and changes nothing", async () => {
    const ids = freshIds("refused");
    await linkedChat(ids);
    const other = freshIds("refused");
    await linkedChat(other);
    const tab = await (await open()).signedIn(tokens.readWrite);
    await tab.search(ids.chatId);

    await tab.request("Client ID", `${ids.clientId}-missing`);
    await tab.confirmation();
    expect(await tab.confirmed("Link")).toBe("Client not found.");

    await tab.request("ID to add", other.chatId);
    await tab.confirmation();
    expect(await tab.confirmed("Add ID")).toBe("Chat ID belongs to another client.");

    await tab.request("ID to add", "120363012345678901@g.us");
    await tab.confirmation();
    expect(await tab.confirmed("Add ID")).toBe("Invalid alias.");

    expect(await lookUp(ids.chatId)).toBe(`${ids.clientId}/${ids.sessionId}`);
    expect(await lookUp(other.chatId)).toBe(`${other.clientId}/${other.sessionId}`);
  });
});

describe("the sessions page", () => {
  it("lists each session with its status, since and number of clients", async () => {
    const ids = freshIds("sessions");
    await linkedChat(ids);
    await mustWrite("PUT", `/api/clients/${ids.clientId}-2`, { session_id: ids.sessionId });
    const at = "2026-11-29T07:30:00.000Z";
    await mustWrite(
      "PUT",
      `/api/sessions/${ids.sessionId}/status`,
      { status: "FAILED", at },
      tokens.sessionsWrite,
    );
    const tab = await (await open()).signedIn(tokens.readWrite);
    const page = await tab.sessions();
    const row = page.locator("tr", { has: tab.page.locator(`code:text-is("${ids.sessionId}")`) });
    expect(await row.locator("th, td").allTextContents()).toEqual([
      ids.sessionId,
      "FAILED",
      "2026-11-29 07:30:00 UTC",
      "2",
    ]);
  });
});

describe("a token's limits hold in the console", () => {
  it("a session-limited read token sees the lookup of its session's chats, nothing of other sessions", async () => {
    const other = freshIds("limited");
    await linkedChat(other);
    const tab = await (await open()).signedIn(tokens.sessionXyz789);

    await tab.search("123456789@c.us");
    expect(await tab.fact("Client")).toBe("abc123");
    expect(await tab.fact("Session")).toContain("xyz789");
    expect(await tab.conversation.textContent()).toContain("this token lacks the scope clients:write");
    expect(await tab.page.getByRole("button", { name: "Unlink" }).count()).toBe(0);

    await tab.search(other.chatId);
    expect(await tab.message.textContent()).toBe("Conversation not found.");
    expect(await tab.conversation.textContent()).toBe("");

    const page = await tab.sessions();
    expect(await page.locator("tbody th").allTextContents()).toEqual(["xyz789"]);
  });

  it("a token without clients:read is told which scope the sessions page needs", async () => {
    const tab = await (await open()).signedIn(tokens.writeOnly);
    const page = await tab.sessions();
    expect(await page.locator("#sessions-message").textContent()).toBe(
      "Permission denied: this token lacks the scope clients:read.",
    );
  });

  it("a token revoked while signed in is sent back to sign in, with Unauthorized", async () => {
    const tab = await (await open()).signedIn(tokens.readWrite);
    // As if revoked: the tab's stored token no longer authenticates.
    await tab.page.evaluate((revoked) => {
      for (const key of Object.keys(sessionStorage)) sessionStorage.setItem(key, revoked);
    }, tokens.revoked);
    await tab.page.reload();
    await tab.search("123456789@c.us");
    await tab.token.waitFor({ state: "visible" });
    expect(await tab.page.locator("#sign-in-message").textContent()).toContain("Unauthorized");
    expect(await tab.page.evaluate(() => sessionStorage.length)).toBe(0);
  });
});

describe("on a deployment without sessions and events yet", () => {
  it("signs in, and says in words that the sessions list and the history are not offered", async () => {
    const tab = await open();
    await tab.page.route(/\/api\/(sessions|events)(\?|$)/, (route) =>
      route.fulfill({ status: 404, contentType: "application/json", body: '{"error":"Not found"}' }),
    );
    await tab.signedIn(tokens.readWrite);
    await tab.search("123456789@c.us");
    expect(await tab.conversation.textContent()).toContain(
      "This deployment does not offer a history of changes yet (GET /api/events answered 404 Not found).",
    );
    const page = await tab.sessions();
    expect(await page.locator("#sessions-message").textContent()).toBe(
      "This deployment does not offer the list of sessions yet (GET /api/sessions answered 404 Not found).",
    );
  });
});

describe("at 375 px wide", () => {
  it("reads without sideways scrolling: sign-in, a conversation, the confirmation, the sessions page", async () => {
    const ids = freshIds("narrow");
    await linkedChat({ ...ids, sessionId: `${ids.sessionId}-with-a-rather-long-session-name-for-a-phone` });
    await mustWrite("PUT", `/api/conversations/${ids.chatId}/aliases/${ids.lid}`);
    const tab = await open({ width: 375, height: 740 });
    expect(await tab.fitsWidth()).toBe(true);
    await tab.signedIn(tokens.readWrite);
    await tab.search(ids.lid);
    expect(await tab.fitsWidth()).toBe(true);
    await tab.request("New session ID", "a-new-session");
    const { dialog } = await tab.confirmation();
    expect((await dialog.boundingBox())?.width).toBeLessThanOrEqual(375);
    await tab.page.keyboard.press("Escape");
    await tab.sessions();
    expect(await tab.fitsWidth()).toBe(true);
  });
});

describe("the screenshot in docs/console.md", () => {
  it.runIf(process.env.UPDATE_SCREENSHOT === "1")(
    "is a conversation, its session and its histories",
    async () => {
      // Names a reader can follow; the suite's database is thrown away after each run.
      const ids = {
        clientId: "acme-store",
        sessionId: "support-line-2",
        chatId: "4915112345678@c.us",
        lid: "270122334455667@lid",
      };
      await mustWrite("PUT", `/api/conversations/${ids.chatId}`, { client_id: null });
      await linkedChat(ids);
      await mustWrite("PUT", `/api/conversations/${ids.chatId}/aliases/${ids.lid}`);
      await mustWrite("PUT", `/api/clients/${ids.clientId}`, { session_id: "support-line-1" });
      await mustWrite(
        "PUT",
        "/api/sessions/support-line-1/status",
        { status: "WORKING" },
        tokens.sessionsWrite,
      );
      const tab = await (await open({ width: 1000, height: 900 })).signedIn(tokens.readWrite);
      await tab.search(ids.lid);
      await tab.page.screenshot({ path: SCREENSHOT, fullPage: true });
    },
  );
});
