import * as z from "zod";
import { CHAT_ID_MAX_LENGTH, chatIdSchema } from "../domain/chat-id";
import { clientIdSchema } from "../domain/client";
import { EVENT_TYPES } from "../domain/event";
import { lazy } from "../lib/lazy";

/** The most events one page answers; the default is {@link DEFAULT_EVENTS_LIMIT}. */
export const MAX_EVENTS_LIMIT = 200;
export const DEFAULT_EVENTS_LIMIT = 50;

// A cursor is the position of the last event of the previous page.
const CURSOR = /^[1-9][0-9]{0,15}$/;

/** The query of `GET /api/events`: at most one of `chatId`, `clientId`, `sessionId`. */
export const listEventsQuerySchema = /* @__PURE__ */ lazy(() =>
  z
    .object({
      chatId: chatIdSchema()
        .optional()
        .meta({
          param: {
            description:
              "Any id of a conversation, in any spelling: its history, that of the conversations merged into it " +
              "included. The chat id of a deleted conversation finds that conversation's history.",
          },
          example: "123456789@c.us",
          type: "string",
          maxLength: CHAT_ID_MAX_LENGTH,
        }),
      clientId: clientIdSchema()
        .optional()
        .meta({ param: { description: "A client's id: its history." }, example: "abc123" }),
      sessionId: z
        .string()
        .trim()
        .min(1)
        .max(128)
        .optional()
        .meta({
          param: { description: "A WhatsApp session: the history of its clients and chats." },
          example: "xyz789",
        }),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(MAX_EVENTS_LIMIT)
        .default(DEFAULT_EVENTS_LIMIT)
        .meta({ param: { description: `Events per page, 1 to ${MAX_EVENTS_LIMIT}.` }, example: 50 }),
      before: z
        .string()
        .regex(CURSOR, { error: "not a cursor this API answered" })
        .optional()
        .meta({ param: { description: "The `next` of the previous page: the events before it." } }),
    })
    .refine(
      (query) =>
        [query.chatId, query.clientId, query.sessionId].filter((value) => value !== undefined).length <= 1,
      { error: "at most one of chatId, clientId, sessionId", path: [] },
    ),
);

/** The 200 body of `GET /api/events`. Only the OpenAPI document builds it. */
export const eventsResponseSchema = /* @__PURE__ */ lazy(() => {
  const change = z.looseObject({});
  const event = z
    .object({
      id: z.string().meta({
        description: "Unique and never reused: the `webhook-id` of its deliveries.",
        example: "evt_6f1c0ab2e9d84f51a3c07b5e2d1f9a40",
      }),
      at: z
        .string()
        .meta({ description: "When it was recorded (ISO 8601).", example: "2026-12-05T10:00:00.123Z" }),
      type: z.enum(EVENT_TYPES),
      actor: z.string().meta({
        description:
          "The name of the token that made the change, `import`, or `database` (changed in the database directly).",
        example: "crm-sync",
      }),
      chat_id: z.string().optional().meta({ description: "The conversation's chat id (canonical)." }),
      client_id: z.string().optional(),
      session_id: z.string().optional(),
      before: change.optional().meta({ description: "What changed, before (see docs/events.md)." }),
      after: change.optional().meta({ description: "What changed, after." }),
    })
    .meta({ id: "Event" });
  return z
    .object({
      success: z.literal(true),
      events: z.array(event).meta({ description: "Newest first." }),
      next: z
        .string()
        .nullable()
        .meta({ description: "Send it as `before` for the next (older) page; `null`: this is the last." }),
    })
    .meta({ id: "EventsResponse" });
});
