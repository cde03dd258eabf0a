import { clientSessionResponseSchema } from "../domain/client";
import { ErrorMessage } from "../errors";
import { WRITE_BODY_MAX_BYTES } from "../middleware/body-limit";
import { BOOKMARK_HEADER, errorResponse, jsonResponse, successResponseSchema } from "../openapi";
import { requestContext, writeAnswer } from "../request-context";
import { defineRoute } from "../router";
import { clientIdParamsSchema, putClientBodySchema } from "./clients.schemas";
import { putClient, removeClient } from "./clients.service";

// The original API documentation's own example.
const EXAMPLE = { success: true as const, record: { id: "abc123", session_id: "xyz789" } };

/** `PUT /api/clients/{id}`. */
const putClientRoute = defineRoute(
  {
    operationId: "putClient",
    method: "put",
    path: "/api/clients/{id}",
    scope: "clients:write",
    request: {
      params: clientIdParamsSchema,
      body: { schema: putClientBodySchema, maxBytes: WRITE_BODY_MAX_BYTES },
    },
    docs: WITH_DOCS && {
      bodyExample: { session_id: "xyz789", name: "Acme", phone: "+15550100" },
      tags: ["Clients"],
      summary: "Create or update a client",
      description:
        "Every cached chat of the client answers its new session at once in this location. Private fields left " +
        "out keep their value.",
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
      },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const { result: record, bookmark } = await putClient(requestContext(c), id, {
      sessionId: body.session_id,
      name: body.name,
      phone: body.phone,
    });
    return writeAnswer(c, bookmark, { success: true, record });
  },
);

/** `DELETE /api/clients/{id}`. */
const deleteClientRoute = defineRoute(
  {
    operationId: "deleteClient",
    method: "delete",
    path: "/api/clients/{id}",
    scope: "clients:write",
    request: { params: clientIdParamsSchema },
    docs: WITH_DOCS && {
      tags: ["Clients"],
      summary: "Delete a client",
      description: 'Its conversations stay, unlinked: their lookups answer "Client not found" at once.',
      responses: {
        200: jsonResponse(
          "The client is deleted.",
          successResponseSchema,
          { success: true },
          BOOKMARK_HEADER,
        ),
        400: errorResponse("The id is not valid.", [ErrorMessage.clientIdInvalid]),
        404: errorResponse("No client has this id.", [ErrorMessage.clientNotFound]),
      },
    },
  },
  async (c) => {
    const { id } = c.req.valid("param");
    const { bookmark } = await removeClient(requestContext(c), id);
    return writeAnswer(c, bookmark, { success: true });
  },
);

/** `/api/clients/{id}`: the writes that keep clients. */
export const clientRoutes = [putClientRoute, deleteClientRoute];
