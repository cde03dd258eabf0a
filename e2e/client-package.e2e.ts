/**
 * The client package as a bot gets it: packed, installed from its tarball into a fresh project
 * outside the repository (e2e/bot-project.ts), then, against the running Worker, run as an ES
 * module and as CommonJS on the machine's own Node, type-checked by `tsc`, and bundled for a
 * browser page served at the Worker's origin. (In a Worker: test/client/, in workerd.)
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ErrorMessage } from "../src/errors.ts";
import {
  createBotProject,
  findPlainNode,
  type Packed,
  type PlainNode,
  packClient,
  run,
  TSC,
} from "./bot-project.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let workDir: string;
let project: string;
let node: PlainNode;
let packed: Packed;

beforeAll(async () => {
  node = await findPlainNode();
  workDir = await mkdtemp(join(tmpdir(), "csl-client-package-"));
  project = join(workDir, "bot");
  packed = await packClient(node, workDir);
  await createBotProject(node, project, packed.tarball);
}, 120_000);

afterAll(async () => {
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

let runs = 0;
/** Digits for ids no other run uses: the tour writes its own client and chat. */
const freshRun = () => `${Date.now().toString().slice(-9)}${runs++}`;

/** Runs a fixture script on the plain Node against the Worker, and parses what it printed. */
async function runScript(script: string, runId: string): Promise<Record<string, unknown>> {
  const tokens = inject("tokens");
  const env = {
    BASE_URL: inject("baseUrl"),
    TOKEN: tokens.readWrite,
    SESSIONS_TOKEN: tokens.sessionsWrite,
    RUN: runId,
  };
  return JSON.parse(await run(node, node.path, [script], { cwd: project, env }));
}

/** What tour.mjs answers for `runId`: every method's result, as the contract says. */
function tourResults(runId: string) {
  const clientId = `package-${runId}`;
  const chatId = `49${runId}@c.us`;
  const lid = `77${runId}@lid`;
  const found = { ok: true, clientId, sessionId: `session-${runId}` };
  const written = { ok: true, bookmark: expect.any(String) };
  return {
    health: { ok: true },
    putClient: { ...found, ...written },
    putConversation: { ...written, chatId, clientId, aliases: [] },
    readOwnWrite: found,
    listEvents: {
      ok: true,
      events: [
        {
          id: expect.stringMatching(/^evt_/),
          at: expect.any(String),
          type: "conversation.linked",
          actor: "e2e-read-write",
          chatId,
          clientId,
          sessionId: `session-${runId}`,
          after: { client_id: clientId, session_id: `session-${runId}` },
        },
        {
          id: expect.stringMatching(/^evt_/),
          at: expect.any(String),
          type: "client.upserted",
          actor: "e2e-read-write",
          clientId,
          sessionId: `session-${runId}`,
          after: { session_id: `session-${runId}` },
        },
      ],
      next: null,
    },
    addAlias: { ...written, chatId, clientId, aliases: [lid] },
    byAlt: found,
    batch: {
      ok: true,
      results: [
        found,
        { ok: true, clientId: "abc123", sessionId: "xyz789" },
        { ok: false, status: 400, error: "Invalid chat ID" },
      ],
    },
    getConversation: { ok: true, chatId, clientId, aliases: [lid] },
    putWebhook: {
      ok: true,
      name: `package-${runId}`,
      url: "https://receiver.example.com/hook",
      events: ["client.*"],
      secret: expect.stringMatching(/^whsec_/),
    },
    listWebhooks: {
      ok: true,
      webhooks: [
        {
          name: `package-${runId}`,
          url: "https://receiver.example.com/hook",
          events: ["client.*"],
          disabled: false,
        },
      ],
    },
    deleteWebhook: { ok: true },
    putSessionStatus: {
      ...written,
      sessionId: `session-${runId}`,
      status: "SCAN_QR_CODE",
      since: "2025-12-05T10:00:00.000Z",
    },
    postWahaWebhook: {
      ok: true,
      session: { sessionId: `session-${runId}`, status: "WORKING", since: "2025-12-05T10:00:30.000Z" },
    },
    postEvolutionWebhook: { ok: true, session: null },
    postEvolutionWebhookByEvent: {
      ok: true,
      session: { sessionId: `evolution-${runId}`, status: "FAILED", since: expect.any(String) },
    },
    withSession: { ...found, session: { status: "WORKING", since: "2025-12-05T10:00:30.000Z" } },
    listSessions: [
      {
        sessionId: `session-${runId}`,
        status: "WORKING",
        since: "2025-12-05T10:00:30.000Z",
        clients: 1,
      },
    ],
    removeAlias: written,
    deleteConversation: written,
    deleteClient: written,
    afterDelete: { ok: false, status: 404, error: "Conversation not found" },
    badToken: { ok: false, status: 401, error: "Unauthorized" },
    unreachable: { ok: false, status: 0, error: "Network error" },
    messages: Object.values(ErrorMessage).length,
    maxBatch: 100,
  };
}

/** The first TypeScript block after `heading` in a README. */
async function readmeExample(file: string, heading: string): Promise<string> {
  const text = await readFile(join(ROOT, file), "utf8");
  const block = /```typescript\n([\s\S]*?)```/.exec(text.slice(text.indexOf(heading)));
  if (block?.[1] === undefined) throw new Error(`${file}: no TypeScript example after "${heading}"`);
  return block[1];
}

describe("the client package, installed from its tarball", () => {
  it("ships only its built files and README, with no dependencies or install scripts", async () => {
    const dist = /^dist\/(esm|cjs)\/(client|errors|index|operations|records|results|transport)\.(js|d\.ts)$/;
    const unexpected = packed.files.filter(
      (file) =>
        !dist.test(file) && !["LICENSE", "README.md", "package.json", "dist/cjs/package.json"].includes(file),
    );
    expect(unexpected).toEqual([]);
    expect(packed.files).toEqual(
      expect.arrayContaining([
        "dist/esm/index.js",
        "dist/esm/index.d.ts",
        "dist/cjs/index.js",
        "dist/cjs/index.d.ts",
      ]),
    );
    expect(packed.size).toBeLessThan(20_000);

    const manifest = JSON.parse(
      await readFile(join(project, "node_modules", "chat-session-lookup-client", "package.json"), "utf8"),
    );
    expect(manifest).toMatchObject({ version: "0.1.0", license: "MIT", engines: { node: ">=20" } });
    expect(manifest.dependencies).toBeUndefined();
    for (const hook of ["preinstall", "install", "postinstall", "prepare"]) {
      expect(manifest.scripts?.[hook], hook).toBeUndefined();
    }
  });

  it("runs as an ES module on the machine's own Node, every method against the Worker", async () => {
    const runId = freshRun();
    const result = await runScript("esm.mjs", runId);
    expect(result).toEqual({
      node: node.version,
      resolved: pathToFileURL(join(project, "node_modules/chat-session-lookup-client/dist/esm/index.js"))
        .href,
      ...tourResults(runId),
    });
    expect(node.version, `${node.path} is the machine's Node`).toMatch(/^v(2\d|[3-9]\d)\./);
  });

  it("runs as CommonJS on the machine's own Node", async () => {
    const result = await runScript("cjs.cjs", freshRun());
    expect(result).toEqual({
      node: node.version,
      resolved: join(project, "node_modules/chat-session-lookup-client/dist/cjs/index.js"),
      demo: { ok: true, clientId: "abc123", sessionId: "xyz789" },
      unknown: { ok: false, status: 404, error: "Conversation not found" },
      batch: {
        ok: true,
        results: [
          { ok: true, clientId: "abc123", sessionId: "xyz789" },
          { ok: false, status: 400, error: "Chat ID is required" },
        ],
      },
      messages: Object.values(ErrorMessage).length,
    });
  });

  it("type-checks, strict and with its declarations checked, with Node's types or the DOM's alone", async () => {
    // docs/client.md's example is compiled and run by e2e/docs-examples.e2e.ts, with the page's own steps.
    await writeFile(
      join(project, "readme-package.mts"),
      await readmeExample("packages/client/README.md", "## Example"),
    );
    // Both at once; --listFiles prints the files of the program it has checked.
    const [files] = await Promise.all([
      run(node, node.path, [TSC, "-p", "tsconfig.node.json", "--listFiles"], { cwd: project }),
      run(node, node.path, [TSC, "-p", "tsconfig.dom.json"], { cwd: project }),
    ]);
    // The ES module file reads the ESM declarations, the CommonJS one the CJS declarations.
    const declarations = files.split("\n").filter((file) => file.includes("chat-session-lookup-client/dist"));
    expect(declarations.some((file) => file.endsWith("dist/esm/index.d.ts"))).toBe(true);
    expect(declarations.some((file) => file.endsWith("dist/cjs/index.d.ts"))).toBe(true);
  }, 90_000);
});

describe("the client package in a browser", () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it("bundles for the browser with nothing of Node, and runs every method from a page", async () => {
    const bundle = await build({
      absWorkingDir: project,
      entryPoints: ["browser.mjs"],
      bundle: true,
      platform: "browser",
      format: "esm",
      target: "es2022",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const code = bundle.outputFiles[0]?.text ?? "";
    expect(Object.keys(bundle.metafile.inputs)).toContain(
      "node_modules/chat-session-lookup-client/dist/esm/client.js",
    );
    expect(code).not.toMatch(/\bnode:|\brequire\(/);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
    const page = await browser.newPage();
    const baseUrl = inject("baseUrl");
    const runId = freshRun();
    const tokens = inject("tokens");
    const options = { baseUrl, token: tokens.readWrite, sessionsToken: tokens.sessionsWrite, run: runId };
    // Served at the Worker's own origin, so that the client's requests are same-origin.
    const pageUrl = `${baseUrl}/client-package-test.html`;
    await page.route(pageUrl, (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><meta charset="utf-8"><script>globalThis.tourOptions = ${JSON.stringify(options)};</script><script type="module">${code.replaceAll("</script", "<\\/script")}</script>`,
      }),
    );
    const methods: string[] = [];
    page.on("request", (request) => methods.push(request.method()));

    await page.goto(pageUrl);
    expect(await page.evaluate("globalThis.tourDone")).toEqual(tourResults(runId));
    expect(methods).not.toContain("OPTIONS");
  }, 60_000);
});
