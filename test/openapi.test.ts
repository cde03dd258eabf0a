import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../scripts/lib/openapi-document";
import { allowedMethods } from "../src/router";
import { routes } from "../src/routes";
import { request } from "./helpers";

type Operation = {
  operationId: string;
  security?: unknown[];
  responses: Record<
    string,
    { headers?: Record<string, unknown>; content?: Record<string, { examples?: object }> }
  >;
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
};

async function openApiDocument(): Promise<Document> {
  const response = await request("/openapi.json");
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toContain("application/json");
  return (await response.json()) as Document;
}

describe("GET /openapi.json", () => {
  it("is the document generated from the routes' own schemas", async () => {
    const response = await request("/openapi.json");
    const generated = buildOpenApiDocument(routes);
    // Out of date: run `npm run openapi` after changing a route or a schema.
    expect(await response.json()).toEqual(generated);
  });

  it("is an OpenAPI 3.1 document of every route but its own, served without authentication", async () => {
    const document = await openApiDocument();
    expect(document.openapi).toBe("3.1.0");
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => `${method} ${path} ${operation.operationId}`),
    );
    const defined = routes
      .filter(({ spec }) => spec.docs !== undefined)
      .map(({ spec }) => `${spec.method} ${spec.path} ${spec.operationId}`);
    expect(documented.sort()).toEqual(defined.sort());
    expect(defined).toContain("get /api/clients/view getClientSession");
  });

  it("documents the bearer scheme on every /api operation", async () => {
    const document = await openApiDocument();
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    for (const [path, operations] of Object.entries(document.paths)) {
      if (!path.startsWith("/api/")) continue;
      for (const operation of Object.values(operations))
        expect(operation.security).toEqual([{ bearerAuth: [] }]);
    }
  });

  it("documents every status of the lookup, with the original API's example and the contract's headers", async () => {
    const view = (await openApiDocument()).paths["/api/clients/view"]?.get;
    expect(Object.keys(view?.responses ?? {}).sort()).toEqual(
      ["200", "400", "401", "403", "404", "405", "408", "429", "500", "503"].sort(),
    );
    const ok = view?.responses["200"];
    expect(ok?.content?.["application/json"]).toMatchObject({
      example: { success: true, record: { id: "abc123", session_id: "xyz789" } },
    });
    expect(Object.keys(ok?.headers ?? {})).toEqual(
      expect.arrayContaining(["X-Request-Id", "Cache-Control", "X-Content-Type-Options", "Server-Timing"]),
    );
    expect(view?.responses["401"]?.headers).toHaveProperty("WWW-Authenticate");
    expect(view?.responses["405"]?.headers).toHaveProperty("Allow");
    expect(view?.responses["429"]?.headers).toHaveProperty("Retry-After");
    expect(Object.keys(view?.responses["404"]?.content?.["application/json"]?.examples ?? {})).toEqual([
      "Conversation not found",
      "Client not found",
    ]);
  });

  it("documents chatId as required, alt, include and the two request headers as optional, each with an example", async () => {
    const view = (await openApiDocument()).paths["/api/clients/view"]?.get as unknown as {
      parameters: { name: string; in: string; required: boolean; schema: object }[];
    };
    expect(view.parameters).toEqual([
      expect.objectContaining({
        name: "chatId",
        in: "query",
        required: true,
        schema: { type: "string", maxLength: 160, example: "123456789@c.us" },
      }),
      expect.objectContaining({
        name: "alt",
        in: "query",
        required: false,
        schema: { type: "string", maxLength: 160, example: "987654321098765@lid" },
      }),
      expect.objectContaining({
        name: "include",
        in: "query",
        required: false,
        schema: { type: "string", example: "session" },
      }),
      expect.objectContaining({ name: "Cache-Control", in: "header", required: false }),
      expect.objectContaining({ name: "x-d1-bookmark", in: "header", required: false }),
    ]);
  });

  it("documents the alias routes' 409 and every message of their 400 and 404", async () => {
    const aliases = (await openApiDocument()).paths["/api/conversations/{chatId}/aliases/{alias}"];
    const examples = (status: string, method: "put" | "delete") =>
      Object.keys(aliases?.[method]?.responses[status]?.content?.["application/json"]?.examples ?? {});
    expect(examples("409", "put")).toEqual(["Chat ID belongs to another client"]);
    expect(examples("400", "put")).toEqual(["Chat ID is required", "Invalid chat ID", "Invalid alias"]);
    expect(examples("404", "delete")).toEqual(["Conversation not found", "Alias not found"]);
  });
});

describe("the document's server", () => {
  it("is relative, whatever Host the request names", async () => {
    const response = await request("/openapi.json", { headers: { Host: "evil.example" } });
    const document = (await response.json()) as { servers: { url: string }[] };
    expect(document.servers).toEqual([{ url: "/" }]);
    expect(JSON.stringify(document)).not.toContain("evil.example");
  });
});

describe("every path", () => {
  // An example path of each route's path: its parameters filled in.
  const examplePath = (path: string) =>
    path.replaceAll(/\{([^}]+)\}/g, (_, name: string) => (name === "file" ? "scalar.js" : "123456789@c.us"));
  const paths = [...allowedMethods(routes)].map(([path, methods]) => ({ path, methods }));

  it.each(paths)(
    "answers another method on $path with 405 and the Allow of its routes",
    async ({ path, methods }) => {
      const other = ["GET", "POST", "PUT", "DELETE", "PATCH"].find((method) => !methods.includes(method));
      const response = await request(examplePath(path), { method: other ?? "PATCH" });
      expect(response.status).toBe(405);
      expect(response.headers.get("Allow")).toBe(methods.join(", "));
      expect(await response.json()).toEqual({ error: "Method not allowed" });
    },
  );

  it("answers PUT /api/clients/view with the lookup's 405, not as a client named view", async () => {
    const response = await request("/api/clients/view", { method: "PUT" });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET");
  });
});

describe("GET /docs", () => {
  it("serves a page that runs only this origin's scripts, cannot be framed, and renders /openapi.json", async () => {
    const response = await request("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    const policy = response.headers.get("Content-Security-Policy") ?? "";
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self';");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(response.headers.get("X-Frame-Options")).toBe("DENY");
    expect(response.headers.get("X-Request-Id")).toBeTruthy();
    const html = await response.text();
    expect([...html.matchAll(/<script([^>]*)>/g)].map((match) => match[1])).toEqual([
      ' src="/docs/scalar.js"',
      ' src="/docs/init.js"',
    ]);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it.each(["/docs/init.js", "/docs/scalar.js"])(
    "serves %s with the headers every response carries",
    async (path) => {
      const response = await request(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toMatch(/javascript/);
      expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(response.headers.get("Cache-Control")).toBe("no-store");
      expect(response.headers.get("X-Request-Id")).toBeTruthy();
      expect(response.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    },
  );

  it("answers 404 Not found for a file the docs do not have", async () => {
    const response = await request("/docs/nothing.js");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Not found" });
  });
});
