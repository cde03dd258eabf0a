/**
 * The console (`/console`) in a Chromium tab, driven as a person drives it: by its labels and
 * buttons, with the keyboard where a person would use it. Also the API calls the tests make to
 * prepare data and to check what the console changed.
 */
import type { Browser, Locator, Page } from "playwright-core";
import { expect, inject } from "vitest";
import { launchChromium, type PageWatch, watchPage } from "./browser.ts";
import { type Answer, bearer, request, viewPath } from "./support.ts";

export { launchChromium };

let counter = 0;
/** Fresh ids for one test: digits for a phone number and a LID, a client id and a session id. */
export function freshIds(prefix = "console") {
  const run = `${Date.now().toString().slice(-8)}${(counter++).toString().padStart(3, "0")}`;
  return {
    run,
    clientId: `e2e-${prefix}-client-${run}`,
    sessionId: `e2e-${prefix}-session-${run}`,
    chatId: `47${run}@c.us`,
    lid: `8${run}0@lid`,
  };
}

/** A write through the API with `token` (default: the suite's read/write token). */
export function write(
  method: "PUT" | "DELETE",
  path: string,
  body?: unknown,
  token?: string,
): Promise<Answer> {
  return request(path, {
    method,
    headers: { ...bearer(token ?? inject("tokens").readWrite), "Content-Type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

/** A write that must succeed. */
export async function mustWrite(method: "PUT" | "DELETE", path: string, body?: unknown, token?: string) {
  const answer = await write(method, path, body, token);
  expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(200);
  return answer;
}

/** What a bot's lookup answers now (D1, no cache): `client/session`, or the 404's message. */
export async function lookUp(chatId: string): Promise<string> {
  const answer = await request(viewPath(chatId), {
    headers: { ...bearer(inject("tokens").readWrite), "Cache-Control": "no-cache" },
  });
  const body = answer.json as { record?: { id: string; session_id: string }; error?: string };
  return body.record === undefined ? String(body.error) : `${body.record.id}/${body.record.session_id}`;
}

/** A client served by `sessionId`, and its conversation `chatId`, written through the API. */
export async function linkedChat(ids: { clientId: string; sessionId: string; chatId: string }) {
  await mustWrite("PUT", `/api/clients/${encodeURIComponent(ids.clientId)}`, { session_id: ids.sessionId });
  await mustWrite("PUT", `/api/conversations/${encodeURIComponent(ids.chatId)}`, { client_id: ids.clientId });
}

/** The console in a tab of its own (its own session storage), watched for what must not happen. */
export class ConsoleTab {
  private constructor(
    readonly page: Page,
    readonly watch: PageWatch,
  ) {}

  /** Opens `/console` in a fresh browser context. */
  static async open(browser: Browser, viewport = { width: 1000, height: 900 }): Promise<ConsoleTab> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const watch = await watchPage(page, inject("baseUrl"));
    const response = await page.goto(`${inject("baseUrl")}/console`);
    expect(response?.status()).toBe(200);
    return new ConsoleTab(page, watch);
  }

  get token(): Locator {
    return this.page.getByLabel("Token", { exact: true });
  }

  get chatId(): Locator {
    return this.page.getByLabel("Chat ID", { exact: true });
  }

  /** The page's line of errors and confirmations on the conversations page. */
  get message(): Locator {
    return this.page.locator("#conversation-message");
  }

  /** What the conversation shows (ids, client, session, changes, history), as text. */
  get conversation(): Locator {
    return this.page.locator("#conversation");
  }

  /** Types `token` into the Token field and presses Enter. */
  async signIn(token: string): Promise<void> {
    await this.token.fill(token);
    await this.token.press("Enter");
  }

  /** Signs in with `token` and waits for the Chat ID field. */
  async signedIn(token: string): Promise<ConsoleTab> {
    await this.signIn(token);
    await this.chatId.waitFor({ state: "visible" });
    return this;
  }

  /** Types `chatId` into the Chat ID field, presses Enter, and waits until the answer is shown. */
  async search(chatId: string): Promise<void> {
    await this.chatId.fill(chatId);
    const answered = this.page.waitForResponse(
      (response) => response.url().includes("/api/conversations/") && response.request().method() === "GET",
    );
    await this.chatId.press("Enter");
    await answered;
    await this.page.locator("#conversation:not([aria-busy])").waitFor({ state: "attached" });
  }

  /** The history card titled `title` (`History of this conversation`, `History of client …`). */
  history(title: string): Locator {
    return this.conversation.locator("section.card", {
      has: this.page.getByRole("heading", { name: title }),
    });
  }

  /** The text of the fact `term` (`IDs`, `Client`, `Session`) of the conversation shown. */
  async fact(term: string): Promise<string> {
    const detail = this.conversation.locator(`dt:text-is("${term}") + dd`);
    return ((await detail.textContent()) ?? "").trim();
  }

  /** The ids listed for the conversation shown. */
  ids(): Promise<string[]> {
    return this.conversation.locator(".ids code").allTextContents();
  }

  /** The confirmation dialog once it is open: its title and the changes it lists. */
  async confirmation(): Promise<{ dialog: Locator; title: string; changes: string[] }> {
    const dialog = this.page.getByRole("dialog");
    await dialog.waitFor({ state: "visible" });
    const title = (await dialog.getByRole("heading").textContent()) ?? "";
    return { dialog, title, changes: await dialog.locator("li").allTextContents() };
  }

  /**
   * Confirms the open dialog with its action button, and waits for what the page then says: the
   * change's confirmation, `done`, or the words of a refusal (which fail the test).
   */
  async confirm(action: string, done: string): Promise<void> {
    expect(await this.confirmed(action)).toBe(done);
  }

  /** Confirms the open dialog with its action button, and answers what the page then says. */
  async confirmed(action: string): Promise<string> {
    await this.page.getByRole("dialog").getByRole("button", { name: action, exact: true }).click();
    return this.said();
  }

  /**
   * What the conversations page says once a change it confirmed is done or refused (its message
   * line is empty while the confirmation is open).
   */
  async said(): Promise<string> {
    await this.page.locator("#conversation-message:not(:empty)").waitFor({ state: "visible" });
    return (await this.message.textContent()) ?? "";
  }

  /** Fills the change field `label` and presses Enter: the confirmation opens. */
  async request(label: string, value: string): Promise<void> {
    const field = this.page.getByLabel(label, { exact: true });
    await field.fill(value);
    await field.press("Enter");
  }

  /** Opens the sessions page and waits for its list (or its message). */
  async sessions(): Promise<Locator> {
    const answered = this.page.waitForResponse((response) => response.url().endsWith("/api/sessions"));
    await this.page.getByRole("button", { name: "Sessions", exact: true }).click();
    await answered;
    await this.page.locator("#sessions:not([aria-busy])").waitFor({ state: "attached" });
    return this.page.locator("#sessions-page");
  }

  /** Whether the page is no wider than its viewport: nothing to scroll sideways. */
  async fitsWidth(): Promise<boolean> {
    return this.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  }

  /** Fails with what the page did that it must not (outside requests, CSP refusals, errors, dialogs). */
  expectClean(): void {
    expect(this.watch.problems()).toEqual([]);
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}
