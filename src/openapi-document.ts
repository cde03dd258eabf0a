/**
 * Builds the OpenAPI 3.1 document from the routes' own definitions and zod schemas. The Worker
 * never imports this module: `npm run openapi` writes its output to src/openapi.generated.json,
 * which the Worker serves, and test/openapi.test.ts fails when that file is out of date.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import type { RouteConfig } from "@hono/zod-openapi";

/** The document's server: relative, so that it describes whichever server serves it. */
export const SERVER_URL = "/";

/**
 * The document of `routes` (paths as mounted), with a server at {@link SERVER_URL}.
 *
 * @param routes - The Worker's documented routes, in the order they were mounted.
 */
export function buildOpenApiDocument(routes: readonly RouteConfig[]) {
  const registry = new OpenAPIRegistry();
  for (const route of routes) registry.registerPath(route);
  registry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An API token made with `npm run token -- create` (shown once, stored as a SHA-256 hash).",
  });
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Chat session lookup API",
      version: "1.0.0",
      license: { name: "MIT", identifier: "MIT" },
      description:
        "Which client a WhatsApp chat belongs to, and which WhatsApp session (connected number) serves that client. " +
        "For bot backends on whatsapp-web.js, Baileys, WAHA and the like.",
    },
    servers: [{ url: SERVER_URL }],
    tags: [
      { name: "Lookup", description: "Which client a chat belongs to, and which session serves it." },
      { name: "Clients", description: "Keep clients and their sessions (`clients:write`)." },
      { name: "Conversations", description: "Link chats to clients (`clients:write`)." },
      { name: "Operations", description: "Liveness." },
    ],
  });
}
