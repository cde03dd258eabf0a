import { ErrorMessage } from "../errors";
import { errorResponse, jsonResponse } from "../openapi";
import { requestContext } from "../request-context";
import { defineRoute } from "../router";
import type { EventFilter } from "./events.repository";
import { eventsResponseSchema, listEventsQuerySchema } from "./events.schemas";
import { listEvents } from "./events.service";

const EXAMPLE = {
  success: true as const,
  events: [
    {
      id: "evt_6f1c0ab2e9d84f51a3c07b5e2d1f9a40",
      at: "2026-12-05T10:00:00.123Z",
      type: "conversation.linked" as const,
      actor: "crm-sync",
      chat_id: "123456789@c.us",
      client_id: "abc123",
      session_id: "xyz789",
      before: { client_id: "old-client", session_id: "old-session" },
      after: { client_id: "abc123", session_id: "xyz789" },
    },
  ],
  next: "1041",
};

const listEventsRoute = defineRoute(
  {
    operationId: "listEvents",
    scope: "clients:write",
    sessionLimitedTokens: true,
    method: "get",
    path: "/api/events",
    request: { query: listEventsQuerySchema },
    docs: WITH_DOCS && {
      tags: ["Events"],
      summary: "Read the history of changes",
      description:
        "Every write records what it changed, in the same atomic batch as the change: who (`actor`, the token's " +
        "name) did what to which chat, client or session, and when. Filter by one of `chatId` (any id of the " +
        "conversation; its history across merges included), `clientId` or `sessionId`, or none; newest first, a " +
        "page at a time. A session-limited token sees only the events of its sessions' clients and chats. Events " +
        "are kept `EVENTS_RETENTION_DAYS` (90 by default).",
      responses: {
        200: jsonResponse("A page of events, newest first.", eventsResponseSchema, EXAMPLE),
        400: errorResponse("An id, `limit` or `before` is not valid, or more than one filter is given.", [
          ErrorMessage.chatIdRequired,
          ErrorMessage.chatIdInvalid,
          ErrorMessage.clientIdInvalid,
          ErrorMessage.invalidQuery,
        ]),
      },
    },
  },
  async (c) => {
    const { chatId, clientId, sessionId, limit, before } = c.req.valid("query");
    const filter: EventFilter =
      chatId !== undefined
        ? { chatId }
        : clientId !== undefined
          ? { clientId }
          : sessionId !== undefined
            ? { sessionId }
            : {};
    const page = await listEvents(requestContext(c), { filter, limit, before });
    return c.json({ success: true as const, ...page }, 200);
  },
);

/** `/api/events`: the history of every change. */
export const eventRoutes = [listEventsRoute];
