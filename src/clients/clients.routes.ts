import { clientSessionResponseSchema } from "../domain/client";
import { ErrorMessage } from "../errors";
import { allowMethods } from "../middleware/allow-methods";
import { requireScope } from "../middleware/auth";
import { writeBodyLimit } from "../middleware/body-limit";
import { limitPerToken } from "../middleware/rate-limit";
import {
  BOOKMARK_HEADER,
  errorResponse,
  jsonResponse,
  protectedRouteErrors,
  successResponseSchema,
} from "../openapi";
import { requestContext } from "../request-context";
import { createRouter, defineRoute } from "../router";
import { clientIdParamsSchema, putClientBodySchema } from "./clients.schemas";
import { putClient, removeClient } from "./clients.service";

// The original API documentation's own example.
const EXAMPLE = { success: true as const, record: { id: "abc123", session_id: "xyz789" } };

const putClientRoute = defineRoute({
  operationId: "putClient",
  method: "put",
  path: "/{id}",
  tags: ["Clients"],
  summary: "Create or update a client",
  description:
    "Every cached chat of the client answers its new session at once in this location. Private fields left " +
    "out keep their value.",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken, writeBodyLimit] as const,
  request: {
    get params() {
      return clientIdParamsSchema();
    },
    body: {
      required: true,
      content: {
        "application/json": {
          get schema() {
            return putClientBodySchema();
          },
          example: { session_id: "xyz789", name: "Acme", phone: "+15550100" },
        },
      },
    },
  },
  responses: {
    200: jsonResponse(
      "The client, created or updated.",
      clientSessionResponseSchema,
      EXAMPLE,
      BOOKMARK_HEADER,
    ),
    400: errorResponse("The id or the body is not valid.", [
      ErrorMessage.clientIdInvalid,
      ErrorMessage.invalidBody,
    ]),
    413: errorResponse("The body is larger than 16 KiB.", [ErrorMessage.payloadTooLarge]),
    ...protectedRouteErrors("clients:write", "PUT, DELETE"),
  },
});

const deleteClientRoute = defineRoute({
  operationId: "deleteClient",
  method: "delete",
  path: "/{id}",
  tags: ["Clients"],
  summary: "Delete a client",
  description: 'Its conversations stay, unlinked: their lookups answer "Client not found" at once.',
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("clients:write"), limitPerToken] as const,
  request: {
    get params() {
      return clientIdParamsSchema();
    },
  },
  responses: {
    200: jsonResponse("The client is deleted.", successResponseSchema, { success: true }, BOOKMARK_HEADER),
    400: errorResponse("The id is not valid.", [ErrorMessage.clientIdInvalid]),
    404: errorResponse("No client has this id.", [ErrorMessage.clientNotFound]),
    ...protectedRouteErrors("clients:write", "PUT, DELETE"),
  },
});

/** `/api/clients/{id}`: the writes that keep clients. */
export const clientsRoutes = createRouter()
  .openapi(putClientRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const { result: record, bookmark } = await putClient(requestContext(c), id, {
      sessionId: body.session_id,
      name: body.name,
      phone: body.phone,
    });
    if (bookmark !== null) c.header("x-d1-bookmark", bookmark);
    return c.json({ success: true as const, record }, 200);
  })
  .openapi(deleteClientRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { bookmark } = await removeClient(requestContext(c), id);
    if (bookmark !== null) c.header("x-d1-bookmark", bookmark);
    return c.json({ success: true as const }, 200);
  });

clientsRoutes.all("/:id", allowMethods("PUT", "DELETE"));
