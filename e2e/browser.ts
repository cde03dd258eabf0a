/**
 * Headless Chromium for the end-to-end suite: Debian's package (`/usr/bin/chromium`, or
 * `CHROMIUM_PATH`), driven by playwright-core, with nothing that reaches the internet by itself.
 */
import { type Browser, chromium, type Page } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Starts Chromium headless, offline-friendly: no GPU, no sandbox (containers), no background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** What a page did that it must not: checked by {@link PageWatch.problems}. */
export interface PageWatch {
  /** Requests to anywhere but `baseUrl` (and `data:` and `blob:`), each aborted. */
  outside: string[];
  /** Console messages about a refused Content-Security-Policy. */
  refused: string[];
  /** Uncaught exceptions of the page's scripts. */
  errors: string[];
  /** `alert`, `confirm` and `prompt` dialogs, each dismissed: none may ever open. */
  dialogs: string[];
  /** Everything above in one list, empty when the page behaved. */
  problems(): string[];
}

/** Blocks and records every request that leaves `baseUrl`, and records what else went wrong. */
export async function watchPage(page: Page, baseUrl: string): Promise<PageWatch> {
  const watch: PageWatch = {
    outside: [],
    refused: [],
    errors: [],
    dialogs: [],
    problems: () => [
      ...watch.outside.map((url) => `request to ${url}`),
      ...watch.refused.map((text) => `CSP: ${text}`),
      ...watch.errors.map((text) => `error: ${text}`),
      ...watch.dialogs.map((text) => `dialog: ${text}`),
    ],
  };
  await page.route("**/*", (route) => {
    const url = route.request().url();
    const local = url.startsWith(`${baseUrl}/`) || url.startsWith("data:") || url.startsWith("blob:");
    if (local) return route.continue();
    watch.outside.push(url);
    return route.abort();
  });
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) watch.refused.push(message.text());
  });
  page.on("pageerror", (error) => watch.errors.push(error.message));
  page.on("dialog", (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return watch;
}
