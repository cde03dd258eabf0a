import { describe, expect, it } from "vitest";
import { request } from "./helpers";

const CONSOLE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The security headers of every file of the console, and the headers every response carries. */
function expectConsoleHeaders(response: Response): void {
  expect(response.headers.get("Content-Security-Policy")).toBe(CONSOLE_POLICY);
  expect(response.headers.get("X-Frame-Options")).toBe("DENY");
  expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
  expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  expect(response.headers.get("X-Request-Id")).toBeTruthy();
}

/** Every module the page loads: main.js, and what each module imports, followed to the end. */
async function consoleScripts(): Promise<Map<string, string>> {
  const scripts = new Map<string, string>();
  const pending = ["main.js"];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (scripts.has(file)) continue;
    const response = await request(`/console/${file}`);
    expect(response.status, file).toBe(200);
    const source = await response.text();
    scripts.set(file, source);
    for (const [, imported] of source.matchAll(/^import [^;]*? from "\.\/([\w-]+\.js)";$/gm)) {
      if (imported !== undefined) pending.push(imported);
    }
  }
  return scripts;
}

describe("GET /console", () => {
  it("serves the page under a strict Content-Security-Policy, not framable, with no referrer", async () => {
    const response = await request("/console");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    expectConsoleHeaders(response);
  });

  it("runs one module of this origin, no inline script, style or handler, and loads nothing from elsewhere", async () => {
    const html = await (await request("/console")).text();
    expect([...html.matchAll(/<script([^>]*)>/g)].map((match) => match[1])).toEqual([
      ' type="module" src="/console/main.js"',
    ]);
    expect(html).not.toMatch(/<style|\sstyle=|\son\w+=/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect([...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((match) => match[1])).toEqual([
      "/console/console.css",
    ]);
  });

  it("has exactly one field labelled Token and one labelled Chat ID", async () => {
    const html = await (await request("/console")).text();
    expect([...html.matchAll(/<label for="([\w-]+)">([^<]+)<\/label>/g)].map((match) => match[2])).toEqual([
      "Token",
      "Chat ID",
    ]);
    expect(html).toContain('<input id="token" type="password"');
    expect(html).toContain('<input id="chat-id" type="text"');
  });

  it("serves every script the page imports, and its style sheet, with the same headers", async () => {
    const scripts = await consoleScripts();
    expect([...scripts.keys()].sort()).toEqual([
      "api.js",
      "confirm.js",
      "conversation.js",
      "dom.js",
      "history.js",
      "main.js",
      "sessions.js",
    ]);
    for (const file of [...scripts.keys(), "console.css"]) {
      const response = await request(`/console/${file}`);
      expect(response.headers.get("Content-Type"), file).toMatch(
        file.endsWith(".css") ? /^text\/css/ : /javascript/,
      );
      expectConsoleHeaders(response);
    }
  });

  it("builds the page from data with DOM calls only: no HTML parsing, no eval, no cookie, no other storage", async () => {
    for (const [file, source] of await consoleScripts()) {
      expect(source, file).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setHTML|DOMParser/,
      );
      expect(source, file).not.toMatch(/document\.cookie|localStorage|indexedDB/);
      // The API is this origin's: every request goes to a path.
      expect(source, file).not.toMatch(/https?:\/\//);
    }
  });

  it.each([
    "/console/nothing.js",
    "/console/tsconfig.json",
    "/console/index.html",
    "/console/..%2Fopenapi.json",
    "/console/",
  ])("answers %s with 404 Not found", async (path) => {
    const response = await request(path);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Not found" });
  });

  it.each(["POST", "PUT", "DELETE"])("answers %s /console with 405 and Allow: GET", async (method) => {
    const response = await request("/console", { method });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET");
    expect(await response.json()).toEqual({ error: "Method not allowed" });
  });
});
