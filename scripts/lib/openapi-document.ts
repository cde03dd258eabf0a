/**
 * Builds the OpenAPI 3.1 document from the routes' own definitions and zod schemas, adding what
 * each definition implies: its security and the errors of a token-checked route from its scope,
 * its 405 and `Allow` from the routes that share its path, its 413 from its body limit (none for a
 * body its handler reads itself). The
 * Worker never imports this module: `npm run openapi` writes its output to public/openapi.json,
 * which the Worker serves, and test/openapi.test.ts fails when that file is out of date.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import type { RouteConfig } from "@hono/zod-openapi";
import { ErrorMessage } from "../../src/errors";
import { errorResponse, header } from "../../src/openapi";
import { allowedMethods, type Route, type RouteDocs, type RouteSpec } from "../../src/router";

/** The document's server: relative, so that it describes whichever server serves it. */
export const SERVER_URL = "/";

const RETRY_AFTER = { "Retry-After": header("Seconds to wait before trying again.") };

/** The errors every route behind a bearer token may answer. */
function tokenCheckedErrors(spec: RouteSpec & { scope: string }) {
  const { scope } = spec;
  const budgets = (spec.limits ?? []).map((limit) => limit.description);
  const overLimit =
    budgets.length === 0
      ? "The token is over its rate limit."
      : `The token is over its rate limit, or over its own budget for ${budgets.join(" or for ")}.`;
  return {
    401: errorResponse(
      "No valid bearer token: missing, another scheme, unknown, expired or revoked.",
      [ErrorMessage.unauthorized],
      {
        "WWW-Authenticate": header(
          '`Bearer realm="clients-api"`, plus `error="invalid_token"` when a token was sent.',
        ),
      },
    ),
    403: errorResponse(`The token lacks the \`${scope}\` scope.`, [ErrorMessage.permissionDenied]),
    408: errorResponse("Storage did not answer within `LOOKUP_TIMEOUT_MS`.", [ErrorMessage.requestTimeout]),
    429: errorResponse(overLimit, [ErrorMessage.tooManyRequests], RETRY_AFTER),
    500: errorResponse("An unexpected failure; details go to the logs, never to the caller.", [
      ErrorMessage.internal,
    ]),
    503: errorResponse(
      "The database stayed too busy within `LOOKUP_TIMEOUT_MS`; nothing was written.",
      [ErrorMessage.serviceUnavailable],
      RETRY_AFTER,
    ),
  };
}

/** A route's definition as the OpenAPI generator takes it. */
function operationOf(spec: RouteSpec, docs: RouteDocs, allow: string): RouteConfig {
  const { query, params, headers, body } = spec.request ?? {};
  const request: NonNullable<RouteConfig["request"]> = {
    ...(query !== undefined && { query: query() as never }),
    ...(params !== undefined && { params: params() as never }),
    ...(headers !== undefined && { headers: headers() as never }),
    ...(body !== undefined && {
      body: {
        required: true,
        content: { "application/json": { schema: body.schema(), example: docs.bodyExample } },
      },
    }),
  };
  return {
    operationId: spec.operationId,
    method: spec.method,
    path: spec.path,
    tags: docs.tags,
    summary: docs.summary,
    ...(docs.description !== undefined && { description: docs.description }),
    security: spec.scope === null ? [] : [{ bearerAuth: [] }],
    ...(Object.keys(request).length > 0 && { request }),
    responses: {
      ...docs.responses,
      ...(body !== undefined &&
        body.raw !== true && {
          413: errorResponse(`The body is larger than ${body.maxBytes / 1024} KiB.`, [
            ErrorMessage.payloadTooLarge,
          ]),
        }),
      ...(spec.scope !== null && tokenCheckedErrors({ ...spec, scope: spec.scope })),
      405: errorResponse("Another method on this path.", [ErrorMessage.methodNotAllowed], {
        Allow: header(`\`${allow}\``),
      }),
    },
  };
}

/**
 * The document of `routes`, with a server at {@link SERVER_URL}.
 *
 * @param routes - The Worker's routes (src/routes.ts), built with their documentation
 *   (src/with-docs.d.ts); those without any are left out.
 * @throws {Error} when the routes were built without their documentation.
 */
export function buildOpenApiDocument(routes: readonly Route[]) {
  const allowed = allowedMethods(routes);
  const registry = new OpenAPIRegistry();
  for (const { spec } of routes) {
    if (spec.docs === undefined) continue;
    if (spec.docs === false) {
      throw new Error(`${spec.operationId}: built without its documentation (see src/with-docs.d.ts)`);
    }
    registry.registerPath(operationOf(spec, spec.docs, (allowed.get(spec.path) ?? []).join(", ")));
  }
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
