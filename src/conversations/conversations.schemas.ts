import { z } from "@hono/zod-openapi";
import { aliasSchema, CHAT_ID_MAX_LENGTH, chatIdSchema } from "../domain/chat-id";
import { clientIdSchema } from "../domain/client";

const chatIdParam = chatIdSchema.openapi({
  param: {
    description:
      "Any id of the conversation: its chat id or one of its aliases, in any spelling (`N@s.whatsapp.net` and " +
      "`N:12@s.whatsapp.net` are `N@c.us`). A new conversation is stored under the canonical form.",
  },
  example: "123456789@c.us",
  type: "string",
  maxLength: CHAT_ID_MAX_LENGTH,
});

/** The `{chatId}` path parameter of the conversation routes, canonicalised. */
export const chatIdParamsSchema = z.object({ chatId: chatIdParam });

/** The `{chatId}` and `{alias}` path parameters of the alias routes, canonicalised. */
export const aliasParamsSchema = z.object({
  chatId: chatIdParam,
  alias: aliasSchema.openapi({
    param: {
      description:
        "Another id of the same person: a phone-number id (`N@c.us`, `N@s.whatsapp.net`) or a LID (`N@lid`).",
    },
    example: "987654321098765@lid",
    type: "string",
    maxLength: CHAT_ID_MAX_LENGTH,
  }),
});

/** The body of `PUT /api/conversations/{chatId}`: unknown fields are refused. */
export const putConversationBodySchema = z
  .strictObject({
    client_id: clientIdSchema.nullable().openapi({
      description: "The client this chat belongs to, or `null` to unlink it.",
      example: "abc123",
    }),
  })
  .openapi("PutConversationBody");

const conversationSchema = z
  .object({
    chat_id: z
      .string()
      .openapi({ description: "The conversation's own chat id (canonical).", example: "123456789@c.us" }),
    client_id: z.string().nullable().openapi({ example: "abc123" }),
    aliases: z
      .array(z.string())
      .openapi({ description: "Its other ids (canonical), sorted.", example: ["987654321098765@lid"] }),
  })
  .openapi("Conversation");

/** The 200 body of the conversation routes that answer a conversation. */
export const conversationResponseSchema = z
  .object({ success: z.literal(true), record: conversationSchema })
  .openapi("ConversationResponse");
