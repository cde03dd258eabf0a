import { z } from "@hono/zod-openapi";
import { CHAT_ID_MAX_LENGTH, CONTROL_CHARACTERS, chatIdSchema } from "../chat-id";
import { ErrorMessage } from "../errors";

// Printable, URL-safe identifiers: what a bot backend uses for its own ids.
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

/** A client id in a path: 1 to 128 URL-safe characters. */
export const clientIdSchema = z
  .string({ error: ErrorMessage.clientIdInvalid })
  .max(128, { error: ErrorMessage.clientIdInvalid })
  .regex(IDENTIFIER, { error: ErrorMessage.clientIdInvalid });

/** The `{id}` path parameter of the client routes. */
export const clientIdParamsSchema = z.object({
  id: clientIdSchema.openapi({ param: { description: "The client's id." }, example: "abc123" }),
});

/** The query of `GET /api/clients/view`. */
export const viewClientQuerySchema = z.object({
  chatId: chatIdSchema.openapi({
    param: {
      description:
        "The WhatsApp chat id (`user@server`). `N@s.whatsapp.net` and `N@c.us` name the same chat, and so do ids with a `:device` part.",
    },
    example: "123456789@c.us",
    type: "string",
    maxLength: CHAT_ID_MAX_LENGTH,
  }),
});

const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !CONTROL_CHARACTERS.test(value), { message: "must not contain control characters" });

/** The body of `PUT /api/clients/{id}`: unknown fields are refused. */
export const putClientBodySchema = z
  .strictObject({
    session_id: text(128).trim().min(1).openapi({
      description: "The WhatsApp session (connected number) that serves this client.",
      example: "xyz789",
    }),
    name: text(200).nullable().optional().openapi({ description: "Private: never returned by the lookup." }),
    phone: text(32).nullable().optional().openapi({ description: "Private: never returned by the lookup." }),
  })
  .openapi("PutClientBody");

/** A lookup's record: exactly `id` and `session_id`. */
export const clientSessionSchema = z
  .object({
    id: z.string().openapi({ description: "The client's id.", example: "abc123" }),
    session_id: z.string().openapi({
      description: "The WhatsApp session (connected number) that serves the client.",
      example: "xyz789",
    }),
  })
  .openapi("ClientSession");

/** The 200 body of the lookup and of `PUT /api/clients/{id}`. */
export const clientSessionResponseSchema = z
  .object({ success: z.literal(true), record: clientSessionSchema })
  .openapi("ClientSessionResponse");
